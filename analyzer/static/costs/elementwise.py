"""Normalisation, activations, element-wise arithmetic and softmax."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzer.static.costs import MERGE, POINTWISE, Cost, Formula, OpContext, _affine, _numel
from analyzer.static.records import Window


def batch_norm(args: Sequence[Any], ctx: OpContext) -> Cost:
    return Cost("norm", 0, (("norm", 2 * _numel(ctx.output_shapes[0])),), POINTWISE)


def layer_norm(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (input, normalized_shape, weight, bias, eps): statistics over the trailing dims named.
    out = ctx.output_shapes[0]
    k = len(args[1])
    per = 5 + _affine(args, (2, 3))
    return Cost("norm", 0, (("norm", per * _numel(out)),), Window("mix", dims=tuple(range(len(out) - k, len(out)))))


def group_norm(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (input, weight, bias, N, C, HxW, groups, eps): statistics over channels and positions, so with
    # more than one position every output depends on the whole map.
    out = ctx.output_shapes[0]
    per = 5 + _affine(args, (1, 2))
    return Cost("norm", 0, (("norm", per * _numel(out)),), Window("mix", dims=tuple(range(1, len(out)))))


def rms_norm(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (input, normalized_shape, weight, eps): a sum of squares and a multiplication per element.
    out = ctx.output_shapes[0]
    k = len(args[1])
    per = 3 + _affine(args, (2,))
    return Cost("norm", 0, (("norm", per * _numel(out)),), Window("mix", dims=tuple(range(len(out) - k, len(out)))))


def per_element(op_class: str, flops_per_element: int = 1) -> Formula:
    def formula(args: Sequence[Any], ctx: OpContext) -> Cost:
        return Cost(op_class, 0, ((op_class, flops_per_element * _numel(ctx.output_shapes[0])),), POINTWISE)

    return formula


def binary(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Two activations combined position by position (a residual add) are a merge of branches; an
    # activation with a constant or a parameter is plain element-wise arithmetic.
    n = _numel(ctx.output_shapes[0])
    if ctx.activation_inputs >= 2:
        return Cost("merge", 0, (("merge", n),), MERGE)
    return Cost("elementwise", 0, (("elementwise", n),), POINTWISE)


def _dim(args: Sequence[Any], at: int, rank: int) -> int:
    return int(args[at]) % rank if rank else 0


def softmax(args: Sequence[Any], ctx: OpContext) -> Cost:
    # _softmax, _safe_softmax, _log_softmax: (x, dim, ...); the dim's extent is mixed.
    out = ctx.output_shapes[0]
    return Cost("softmax", 0, (("softmax", 3 * _numel(out)),), Window("mix", dims=(_dim(args, 1, len(out)),)))


def masked_softmax(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (x, mask, dim, mask_type): the mask costs one operation per element, as a masked_fill would.
    out = ctx.output_shapes[0]
    dim = _dim(args, 2, len(out)) if len(args) > 2 and args[2] is not None else len(out) - 1
    return Cost("softmax", 0, (("softmax", 3 * _numel(out)), ("elementwise", _numel(out))),
                Window("mix", dims=(dim,)))
