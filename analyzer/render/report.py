"""The profile as a terminal table, JSON, CSV or Markdown; each a function of `ModelProfile.to_dict()`."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from analyzer.render.numbers import binary_bytes, field, grouped, shape, si
from analyzer.static.records import OP_CLASSES

FORMATS = ("text", "json", "csv", "markdown")


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2) + "\n"


def rf_cell(layer: dict[str, Any]) -> str:
    if layer["sees_whole_input"]:
        return "all"
    return field(layer["receptive_field"])


def csv_columns() -> list[str]:
    return ["name", "type", "depth", "calls", "input_shapes", "output_shape", "params", "trainable_params",
            "macs", "flops", *[f"flops_{c}" for c in OP_CLASSES], "activation_bytes", "weight_bytes",
            "bytes_moved", "arithmetic_intensity", "rf_size", "rf_stride", "rf_padding", "sees_whole_input", "ops"]


def to_csv(report: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_columns())
    for layer in report["layers"]:
        rf = layer["receptive_field"] or {}
        writer.writerow([
            layer["name"], layer["type"], layer["depth"], layer["calls"],
            " ".join(shape(s) for s in layer["input_shapes"]), shape(layer["output_shape"]),
            layer["params"], layer["trainable_params"], layer["macs"], layer["flops"],
            *[layer["flops_by_class"].get(c, 0) for c in OP_CLASSES],
            layer["activation_bytes"], layer["weight_bytes"], layer["bytes_moved"], layer["arithmetic_intensity"],
            shape(rf["size"]) if rf else "", shape(rf["stride"]) if rf else "", shape(rf["padding"]) if rf else "",
            layer["sees_whole_input"], " ".join(layer["ops"]),
        ])
    return buffer.getvalue()


def _rows(report: dict[str, Any]) -> list[list[str]]:
    total_macs = report["totals"]["macs"] or 1
    return [[
        layer["name"] or "(model)",
        layer["type"],
        shape(layer["output_shape"]),
        grouped(layer["params"]) if layer["params"] else "",
        si(layer["macs"]) if layer["macs"] else "",
        f"{100 * layer['macs'] / total_macs:.1f}" if layer["macs"] else "",
        si(layer["flops"]) if layer["flops"] else "",
        binary_bytes(layer["activation_bytes"]) if layer["activation_bytes"] else "",
        rf_cell(layer),
    ] for layer in report["layers"]]


HEADERS = ["layer", "type", "output", "params", "MACs", "MAC %", "FLOPs", "activations", "RF"]


def summary_lines(report: dict[str, Any]) -> list[tuple[str, str]]:
    t = report["totals"]
    rf = report["receptive_field"]
    lines = [
        ("input", " ".join(shape(s) for s in (report["input_shape"] if isinstance(report["input_shape"][0], list)
                                              else [report["input_shape"]]))),
        ("parameters", f"{grouped(t['params'])} ({grouped(t['trainable_params'])} trainable)"),
        ("MACs", f"{grouped(t['macs'])} ({si(t['macs'])})"),
        ("FLOPs", f"{grouped(t['flops'])} ({si(t['flops'])})"),
        ("weights", binary_bytes(t["weight_bytes"])),
        ("activations", f"{binary_bytes(t['activation_bytes'])} allocated, "
                        f"{binary_bytes(t['peak_activation_bytes'])} at peak"),
        ("FLOPs by class", ", ".join(f"{c} {si(n)}" for c, n in t["flops_by_class"].items())),
    ]
    if rf:
        lines.append(("receptive field", f"{field(rf)} px, stride {shape(rf['stride'])} at {rf['layer']}"))
    if report["uncounted_ops"]:
        lines.append(("uncounted ops", ", ".join(report["uncounted_ops"])))
    return lines


def to_markdown(report: dict[str, Any]) -> str:
    out = [f"# {report['model']}", ""]
    out += [f"- **{k}**: {v}" for k, v in summary_lines(report)]
    out += ["", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in _rows(report)]
    return "\n".join(out) + "\n"


def to_text(report: dict[str, Any], width: int | None = None, colour: bool = False) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{report['model']}", title_justify="left", header_style="bold")
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if i < 3 else "right", no_wrap=i == 0)
    for row in _rows(report):
        table.add_row(*row)
    console = Console(file=io.StringIO(), width=width or 120, color_system="standard" if colour else None,
                      force_terminal=colour)
    console.print(table)
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    for key, value in summary_lines(report):
        summary.add_row(key, value)
    console.print(summary)
    return console.file.getvalue()  # type: ignore[attr-defined]


def render(report: dict[str, Any], fmt: str, colour: bool = False) -> str:
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "markdown":
        return to_markdown(report)
    return to_text(report, colour=colour)
