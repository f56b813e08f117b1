"""A chart's text alternatives: the label assistive technology reads and the table of its values.

`charts.chart_html` puts both beside every chart, so that a reader who cannot see the plot, or whose
browser runs no scripts, still gets what it shows.
"""

from __future__ import annotations

from html import escape
from typing import Any

Figure = dict[str, Any]


def _axis_title(layout: dict[str, Any], axis: str) -> str:
    return str(((layout.get(axis) or {}).get("title") or {}).get("text") or "")


def chart_label(figure: Figure) -> str:
    """The chart's text alternative: what it plots against what, and how many series."""
    layout = figure.get("layout", {})
    y, x = _axis_title(layout, "yaxis"), _axis_title(layout, "xaxis")
    what = f"{y} against {x}" if x and y else (y or x or "chart")
    names = [t.get("name") for t in figure.get("data", []) if t.get("name")]
    series = f"; {len(names)} series: {', '.join(names[:8])}{', ...' if len(names) > 8 else ''}" if names else ""
    return f"Chart of {what}{series}"


def _value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return escape(str(value))


def data_table(figure: Figure) -> str:
    """The plotted values as an HTML table, one row per point: the chart for readers who cannot see it."""
    layout = figure.get("layout", {})
    x, y = _axis_title(layout, "xaxis") or "x", _axis_title(layout, "yaxis") or "y"
    rows = []
    for trace in figure.get("data", []):
        if "z" in trace:
            continue
        xs, ys = trace.get("x") or [], trace.get("y") or []
        names = [c[1] if isinstance(c, list) and len(c) > 1 else "" for c in trace.get("customdata") or []]
        texts = trace.get("text") if isinstance(trace.get("text"), list) else []
        labels = [t or n for t, n in zip(texts or [""] * len(xs), names or [""] * len(xs))]
        for px, py, label in zip(xs, ys, labels):
            name = escape(str(trace.get("name") or ""))
            rows.append(f"<tr><td>{name}</td><td>{escape(str(label))}</td>"
                        f"<td>{_value(px)}</td><td>{_value(py)}</td></tr>")
    head = f"<tr><th>series</th><th>point</th><th>{escape(x)}</th><th>{escape(y)}</th></tr>"
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"
