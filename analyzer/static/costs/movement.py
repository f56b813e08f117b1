"""Data movement: reshapes, copies, permutations, concatenation, padding, pixel shuffles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzer.static.costs import FLATTEN, MERGE, POINTWISE, Cost, OpContext
from analyzer.static.records import Window

RESHAPE = Window("reshape")


def reshape(args: Sequence[Any], ctx: OpContext) -> Cost:
    # The receptive-field pass follows the spatial axes through the input and output shapes.
    if not ctx.input_shapes:
        return Cost("other")
    return Cost("reshape", 0, (), RESHAPE)


def copy(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Copies, slices and splits keep every dim where it was.
    return Cost("reshape", 0, (), POINTWISE) if ctx.input_shapes else Cost("other")


def permute(args: Sequence[Any], ctx: OpContext) -> Cost:
    rank = len(ctx.input_shapes[0]) if ctx.input_shapes else 0
    order = list(range(rank))
    if len(args) > 2 and rank:  # transpose(x, a, b)
        a, b = int(args[1]) % rank, int(args[2]) % rank
        order[a], order[b] = order[b], order[a]
    elif len(args) > 1 and rank:  # permute(x, dims)
        order = [int(d) % rank for d in args[1]]
    elif rank == 2:  # t(x)
        order = [1, 0]
    return Cost("reshape", 0, (), Window("permute", dims=tuple(order)))


def concatenate(args: Sequence[Any], ctx: OpContext) -> Cost:
    return Cost("merge", 0, (), MERGE)


def factory(args: Sequence[Any], ctx: OpContext) -> Cost:
    return Cost("other")


def constant_pad(args: Sequence[Any], ctx: OpContext) -> Cost:
    pad = list(args[1])
    # F.pad lists (left, right, top, bottom, ...) from the last axis backwards.
    left = pad[0] if len(pad) > 0 else 0
    top = pad[2] if len(pad) > 2 else 0
    if left == 0 and top == 0:
        return Cost("reshape", 0, (), POINTWISE)
    return Cost("reshape", 0, (), Window("window", (1, 1), (1, 1), (top, left)))


def pixel_shuffle(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Each output pixel copies one input pixel: an upsampling by the factor, channels folded in.
    r = int(args[1])
    return Cost("reshape", 0, (), Window("upsample", (r, r), (r, r)))


def pixel_unshuffle(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Each output position gathers an r x r patch into its channels.
    r = int(args[1])
    return Cost("reshape", 0, (), Window("window", (r, r), (r, r)))


def embedding(args: Sequence[Any], ctx: OpContext) -> Cost:
    # A lookup: no arithmetic; the rows it copies are counted as memory traffic.
    return Cost("reshape", 0, (), FLATTEN)
