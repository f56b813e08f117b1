"""Results of `analyzer bench` as dataclasses, and their JSON form (`data/runtime/<device-slug>.json`).

The exact form is `analyzer/schemas/runtime.schema.json`, which the site publishes and explains
(reference/runtime-json). Writing does not validate, so the GPU machine's bare Python needs nothing
beyond torch; `load_results` validates every file it reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from analyzer.output import write_atomic
from analyzer.paths import RUNTIME_DIR
from analyzer.schemas import validate

SCHEMA_VERSION = 1
# What `device.kind` and `device.dtype` may be (torch-free, so the command line can offer them).
DEVICES = ("cpu", "cuda")
DTYPE_NAMES = ("float32", "float16", "bfloat16")


@dataclass(frozen=True)
class LayerTime:
    name: str
    type: str
    time_ms: float
    time_share: float
    macs: int
    macs_share: float
    flops: int
    bytes_moved: int
    bound_ms: float | None
    fraction: float | None


@dataclass(frozen=True)
class LayerBreakdown:
    batch_size: int
    runs: int
    # The sum of the rows' medians; the whole-model median at this batch size is the independent figure.
    total_ms: float
    rows: tuple[LayerTime, ...]


@dataclass(frozen=True)
class ModelRuntime:
    name: str
    input_shape: tuple[int, ...]
    macs: int
    flops: int
    seconds: float
    load_average: float
    runs: dict[int, int]
    latency_ms: dict[int, dict[str, float]]
    throughput: dict[int, float]
    peak_memory_bytes: dict[int, int | None]
    roofline: dict[int, dict[str, float]]
    layers: LayerBreakdown | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuntimeResult:
    device: dict[str, Any]
    peak: dict[str, Any] | None
    settings: dict[str, Any]
    models: dict[str, ModelRuntime]
    complete: bool = True
    # The file it was read from (set by `load_results`).
    file: str = ""


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def to_dict(result: RuntimeResult) -> dict[str, Any]:
    """The documented JSON form (`analyzer/schemas/runtime.schema.json`)."""
    def model(m: ModelRuntime) -> dict[str, Any]:
        batches = {str(b): {
            "runs": m.runs[b],
            "latency_ms": {k: _r(v) for k, v in m.latency_ms[b].items()},
            "throughput": _r(m.throughput[b], 2),
            "peak_memory_bytes": m.peak_memory_bytes[b],
            "roofline": {k: _r(v) for k, v in m.roofline[b].items()} if b in m.roofline else None,
        } for b in m.latency_ms}
        layers = None
        if m.layers is not None:
            layers = {"batch_size": m.layers.batch_size, "runs": m.layers.runs, "total_ms": _r(m.layers.total_ms),
                      "rows": [{"name": r.name, "type": r.type, "time_ms": _r(r.time_ms),
                                "time_share": _r(r.time_share),
                                "macs": r.macs, "macs_share": _r(r.macs_share), "flops": r.flops,
                                "bytes_moved": r.bytes_moved, "bound_ms": _r(r.bound_ms), "fraction": _r(r.fraction)}
                               for r in m.layers.rows]}
        return {"input_shape": list(m.input_shape), "macs": m.macs, "flops": m.flops, "seconds": _r(m.seconds, 1),
                "load_average": m.load_average, "notes": list(m.notes), "batches": batches, "layers": layers}

    return {"schema": SCHEMA_VERSION, "complete": result.complete, "device": result.device, "peak": result.peak,
            "settings": result.settings, "models": {name: model(m) for name, m in result.models.items()}}


def from_dict(data: dict[str, Any]) -> RuntimeResult:
    def model(name: str, d: dict[str, Any]) -> ModelRuntime:
        batches = {int(b): v for b, v in d["batches"].items()}
        layers = None
        if d["layers"] is not None:
            rows = tuple(LayerTime(**row) for row in d["layers"]["rows"])
            layers = LayerBreakdown(d["layers"]["batch_size"], d["layers"]["runs"], d["layers"]["total_ms"], rows)
        return ModelRuntime(
            name=name, input_shape=tuple(d["input_shape"]), macs=d["macs"], flops=d["flops"], seconds=d["seconds"],
            load_average=d["load_average"], runs={b: v["runs"] for b, v in batches.items()},
            latency_ms={b: v["latency_ms"] for b, v in batches.items()},
            throughput={b: v["throughput"] for b, v in batches.items()},
            peak_memory_bytes={b: v["peak_memory_bytes"] for b, v in batches.items()},
            roofline={b: v["roofline"] for b, v in batches.items() if v["roofline"] is not None},
            layers=layers, notes=tuple(d["notes"]))

    return RuntimeResult(device=data["device"], peak=data["peak"], settings=data["settings"],
                         models={name: model(name, d) for name, d in data["models"].items()},
                         complete=data["complete"])


def read_documents(directory: str | Path = RUNTIME_DIR) -> dict[str, dict[str, Any]]:
    """Every result file in `directory` in its JSON form, by file name; a file that breaks the schema
    is an error."""
    documents = {}
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text())
        problems = validate(data, "runtime")
        if problems:
            raise ValueError(f"{path}: not a runtime result: {problems[0]}")
        documents[path.name] = data
    return documents


def as_results(documents: dict[str, dict[str, Any]]) -> list[RuntimeResult]:
    """`read_documents`' documents as `RuntimeResult`s, each knowing its file."""
    return [replace(from_dict(data), file=name) for name, data in documents.items()]


def load_results(directory: str | Path = RUNTIME_DIR) -> list[RuntimeResult]:
    """Every result file in `directory` as a `RuntimeResult`, by file name (see `read_documents`)."""
    return as_results(read_documents(directory))


def default_path(machine: dict[str, Any]) -> Path:
    return RUNTIME_DIR / f"{machine['slug']}.json"


def dumps(value: Any, indent: str = "") -> str:
    """JSON with one line per object or list that holds no other (a layer row, a latency summary)
    or is short, so the committed files stay readable and their diffs small."""
    flat = json.dumps(value)
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    if children is None or len(flat) <= 100 or not any(isinstance(c, (dict, list)) for c in children):
        return flat
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + f"\n{indent}]"


def write(result: RuntimeResult, path: str | Path) -> None:
    write_atomic(path, dumps(to_dict(result)) + "\n")
