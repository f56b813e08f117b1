"""Convolutions and matrix products: the MACs of the zoo."""

from __future__ import annotations

from collections.abc import Sequence
from math import prod
from typing import Any

from analyzer.static.aten import pair as _pair
from analyzer.static.costs import GLOBAL, Cost, OpContext, _numel
from analyzer.static.records import Window


def convolution(args: Sequence[Any], ctx: OpContext) -> Cost:
    x, weight, bias = args[0], args[1], args[2]
    stride, padding, dilation, transposed = args[3], args[4], args[5], bool(args[6])
    kernel = tuple(weight.shape[2:])
    out = ctx.output_shapes[0]
    # weight is (out, in/groups, k...) for a convolution and (in, out/groups, k...) when transposed:
    # either way each MAC pairs one element of the iterated tensor with weight.shape[1]*prod(k) taps.
    taps = int(weight.shape[1]) * prod(kernel)
    macs = (_numel(tuple(x.shape)) if transposed else _numel(out)) * taps
    flops = [("conv", 2 * macs)]
    if bias is not None:
        flops.append(("bias", _numel(out)))
    window = None
    if len(kernel) == 2:
        window = Window("transposed" if transposed else "window", _pair(kernel, 1), _pair(stride, 1),
                        _pair(padding, 0), _pair(dilation, 1))
    return Cost("conv", macs, tuple(flops), window)


def _product_window(ctx: OpContext, left: int, right: int, out_rank: int) -> Window:
    """Geometry of a matrix product whose operands are tensor inputs `left` and `right`: between two
    activations it mixes positions (attention across tokens: every output sees the whole input);
    with a weight on the right it mixes the last dim only (a linear layer, even on an NHWC map), with
    a weight on the left the second-to-last."""
    at = ctx.activation_at
    if left in at and right in at:
        return GLOBAL
    if left in at:
        return Window("mix", dims=(out_rank - 1,))
    if right in at:
        return Window("mix", dims=(out_rank - 2,))
    return GLOBAL


def addmm(args: Sequence[Any], ctx: OpContext) -> Cost:
    m1, m2 = ctx.input_shapes[1], ctx.input_shapes[2]
    macs = m1[0] * m1[1] * m2[1]
    return Cost("linear", macs, (("linear", 2 * macs), ("bias", m1[0] * m2[1])), _product_window(ctx, 1, 2, 2))


def matmul(args: Sequence[Any], ctx: OpContext) -> Cost:
    a, out = ctx.input_shapes[0], ctx.output_shapes[0]
    macs = _numel(out) * a[-1]
    # A product with a parameter is a linear layer written by hand; between activations, a matmul.
    op_class = "linear" if ctx.activation_inputs < 2 else "matmul"
    return Cost(op_class, macs, ((op_class, 2 * macs),), _product_window(ctx, 0, 1, len(out)))


def baddbmm(args: Sequence[Any], ctx: OpContext) -> Cost:
    # beta * self + alpha * (batch1 @ batch2): the product, then one addition per output element.
    b1, out = ctx.input_shapes[1], ctx.output_shapes[0]
    macs = _numel(out) * b1[-1]
    op_class = "matmul" if ctx.activation_at.count(1) + ctx.activation_at.count(2) == 2 else "linear"
    return Cost(op_class, macs, ((op_class, 2 * macs), ("elementwise", _numel(out))),
                _product_window(ctx, 1, 2, len(out)))


def linear(args: Sequence[Any], ctx: OpContext) -> Cost:
    x, out = ctx.input_shapes[0], ctx.output_shapes[0]
    macs = _numel(out) * x[-1]
    flops = [("linear", 2 * macs)]
    if len(args) > 2 and args[2] is not None:
        flops.append(("bias", _numel(out)))
    return Cost("linear", macs, tuple(flops), Window("mix", dims=(len(out) - 1,)))
