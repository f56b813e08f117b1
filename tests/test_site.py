"""The site's rendering functions on small hand-made data: charts, facts, templates, the atomic build.

Templates and charts receive plain dicts only, so every input here is written out by hand; the
expected figures are worked out in the comments, not produced by the code under test.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from pathlib import Path

import pytest

from analyzer import registry
from analyzer.paths import SCHEMAS
from analyzer.render import charts, model_charts, numbers, pages, runtime_charts
from analyzer.site import build as site
from analyzer.site.data import IMAGENET, METRICS, _predecessors, linear_fit, ratios
from analyzer.static.blockgraph import BlockGraph


def layer(name: str, params: int, macs: int, out: list[int], rf: int | None, whole: bool = False) -> dict:
    field = {"size": [rf, rf], "stride": [1, 1], "padding": [0, 0]} if rf else None
    return {
        "name": name,
        "type": "Conv2d",
        "depth": 1,
        "calls": 1,
        "input_shapes": [],
        "output_shape": out,
        "params": params,
        "trainable_params": params,
        "macs": macs,
        "flops": 2 * macs,
        "flops_by_class": {},
        "activation_bytes": 0,
        "weight_bytes": 4 * params,
        "bytes_moved": 0,
        "arithmetic_intensity": 0.0,
        "ops": [],
        "receptive_field": field,
        "sees_whole_input": whole,
    }


def model(
    name: str,
    family: str,
    year: int,
    params: int,
    macs: int,
    top1: float | None = None,
    dataset: str = IMAGENET,
    rf: int | None = 100,
    variant_of: str | None = None,
) -> dict:
    """The plain dict `analyzer.site.data.collect` gives for one model, with two layers."""
    head = (
        {
            "top1": top1,
            "top5": None,
            "protocol": f"{name} protocol",
            "source": f"{name} source",
            "confidence": "VS",
            "dataset": dataset,
            "metric": METRICS[dataset],
            "torchvision": False,
        }
        if top1 is not None
        else None
    )
    layers = [
        layer("conv", params - 10, macs - 100, [1, 8, 4, 4], rf),
        layer("fc", 10, 100, [1, 10], None, True),
    ]
    return {
        "name": name,
        "display_name": name.upper(),
        "family": family,
        "year": year,
        "authors": ["A. Author"],
        "title": f"The {name} paper",
        "paper": "arXiv:0000.00000",
        "paper_url": "https://arxiv.org/abs/0000.00000",
        "input_shape": [3, 224, 224],
        "output_shape": [10],
        "task": "ImageNet classification",
        "ideas": ["relu"],
        "variant_of": variant_of,
        "differences": "a different stride." if variant_of else "",
        "options": {},
        "published": {"params": None, "macs": None},
        "accuracy": [head] if head else [],
        "headline": head,
        "imagenet_top1": top1 if dataset == IMAGENET else None,
        "imagenet_torchvision": False,
        "imagenet_other": None,
        "predecessors": [],
        "accuracy_density": top1 / (params / 1e6) if top1 is not None and dataset == IMAGENET else None,
        "profile": {
            "totals": {
                "params": params,
                "trainable_params": params,
                "macs": macs,
                "flops": 2 * macs,
                "flops_by_class": {},
                "activation_bytes": 0,
                "peak_activation_bytes": 3 * 2**20,
                "weight_bytes": 4 * params,
                "bytes_moved": 0,
            },
            "receptive_field": (
                {"size": [rf, rf], "stride": [1, 1], "padding": [0, 0], "layer": "conv"} if rf else None
            ),
            "layers": layers,
        },
        "summary": layers,
        "conv_layers": 1,
        "weight_bytes_fp16": 2 * params,
        "predecessor": None,
        "paper_model": None,
        "variants": [],
        "diagram": BlockGraph(name, 1, params, macs, (), (), ()),
        "diagram_detail": None,
        "erf": None,
    }


def zoo() -> list[dict]:
    models = [
        model("lenet", "LeNet", 1998, 60_000, 400_000, 99.05, dataset="MNIST test"),
        model("alex", "AlexNet", 2012, 61_000_000, 724_000_000, 57.1),
        model("vgg", "VGG", 2014, 138_000_000, 15_500_000_000, 71.5),
        model("vgg_tv", "VGG", 2014, 138_000_000, 15_500_000_000, 72.0, variant_of="vgg"),
        model("overfeat", "OverFeat", 2013, 145_000_000, 2_800_000_000),
        model("mlp", "Cireșan", 2010, 12_000_000, 12_000_000, rf=None),
    ]
    models[2]["predecessor"] = {
        "name": "alex",
        "params_ratio": 138 / 61,
        "macs_ratio": 15_500 / 724,
    }
    models[2]["variants"] = ["vgg_tv"]
    models[3]["paper_model"] = {
        "name": "vgg",
        "params_ratio": 1.0,
        "macs_ratio": 1.0,
    }
    return models


def named_in_templates() -> list[str]:
    """The zoo names the home and timeline pages quote (href, link, facts), which a site needs to render."""
    text = "".join((pages.TEMPLATES / t).read_text() for t in ("home.md.jinja", "timeline.md.jinja"))
    found = re.findall(r"(?:href|link)\(\"(\w+)\"\)|facts\.(\w+)\.", text)
    return sorted({a or b for a, b in found})


def data(models: list[dict] | None = None) -> dict:
    if models is None:
        models = zoo()
        # Stand-ins for the networks the home and timeline pages quote by name.
        models += [model(n, "ResNet", 2016, 1_000_000, 1_000_000, 70.0) for n in named_in_templates()
                   if n not in {m["name"] for m in models}]
    return {
        "models": models,
        "ratios": ratios({m["name"]: m["profile"]["totals"] for m in models}),
        "runtime": [],
        "ideas": [],
        "claims": [],
        "idea_tags": list(registry.IDEAS),
        "tag_titles": {tag: tag.upper() for tag in registry.IDEAS},
    }


def embedded(html: str) -> dict:
    """The figure JSON inside a chart's script element."""
    return json.loads(re.search(r'<script type="application/json" id="[^"]+">(.*)</script>', html).group(1))


# --- charts -------------------------------------------------------------------------------------------


def test_bubble_chart_has_one_point_per_model_with_an_imagenet_accuracy():
    figure = charts.bubble(zoo())
    points = {name for trace in figure["data"] for name in (c[1] for c in trace["customdata"])}
    # alex, vgg and vgg_tv: lenet's figure is MNIST, overfeat and mlp have none.
    assert points == {"ALEX", "VGG", "VGG_TV"}
    assert sum(len(t["x"]) for t in figure["data"]) == 3
    vgg = next(t for t in figure["data"] if t["name"] == "VGG")
    assert vgg["x"] == [15.5, 15.5] and vgg["y"] == [71.5, 72.0]
    assert vgg["marker"]["size"] == [138_000_000, 138_000_000]
    assert vgg["customdata"][0][0] == "history/vgg.html"


def test_bubble_area_scale_makes_the_largest_model_the_largest_bubble():
    figure = charts.bubble(zoo(), max_diameter=50)
    # plotly.js's area mode draws a marker of size s with radius sqrt((s / 2) / sizeref): the largest
    # model, 138 M, gets a 50 px diameter and one of a quarter of its size half of that.
    sizeref = figure["data"][0]["marker"]["sizeref"]
    assert 2 * (138_000_000 / 2 / sizeref) ** 0.5 == pytest.approx(50)
    assert 2 * (138_000_000 / 4 / 2 / sizeref) ** 0.5 == pytest.approx(25)


def test_every_chart_colours_a_family_alike():
    models = zoo()
    bars = charts.accuracy_bars(models)["data"][0]
    by_name = dict(zip(bars["x"], bars["marker"]["color"]))
    assert by_name["VGG"] == by_name["VGG_TV"] == charts.FAMILY_COLOURS["VGG"]
    for figure in (charts.bubble(models), charts.timeline_accuracy(models), charts.timeline_macs(models)):
        for trace in figure["data"]:
            assert trace["marker"]["color"] == charts.FAMILY_COLOURS[trace["name"]]


def test_family_colours_are_distinct_stable_and_cover_the_registry():
    assert len(set(charts.FAMILY_COLOURS.values())) == len(charts.FAMILY_COLOURS)
    assert {s.family for s in registry.specs()} <= set(charts.FAMILY_COLOURS)
    # A family without an assigned colour gets the same spare colour on every call.
    assert charts.family_colour("NewNet") == charts.family_colour("NewNet")
    assert charts.family_colour("NewNet") in charts.SPARE_COLOURS


def test_accuracy_density_is_top1_per_million_parameters():
    bars = charts.accuracy_density(zoo())["data"][0]
    # 57.1 / 61 = 0.936..., 71.5 / 138 = 0.518...
    assert bars["y"][:2] == pytest.approx([57.1 / 61, 71.5 / 138])


def test_chart_html_is_deterministic_and_cannot_close_its_script():
    models = zoo()
    models[1]["display_name"] = "</script><script>alert(1)"
    html = charts.chart_html("Bubble chart", charts.bubble(models))
    assert html == charts.chart_html("Bubble chart", charts.bubble(models))
    assert 'id="chart-bubble-chart"' in html and 'data-figure="chart-bubble-chart-data"' in html
    assert "</script><script>" not in html
    figure = embedded(html)
    assert figure == json.loads(json.dumps(charts.bubble(models)))


@pytest.mark.parametrize("axis, xs", [("macs", [1.0, 3.0]), ("ops", [30, 90])])
def test_latency_fit_line_is_the_fitted_line(axis, xs):
    models = zoo()
    device = {
        "device": {"name": "cpu"},
        "label": "cpu, float32, 1 thread",
        "models": {},
        "fit": {
            "batch": 1,
            "points": [
                {"name": "alex", "macs": 1e9, "ops": 30, "latency_ms": 3.0},
                {"name": "vgg", "macs": 3e9, "ops": 90, "latency_ms": 7.0},
            ],
            # y = 2 ms per G-MAC * x + 1 ms; or y = 1/15 ms per operation * x + 1 ms.
            "line": {"slope": 2e-9, "intercept": 1.0, "r2": 1.0, "n": 2},
            "ops_line": {"slope": 1 / 15, "intercept": 1.0, "r2": 1.0, "n": 2},
        },
    }
    chart = runtime_charts.latency_fit(device, models, axis)
    line = chart["data"][-1]
    assert line["x"] == xs and line["y"] == pytest.approx([3.0, 7.0])
    assert sorted(x for trace in chart["data"][:-1] for x in trace["x"]) == xs


def test_linear_fit_against_hand_computed_lines():
    assert linear_fit([1, 2, 3], [2, 4, 6]) == pytest.approx({"slope": 2, "intercept": 0, "r2": 1, "n": 3})
    # Mean 2; the line 0.5x + 1 leaves residuals -0.5, 1, -0.5: 1.5 of a total 2 unexplained.
    assert linear_fit([1, 2, 3], [1, 3, 2]) == pytest.approx(
        {"slope": 0.5, "intercept": 1, "r2": 0.25, "n": 3}
    )
    assert linear_fit([1, 2], [1, 2]) is None


def test_each_model_is_compared_with_its_first_declared_predecessor():
    specs = registry.specs()
    compared = _predecessors(specs)
    for s in specs:
        assert compared[s.name] == (s.predecessors[0] if s.predecessors else None), s.name


def test_every_predecessor_is_registered_and_not_younger():
    known = {s.name: s for s in registry.specs()}
    for s in known.values():
        assert len(set(s.predecessors)) == len(s.predecessors) and s.name not in s.predecessors, s.name
        for p in s.predecessors:
            assert p in known, f"{s.name} names unknown predecessor {p}"
            assert known[p].year <= s.year, f"{s.name} ({s.year}) is older than its predecessor {p}"
    # Only the first network of the history has none.
    assert [s.name for s in known.values() if not s.predecessors] == ["lenet5"]


def test_implementations_name_their_paper_network_among_their_predecessors():
    for s in registry.specs():
        if s.variant_of:
            assert s.variant_of in s.predecessors, s.name


# --- facts and text helpers ---------------------------------------------------------------------------


def test_facts_are_formatted_as_the_history_texts_expect():
    m = pages.facts(zoo()[2])
    assert m["params"] == "138 M" and m["params_exact"] == "138,000,000"
    assert m["macs"] == "15.5 G" and m["flops"] == "31.0 G"
    # 4 bytes x 138 M = 526 MiB; fp16 half of it.
    assert m["weights_size"] == "526 MiB" and m["weights_fp16"] == "263 MiB"
    assert m["rf"] == "100 px" and m["rf_layer"] == "conv" and m["top1"] == "71.5%"
    assert m["input"] == "3x224x224" and m["peak_activations"] == "3.00 MiB"
    assert pages.facts(zoo()[5])["rf"] == ""


def test_rectangular_receptive_field_reads_height_by_width():
    m = zoo()[1]
    m["profile"]["receptive_field"]["size"] = [212, 260]
    assert pages.facts(m)["rf"] == "212x260 px"


def test_one_rounding_rule():
    # Ratios: three significant digits, never fewer than two (1.04x, not 1x); whole from 1,000.
    assert numbers.times(1.04) == "1.04x" and numbers.times(1.0) == "1.00x"
    assert numbers.times(8.472) == "8.47x" and numbers.times(12.34) == "12.3x"
    assert numbers.times(0.0431) == "0.0431x" and numbers.times(2306.4) == "2,306x"
    # Accuracies: one decimal, whatever the source printed.
    assert [numbers.percent(v) for v in (57.1, 77, 69.928, 80.144)] == ["57.1%", "77.0%", "69.9%", "80.1%"]
    # Counts: three significant digits, trailing zeros kept, rounding into the next unit.
    assert numbers.si(1.5e9) == "1.50 G" and numbers.si(6_998_552) == "7.00 M"
    assert numbers.si(138_357_544) == "138 M" and numbers.si(999.6e6) == "1.00 G"
    assert numbers.binary_bytes(1023.9 * 2**20) == "1.00 GiB"
    # Measured times and rates: three significant digits too, whole from 1,000.
    assert [numbers.significant(v) for v in (1.5, 0.38, 138.4, 2607.6, None)] == ["1.50", "0.380", "138", "2,608", ""]


def test_ratio_and_link_helpers():
    s = pages.Site(data(), {})
    # 138 M / 61 M parameters.
    assert s.ratio("vgg", "alex", "params") == "2.26x"
    assert s.linker("history/vgg.md")("alex") == "[ALEX](alex.md)"
    assert s.linker("history/topics/gap.md")("alex") == "[ALEX](../alex.md)"
    assert s.linker("claims.md")("alex") == "[ALEX](history/alex.md)"
    with pytest.raises(pages.PageError, match="unknown model 'nope'"):
        s.ratio("nope", "alex", "params")
    with pytest.raises(pages.PageError, match="ratio key"):
        s.ratio("vgg", "alex", "depth")


# --- templates ----------------------------------------------------------------------------------------


def test_every_template_opens_with_its_context():
    for path in sorted(pages.TEMPLATES.rglob("*.jinja")):
        text = path.read_text()
        assert text.startswith("{#") and "Context:" in text.split("#}")[0], path


def test_pages_render_with_strict_undefined(tmp_path):
    history = tmp_path / "history"
    history.mkdir()
    (history / "vgg.md").write_text(
        "## The idea\n\n{{ m.display_name }} has {{ m.params }}, {{ ratio('vgg', 'alex', 'params') }} "
        "as many as {{ link('alex') }}; {{ models.alex.macs }} for AlexNet.\n"
    )
    rendered = pages.render_site(data(), history=history, handwritten=("methodology.md", "reference/cli.md"))
    vgg = rendered.pages["history/vgg.md"]
    assert "VGG has 138 M, 2.26x as many as [ALEX](alex.md); 724 M for AlexNet." in vgg
    assert "History not written yet" in rendered.pages["history/alex.md"]
    assert "[VGG_TV](vgg_tv.md): a different stride." in vgg
    assert "[&larr; ALEX](alex.md)" in vgg and "[VGG_TV &rarr;](vgg_tv.md)" in vgg
    # The comparison table has a row per model, the home table one per paper model.
    assert rendered.pages["comparison.md"].count("](history/") >= 2 * len(zoo())
    assert all(f"history/{m['name']}.md" in json.dumps(rendered.nav) for m in zoo())
    assert {"index.md", "comparison.md", "timeline.md", "claims.md", "ideas/index.md"} <= set(rendered.pages)


def test_a_history_text_with_an_undefined_name_fails_naming_its_file(tmp_path):
    (tmp_path / "alex.md").write_text("{{ m.depth }} layers\n")
    with pytest.raises(pages.PageError, match=r"alex\.md.*depth"):
        pages.render_site(data(), history=tmp_path)


# --- the atomic build ---------------------------------------------------------------------------------


@pytest.fixture
def small_site(monkeypatch, tmp_path_factory):
    """`site.build_site` over the hand-made zoo instead of the profiled one, without the zoo's history
    texts (which name the real zoo's models)."""
    monkeypatch.setattr("analyzer.site.data.collect", lambda runtime_dir: data())
    no_history = tmp_path_factory.mktemp("history")
    monkeypatch.setattr(pages, "render_site", functools.partial(pages.render_site, history=no_history))


def test_build_replaces_the_previous_site(tmp_path, small_site):
    out = tmp_path / "site"
    out.mkdir()
    (out / "stale.html").write_text("old")
    site.build_site(out)
    assert not (out / "stale.html").exists()
    assert (out / "history" / "vgg.html").is_file() and (out / site.PLOTLY_TARGET).is_file()
    # The JSON Schemas are published byte for byte, where the reference pages link them.
    for schema in SCHEMAS.glob("*.schema.json"):
        assert (out / site.SCHEMA_TARGET / schema.name).read_bytes() == schema.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.parametrize("break_it, error", [("template", pages.PageError), ("mkdocs", site.SiteBuildError)])
def test_a_failing_build_leaves_the_previous_site_untouched(tmp_path, small_site, break_it, error):
    templates = tmp_path / "templates"
    shutil.copytree(pages.TEMPLATES, templates)
    # An undefined name stops the rendering; a link to a missing page stops mkdocs --strict.
    broken = "{{ no_such_name }}" if break_it == "template" else "[gone](no-such-page.md)"
    (templates / "timeline.md.jinja").write_text((templates / "timeline.md.jinja").read_text() + broken)
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("previous site")
    with pytest.raises(error, match="no_such_name" if break_it == "template" else "mkdocs"):
        site.build_site(out, templates=templates)
    assert [p.name for p in out.iterdir()] == ["index.html"]
    assert (out / "index.html").read_text() == "previous site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "templates"]


def test_replace_dir_swaps_and_keeps_the_old_tree_on_failure(tmp_path, monkeypatch):
    old, new = tmp_path / "target", tmp_path / "new"
    old.mkdir()
    (old / "a").write_text("old")
    new.mkdir()
    (new / "b").write_text("new")
    real_rename = Path.rename

    def refuse_the_new_tree(self: Path, target: Path) -> Path:
        if self == new:
            raise OSError("disk full")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", refuse_the_new_tree)
    with pytest.raises(OSError):
        site.replace_dir(new, old)
    assert (old / "a").read_text() == "old"
    monkeypatch.undo()
    site.replace_dir(new, old)
    assert [p.name for p in old.iterdir()] == ["b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]


def test_effective_field_chart_draws_the_theoretical_box_in_pixels():
    field = {"layer": "conv", "cell": 4, "magnitude": [[0.0, 1.0], [0.5, 0.0]], "box": [[2, 5], [1, 6]],
             "input_size": [8, 8], "unit": [1, 1], "central_share": 0.5}
    figure = model_charts.effective_field({"erf": field})
    (rect,) = figure["layout"]["shapes"]
    assert (rect["y0"], rect["y1"], rect["x0"], rect["x1"]) == (2, 6, 1, 7)
    assert figure["data"][0]["x"] == [2.0, 6.0] and figure["data"][0]["z"] == field["magnitude"]
