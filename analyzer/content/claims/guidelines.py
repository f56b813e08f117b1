"""ShuffleNet V2's four guidelines (Ma et al. 2018, Section 2) checked on the small networks of
`guideline_modules`: memory access from the analyzer's profile (every operation's input, weight
and output bytes), time from the committed CPU timings (scripts/bench_guidelines.py). Without the
timings a guideline cannot be checked here: each one is a statement about speed.

The timings are compared per MAC (the variants' MACs differ by up to 5%) and round by round: in
each round every variant ran once (the median of a few back-to-back runs), so the ratio of two
variants' times in one round shares that round's load. A variant is slower than the reference when
the 95% confidence interval of its median per-round ratio (from the spread of the ratios,
`median_interval`) lies above 1, faster when it lies below 1, and otherwise within the noise of
this machine.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import analyzer
from analyzer.bench.machine import machine_label
from analyzer.bench.timing import summary
from analyzer.content.claims.guideline_modules import BY_KEY, Guideline
from analyzer.content.claims.verdicts import FAILS, HOLDS, UNCHECKABLE, Claim, Measurement, combined, graded
from analyzer.static.records import ModelProfile

# Relative to the directory a command runs in (the repository root), as data/runtime is.
GUIDELINES_FILE = Path("data/guidelines/cpu.json")
SCHEMA = 1
PAPER = "arXiv:1807.11164"
SECTION = "ShuffleNet V2"
# The operations G4 calls element-wise: activations, additions of two tensors, arithmetic with a
# constant.
ELEMENTWISE = ("activation", "merge", "elementwise")
# Element-wise operations are "not free" in memory when their share of the bytes moved is at least
# ten times their share of the FLOPs.
ELEMENTWISE_FACTOR = 10
# The normal quantile of a two-sided 95% interval.
CONFIDENCE_Z = 1.96


@dataclass(frozen=True)
class GuidelineTimes:
    """The timing file: the machine, the settings, and per guideline each variant's time (ms) in each
    round."""

    machine: dict[str, Any]
    settings: dict[str, Any]
    rounds: dict[str, dict[str, list[float]]]


def load_times(path: Path = GUIDELINES_FILE) -> GuidelineTimes | None:
    """The committed timings, or None where there are none."""
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    if data.get("schema") != SCHEMA or not isinstance(data.get("rounds"), dict):
        raise ValueError(f"{path}: not a guideline timing file of schema {SCHEMA}")
    return GuidelineTimes(data["machine"], data["settings"], data["rounds"])


@dataclass(frozen=True)
class Paired:
    """One variant against the reference: the median of its per-round time ratio, that median's 95%
    interval, and what they show."""

    variant: str
    ratio: float
    low: float
    high: float
    outcome: str


def median_interval(values: list[float]) -> tuple[float, float]:
    """A 95% confidence interval of the median that assumes nothing of the distribution (the sign
    test's): the order statistics (n - 1.96 sqrt(n)) / 2 places in from either end."""
    ordered = sorted(values)
    k = max(int((len(ordered) - CONFIDENCE_Z * math.sqrt(len(ordered))) / 2), 0)
    return ordered[k], ordered[len(ordered) - 1 - k]


def paired(variant: str, times: list[float], reference: list[float], macs_ratio: float = 1.0) -> Paired:
    """`variant` against the reference over the rounds, per MAC (`macs_ratio` is the variant's MACs
    over the reference's): slower when the interval of its median time ratio lies above 1, faster
    when it lies below, and otherwise within the noise."""
    ratios = [t / r / macs_ratio for t, r in zip(times, reference)]
    low, high = median_interval(ratios)
    outcome = "slower" if low > 1 else "faster" if high < 1 else "within noise"
    return Paired(variant, summary(ratios)["median"], low, high, outcome)


@cache
def variant_profiles(key: str) -> dict[str, ModelProfile]:
    """Each variant of guideline `key` profiled at its input (batch 1)."""
    return {v.label: analyzer.profile(v.build(), input_size=v.input_shape) for v in BY_KEY[key].variants}


def _median_ms(times: list[float]) -> float:
    return summary(times)["median"]


def guideline_claim(slug: str, guideline: Guideline, times: GuidelineTimes | None,
                    profiles: dict[str, ModelProfile], memory: str | None, facts: dict[str, Any]) -> Claim:
    """The claim for one guideline: the time comparisons of every variant against the reference (it
    must run fastest), combined with `memory`, the verdict of the analytical part where there is one."""
    reference = guideline.reference
    rounds = times.rounds.get(guideline.key) if times is not None else None
    measured = [m for label, p in profiles.items() for m in (
        Measurement(f"{label}: MACs", p.totals.macs),
        Measurement(f"{label}: memory access (activations and weights)", p.totals.bytes_moved / 1e6, "MB"))]
    macs = [p.totals.macs for p in profiles.values()]
    facts = {**facts, "reference": reference, "timed": bool(rounds), "macs_spread": max(macs) / min(macs) - 1,
             "paper": PAPER}
    if not rounds or reference not in rounds:
        return Claim(slug, SECTION, UNCHECKABLE, tuple(measured), facts, paper=PAPER)
    # The variants' MACs differ by up to a few percent: time is compared per MAC.
    comparisons = [paired(v.label, rounds[v.label], rounds[reference],
                          profiles[v.label].totals.macs / profiles[reference].totals.macs)
                   for v in guideline.variants if v.label != reference and v.label in rounds]
    measured += [Measurement(f"{label}: median time, {machine_label(times.machine)}", _median_ms(ts), "ms")
                 for label, ts in rounds.items()]
    measured += [Measurement(f"{c.variant} over {reference}: time per MAC, median of rounds (95% interval)",
                             f"{c.ratio:.2f} ({c.low:.2f}-{c.high:.2f})") for c in comparisons]
    timed = graded(sum(c.outcome == "slower" for c in comparisons), len(comparisons))
    facts.update(comparisons=len(comparisons), slower=[c.variant for c in comparisons if c.outcome == "slower"],
                 faster=[c.variant for c in comparisons if c.outcome == "faster"],
                 noise=[c.variant for c in comparisons if c.outcome == "within noise"],
                 low=min(c.ratio for c in comparisons), high=max(c.ratio for c in comparisons),
                 machine=machine_label(times.machine), rounds=len(rounds[reference]),
                 time_verdict=timed, memory_verdict=memory or "")
    return Claim(slug, SECTION, combined(memory, timed) if memory else timed, tuple(measured), facts, paper=PAPER)


def _bytes(profiles: dict[str, ModelProfile]) -> dict[str, int]:
    return {label: p.totals.bytes_moved for label, p in profiles.items()}


def equal_widths(times: GuidelineTimes | None, profiles: dict[str, ModelProfile] | None = None) -> Claim:
    """G1: at the same FLOPs, equal input and output widths need the least memory access and time."""
    guideline = BY_KEY["g1"]
    moved = _bytes(profiles := profiles or variant_profiles("g1"))
    least = all(moved[guideline.reference] < b for label, b in moved.items() if label != guideline.reference)
    return guideline_claim("shufflenet-g1", guideline, times, profiles, HOLDS if least else FAILS,
                           {"least_memory": least, "most_memory": max(moved, key=moved.get),
                            "memory_factor": max(moved.values()) / moved[guideline.reference]})


def grouped_convolutions(times: GuidelineTimes | None, profiles: dict[str, ModelProfile] | None = None) -> Claim:
    """G2: at the same FLOPs, more groups mean more memory access and more time."""
    guideline = BY_KEY["g2"]
    moved = _bytes(profiles := profiles or variant_profiles("g2"))
    more = [label for label, b in moved.items() if label != guideline.reference and b > moved[guideline.reference]]
    return guideline_claim("shufflenet-g2", guideline, times, profiles, graded(len(more), len(moved) - 1),
                           {"more_memory": more, "others": len(moved) - 1, "most_memory": max(moved, key=moved.get),
                            "memory_factor": max(moved.values()) / moved[guideline.reference]})


def fragmentation(times: GuidelineTimes | None, profiles: dict[str, ModelProfile] | None = None) -> Claim:
    """G3: at the same FLOPs, splitting one convolution into several (in series or in parallel) costs
    time. A statement about parallelism: only the time decides; the memory access is context."""
    profiles = profiles or variant_profiles("g3")
    return guideline_claim("shufflenet-g3", BY_KEY["g3"], times, profiles, None, {})


def elementwise_share(profile: ModelProfile) -> tuple[float, float]:
    """The element-wise operations' share of the FLOPs and of the bytes moved."""
    assert profile.graph is not None
    ops = [op for op in profile.graph.ops if op.op_class in ELEMENTWISE]
    flops = sum(sum(f for _, f in op.flops_by_class) for op in ops)
    moved = sum(op.bytes_read + op.bytes_written for op in ops)
    return flops / profile.totals.flops, moved / profile.totals.bytes_moved


def elementwise_operations(times: GuidelineTimes | None, profiles: dict[str, ModelProfile] | None = None) -> Claim:
    """G4: ReLUs and additions do almost no arithmetic but move as many bytes as a convolution's input
    and output, and removing them saves time."""
    guideline = BY_KEY["g4"]
    profiles = profiles or variant_profiles("g4")
    flops_share, bytes_share = elementwise_share(profiles[guideline.variants[0].label])
    heavy = bytes_share >= ELEMENTWISE_FACTOR * flops_share and bytes_share > 0
    return guideline_claim("shufflenet-g4", guideline, times, profiles, HOLDS if heavy else FAILS,
                           {"flops_share": flops_share, "bytes_share": bytes_share, "factor": ELEMENTWISE_FACTOR,
                            "heavy": heavy})


def guideline_claims(path: Path = GUIDELINES_FILE) -> list[Claim]:
    times = load_times(path)
    return [equal_widths(times), grouped_convolutions(times), fragmentation(times), elementwise_operations(times)]
