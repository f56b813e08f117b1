"""Plotly figure specs for the site, built from the plain data of `analyzer.site.data`.

Each chart is a `<div>` plus its figure as JSON in a `<script type="application/json">`; the site's
`charts.js` plots it with the local plotly.js and restyles it when the reader switches between the
light and dark schemes. Figures hold no colours for text, grids or backgrounds for that reason: the
scheme supplies them. Output is deterministic: ids come from chart names and JSON keys are sorted.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from html import escape
from typing import Any

from analyzer.render.chart_text import chart_label, data_table
from analyzer.render.links import built_page, model_page
from analyzer.render.numbers import percent, si

Model = dict[str, Any]
Figure = dict[str, Any]

# One colour per family on every chart and in every table swatch: mid-tones readable on both the
# light and the dark background.
FAMILY_COLOURS = {
    "LeNet": "#8c564b",
    "Cireșan": "#7f7f7f",
    "AlexNet": "#d62728",
    "NiN": "#bcbd22",
    "OverFeat": "#ff7f0e",
    "VGG": "#1f77b4",
    "Inception": "#2ca02c",
    "ResNet": "#9467bd",
    "SqueezeNet": "#e377c2",
    "ENet": "#17becf",
    "FractalNet": "#a0522d",
    "Xception": "#008080",
    "MobileNet": "#f0a30a",
    "ResNeXt": "#7b4fc9",
    "DenseNet": "#1b9e77",
    "ShuffleNet": "#66a61e",
    "SENet": "#b15928",
    "MnasNet": "#a6761d",
    "EfficientNet": "#c51b7d",
    "RegNet": "#386cb0",
    "ViT": "#882255",
    "ConvNeXt": "#dd4477",
    "NASNet": "#6b8e23",
}
# For a family added later and not yet given a colour above: chosen by a stable hash of its name.
SPARE_COLOURS = ("#4e79a7", "#59a14f", "#b07aa1", "#ff9da7", "#9c755f", "#76b7b2")
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def family_colour(family: str) -> str:
    return FAMILY_COLOURS.get(family) or SPARE_COLOURS[zlib.crc32(family.encode()) % len(SPARE_COLOURS)]


def page_path(name: str) -> str:
    """A model's page, relative to the site root (charts.js resolves it against the root)."""
    return built_page(model_page(name))


def chart_html(name: str, figure: Figure, height: int = 440) -> str:
    """The placeholder and the figure JSON that charts.js turns into a plot, labelled for assistive
    technology, with its data in a table readers can open and a note where scripts are off."""
    ident = "chart-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    # `<`, `>` and `&` escaped so that no string in the data can close the script element.
    payload = (
        json.dumps(figure, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    label = escape(chart_label(figure))
    return (
        f'<div class="chart" id="{ident}" data-figure="{ident}-data" role="img" aria-label="{label}" '
        f'data-height="{height}"><noscript><p class="noscript">{label}. The chart needs JavaScript; '
        "its data are in the table below.</p></noscript></div>\n"
        f'<script type="application/json" id="{ident}-data">{payload}</script>\n'
        f'<details class="chart-data"><summary>Data of this chart</summary>\n{data_table(figure)}\n</details>\n'
    )


def axes_layout(
    x_title: str,
    y_title: str,
    xaxis: dict[str, Any] | None = None,
    yaxis: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A figure layout; `xaxis`/`yaxis` add to (or override) the axes, `extra` to the layout's top level."""
    layout: dict[str, Any] = {
        "xaxis": {"title": {"text": x_title}, "automargin": True, **(xaxis or {})},
        "yaxis": {"title": {"text": y_title}, "automargin": True, **(yaxis or {})},
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.2},
    }
    layout.update(extra)
    return layout


# Log-axis tick spacing: "D2" labels 1, 2 and 5 of each decade (every digit would crowd an axis of
# several decades); log10(2) puts a tick on every power of two, the batch sizes.
DECADES = "D2"
POWERS_OF_TWO = math.log10(2)


def log_axis(dtick: str | float | None = None) -> dict[str, Any]:
    return {"type": "log", "dtick": dtick} if dtick is not None else {"type": "log"}


def _families(models: list[Model]) -> list[str]:
    """Families in the order they enter the history."""
    return list(dict.fromkeys(m["family"] for m in models))


def imagenet_models(models: list[Model]) -> list[Model]:
    """The models whose headline accuracy is an ImageNet top-1: the only ones plotted against each other."""
    return [m for m in models if m["imagenet_top1"] is not None]


# The ImageNet accuracy axis holds one evaluation per model, chosen in analyzer.site.data: torchvision's
# single-centre-crop figure where torchvision trained the network, else the authors' own. The axis says
# so, and the marker shape tells the two apart.
IMAGENET_AXIS = "ImageNet-1k top-1 (%)<br><sup>● torchvision's single crop, ◆ the authors'</sup>"
IMAGENET_BARS = "ImageNet-1k top-1 (%)<br><sup>torchvision's single crop, else the authors'</sup>"
EVALUATION_SYMBOL = {True: "circle", False: "diamond"}


def _hover(m: Model) -> list[str]:
    """customdata for a model's point: its page, then the numbers the hover text shows."""
    t = m["profile"]["totals"]
    head = m["headline"] or {}
    top1 = (f"{head['metric']} {percent(head['top1'])} ({head['source']})" if head.get("top1") is not None
            else "no published figure")
    other = m.get("imagenet_other")
    return [
        page_path(m["name"]),
        m["display_name"],
        si(t["macs"]),
        si(t["params"]),
        top1,
        head.get("protocol", ""),
        str(m["year"]),
        f"<br>also {percent(other['top1'])}: {other['protocol']} ({other['source']})" if other else "",
    ]


HOVER = (
    "<b>%{customdata[1]}</b> (%{customdata[6]})<br>MACs %{customdata[2]}, params %{customdata[3]}"
    "<br>%{customdata[4]}<br><i>%{customdata[5]}</i>%{customdata[7]}<extra></extra>"
)


def _mark_evaluations(traces: list[dict[str, Any]], models: list[Model]) -> None:
    """Marker shapes for the evaluation each ImageNet point plots (in place, one trace per family)."""
    for trace, family in zip(traces, _families(models)):
        members = [m for m in models if m["family"] == family]
        trace["marker"]["symbol"] = [EVALUATION_SYMBOL[m["imagenet_torchvision"]] for m in members]


def by_family(models: list[Model], x: Any, y: Any, **trace: Any) -> list[dict[str, Any]]:
    """One scatter trace per family (the legend), points in history order, clickable to the page."""
    traces = []
    for family in _families(models):
        members = [m for m in models if m["family"] == family]
        colour = family_colour(family)
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": family,
                "x": [x(m) for m in members],
                "y": [y(m) for m in members],
                "customdata": [_hover(m) for m in members],
                "hovertemplate": HOVER,
                "legendgroup": family,
                "marker": {"color": colour, "size": 11, "line": {"width": 1, "color": "rgba(0,0,0,0.35)"}},
                **trace,
            }
        )
    return traces


def bubble(models: list[Model], max_diameter: int = 60) -> Figure:
    """Chart 1: top-1 against G-MACs, bubble area proportional to parameters."""
    plotted = imagenet_models(models)
    largest = max(m["profile"]["totals"]["params"] for m in plotted)
    traces = by_family(plotted, lambda m: m["profile"]["totals"]["macs"] / 1e9, lambda m: m["imagenet_top1"])
    for trace, family in zip(traces, _families(plotted)):
        members = [m for m in plotted if m["family"] == family]
        trace["marker"].update(
            {
                "size": [m["profile"]["totals"]["params"] for m in members],
                "sizemode": "area",
                "sizeref": 2.0 * largest / max_diameter**2,
                "sizemin": 4,
                "opacity": 0.75,
            }
        )
        del trace["marker"]["line"]
        # Names on the points that have room for them; the crowded ones say theirs on hover.
        trace["text"] = [m["display_name"] if _uncrowded(m, plotted) else "" for m in members]
        trace.update({"mode": "markers+text", "textposition": "top center", "textfont": {"size": 10}})
    biggest = max(plotted, key=lambda m: m["profile"]["totals"]["params"])
    size_note = {"text": f"bubble area: parameters (largest: {biggest['display_name']}, {si(largest)})",
                 "xref": "paper", "yref": "paper", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
                 "showarrow": False, "font": {"size": 11}}
    _mark_evaluations(traces, plotted)
    return {
        "data": traces,
        "layout": axes_layout(
            "G-MACs per image (log scale)", IMAGENET_AXIS, xaxis=log_axis(DECADES),
            annotations=[size_note], margin={"l": 60, "r": 20, "t": 30, "b": 50},
            # charts.js adds a family picker and a range of years (customdata[6]) above the chart.
            meta={"pickers": ["families", "years"]},
        ),
    }


# A bubble is labelled when no other lies within this distance: decades of MACs and points of top-1.
LABEL_ROOM = (0.25, 2.5)


def _uncrowded(model: Model, models: list[Model]) -> bool:
    def where(m: Model) -> tuple[float, float]:
        return math.log10(m["profile"]["totals"]["macs"]), m["imagenet_top1"]

    x, y = where(model)
    return all(
        abs(ox - x) > LABEL_ROOM[0] or abs(oy - y) > LABEL_ROOM[1]
        for ox, oy in (where(m) for m in models if m is not model)
    )


def _bars(models: list[Model], values: list[float], y_title: str, hover_value: str) -> Figure:
    return {
        "data": [
            {
                "type": "bar",
                "x": [m["display_name"] for m in models],
                "y": values,
                "marker": {"color": [family_colour(m["family"]) for m in models]},
                "customdata": [_hover(m) for m in models],
                "hovertemplate": (
                    f"<b>%{{x}}</b><br>{hover_value}<br><i>%{{customdata[5]}}</i>%{{customdata[7]}}<extra></extra>"
                ),
            }
        ],
        "layout": axes_layout("", y_title, xaxis={"tickangle": -45}, showlegend=False),
    }


def accuracy_bars(models: list[Model]) -> Figure:
    """Chart 2a: the headline ImageNet top-1 of each model, in history order."""
    plotted = imagenet_models(models)
    return _bars(plotted, [m["imagenet_top1"] for m in plotted], IMAGENET_BARS, "%{customdata[4]}")


def accuracy_density(models: list[Model]) -> Figure:
    """Chart 2b: top-1 points per million parameters (Canziani et al.'s accuracy density)."""
    plotted = imagenet_models(models)
    figure = _bars(
        plotted,
        [m["accuracy_density"] for m in plotted],
        "top-1 % per million parameters",
        "%{y:.3g} % per M params (params %{customdata[3]})",
    )
    figure["layout"]["yaxis"].update(log_axis(DECADES))
    return figure


def timeline_accuracy(models: list[Model]) -> Figure:
    """Chart 6a: ImageNet top-1 against the year the paper appeared."""
    plotted = imagenet_models(models)
    offsets = _year_offsets(plotted)
    traces = by_family(plotted, lambda m: m["year"] + offsets[m["name"]], lambda m: m["imagenet_top1"])
    _mark_evaluations(traces, plotted)
    return {"data": traces, "layout": axes_layout("year", IMAGENET_AXIS, xaxis=_years(plotted))}


def timeline_macs(models: list[Model]) -> Figure:
    """Chart 6b: MACs per image against year, every model (its own standard input)."""
    offsets = _year_offsets(models)
    return {
        "data": by_family(
            models, lambda m: m["year"] + offsets[m["name"]], lambda m: m["profile"]["totals"]["macs"] / 1e9
        ),
        "layout": axes_layout(
            "year", "G-MACs per image (log scale)", xaxis=_years(models, 2), yaxis=log_axis(DECADES)
        ),
    }


def _years(models: list[Model], dtick: int = 1) -> dict[str, Any]:
    """A year axis whose span shows every plotted year from its tick to the next."""
    years = [m["year"] for m in models]
    return {"dtick": dtick, "range": [min(years), max(years) + 1]}


def _year_offsets(models: list[Model]) -> dict[str, float]:
    """Spread the models of one year, in history order, across that year's span of the axis (from its
    tick towards the next) so that their points do not hide each other."""
    out: dict[str, float] = {}
    for year in {m["year"] for m in models}:
        same = [m["name"] for m in models if m["year"] == year]
        for i, name in enumerate(same):
            out[name] = 0.1 + 0.8 * (i + 0.5) / len(same)
    return out


def rf_accuracy(models: list[Model]) -> Figure:
    """Chart 6c: the final receptive field (pixels, height) against top-1."""
    plotted = [m for m in imagenet_models(models) if m["profile"]["receptive_field"]]
    traces = by_family(plotted, lambda m: m["profile"]["receptive_field"]["size"][0], lambda m: m["imagenet_top1"])
    _mark_evaluations(traces, plotted)
    return {
        "data": traces,
        "layout": axes_layout(
            "receptive field of the last spatial layer (px, log scale)", IMAGENET_AXIS, xaxis=log_axis()
        ),
    }
