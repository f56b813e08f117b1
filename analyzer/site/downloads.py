"""The site's downloadable files, written by the build next to the pages that link them.

Readers take the numbers into their own notebooks: each model's profile as the documented JSON
(schema: analyzer/schemas/profile.schema.json) and as CSV, one row per layer; the comparison table
as CSV; the runtime files as measured; and `compare.json`, which the compare page reads in the
browser. Everything here selects and serialises the collected site data; nothing is computed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from analyzer.render.links import built_page, model_page

# Folder of the downloads, relative to the site root.
TARGET = "downloads"
COMPARE_DATA = f"{TARGET}/compare.json"
COMPARISON_CSV = f"{TARGET}/comparison.csv"
# Per-layer CSV columns, from the profile's layer records.
LAYER_COLUMNS = (
    "name", "type", "depth", "output_shape", "params", "macs", "flops", "activation_bytes",
    "weight_bytes", "receptive_field", "sees_whole_input",
)
TOTAL_COLUMNS = ("params", "macs", "flops", "peak_activation_bytes", "weight_bytes")


def profile_json(name: str) -> str:
    return f"{TARGET}/profiles/{name}.json"


def profile_csv(name: str) -> str:
    return f"{TARGET}/profiles/{name}.csv"


def runtime_json(file: str) -> str:
    return f"{TARGET}/runtime/{file}"


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _csv(header: tuple[str, ...], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A list (shape) as 1x64x56x56, a receptive field as its size, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, dict) and "size" in value:
        return "x".join(str(v) for v in value["size"])
    if isinstance(value, list):
        return "x".join(str(v) for v in value)
    return value


def layers_csv(profile: dict[str, Any]) -> str:
    return _csv(LAYER_COLUMNS, [[_cell(layer.get(k)) for k in LAYER_COLUMNS] for layer in profile["layers"]])


def comparison_csv(models: list[dict[str, Any]]) -> str:
    header = ("name", "display_name", "family", "year", "input_shape", *TOTAL_COLUMNS, "receptive_field",
              "conv_layers", "imagenet_top1")
    rows = [
        [m["name"], m["display_name"], m["family"], m["year"], _cell(m["input_shape"]),
         *(m["profile"]["totals"][k] for k in TOTAL_COLUMNS),
         _cell(m["profile"]["receptive_field"]) if m["profile"]["receptive_field"] else "",
         m["conv_layers"], _cell(m["imagenet_top1"])]
        for m in models
    ]
    return _csv(header, rows)


def compare_data(models: list[dict[str, Any]]) -> dict[str, Any]:
    """What the compare page needs of each model: names, counts and the MACs of each layer."""
    return {
        "models": [
            {
                "name": m["name"],
                "display_name": m["display_name"],
                "family": m["family"],
                "year": m["year"],
                "page": built_page(model_page(m["name"])),
                "diagram": diagram_svg(m["name"]),
                "input_shape": m["input_shape"],
                "totals": {k: m["profile"]["totals"][k] for k in TOTAL_COLUMNS},
                "receptive_field": (m["profile"]["receptive_field"] or {}).get("size"),
                "conv_layers": m["conv_layers"],
                "imagenet_top1": m["imagenet_top1"],
                "layers": [[layer["name"], layer["macs"]] for layer in m["profile"]["layers"] if layer["macs"]],
            }
            for m in models
        ]
    }


def diagram_svg(name: str) -> str:
    return f"{TARGET}/diagrams/{name}.svg"


def write(docs: Path, data: dict[str, Any], runtime_files: list[Path], diagrams: dict[str, str]) -> None:
    """Every download under `docs`; mkdocs copies them into the built site as they are."""
    models = data["models"]
    files: dict[str, str] = {COMPARE_DATA: _dumps(compare_data(models)), COMPARISON_CSV: comparison_csv(models)}
    for m in models:
        files[profile_json(m["name"])] = _dumps(m["profile"])
        files[profile_csv(m["name"])] = layers_csv(m["profile"])
        files[diagram_svg(m["name"])] = diagrams[m["name"]]
    for source in runtime_files:
        files[runtime_json(source.name)] = source.read_text(encoding="utf-8")
    for path, text in sorted(files.items()):
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(text, encoding="utf-8")
