"""ATen's argument lists, read once for every rule that needs them (shapes, counts, erf)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def pair(value: Any, default: int) -> tuple[int, int]:
    """An int, or a list whose last two entries are (height, width) (one entry: both), as a pair;
    None or an empty list is (default, default)."""
    if value is None or (isinstance(value, (list, tuple)) and len(value) == 0):
        return (default, default)
    if isinstance(value, int):
        return (value, value)
    value = list(value)
    return (int(value[-2]), int(value[-1])) if len(value) >= 2 else (int(value[0]), int(value[0]))


@dataclass(frozen=True)
class PoolArgs:
    """A 2-D pool's window (height, width) from its ATen arguments."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    ceil_mode: bool


def pool_args(args: Sequence[Any]) -> PoolArgs:
    """(x, kernel, stride, padding, [dilation,] ceil_mode, ...): max pooling has the dilation, average
    pooling has none and a bool (ceil_mode) in its place. A missing or empty stride is the kernel;
    trailing arguments may be left out, as the dispatcher leaves out defaults."""
    kernel = pair(args[1], 1)
    stride = pair(args[2] if len(args) > 2 else None, 0)
    dilated = len(args) > 4 and not isinstance(args[4], bool)
    ceil_at = 5 if dilated else 4
    return PoolArgs(
        kernel=kernel,
        stride=kernel if stride == (0, 0) else stride,
        padding=pair(args[3] if len(args) > 3 else None, 0),
        dilation=pair(args[4], 1) if dilated else (1, 1),
        ceil_mode=bool(args[ceil_at]) if len(args) > ceil_at else False,
    )
