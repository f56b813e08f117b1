"""Plotly figure specs of the measured runtimes: latency and throughput against batch size, one line per
model, and the fit of batch-1 latency against the operation counts. Built from `analyzer.site.data`."""

from __future__ import annotations

from typing import Any

from analyzer.render.charts import (
    DASHES,
    HOVER,
    POWERS_OF_TWO,
    Figure,
    Model,
    axes_layout,
    by_family,
    family_colour,
    log_axis,
)


def device_label(device: dict[str, Any]) -> str:
    return device["label"]


def _model_lines(device: dict[str, Any], models: list[Model], value: str, y_title: str) -> Figure:
    """Chart 3: one line per model of `value` against batch size on one device."""
    known = {m["name"]: m for m in models}
    traces = []
    dash_index: dict[str, int] = {}
    for name in (m["name"] for m in models):
        if name not in device["models"]:
            continue
        m = known[name]
        rows = [r for r in device["models"][name]["batches"] if r.get(value) is not None]
        dash = dash_index[m["family"]] = dash_index.get(m["family"], -1) + 1
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": m["display_name"],
                "x": [r["batch"] for r in rows],
                "y": [r[value] for r in rows],
                "line": {"color": family_colour(m["family"]), "dash": DASHES[dash % len(DASHES)]},
                "hovertemplate": f"<b>{m['display_name']}</b><br>batch %{{x}}: %{{y:.4g}}<extra></extra>",
                # charts.js's family picker shows or hides a family's lines on every runtime chart at once;
                # by default each family shows its first network, the others one legend click away.
                "legendgroup": m["family"],
                "visible": True if dash == 0 else "legendonly",
            }
        )
    return {
        "data": traces,
        "layout": axes_layout(
            "batch size (log scale)",
            y_title,
            yaxis=log_axis(),
            xaxis=log_axis(POWERS_OF_TWO),
            legend={"orientation": "v"},
            meta={"pickers": ["families"]},
        ),
    }


def latency_by_batch(device: dict[str, Any], models: list[Model]) -> Figure:
    return _model_lines(device, models, "median", f"median latency per batch (ms), {device_label(device)}")


def throughput_by_batch(device: dict[str, Any], models: list[Model]) -> Figure:
    return _model_lines(device, models, "throughput", f"images per second, {device_label(device)}")


# What a latency fit's x axis counts: the point's key, its fitted line's key, the scale and the title.
FIT_AXES = {
    "macs": ("macs", "line", 1e9, "G-MACs per image"),
    "ops": ("ops", "ops_line", 1, "arithmetic operations per pass"),
}


def latency_fit(device: dict[str, Any], models: list[Model], axis: str = "macs") -> Figure:
    """Chart 4: MACs (or the number of arithmetic operations) against measured latency at one batch
    size, with the fitted line."""
    key, line_key, scale, title = FIT_AXES[axis]
    fit = device["fit"]
    known = {m["name"]: m for m in models}
    points = {p["name"]: p for p in fit["points"] if p["name"] in known}
    traces = by_family(
        [known[name] for name in points],
        lambda m: points[m["name"]][key] / scale,
        lambda m: points[m["name"]]["latency_ms"],
    )
    for trace in traces:
        trace["hovertemplate"] = HOVER.replace("<extra>", "<br>latency %{y:.4g} ms<extra>")
    line = fit[line_key]
    if line:
        xs = [min(p[key] for p in points.values()), max(p[key] for p in points.values())]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": f"least squares, R² = {line['r2']:.2f}",
                "x": [x / scale for x in xs],
                "y": [line["slope"] * x + line["intercept"] for x in xs],
                "line": {"color": "#888888", "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    return {
        "data": traces,
        "layout": axes_layout(title, f"median latency at batch {fit['batch']} (ms), {device_label(device)}"),
    }
