"""Attention kernels and recurrent cells, each counted as its unfused decomposition."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analyzer.static.costs import GLOBAL, POINTWISE, Cost, Formula, OpContext, Shape, _affine, _flops, _numel


def _attention(flops: dict[str, int], q: Shape, k: Shape, v: Shape, scaled: int, masked: bool) -> int:
    """MACs of softmax(Q·Kᵀ)·V, with its FLOPs added to `flops`: the two products, the softmax over
    the scores, `scaled` elements multiplied by the scale, and the mask added to the scores."""
    rows = _numel(q[:-1])
    scores = rows * k[-2]
    macs = scores * q[-1] + scores * v[-1]
    flops["matmul"] = flops.get("matmul", 0) + 2 * macs
    flops["softmax"] = flops.get("softmax", 0) + 3 * scores
    flops["elementwise"] = flops.get("elementwise", 0) + scaled + (scores if masked else 0)
    return macs


def sdpa(mask_at: int | str | None, causal_at: int | None) -> Formula:
    """A scaled dot-product attention kernel, counted as PyTorch's reference decomposition (the
    math backend, which the meta device runs) counts: Q and K each scaled by the square root of
    the scale, the mask added to the scores. `mask_at`/`causal_at` are the positions of the mask
    and is_causal arguments in this kernel's schema (the mask's name where it is keyword-only)."""

    def formula(args: Sequence[Any], ctx: OpContext) -> Cost:
        q, k, v = ctx.input_shapes[:3]
        if isinstance(mask_at, str):
            mask = (ctx.kwargs or {}).get(mask_at)
        else:
            mask = args[mask_at] if mask_at is not None and len(args) > mask_at else None
        masked = mask is not None or (causal_at is not None and len(args) > causal_at and bool(args[causal_at]))
        flops: dict[str, int] = {}
        macs = _attention(flops, q, k, v, _numel(q) + _numel(k), masked)
        return Cost("matmul", macs, _flops(flops), GLOBAL)

    return formula


def _multi_head(flops: dict[str, int], query: Shape, key: Shape, embed: int, heads: int,
                biases: bool, masked: bool, weights: str) -> int:
    """MACs of nn.MultiheadAttention on batch-first inputs as its unfused path dispatches them: the
    in-projections, attention per head, the out-projection; `weights` is "average" when the
    attention weights are returned averaged over heads, "none" when they are not computed (then the
    attention runs as scaled dot-product attention, which scales Q and K)."""
    batch, lq, lk, head = _numel(query[:-2]), query[-2], key[-2], embed // heads
    projected = batch * (lq + 2 * lk) * embed
    out = batch * lq * embed
    macs = projected * embed + out * embed
    flops["linear"] = flops.get("linear", 0) + 2 * macs
    flops["bias"] = flops.get("bias", 0) + (projected + out if biases else 0)
    q, k = (batch, heads, lq, head), (batch, heads, lk, head)
    scaled = _numel(q) + (_numel(k) if weights == "none" else 0)
    macs += _attention(flops, q, k, k, scaled, masked)
    if weights == "average":
        flops["elementwise"] += batch * heads * lq * lk
    return macs


def native_multi_head_attention(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (query, key, value, embed_dim, num_head, qkv_weight, qkv_bias, proj_weight, proj_bias, mask,
    #  need_weights=True, average_attn_weights=True, mask_type): nn.MultiheadAttention's eval kernel.
    query, key = ctx.input_shapes[0], ctx.input_shapes[1]
    need = bool(args[10]) if len(args) > 10 else True
    average = bool(args[11]) if len(args) > 11 else True
    weights = "none" if not need else ("average" if average else "per-head")
    masked = len(args) > 9 and args[9] is not None
    flops: dict[str, int] = {}
    macs = _multi_head(flops, query, key, int(args[3]), int(args[4]), args[6] is not None, masked, weights)
    return Cost("matmul", macs, _flops(flops), GLOBAL)


def transformer_encoder_layer(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (src, embed_dim, num_heads, qkv_weight, qkv_bias, proj_weight, proj_bias, use_gelu, norm_first,
    #  eps, norm_weight_1, norm_bias_1, norm_weight_2, norm_bias_2, ffn_weight_1, ffn_bias_1,
    #  ffn_weight_2, ffn_bias_2, mask, mask_type): nn.TransformerEncoderLayer's eval kernel. As its
    # unfused path: self-attention without weights, two residual additions, two layer norms, and the
    # feed-forward block (linear, activation, linear).
    src = ctx.input_shapes[0]
    embed, hidden = int(args[1]), int(args[14].shape[0])
    tokens = _numel(src[:-1])
    flops: dict[str, int] = {}
    masked = len(args) > 18 and args[18] is not None
    macs = _multi_head(flops, src, src, embed, int(args[2]), args[4] is not None, masked, "none")
    ffn = tokens * embed * hidden
    macs += 2 * ffn
    flops["linear"] += 4 * ffn
    flops["bias"] += tokens * (hidden * (args[15] is not None) + embed * (args[17] is not None))
    flops["activation"] = tokens * hidden
    flops["merge"] = 2 * tokens * embed
    flops["norm"] = tokens * embed * (10 + _affine(args, (10, 11, 12, 13)))
    return Cost("matmul", macs, _flops(flops), GLOBAL)


def transform_bias_rescale_qkv(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (qkv, qkv_bias, num_heads): the in-projection's bias added, the queries scaled.
    qkv = ctx.input_shapes[0]
    return Cost("elementwise", 0, (("bias", _numel(qkv)), ("elementwise", _numel(qkv) // 3)), GLOBAL)


# Element-wise FLOPs per hidden unit and step of each recurrent cell, by number of gates, as the
# unfused cells dispatch them: (merges of two activations, activations).
_CELL = {4: (8, 5), 3: (7, 3), 1: (1, 1)}


def _recurrent(rows: int, layers: Sequence[tuple[Any, Any, bool]], hidden: int) -> Cost:
    """Each (w_ih, w_hh, has_bias) layer and direction over `rows` steps x batch: the gates' products
    are MACs, then the biases, the merges and the gate activations."""
    macs = bias = merge = act = 0
    for w_ih, w_hh, has_bias in layers:
        gates = int(w_ih.shape[0])
        macs += rows * gates * (int(w_ih.shape[1]) + int(w_hh.shape[1]))
        bias += 2 * rows * gates if has_bias else 0
        m, a = _CELL.get(gates // hidden, (0, 0))
        merge += rows * hidden * m
        act += rows * hidden * a
    return Cost("linear", macs, _flops({"linear": 2 * macs, "bias": bias, "merge": merge, "activation": act}),
                GLOBAL)


def _weight_groups(params: Sequence[Any], has_biases: bool, groups: int) -> list[tuple[Any, Any, bool]]:
    per = len(params) // groups if groups else 0
    return [(params[i * per], params[i * per + 1], has_biases) for i in range(groups)] if per >= 2 else []


def mkldnn_rnn_layer(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (input, w_ih, w_hh, b_ih, b_hh, hx, cx, reverse, batch_sizes, mode, hidden_size, num_layers,
    #  has_biases, ...): one layer in one direction of the CPU LSTM kernel.
    x = ctx.input_shapes[0]
    rows = _numel(x) // x[-1]
    return _recurrent(rows, [(args[1], args[2], bool(args[12]))], int(args[10]))


def rnn(args: Sequence[Any], ctx: OpContext) -> Cost:
    # lstm / gru / rnn_tanh / rnn_relu (input, hx, params, has_biases, num_layers, dropout, train,
    # bidirectional, batch_first): the whole stack, when it reaches dispatch as one operation.
    x = ctx.input_shapes[0]
    groups = int(args[4]) * (2 if args[7] else 1)
    params = args[2]
    hidden = int(params[1].shape[1])
    return _recurrent(_numel(x) // x[-1], _weight_groups(params, bool(args[3]), groups), hidden)


def cudnn_rnn(args: Sequence[Any], ctx: OpContext) -> Cost:
    # (input, weight[], weight_stride0, weight_buf, hx, cx, mode, hidden_size, proj_size, num_layers,
    #  batch_first, dropout, train, bidirectional, ...): the whole stack on CUDA.
    x = ctx.input_shapes[0]
    groups = int(args[9]) * (2 if args[13] else 1)
    params = args[1]
    has_biases = len(params) >= 4 * groups
    return _recurrent(_numel(x) // x[-1], _weight_groups(params, has_biases, groups), int(args[7]))


def fused_cell(gates: int) -> Formula:
    """_thnn_fused_lstm_cell / _thnn_fused_gru_cell (input_gates, hidden_gates, state, input_bias,
    hidden_bias): the products ran before, as mm; the cell adds the biases and does its element-wise
    work as the unfused cell would."""

    def formula(args: Sequence[Any], ctx: OpContext) -> Cost:
        rows, width = _numel(ctx.input_shapes[0][:-1]), ctx.input_shapes[0][-1]
        hidden = width // gates
        m, a = _CELL[gates]
        bias = rows * width * _affine(args, (3, 4))
        return Cost("activation", 0, _flops({"bias": bias, "merge": rows * hidden * m,
                                             "activation": rows * hidden * a}), POINTWISE)

    return formula
