"""Plotly figure specs of one model's page (chart 5, the receptive fields, the runtime per batch),
built from that model's plain data; the charts that compare models are in `analyzer.render.charts`."""

from __future__ import annotations

from typing import Any

from analyzer.render.charts import (
    DASHES,
    POWERS_OF_TWO,
    Figure,
    Model,
    axes_layout,
    family_colour,
    log_axis,
)
from analyzer.render.numbers import grouped, shape, si
from analyzer.render.runtime_charts import device_label


def layer_costs(model: Model, times: dict[str, float] | None = None, device: str = "") -> Figure:
    """Chart 5: MACs, parameters and (where measured) time of each layer, in execution order."""
    times = times or {}
    rows = [r for r in model["profile"]["layers"] if r["macs"] or r["params"] or times.get(r["name"])]
    names = [r["name"] for r in rows]
    hover = [
        [
            r["type"],
            shape(r["output_shape"]),
            si(r["macs"]),
            grouped(r["params"]),
            f"{times[r['name']]:.3g} ms" if r["name"] in times else "not measured",
        ]
        for r in rows
    ]
    template = (
        "<b>%{x}</b> (%{customdata[0]})<br>output %{customdata[1]}<br>MACs %{customdata[2]}, "
        "params %{customdata[3]}<br>time %{customdata[4]}<extra></extra>"
    )
    panels = [
        ("MACs", [r["macs"] for r in rows], family_colour(model["family"])),
        ("parameters", [r["params"] for r in rows], "#888888"),
    ]
    if times:
        panels.append((f"time (ms), {device}", [times.get(r["name"], 0) for r in rows], "#d62728"))
    # Panels stacked top to bottom, sharing the layer axis, with a small gap between them.
    height = (1 - 0.06 * (len(panels) - 1)) / len(panels)
    layout = axes_layout(
        "layers, in the order they run",
        "",
        showlegend=False,
        bargap=0.1,
        xaxis={
            "anchor": f"y{len(panels)}",
            "showticklabels": len(rows) <= 60,
            "tickangle": -60,
            "type": "category",
        },
    )
    data = []
    for i, (title, values, colour) in enumerate(panels):
        top = 1 - i * (height + 0.06)
        axis = "yaxis" if i == 0 else f"yaxis{i + 1}"
        layout[axis] = {"domain": [top - height, top], "title": {"text": title}, "automargin": True}
        data.append(
            {
                "type": "bar",
                "name": title,
                "x": names,
                "y": values,
                "customdata": hover,
                "hovertemplate": template,
                "marker": {"color": colour},
                "yaxis": "y" if i == 0 else f"y{i + 1}",
            }
        )
    return {"data": data, "layout": layout}


def receptive_growth(model: Model) -> Figure:
    """The receptive field after each layer, against the input's height."""
    rows = [r for r in model["profile"]["layers"] if r["receptive_field"]]
    height = model["input_shape"][-2]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "receptive field",
                "x": [r["name"] for r in rows],
                "y": [r["receptive_field"]["size"][0] for r in rows],
                "line": {"color": family_colour(model["family"]), "shape": "hv"},
                "hovertemplate": "<b>%{x}</b><br>receptive field %{y} px<extra></extra>",
            }
        ],
        "layout": axes_layout(
            "layers, in the order they run",
            "receptive field (px, height)",
            showlegend=False,
            xaxis={"showticklabels": len(rows) <= 60, "tickangle": -60, "type": "category"},
            shapes=[
                {
                    "type": "line",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": height,
                    "y1": height,
                    "line": {"dash": "dot", "color": "#888888"},
                }
            ],
            annotations=[
                {
                    "xref": "paper",
                    "x": 0,
                    "y": height,
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "text": f"input height {height} px",
                    "showarrow": False,
                }
            ],
        ),
    }


def effective_field(model: Model) -> Figure:
    """Gradient magnitude of a centre unit over the input, with its theoretical field as a box."""
    field = model["erf"]
    cell = field["cell"]
    centres = [[(i + 0.5) * cell for i in range(len(axis))]
               for axis in (field["magnitude"], field["magnitude"][0])]
    (top, bottom), (left, right) = field["box"]
    return {
        "data": [{
            "type": "heatmap",
            "z": field["magnitude"],
            "x": centres[1],
            "y": centres[0],
            "colorscale": "Viridis",
            "colorbar": {"title": {"text": "|gradient|"}},
            "hovertemplate": "row %{y} px, column %{x} px<br>relative gradient %{z}<extra></extra>",
        }],
        "layout": axes_layout(
            "input column (px)",
            "input row (px)",
            showlegend=False,
            yaxis={"autorange": "reversed", "scaleanchor": "x"},
            shapes=[{"type": "rect", "x0": left, "x1": right + 1, "y0": top, "y1": bottom + 1,
                     "line": {"color": "#e15759", "width": 2, "dash": "dot"}}],
        ),
    }


def model_runtime(model: Model, devices: list[dict[str, Any]]) -> Figure:
    """One model's median latency against batch size on every measured device, p10-p90 as error bars."""
    traces = []
    for i, device in enumerate(devices):
        rows = [
            r
            for r in device["models"].get(model["name"], {}).get("batches", [])
            if r.get("median") is not None
        ]
        if not rows:
            continue
        trace = {
            "type": "scatter",
            "mode": "lines+markers",
            "name": device_label(device),
            "x": [r["batch"] for r in rows],
            "y": [r["median"] for r in rows],
            "line": {"dash": DASHES[i % len(DASHES)]},
            "hovertemplate": "batch %{x}: %{y:.4g} ms<extra>%{fullData.name}</extra>",
        }
        if all(r.get("p10") is not None and r.get("p90") is not None for r in rows):
            trace["error_y"] = {
                "type": "data",
                "symmetric": False,
                "array": [r["p90"] - r["median"] for r in rows],
                "arrayminus": [r["median"] - r["p10"] for r in rows],
            }
        traces.append(trace)
    return {
        "data": traces,
        "layout": axes_layout(
            "batch size (log scale)",
            "median latency (ms, log scale)",
            yaxis=log_axis(),
            xaxis=log_axis(POWERS_OF_TWO),
        ),
    }
