"""The essay's dates, each set against the registry's year and the paper's arXiv month."""

from __future__ import annotations

import analyzer
from analyzer.content.claims.verdicts import (
    CORRECTED,
    FAILS,
    HOLDS,
    UNCHECKABLE,
    Claim,
    Measurement,
)
from analyzer.registry import ArchSpec

ESSAY_LENET_YEAR = 1994

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def paper_month(spec: ArchSpec) -> int | None:
    """The month an arXiv paper was first posted (its id is YYMM.NNNNN); None for a DOI."""
    kind, ident = spec.paper.split(":", 1)
    return int(ident[2:4]) if kind == "arXiv" else None


def essay_date(slug: str, section: str, subject: str, model: str, year: int, month: int | None = None,
               spec: ArchSpec | None = None) -> Claim:
    """The essay dates `subject` (the paper of zoo model `model`) to `month` of `year`; the registry
    has the paper's year and arXiv id."""
    spec = spec or analyzer.spec(model)
    found = paper_month(spec)
    if spec.year != year:
        verdict = CORRECTED if month is None or found is None else FAILS
    elif month is None or found is None:
        verdict = HOLDS if month is None else UNCHECKABLE
    else:
        verdict = HOLDS if found == month else CORRECTED
    measured = [Measurement("year in the registry", spec.year, "year")]
    if found is not None:
        measured.append(Measurement(f"month of first posting ({spec.paper})", MONTHS[found - 1]))
    return Claim(slug, section, verdict, tuple(measured),
                 {"name": subject, "year": year, "month": MONTHS[month - 1] if month else "",
                  "found_year": spec.year, "found_month": MONTHS[found - 1] if found else "",
                  "paper": spec.paper},
                 (model,), template="date")


def dates() -> list[Claim]:
    return [
        essay_date("lenet-year", "LeNet5", "LeNet-5", "lenet5", ESSAY_LENET_YEAR),
        essay_date("overfeat-date", "OverFeat", "OverFeat", "overfeat_fast", 2013, 12),
        essay_date("bn-inception-date", "Inception V2 / V3", "BN-Inception", "bn_inception", 2015, 2),
        essay_date("inception-v3-date", "Inception V2 / V3", "Inception v3", "inception_v3", 2015, 12),
        essay_date("resnet-date", "ResNet", "ResNet", "resnet50", 2015, 12),
        essay_date("mobilenet-date", "MobileNets", "MobileNets", "mobilenet_v1", 2017, 4),
    ]

