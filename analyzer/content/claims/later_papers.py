"""Claims of the papers after the essay (2016-2022) about cost against accuracy, checked with the
analyzer's counts and the registry's published accuracies.

Parameters and MACs come from the profiles, never from the papers. Accuracies are published
figures, and two of them are compared only when they were measured the same way: each check names
the pair it uses (the papers' own tables, or torchvision's single-crop evaluation of both models),
and compares the profiles of exactly those networks (torchvision's ResNet-50 is v1.5).
"""

from __future__ import annotations

from typing import Any

import analyzer
from analyzer.bench.machine import machine_label
from analyzer.content.claims.resnet_mobilenet import latency_comparison
from analyzer.content.claims.verdicts import (
    FAILS,
    HOLDS,
    ROUNDING_TOLERANCE,
    UNCHECKABLE,
    Claim,
    Measurement,
    combined,
    given_or_zoo,
    graded,
)
from analyzer.registry import Accuracy, ArchSpec
from analyzer.static.records import ModelProfile

# One model is "more accurate" than another when its top-1 is higher by at least half a point:
# retraining one network with another seed moves its ImageNet top-1 by a few tenths.
ACCURACY_MARGIN = 0.5
# "Similar accuracy": top-1 within one point either way.
SIMILAR_ACCURACY = 1.0
# "Comparable cost": MACs (or batch-1 time) within a quarter of the other's.
COMPARABLE = 1.25
# "A fraction of the cost", "far fewer parameters": at most half.
HALF = 0.5
# Tan and Le 2019, Table 2: ResNet-50 needs 4.9x EfficientNet-B0's parameters and 11x its FLOPs.
PAPER_EFFICIENTNET_FACTORS = {"params": 4.9, "macs": 11}
TORCHVISION = "torchvision"
LABELS = {"params": "parameters", "macs": "MACs"}


def published(spec: ArchSpec, source: str) -> Accuracy | None:
    """The spec's accuracy whose source starts with `source`, if it has one with a top-1."""
    return next((a for a in spec.accuracy if a.source.startswith(source) and a.top1 is not None), None)


def _accuracy_rows(pairs: list[tuple[str, Accuracy | None]]) -> tuple[Measurement, ...]:
    return tuple(Measurement(f"{analyzer.spec(name).display_name}: top-1, {a.source}", f"{a.top1:g}%")
                 for name, a in pairs if a is not None)


def _cost_rows(profiles: dict[str, ModelProfile]) -> tuple[Measurement, ...]:
    return tuple(m for name, p in profiles.items() for m in (
        Measurement(f"{analyzer.spec(name).display_name}: parameters", p.totals.params),
        Measurement(f"{analyzer.spec(name).display_name}: MACs", p.totals.macs)))


def mobilenet_v2_against_v1(v2: ModelProfile | None = None, v1: ModelProfile | None = None,
                            accuracies: tuple[Accuracy | None, Accuracy | None] | None = None) -> Claim:
    """Sandler et al. 2018, Table 4: MobileNetV2 is more accurate than MobileNet v1 with fewer
    multiply-adds. Both accuracies are the papers' own (Table 4 quotes v1's)."""
    profiles = {"mobilenet_v2": given_or_zoo(v2, "mobilenet_v2"), "mobilenet_v1": given_or_zoo(v1, "mobilenet_v1")}
    new, old = accuracies or (published(analyzer.spec("mobilenet_v2"), "Sandler et al."),
                              published(analyzer.spec("mobilenet_v1"), "Howard et al."))
    macs = profiles["mobilenet_v2"].totals.macs / profiles["mobilenet_v1"].totals.macs
    gain = new.top1 - old.top1 if new and old else None
    verdict = combined(HOLDS if macs < 1 else FAILS,
                       UNCHECKABLE if gain is None else HOLDS if gain >= ACCURACY_MARGIN else FAILS)
    return Claim(
        "mobilenet-v2-v1", "MobileNetV2", verdict,
        _cost_rows(profiles) + (Measurement("MACs, V2 over v1", macs, "x"),)
        + _accuracy_rows([("mobilenet_v2", new), ("mobilenet_v1", old)]),
        {"macs_ratio": macs, "gain": gain, "margin": ACCURACY_MARGIN, "fewer": macs < 1},
        tuple(profiles), paper="arXiv:1801.04381")


def densenet_efficiency(dense: ModelProfile | None = None, resnet: ModelProfile | None = None,
                        accuracies: tuple[Accuracy | None, Accuracy | None] | None = None) -> Claim:
    """Huang et al. 2016, Section 4.4: DenseNet-201 (20 M parameters) is about as accurate as
    ResNet-101 (more than 40 M). Accuracies: torchvision's single-crop evaluation of both (DenseNet
    ported from the authors' models), since the paper's ResNet figures are not in the registry."""
    profiles = {"densenet201": given_or_zoo(dense, "densenet201"),
                "resnet101_v1_5": given_or_zoo(resnet, "resnet101_v1_5")}
    ours, theirs = accuracies or (published(analyzer.spec("densenet201"), TORCHVISION),
                                  published(analyzer.spec("resnet101_v1_5"), TORCHVISION))
    params = profiles["densenet201"].totals.params / profiles["resnet101_v1_5"].totals.params
    gap = ours.top1 - theirs.top1 if ours and theirs else None
    verdict = combined(HOLDS if params <= HALF else FAILS,
                       UNCHECKABLE if gap is None else HOLDS if abs(gap) <= SIMILAR_ACCURACY else FAILS)
    return Claim(
        "densenet-resnet", "DenseNet", verdict,
        _cost_rows(profiles) + (Measurement("parameters, DenseNet-201 over ResNet-101", params, "x"),)
        + _accuracy_rows([("densenet201", ours), ("resnet101_v1_5", theirs)]),
        {"params_ratio": params, "gap": gap, "similar": SIMILAR_ACCURACY, "half": HALF,
         "macs_ratio": profiles["densenet201"].totals.macs / profiles["resnet101_v1_5"].totals.macs},
        tuple(profiles), paper="arXiv:1608.06993")


def efficientnet_cost(effnet: ModelProfile | None = None, resnet: ModelProfile | None = None,
                      accuracies: tuple[Accuracy | None, Accuracy | None] | None = None) -> Claim:
    """Tan and Le 2019, Table 2: EfficientNet-B0 is at least as accurate as ResNet-50 with 4.9x fewer
    parameters and 11x fewer FLOPs. Accuracies: torchvision's single-crop evaluation of both."""
    profiles = {"efficientnet_b0": given_or_zoo(effnet, "efficientnet_b0"),
                "resnet50_v1_5": given_or_zoo(resnet, "resnet50_v1_5")}
    ours, theirs = accuracies or (published(analyzer.spec("efficientnet_b0"), TORCHVISION),
                                  published(analyzer.spec("resnet50_v1_5"), TORCHVISION))
    b0, r50 = profiles["efficientnet_b0"].totals, profiles["resnet50_v1_5"].totals
    factors = {"params": r50.params / b0.params, "macs": r50.macs / b0.macs}
    gap = ours.top1 - theirs.top1 if ours and theirs else None
    as_printed = [k for k, f in factors.items() if abs(f / PAPER_EFFICIENTNET_FACTORS[k] - 1) <= ROUNDING_TOLERANCE]
    cheaper = graded(sum(f > 1 for f in factors.values()), len(factors))
    verdict = combined(cheaper, UNCHECKABLE if gap is None else HOLDS if gap >= -SIMILAR_ACCURACY else FAILS)
    return Claim(
        "efficientnet-resnet", "EfficientNet", verdict,
        _cost_rows(profiles) + tuple(Measurement(f"{LABELS[k]}, ResNet-50 over EfficientNet-B0 (the paper: "
                                                 f"{PAPER_EFFICIENTNET_FACTORS[k]}x)", f, "x")
                                     for k, f in factors.items())
        + _accuracy_rows([("efficientnet_b0", ours), ("resnet50_v1_5", theirs)]),
        {"params_factor": factors["params"], "macs_factor": factors["macs"], "gap": gap,
         "paper_params": PAPER_EFFICIENTNET_FACTORS["params"], "paper_macs": PAPER_EFFICIENTNET_FACTORS["macs"],
         "as_printed": len(as_printed) == len(factors), "similar": SIMILAR_ACCURACY},
        tuple(profiles), paper="arXiv:1905.11946")


CONVNEXT_RIVALS = ("resnet50_v1_5", "vit_b_16")


def _cpu_latencies(results: list[Any]) -> tuple[dict[str, dict[str, float]], dict[str, Any]] | None:
    """Batch-1 latencies of ConvNeXt-T and its rivals from one float32 CPU run that timed all three."""
    names = ("convnext_tiny", *CONVNEXT_RIVALS)
    for r in results:
        if r.device.get("kind") == "cpu" and r.device.get("dtype", "float32") == "float32" \
                and all(n in r.models and r.models[n].latency_ms.get(1) for n in names):
            return {n: r.models[n].latency_ms[1] for n in names}, r.device
    return None


def convnext_cost(results: list[Any], profiles: dict[str, ModelProfile] | None = None,
                  accuracies: dict[str, Accuracy | None] | None = None) -> Claim:
    """Liu et al. 2022: ConvNeXt-T costs about what ResNet-50 costs (4.5 against 4.1 GFLOPs) and is
    more accurate than transformers of its cost. The zoo has ViT-B/16, not Swin-T: against it the
    claim reads as a fraction of the cost for at least its accuracy. Accuracies: torchvision's
    single-crop evaluation of all three (ConvNeXt's resize is 236, the others' 256)."""
    names = ("convnext_tiny", *CONVNEXT_RIVALS)
    profiles = profiles or {n: given_or_zoo(None, n) for n in names}
    top1 = accuracies or {n: published(analyzer.spec(n), TORCHVISION) for n in names}
    macs = {n: profiles["convnext_tiny"].totals.macs / profiles[n].totals.macs for n in CONVNEXT_RIVALS}
    gains = ({n: top1["convnext_tiny"].top1 - top1[n].top1 for n in CONVNEXT_RIVALS}
             if all(top1.values()) else None)
    cost = combined(HOLDS if 1 / COMPARABLE <= macs["resnet50_v1_5"] <= COMPARABLE else FAILS,
                    HOLDS if macs["vit_b_16"] <= HALF else FAILS)
    accurate = UNCHECKABLE if gains is None else graded(sum(g >= ACCURACY_MARGIN for g in gains.values()), len(gains))
    measured = _cost_rows(profiles) + tuple(
        Measurement(f"MACs, ConvNeXt-T over {analyzer.spec(n).display_name}", r, "x") for n, r in macs.items())
    measured += _accuracy_rows(list(top1.items()))
    facts: dict[str, Any] = {"macs_resnet": macs["resnet50_v1_5"], "macs_vit": macs["vit_b_16"],
                             "gains": gains, "comparable": COMPARABLE, "margin": ACCURACY_MARGIN, "timed": False}
    timed = UNCHECKABLE
    if (found := _cpu_latencies(results)) is not None:
        latency, machine = found
        vs_resnet = latency["convnext_tiny"]["median"] / latency["resnet50_v1_5"]["median"]
        vs_vit = latency_comparison(latency["convnext_tiny"], latency["vit_b_16"])
        timed = graded((1 / COMPARABLE <= vs_resnet <= COMPARABLE) + (vs_vit == "faster"), 2)
        measured += tuple(Measurement(f"{analyzer.spec(n).display_name}: batch-1 median, {machine_label(machine)}",
                                      latency[n]["median"], "ms") for n in names)
        facts.update(timed=True, time_resnet=vs_resnet, time_vit=vs_vit, machine=machine_label(machine),
                     time_vit_ratio=latency["convnext_tiny"]["median"] / latency["vit_b_16"]["median"])
    facts["time_verdict"] = timed
    return Claim("convnext-cost", "ConvNeXt", combined(cost, accurate, timed), measured, facts, names,
                 paper="arXiv:2201.03545")
