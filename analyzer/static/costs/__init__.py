"""Cost formulas by operation family; `analyzer.static.counts` holds the table that names them.

What every formula returns (`Cost`) and reads (`OpContext`), the geometries several families share,
and the small helpers more than one family uses.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import prod
from typing import Any

from analyzer.static.records import Window

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Cost:
    op_class: str
    macs: int = 0
    flops: tuple[tuple[str, int], ...] = ()
    window: Window | None = None


@dataclass(frozen=True)
class OpContext:
    """What a formula may read besides the raw arguments."""

    input_shapes: tuple[Shape, ...]
    output_shapes: tuple[Shape, ...]
    # How many tensor inputs are activations (as opposed to parameters or constants), and where
    # they are among the tensor inputs.
    activation_inputs: int
    activation_at: tuple[int, ...] = ()
    # Keyword-only arguments of the schema (an attention mask, say), as dispatched.
    kwargs: dict[str, Any] | None = None


Formula = Callable[[Sequence[Any], OpContext], Cost]

POINTWISE = Window("pointwise")
MERGE = Window("merge")
GLOBAL = Window("global")
FLATTEN = Window("flatten")


def _numel(shape: Shape) -> int:
    return prod(shape)


def _affine(args: Sequence[Any], at: Sequence[int]) -> int:
    return sum(1 for i in at if len(args) > i and args[i] is not None)


def _ratio(a: int, b: int) -> int | Fraction:
    r = Fraction(a, b)
    return int(r) if r.denominator == 1 else r


def _flops(flops: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((c, n) for c, n in flops.items() if n)
