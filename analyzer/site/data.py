"""Everything the documentation site shows, collected once as one plain dict.

This is the COLLECT half of the site: it profiles the zoo, reads the measured runtimes and asks the
idea, claim and block-graph modules for their results, and computes every figure a page shows (ratios
included). The templates and charts under `analyzer/render/` receive only this dict, never a model or
a profile object, and compute nothing: models, ratios and runtimes are JSON types (dicts, lists,
numbers, strings); ideas, claims and diagrams' block graphs are the frozen dataclasses of numbers and
strings that `analyzer.content.ideas`, `analyzer.content.claims` and `analyzer.static.blockgraph`
define. Nothing here is SVG or HTML: the renderers draw it.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import Any

from analyzer import registry
from analyzer.bench.machine import machine_label
from analyzer.bench.results import as_results, read_documents
from analyzer.content import claims, ideas
from analyzer.paths import RUNTIME_DIR
from analyzer.static import erf
from analyzer.static.blockgraph import diagram_blocks
from analyzer.static.graphwalk import arithmetic_ops
from analyzer.static.profiler import summarise, zoo_profile
from analyzer.static.records import ModelProfile

# The empirical (gradient) receptive field costs a CPU forward and backward pass per model, too slow
# for the whole zoo on every build; the site draws it for one network of each design step instead.
ERF_MODELS = ("lenet5", "alexnet", "nin", "vgg16", "googlenet", "inception_v3", "resnet50",
              "squeezenet1_0", "mobilenet_v1")
# Networks whose story is in their branches get a second diagram one level deeper.
DETAIL_DIAGRAMS = ("googlenet", "inception_v3", "resnet50")
# The chart of runtime against operation count compares every model at one batch size.
FIT_BATCH = 1
IMAGENET = "ImageNet-1k val"


def plain(obj: Any) -> Any:
    """Dataclasses, tuples and mappings (with any keys) as JSON types: dicts, lists, strings."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def _imagenet_top1(spec: registry.ArchSpec) -> float | None:
    """The headline top-1 when it is an ImageNet figure: the only accuracies the charts compare."""
    head = spec.headline_accuracy
    return head.top1 if head is not None and head.dataset == IMAGENET else None


def _predecessors(specs: list[registry.ArchSpec]) -> dict[str, str | None]:
    """The network each one is compared with: the previous paper network in history order."""
    out: dict[str, str | None] = {}
    previous: str | None = None
    for s in specs:
        out[s.name] = previous
        if s.variant_of is None:
            previous = s.name
    return out


def _comparison(this: ModelProfile, other: ModelProfile, name: str) -> dict[str, Any]:
    a, b = this.totals, other.totals
    return {
        "name": name,
        "params_ratio": a.params / b.params,
        "macs_ratio": a.macs / b.macs if b.macs else None,
    }


# The totals a history text may compare with `{{ ratio("a", "b", key) }}`.
RATIO_KEYS = ("params", "macs", "flops")


def ratios(totals: dict[str, dict[str, Any]]) -> dict[str, dict[str, dict[str, float | None]]]:
    """ratios[key][a][b]: model a's total `key` over model b's, for every pair of the models' totals
    (their JSON form, by name); None where b's is 0."""
    return {
        key: {a: {b: ta[key] / tb[key] if tb[key] else None for b, tb in totals.items()} for a, ta in totals.items()}
        for key in RATIO_KEYS
    }


def _model(spec: registry.ArchSpec, prof: ModelProfile) -> dict[str, Any]:
    assert prof.graph is not None
    summary = summarise(prof.graph, prof.model, prof.input_shape, prof.device, prof.dtype, depth=1)
    top1 = _imagenet_top1(spec)
    totals = prof.totals
    return {
        **{
            k: plain(getattr(spec, k))
            for k in (
                "name",
                "display_name",
                "family",
                "year",
                "authors",
                "title",
                "paper",
                "input_shape",
                "output_shape",
                "task",
                "ideas",
                "variant_of",
                "differences",
                "options",
            )
        },
        "paper_url": spec.paper_url,
        "published": {"params": plain(spec.params), "macs": plain(spec.macs)},
        "accuracy": plain(spec.accuracy),
        "headline": plain(spec.headline_accuracy),
        "imagenet_top1": top1,
        # Canziani et al.'s "accuracy density": top-1 points per million parameters.
        "accuracy_density": top1 / (totals.params / 1e6) if top1 is not None else None,
        "profile": prof.to_dict(),
        "summary": summary.to_dict()["layers"],
        "conv_layers": sum(1 for op in prof.graph.ops if op.op_class == "conv"),
        "weight_bytes_fp16": totals.weight_bytes_fp16,
    }


def _runtime(documents: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Measured runtimes per device in the runtime JSON form as read, each model's batches as sorted rows."""
    def row(batch: str, measured: dict[str, Any]) -> dict[str, Any]:
        latency = measured.pop("latency_ms")
        return {"batch": int(batch), **measured, **latency}

    devices = []
    for file, document in documents.items():
        form = copy.deepcopy(document)
        form["label"] = machine_label(form["device"])
        # The site offers the file itself as a download under this name.
        form["file"] = file
        for m in form["models"].values():
            m["batches"] = [
                row(b, measured) for b, measured in sorted(m["batches"].items(), key=lambda i: int(i[0]))
            ]
        devices.append(form)
    return devices


def linear_fit(xs: list[float], ys: list[float]) -> dict[str, float] | None:
    """Least-squares line y = slope * x + intercept, and its coefficient of determination."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - slope * x - intercept) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys)
    return {"slope": slope, "intercept": intercept, "r2": 1 - ss_res / ss_tot if ss_tot else 1.0, "n": n}


def _fits(devices: list[dict[str, Any]], profiles: dict[str, ModelProfile]) -> None:
    """Per device: median latency at FIT_BATCH against MACs and against the number of arithmetic
    operations, each fitted by a line (added in place)."""
    for device in devices:
        points = sorted(
            (profiles[name].totals.macs, arithmetic_ops(profiles[name]), row["median"], name)
            for name, m in device["models"].items()
            if name in profiles
            for row in m["batches"]
            if row["batch"] == FIT_BATCH and row.get("median") is not None
        )
        latency = [p[2] for p in points]
        device["fit"] = {
            "batch": FIT_BATCH,
            "points": [{"name": n, "macs": macs, "ops": ops, "latency_ms": y} for macs, ops, y, n in points],
            "line": linear_fit([p[0] for p in points], latency),
            "ops_line": linear_fit([p[1] for p in points], latency),
        }


def collect(runtime_dir: str | Path = RUNTIME_DIR) -> dict[str, Any]:
    """The site's data: per model its metadata, profile and comparisons; runtimes; ideas; claims."""
    specs = registry.specs()
    profiles = {s.name: zoo_profile(s.name) for s in specs}
    models = [_model(s, profiles[s.name]) for s in specs]
    previous = _predecessors(specs)
    for s, m in zip(specs, models):
        before = previous[s.name]
        m["predecessor"] = _comparison(profiles[s.name], profiles[before], before) if before else None
        m["paper_model"] = (
            _comparison(profiles[s.name], profiles[s.variant_of], s.variant_of) if s.variant_of else None
        )
        m["variants"] = [v.name for v in specs if v.variant_of == s.name]
        m["diagram"] = diagram_blocks(s.name, depth=1)
        m["diagram_detail"] = diagram_blocks(s.name, depth=2) if s.name in DETAIL_DIAGRAMS else None
        m["erf"] = plain(erf.empirical_field(s.name)) if s.name in ERF_MODELS else None
    documents = read_documents(runtime_dir) if Path(runtime_dir).is_dir() else {}
    # The claims read results as dataclasses; the pages read the documents as they were written.
    results = as_results(documents)
    devices = _runtime(documents)
    _fits(devices, profiles)
    return {
        "models": models,
        "ratios": ratios({name: p.totals.to_dict() for name, p in profiles.items()}),
        "runtime": devices,
        "idea_tags": list(registry.IDEAS),
        "ideas": ideas.all_ideas(),
        "claims": claims.all_claims(results),
    }
