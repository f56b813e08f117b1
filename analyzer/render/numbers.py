"""Number formatting shared by every renderer, so the terminal and the site print figures alike.

One rule each, everywhere: counts keep three significant digits (`si`), accuracies one decimal
(`percent`), ratios between models three significant digits and never fewer than two (`times`:
1.04x, not 1x).
"""

from __future__ import annotations

# The fraction of a unit from which three significant digits round up to the next unit.
ROUNDS_UP = 0.9995


def _three_digits(value: float) -> str:
    """Three significant digits, trailing zeros kept, no exponent: 1.5 -> '1.50', 138.4 -> '138'."""
    text = f"{value:#.3g}"
    return text.rstrip(".") if "e" not in text else f"{value:,.0f}"


def si(n: float, unit: str = "") -> str:
    """1_234_567 -> '1.23 M', 1.5e9 -> '1.50 G'. Counts keep three significant digits."""
    for factor, prefix in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        # 999.6 M rounds to 1.00 G, not to '1,000 M'.
        if abs(n) >= factor * ROUNDS_UP:
            return f"{_three_digits(n / factor)} {prefix}{unit}"
    return f"{n:g} {unit}".strip() if isinstance(n, float) else f"{n} {unit}".strip()


def percent(value: float | None) -> str:
    """An accuracy: one decimal, 69.928 -> '69.9%'; '' for no figure."""
    return f"{value:.1f}%" if value is not None else ""


def times(value: float) -> str:
    """A ratio between two models: 1.04 -> '1.04x', 8.472 -> '8.47x', 0.0431 -> '0.0431x',
    2306.4 -> '2,306x' (whole numbers from 1,000, where three digits would read as a rounding)."""
    return f"{value:,.0f}x" if abs(value) >= 1000 else f"{_three_digits(value)}x"


def significant(value: float | None) -> str:
    """A measured figure (milliseconds, images per second): three significant digits, trailing zeros
    kept, whole numbers from 1,000: 1.5 -> '1.50', 0.38 -> '0.380', 2607.6 -> '2,608'; '' for none."""
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 1000 * ROUNDS_UP else _three_digits(value)


def binary_bytes(n: float) -> str:
    for factor, prefix in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if n >= factor * ROUNDS_UP:
            return f"{_three_digits(n / factor)} {prefix}"
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
