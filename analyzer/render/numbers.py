"""Number formatting shared by every renderer, so the terminal and the site print figures alike."""

from __future__ import annotations


def si(n: float, unit: str = "") -> str:
    """1_234_567 -> '1.23 M'. Counts keep three significant figures."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{n / factor:.3g} {prefix}{unit}"
    return f"{n:g} {unit}".strip() if isinstance(n, float) else f"{n} {unit}".strip()


def binary_bytes(n: float) -> str:
    for factor, prefix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= factor:
            return f"{n / factor:.3g} {prefix}"
    return f"{int(n)} B"


def grouped(n: int) -> str:
    return f"{n:,}"


def shape(dims: tuple[int, ...] | list[int]) -> str:
    return "x".join(str(d) for d in dims)


def field(rf: dict | None) -> str:
    if not rf:
        return ""
    h, w = rf["size"]
    return f"{h}" if h == w else f"{h}x{w}"
