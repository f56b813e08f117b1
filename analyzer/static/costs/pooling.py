"""Pooling, reductions and resampling (unpooling, interpolation)."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import Any

from analyzer.static.aten import pool_args
from analyzer.static.costs import FLATTEN, GLOBAL, POINTWISE, Cost, Formula, OpContext, Shape, _numel, _ratio
from analyzer.static.records import Window


def pool(args: Sequence[Any], ctx: OpContext) -> Cost:
    window = pool_args(args)
    kernel, stride, padding, dilation = window.kernel, window.stride, window.padding, window.dilation
    n = _numel(ctx.output_shapes[0]) * kernel[0] * kernel[1]
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    if tuple(out[-2:]) == (1, 1) and kernel[0] >= src[-2] and kernel[1] >= src[-1] and padding == (0, 0):
        # A fixed-size pool that covers the whole map (GoogLeNet's 7x7 average) is global pooling;
        # a padded "same" pool that a small input shrank the map under (Inception v3's 3x3 at 100 px)
        # is still a local window.
        return Cost("pool", 0, (("pool", n),), GLOBAL)
    return Cost("pool", 0, (("pool", n),), Window("window", kernel, stride, padding, dilation))


def pool3d(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Only reached through local response normalisation, which pools across channels: the window
    # over the last two (spatial) axes decides the geometry.
    cost = pool(args, ctx)
    k = list(args[1]) if isinstance(args[1], (list, tuple)) else [args[1]] * 3
    n = _numel(ctx.output_shapes[0]) * prod(k)
    return Cost("pool", 0, (("pool", n),), cost.window)


def adaptive_pool(args: Sequence[Any], ctx: OpContext) -> Cost:
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    n = _numel(src)
    if tuple(out[-2:]) == tuple(src[-2:]):
        window = POINTWISE
    elif tuple(out[-2:]) == (1, 1):
        window = GLOBAL
    else:
        # Windows of an adaptive pool vary in size unless the sizes divide; the largest is used.
        kernel = tuple(-(-i // o) for i, o in zip(src[-2:], out[-2:]))
        stride = tuple(i // o for i, o in zip(src[-2:], out[-2:]))
        window = Window("window", kernel, stride)  # type: ignore[arg-type]
    return Cost("pool", 0, (("pool", n),), window)


def _reduced_window(src: Shape, out: Shape, reduced: set[int]) -> Window:
    spatial = {len(src) - 2, len(src) - 1} if len(src) >= 3 else set()
    if spatial and spatial <= reduced:
        return GLOBAL
    dims = tuple(sorted(reduced))
    return Window("mix", dims=dims) if len(out) == len(src) else Window("reduce", dims=dims)


def reduction(args: Sequence[Any], ctx: OpContext) -> Cost:
    src = ctx.input_shapes[0]
    dims = args[1] if len(args) > 1 else None
    dims = list(range(len(src))) if dims is None else ([dims] if isinstance(dims, int) else list(dims))
    spatial = {len(src) - 2, len(src) - 1} if len(src) >= 3 else set()
    reduced = {d % len(src) for d in dims} if src else set()
    n = _numel(src)
    op_class = "pool" if spatial and spatial <= reduced else "elementwise"
    return Cost(op_class, 0, ((op_class, n),), _reduced_window(src, ctx.output_shapes[0], reduced))


def logsumexp(args: Sequence[Any], ctx: OpContext) -> Cost:
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    dims = [args[1]] if isinstance(args[1], int) else list(args[1])
    reduced = {d % len(src) for d in dims} if src else set()
    return Cost("softmax", 0, (("softmax", 2 * _numel(src)),), _reduced_window(src, out, reduced))


def unpool(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Max-unpooling and nearest upsampling: output o copies input floor(o / factor).
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    if len(src) != 4:
        return Cost("reshape", 0, (), FLATTEN)
    factor = (_ratio(out[-2], src[-2]), _ratio(out[-1], src[-1]))
    return Cost("reshape", 0, (), Window("upsample", factor, factor))  # type: ignore[arg-type]


def interpolation(taps_per_axis: int) -> Formula:
    """Linear (2 taps per axis) and cubic (4) resampling: each output element is a weighted sum of
    its taps, 2 FLOPs per tap (a multiplication and an addition)."""

    def formula(args: Sequence[Any], ctx: OpContext) -> Cost:
        src, out = ctx.input_shapes[0], ctx.output_shapes[0]
        axes = len(out) - 2
        flops = (("pool", 2 * taps_per_axis ** axes * _numel(out)),)
        if axes != 2:
            return Cost("pool", 0, flops, FLATTEN)
        factor = (_ratio(out[-2], src[-2]), _ratio(out[-1], src[-1]))
        return Cost("pool", 0, flops, Window("interpolate", (taps_per_axis, taps_per_axis), factor))  # type: ignore[arg-type]

    return formula
