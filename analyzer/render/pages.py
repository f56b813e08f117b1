"""The site's generated Markdown pages, rendered from `templates/*.md.jinja` and the plain site data.

Templates receive dicts of numbers and strings (the output of `analyzer.site.data.collect`) plus the
formatted facts below; they never see a model, and nothing here computes a figure. `environment()`
is the only Jinja environment (the site's pages and the tests render through it), and `Site.linker`
and `Site.href` the only way a page links to a model's page. Every template opens with a
`{# Context: ... #}` comment naming what it receives, and an undefined name fails the build
(StrictUndefined).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2

from analyzer.paths import HISTORY, TEMPLATES
from analyzer.render import charts, diagram, model_charts, runtime_charts
from analyzer.render.links import model_page, relative
from analyzer.render.numbers import binary_bytes, field, grouped, percent, shape, si, significant, times
from analyzer.render.report import rf_cell

Model = dict[str, Any]


class PageError(ValueError):
    """A template or history text that cannot be rendered; the message names the file."""


def cell(text: Any) -> str:
    """Free text made safe for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def facts(model: Model) -> dict[str, Any]:
    """The formatted numbers a history text may quote (`m` in its template)."""
    p = model["profile"]
    t = p["totals"]
    rf = p["receptive_field"]
    head = model["headline"] or {}
    return {
        "name": model["name"],
        "display_name": model["display_name"],
        "year": model["year"],
        "params": si(t["params"]),
        "params_exact": grouped(t["params"]),
        "macs": si(t["macs"]),
        "macs_exact": grouped(t["macs"]),
        "flops": si(t["flops"]),
        "weights_size": binary_bytes(t["weight_bytes"]),
        "weights_fp16": binary_bytes(model["weight_bytes_fp16"]),
        "peak_activations": binary_bytes(t["peak_activation_bytes"]),
        "rf": f"{field(rf)} px" if rf else "",
        "rf_layer": rf["layer"] if rf else "",
        "top1": percent(head.get("top1")),
        "top1_protocol": head.get("protocol", ""),
        "metric": head.get("metric", ""),
        "input": shape(model["input_shape"]),
        "conv_layers": model["conv_layers"],
    }


@dataclass(frozen=True)
class Site:
    """The site's data, indexed, and the helpers every text template may call."""

    data: dict[str, Any]
    # Idea slug -> its page, for the ideas that have a template.
    idea_pages: dict[str, str]

    @property
    def models(self) -> list[Model]:
        return self.data["models"]

    @cached_property
    def by_name(self) -> dict[str, Model]:
        return {m["name"]: m for m in self.models}

    def ratio(self, a: str, b: str, key: str) -> str:
        """`ratio(a, b, key)`: the collected ratio of model a's total `key` to model b's, formatted."""
        ratios = self.data["ratios"]
        if key not in ratios:
            raise PageError(f"ratio key must be one of {', '.join(ratios)}, got {key!r}")
        for n in (a, b):
            if n not in ratios[key]:
                raise PageError(f"ratio names unknown model {n!r}")
        value = ratios[key][a][b]
        if value is None:
            raise PageError(f"ratio of {a!r} to {b!r} divides by a zero {key}")
        return times(value)

    def href(self, page: str) -> Callable[[str], str]:
        """`href(name)` for a page at `page`: the address of that model's page, relative to it."""
        models = self.by_name

        def href(name: str) -> str:
            if name not in models:
                raise PageError(f"link names unknown model {name!r}")
            return relative(model_page(name), page)

        return href

    def linker(self, page: str) -> Callable[[str], str]:
        """`link(name)` for a page at `page`: a Markdown link to that model's page, relative to it."""
        href = self.href(page)

        def link(name: str) -> str:
            return f"[{self.by_name[name]['display_name']}]({href(name)})" if name in self.by_name else href(name)

        return link

    def tag_titles(self, page: str) -> dict[str, str]:
        """Each idea tag as a Markdown link from `page`: its title, to the page that explains it."""
        titles = self.data["tag_titles"]
        return {tag: f"[{titles[tag]}]({link})" for tag, link in self.tag_links(page).items()}

    def tag_links(self, page: str) -> dict[str, str]:
        """Each idea tag's link from `page`: the idea page that explains it, else its index section."""
        target = {tag: f"ideas/index.md#{tag}" for tag in self.data["idea_tags"]}
        for idea in self.data["ideas"]:
            if idea.slug in self.idea_pages:
                target.update({tag: self.idea_pages[idea.slug] for tag in idea.tags})
        return {tag: relative(t, page) for tag, t in target.items()}

    def text_context(self, page: str) -> dict[str, Any]:
        """What history, idea and claim texts receive: contracts section 3."""
        return {
            "models": {m["name"]: facts(m) for m in self.models},
            "ratio": self.ratio,
            "link": self.linker(page),
            "href": self.href(page),
        }


def idea_pages(ideas: list[Any]) -> dict[str, str]:
    """Each idea's page, by slug."""
    return {i.slug: f"ideas/{i.slug}.md" for i in ideas}


def environment(templates: Path = TEMPLATES) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(
        si=si,
        grouped=grouped,
        sig=significant,
        device=runtime_charts.device_label,
        bytes=binary_bytes,
        shape=shape,
        field=field,
        rf=rf_cell,
        ratio=times,
        percent=percent,
        cell=cell,
        colour=charts.family_colour,
    )
    return env


def _render(
    env: jinja2.Environment, template: str | jinja2.Template, context: dict[str, Any], origin: str
) -> str:
    try:
        compiled = env.get_template(template) if isinstance(template, str) else template
        return compiled.render(**context)
    except (jinja2.TemplateError, PageError, TypeError, KeyError, ZeroDivisionError) as exc:
        raise PageError(f"{origin}: {type(exc).__name__}: {exc}") from exc


def render_text(env: jinja2.Environment, source: Path, site: Site, page: str, **extra: Any) -> str:
    """A Jinja-templated Markdown text kept beside the code (history, topic), rendered for `page`."""
    try:
        template = env.from_string(source.read_text(encoding="utf-8"))
    except jinja2.TemplateSyntaxError as exc:
        raise PageError(f"{source}: line {exc.lineno}: {exc.message}") from exc
    return _render(env, template, {**site.text_context(page), **extra}, str(source))


def _neighbour(model: Model | None) -> dict[str, str] | None:
    return {"name": model["name"], "display_name": model["display_name"]} if model else None


def model_context(site: Site, index: int, env: jinja2.Environment, history: Path) -> dict[str, Any]:
    model = site.models[index]
    name = model["name"]
    page = model_page(name)
    source = history / f"{name}.md"
    text = render_text(env, source, site, page, m=facts(model)) if source.is_file() else None
    models = site.by_name
    devices = [d for d in site.data["runtime"] if name in d["models"]]
    timed = next((d for d in devices if d["models"][name]["layers"]), None)
    times = {r["name"]: r["time_ms"] for r in timed["models"][name]["layers"]["rows"]} if timed else None
    figures = {
        "layers": charts.chart_html(
            "layers",
            model_charts.layer_costs(model, times, runtime_charts.device_label(timed) if timed else ""),
            height=700 if timed else 520,
        ),
        "rf": (
            charts.chart_html("receptive-field", model_charts.receptive_growth(model), height=380)
            if model["profile"]["receptive_field"]
            else None
        ),
        "erf": charts.chart_html("effective-field", model_charts.effective_field(model), height=520)
        if model["erf"]
        else None,
        "runtime": charts.chart_html("runtime", model_charts.model_runtime(model, devices), height=380)
        if devices
        else None,
        "diagram": diagram.svg(model["diagram"], title=model["display_name"]),
        "diagram_detail": diagram.svg(model["diagram_detail"], title=model["display_name"])
        if model["diagram_detail"]
        else None,
    }
    return {
        "model": model,
        "m": facts(model),
        "history": text,
        "figures": figures,
        "devices": devices,
        "timed": timed,
        "previous": _neighbour(site.models[index - 1] if index else None),
        "next": _neighbour(site.models[index + 1] if index + 1 < len(site.models) else None),
        "predecessor": models[model["predecessor"]["name"]] if model["predecessor"] else None,
        "paper_model": models[model["variant_of"]] if model["variant_of"] else None,
        "variants": [models[v] for v in model["variants"]],
        "facts": {m["name"]: facts(m) for m in site.models},
        "tag_links": site.tag_links(page),
        "tags": site.tag_titles(page),
        "href": site.href(page),
    }


def _comparison_figures(site: Site) -> dict[str, Any]:
    """Charts 1, 2 and 6 (from the models) and 3 and 4 for each measured device."""
    models = site.models
    figures = {
        "bubble": charts.chart_html("bubble", charts.bubble(models), height=560),
        "accuracy": charts.chart_html("accuracy", charts.accuracy_bars(models)),
        "density": charts.chart_html("density", charts.accuracy_density(models)),
        "timeline_accuracy": charts.chart_html("timeline-accuracy", charts.timeline_accuracy(models)),
        "timeline_macs": charts.chart_html("timeline-macs", charts.timeline_macs(models)),
        "rf_accuracy": charts.chart_html("rf-accuracy", charts.rf_accuracy(models)),
    }
    devices = []
    for i, device in enumerate(site.data["runtime"]):
        devices.append(
            {
                "device": device["device"],
                "label": device["label"],
                "fit": device["fit"]["line"],
                "ops_fit": device["fit"]["ops_line"],
                "fit_batch": device["fit"]["batch"],
                "latency": charts.chart_html(
                    f"latency-{i}", runtime_charts.latency_by_batch(device, models), height=520
                ),
                "throughput": charts.chart_html(
                    f"throughput-{i}", runtime_charts.throughput_by_batch(device, models), height=520
                ),
                "macs_latency": charts.chart_html(f"macs-latency-{i}", runtime_charts.latency_fit(device, models)),
                "ops_latency": charts.chart_html(f"ops-latency-{i}", runtime_charts.latency_fit(device, models, "ops")),
            }
        )
    figures["devices"] = devices
    return figures


def headline_runtime(site: Site) -> list[dict[str, Any]]:
    """Per device, each model's row at the largest and at the smallest batch measured (the comparison's
    columns: throughput at the largest batch, batch-1 latency with its spread)."""
    return [
        {
            "device": device["device"],
            "label": device["label"],
            "largest": {name: m["largest"] for name, m in device["models"].items() if m["largest"]},
            "smallest": {name: m["smallest"] for name, m in device["models"].items() if m["smallest"]},
        }
        for device in site.data["runtime"]
    ]


def idea_page(env: jinja2.Environment, site: Site, idea: Any) -> str:
    """The page of one design idea (templates/ideas/<slug>.md.jinja)."""
    page = site.idea_pages[idea.slug]
    return _render(
        env, f"ideas/{idea.slug}.md.jinja", {**site.text_context(page), "idea": idea, "ideas": site.data["ideas"]}, page
    )


def claims_page(env: jinja2.Environment, site: Site) -> str:
    """The page that checks the source article's claims (templates/claims.md.jinja)."""
    context = {**site.text_context("claims.md"), "claims": site.data["claims"]}
    return _render(env, "claims.md.jinja", context, "claims.md")


@dataclass(frozen=True)
class Rendered:
    """The generated pages (docs-relative path -> Markdown) and the navigation that lists them."""

    pages: dict[str, str]
    nav: list[Any]


def render_site(
    data: dict[str, Any],
    templates: Path = TEMPLATES,
    history: Path = HISTORY,
    handwritten: tuple[str, ...] = (),
) -> Rendered:
    """Every generated page, and the navigation over them and the hand-written pages given."""
    env = environment(templates)
    ideas = data["ideas"]
    site = Site(data, idea_pages(ideas))
    models = site.models
    common = {
        "models": models,
        "facts": {m["name"]: facts(m) for m in models},
        "runtime": headline_runtime(site),
        "figures": _comparison_figures(site),
        "tag_links": site.tag_links("index.md"),
        "tags": site.tag_titles("index.md"),
        "href": site.href("index.md"),
    }
    pages = {
        name: _render(env, f"{name.removesuffix('.md')}.md.jinja", common, name)
        for name in ("home.md", "comparison.md", "timeline.md")
    }
    pages["index.md"] = pages.pop("home.md")
    pages["reference/devices.md"] = _render(
        env, "devices.md.jinja", {"devices": data["runtime"]}, "devices.md.jinja"
    )
    for i, model in enumerate(models):
        pages[model_page(model["name"])] = _render(
            env, "model.md.jinja", model_context(site, i, env, history), f"model.md.jinja for {model['name']}"
        )
    topics = sorted((history / "topics").glob("*.md")) if (history / "topics").is_dir() else []
    for source in topics:
        page = f"history/topics/{source.name}"
        pages[page] = render_text(env, source, site, page)
    for idea in ideas:
        page = site.idea_pages.get(idea.slug)
        if page:
            pages[page] = idea_page(env, site, idea)
    introduced = {tag: [m for m in models if tag in m["ideas"]] for tag in data["idea_tags"]}
    pages["ideas/index.md"] = _render(
        env,
        "ideas_index.md.jinja",
        {
            "ideas": ideas,
            "introduced": introduced,
            "tag_titles": data["tag_titles"],
            "pages": {slug: page.removeprefix("ideas/") for slug, page in site.idea_pages.items()},
            "href": site.href("ideas/index.md"),
        },
        "ideas/index.md",
    )
    pages["claims.md"] = claims_page(env, site)
    reference = sorted(p for p in handwritten if p.startswith("reference/")) + ["reference/devices.md"]
    nav = [
        {"Home": "index.md"},
        {
            "History": [{m["display_name"]: model_page(m["name"])} for m in models]
            + ([{"Topics": [f"history/topics/{s.name}" for s in topics]}] if topics else [])
        },
        {"Design ideas": ["ideas/index.md", *site.idea_pages.values()]},
        {"Claims checked": "claims.md"},
        {"Comparison": "comparison.md"},
        {"Timeline": "timeline.md"},
        {"Methodology": "methodology.md"},
        {"Reference": reference},
    ]
    return Rendered(pages, nav)
