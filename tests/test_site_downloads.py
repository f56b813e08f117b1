"""The site's downloads, diagram annotations and chart text alternatives, without a browser."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil

import jsonschema
import pytest

import analyzer
from analyzer.paths import SCHEMAS
from analyzer.render import charts, diagram
from analyzer.site import build, downloads
from analyzer.static.blockgraph import diagram_blocks


def _model(name: str) -> dict:
    spec = analyzer.spec(name)
    return {
        "name": name, "display_name": spec.display_name, "family": spec.family, "year": spec.year,
        "input_shape": list(spec.input_shape), "profile": analyzer.profile(name).to_dict(), "conv_layers": 1,
        "imagenet_top1": None,
    }


def test_downloads_validate_and_add_up(tmp_path):
    models = [_model("lenet5"), _model("alexnet")]
    runtime = tmp_path / "cpu.json"
    runtime.write_text("{}")
    downloads.write(tmp_path, {"models": models}, [runtime], {"lenet5": "<svg/>", "alexnet": "<svg/>"})
    schema = json.loads((SCHEMAS / "profile.schema.json").read_text())
    for m in models:
        profile = json.loads((tmp_path / downloads.profile_json(m["name"])).read_text())
        jsonschema.validate(profile, schema)
        rows = list(csv.DictReader(io.StringIO((tmp_path / downloads.profile_csv(m["name"])).read_text())))
        assert len(rows) == len(analyzer.profile(m["name"]).layers)
        # Leaf layers hold every parameter once: their sum is the model's total.
        leaves = [r for r in rows if not any(o["name"].startswith(r["name"] + ".") for o in rows)]
        assert sum(int(r["params"]) for r in leaves) == analyzer.profile(m["name"]).totals.params
    table = list(csv.DictReader(io.StringIO((tmp_path / downloads.COMPARISON_CSV).read_text())))
    assert [r["name"] for r in table] == ["lenet5", "alexnet"]
    assert int(table[1]["macs"]) == analyzer.profile("alexnet").totals.macs
    compare = json.loads((tmp_path / downloads.COMPARE_DATA).read_text())
    assert compare["models"][1]["diagram"] == downloads.diagram_svg("alexnet")
    assert (tmp_path / downloads.runtime_json("cpu.json")).read_text() == "{}"


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is missing")
def test_diagram_nodes_carry_their_layer_and_figures_and_ids_unique_across_depths():
    shallow, deep = diagram_blocks("resnet50", depth=1), diagram_blocks("resnet50", depth=2)
    text = diagram.svg(shallow, title="ResNet-50") + diagram.svg(deep, title="ResNet-50")
    assert not re.search(r"<title>n\d+</title>", text)
    ids = re.findall(r'<g id="(d\d-n\d+)" class="node"', text)
    assert len(ids) == len(set(ids)) == len(shallow.nodes) + len(deep.nodes)
    assert text.count('role="img"') == 2
    conv1 = next(n for n in shallow.nodes if n.name == "conv1")
    assert 'data-layer="conv1"' in text and f"{conv1.params:,} params" in text
    assert 'fill="white"' not in text.split("<g id=\"d1-n0\"")[0]


def test_chart_has_a_label_a_data_table_and_a_note_without_scripts():
    figure = {"data": [{"name": "a", "x": [1, 2], "y": [3, 4], "text": ["p", "q"]},
                       {"name": "b", "x": [5], "y": [6]}],
              "layout": {"xaxis": {"title": {"text": "MACs"}}, "yaxis": {"title": {"text": "top-1"}}}}
    html = charts.chart_html("demo", figure)
    assert 'aria-label="Chart of top-1 against MACs; 2 series: a, b"' in html
    assert html.count("<tr><td>") == 3 and "<noscript>" in html
    assert "style=\"height" not in html


def test_vendoring_without_npm_says_so_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(build.SiteBuildError, match="^npm is missing"):
        build.tablesort(tmp_path)
