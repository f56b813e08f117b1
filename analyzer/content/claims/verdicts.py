"""What a checked claim is and the rules that decide its verdict: the four verdicts, the majority
rule for claims about many cases, how the parts of one statement combine, and the small helpers
every check uses to read a profile."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analyzer.static.profiler import zoo_profile
from analyzer.static.records import ModelProfile, OpNode

HOLDS, CORRECTED, FAILS, UNCHECKABLE = VERDICTS = (
    "holds", "holds with a correction", "does not hold", "cannot be checked here")

# A claim about many cases (every module, every convolution) holds when all pass, holds with a
# correction when more than this share pass, and does not hold otherwise.
MAJORITY = 0.5
# A rounded figure in the essay holds when the exact one is within 10% of it.
ROUNDING_TOLERANCE = 0.10


@dataclass(frozen=True)
class Measurement:
    label: str
    value: int | float | str
    # "" (a count), "x" (a factor), "%" (a fraction shown as a percentage), "ms", "MB", "px", "year".
    unit: str = ""


@dataclass(frozen=True)
class Claim:
    """One statement of the essay or of a later paper, checked. Its sentences are rendered from `text` (a template
    under templates/, with a `statement(c)` and an `explanation(c)` macro) out of the verdict and
    the `facts`; `measured` is the table shown beside them."""

    slug: str
    section: str
    verdict: str
    measured: tuple[Measurement, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    # The template's name under templates/claims/, when several claims share one (the dates).
    template: str = ""
    # For a claim of a later paper, not the essay's: that paper ("arXiv:1807.11164").
    paper: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"{self.slug}: verdict {self.verdict!r} is not one of {VERDICTS}")

    @property
    def paper_url(self) -> str:
        return f"https://arxiv.org/abs/{self.paper.split(':', 1)[1]}" if self.paper else ""

    @property
    def text(self) -> str:
        return f"claims/{self.template or self.slug}.md.jinja"


def graded(passed: int, total: int) -> str:
    """The majority rule: every case passes, holds; more than MAJORITY of them, holds with a
    correction; fewer, does not hold; no case at all, cannot be checked."""
    if not total:
        return UNCHECKABLE
    return HOLDS if passed == total else CORRECTED if passed > MAJORITY * total else FAILS


def combined(*verdicts: str) -> str:
    """Parts of one statement: all hold, holds; some hold or hold with a correction, holds with a
    correction; none, does not hold. A part that could not be checked leaves the others to decide."""
    checked = [v for v in verdicts if v != UNCHECKABLE]
    if not checked:
        return UNCHECKABLE
    if all(v == HOLDS for v in checked):
        return HOLDS
    return FAILS if all(v == FAILS for v in checked) else CORRECTED


def given_or_zoo(profile: ModelProfile | None, name: str) -> ModelProfile:
    return profile if profile is not None else zoo_profile(name)


def ops_of_class(profile: ModelProfile, op_class: str) -> list[OpNode]:
    assert profile.graph is not None
    return [op for op in profile.graph.ops if op.op_class == op_class]


def window_label(op: OpNode) -> str:
    assert op.window is not None
    (kh, kw), stride = op.window.kernel, op.window.stride[0]
    return f"{kh}x{kw} stride {stride}"


def map_width(shape: tuple[int, ...]) -> int:
    """The width of a map, 1 for a flat vector."""
    return shape[-1] if len(shape) == 4 else 1

