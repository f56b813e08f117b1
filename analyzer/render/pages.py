"""The site's generated Markdown pages, rendered from `templates/*.md.jinja` and the plain site data.

Templates receive dicts of numbers and strings (the output of `analyzer.sitedata.collect`) plus the
formatted facts below; they never see a model. Every template opens with a `{# Context: ... #}`
comment naming what it receives, and an undefined name fails the build (StrictUndefined).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2

from analyzer.render import charts
from analyzer.render.numbers import binary_bytes, field, grouped, shape, si
from analyzer.render.report import _rf_cell as rf_cell

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
HISTORY = ROOT / "analyzer" / "archs" / "history"
RATIO_KEYS = ("params", "macs", "flops")

Model = dict[str, Any]


class PageError(ValueError):
    """A template or history text that cannot be rendered; the message names the file."""


def ratio_text(value: float) -> str:
    """8.47 -> '8.5x', 2306.4 -> '2,306x', 0.0431 -> '0.043x'."""
    return f"{value:,.0f}x" if value >= 10 else f"{value:.2g}x"


def percent(value: float | None) -> str:
    return f"{value:g}%" if value is not None else ""


def cell(text: Any) -> str:
    """Free text made safe for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def title_of(markdown: str, default: str) -> str:
    """The page title mkdocs will show: its first level-1 heading."""
    return next((line[2:].strip() for line in markdown.splitlines() if line.startswith("# ")), default)


def facts(model: Model) -> dict[str, Any]:
    """The formatted numbers a history text may quote (`m` in its template)."""
    p = model["profile"]
    t = p["totals"]
    rf = p["receptive_field"]
    head = model["headline"] or {}
    return {
        "name": model["name"], "display_name": model["display_name"], "year": model["year"],
        "params": si(t["params"]), "params_exact": grouped(t["params"]),
        "macs": si(t["macs"]), "macs_exact": grouped(t["macs"]), "flops": si(t["flops"]),
        "weights_size": binary_bytes(t["weight_bytes"]), "weights_fp16": binary_bytes(model["weight_bytes_fp16"]),
        "peak_activations": binary_bytes(t["peak_activation_bytes"]),
        "rf": f"{field(rf)} px" if rf else "", "rf_layer": rf["layer"] if rf else "",
        "top1": percent(head.get("top1")), "top1_protocol": head.get("protocol", ""),
        "input": shape(model["input_shape"]), "conv_layers": model["conv_layers"],
    }


def model_page(name: str) -> str:
    """A model's page, relative to the docs root."""
    return f"history/{name}.md"


@dataclass(frozen=True)
class Site:
    """The site's data, indexed, and the helpers every text template may call."""

    models: list[Model]
    data: dict[str, Any]

    @property
    def by_name(self) -> dict[str, Model]:
        return {m["name"]: m for m in self.models}

    def ratio(self, a: str, b: str, key: str) -> str:
        if key not in RATIO_KEYS:
            raise PageError(f"ratio key must be one of {', '.join(RATIO_KEYS)}, got {key!r}")
        models = self.by_name
        for n in (a, b):
            if n not in models:
                raise PageError(f"ratio names unknown model {n!r}")
        return ratio_text(models[a]["profile"]["totals"][key] / models[b]["profile"]["totals"][key])

    def linker(self, page: str) -> Callable[[str], str]:
        """`link(name)` for a page at `page`: a Markdown link to that model's page, relative to it."""
        models = self.by_name

        def link(name: str) -> str:
            if name not in models:
                raise PageError(f"link names unknown model {name!r}")
            target = posixpath.relpath(model_page(name), posixpath.dirname(page) or ".")
            return f"[{models[name]['display_name']}]({target})"

        return link

    def text_context(self, page: str) -> dict[str, Any]:
        """What history, idea and claim texts receive: contracts section 3."""
        return {"models": {m["name"]: facts(m) for m in self.models}, "ratio": self.ratio, "link": self.linker(page)}


def environment(templates: Path = TEMPLATES) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters.update(si=si, grouped=grouped, bytes=binary_bytes, shape=shape, field=field, rf=rf_cell,
                       ratio=ratio_text, percent=percent, cell=cell, colour=charts.family_colour)
    return env


def _render(env: jinja2.Environment, template: str | jinja2.Template, context: dict[str, Any], origin: str) -> str:
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
    figures = {"layers": charts.chart_html("layers", charts.layer_costs(model), height=520)}
    if model["profile"]["receptive_field"]:
        figures["rf"] = charts.chart_html("receptive-field", charts.receptive_growth(model), height=380)
    if devices:
        figures["runtime"] = charts.chart_html("runtime", charts.model_runtime(model, devices), height=380)
    return {
        "model": model, "m": facts(model), "history": text, "figures": figures, "devices": devices,
        "previous": _neighbour(site.models[index - 1] if index else None),
        "next": _neighbour(site.models[index + 1] if index + 1 < len(site.models) else None),
        "predecessor": models[model["predecessor"]["name"]] if model["predecessor"] else None,
        "paper_model": models[model["variant_of"]] if model["variant_of"] else None,
        "variants": [models[v] for v in model["variants"]],
        "facts": {m["name"]: facts(m) for m in site.models},
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
        devices.append({
            "device": device["device"], "fit": device["fit"]["line"], "fit_batch": device["fit"]["batch"],
            "latency": charts.chart_html(f"latency-{i}", charts.latency_by_batch(device, models), height=520),
            "throughput": charts.chart_html(f"throughput-{i}", charts.throughput_by_batch(device, models), height=520),
            "macs_latency": charts.chart_html(f"macs-latency-{i}", charts.macs_latency(device, models)),
        })
    figures["devices"] = devices
    return figures


def batch_one(site: Site) -> list[dict[str, Any]]:
    """Per device, each model's median latency at the smallest batch measured (the comparison's columns)."""
    out = []
    for device in site.data["runtime"]:
        latency = {name: rows["batches"][0] for name, rows in device["models"].items() if rows["batches"]}
        out.append({"device": device["device"], "latency": latency})
    return out


@dataclass(frozen=True)
class Rendered:
    """The generated pages (docs-relative path -> Markdown) and the navigation that lists them."""

    pages: dict[str, str]
    nav: list[Any]


def render_site(data: dict[str, Any], templates: Path = TEMPLATES, history: Path = HISTORY,
                handwritten: tuple[str, ...] = ()) -> Rendered:
    """Every generated page, and the navigation over them and the hand-written pages given."""
    env = environment(templates)
    site = Site(data["models"], data)
    models = site.models
    figures = _comparison_figures(site)
    common = {"models": models, "facts": {m["name"]: facts(m) for m in models}, "runtime": batch_one(site),
              "figures": figures}
    pages = {
        "index.md": _render(env, "home.md.jinja", common, "home.md.jinja"),
        "comparison.md": _render(env, "comparison.md.jinja", common, "comparison.md.jinja"),
        "timeline.md": _render(env, "timeline.md.jinja", common, "timeline.md.jinja"),
        "reference/devices.md": _render(env, "devices.md.jinja", {"devices": data["runtime"]}, "devices.md.jinja"),
    }
    for i, model in enumerate(models):
        pages[model_page(model["name"])] = _render(env, "model.md.jinja", model_context(site, i, env, history),
                                                   f"model.md.jinja for {model['name']}")
    topics = sorted((history / "topics").glob("*.md")) if (history / "topics").is_dir() else []
    for source in topics:
        page = f"history/topics/{source.name}"
        pages[page] = render_text(env, source, site, page)
    idea_pages = _ideas(env, templates, site, pages)
    claims = templates / "claims.md.jinja"
    pages["claims.md"] = (_render(env, "claims.md.jinja", {**site.text_context("claims.md"), "claims": data["claims"]},
                                  "claims.md.jinja") if claims.is_file() and data["claims"] is not None
                          else _render(env, "pending.md.jinja", {"title": "Claims checked", "what": "claims"},
                                       "pending.md.jinja"))
    reference = sorted(p for p in handwritten if p.startswith("reference/")) + ["reference/devices.md"]
    nav = [
        {"Home": "index.md"},
        {"History": [{m["display_name"]: model_page(m["name"])} for m in models]
         + ([{"Topics": [f"history/topics/{s.name}" for s in topics]}] if topics else [])},
        {"Design ideas": ["ideas/index.md", *idea_pages]},
        {"Claims checked": "claims.md"},
        {"Comparison": "comparison.md"},
        {"Timeline": "timeline.md"},
        {"Methodology": "methodology.md"},
        {"Reference": reference},
    ]
    return Rendered(pages, nav)


def _ideas(env: jinja2.Environment, templates: Path, site: Site, pages: dict[str, str]) -> list[str]:
    """The ideas index and one page per idea template (templates/ideas/<slug>.md.jinja); adds to `pages`."""
    ideas = site.data["ideas"]
    sources = sorted((templates / "ideas").glob("*.md.jinja")) if ideas is not None else []
    by_slug = ideas if isinstance(ideas, dict) else {}
    written = []
    for source in sources:
        slug = source.name.removesuffix(".md.jinja")
        page = f"ideas/{slug}.md"
        context = {**site.text_context(page), "idea": by_slug.get(slug), "ideas": ideas}
        pages[page] = _render(env, f"ideas/{source.name}", context, f"ideas/{source.name}")
        written.append(page)
    tags = {tag: [m for m in site.models if tag in m["ideas"]] for tag in site.data["idea_tags"]}
    pages["ideas/index.md"] = _render(env, "ideas_index.md.jinja", {
        "tags": tags, "pages": [{"page": p.removeprefix("ideas/"), "title": title_of(pages[p], p)} for p in written]}, "ideas_index.md.jinja")
    return written
