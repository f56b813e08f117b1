"""Cost formulas per dispatched operation: MACs, FLOPs by class, and spatial geometry.

One small function per operation, looked up by the ATen operator name in `FORMULAS`; an operation
missing from the table is reported as uncounted, never silently as zero.

Conventions (the methodology page states the same):
- A MAC is one multiply-accumulate of a convolution, transposed convolution, linear layer or
  matrix product. Those operations cost 2 FLOPs per MAC; their bias adds are a separate "bias" class
  so that conv+linear FLOPs equal `torch.utils.flop_counter` exactly.
- Attention: the two matrix products, Q·Kᵀ and A·V, are MACs ("matmul") on every path PyTorch takes:
  the reference decomposition (meta device), the fused scaled dot-product kernels, and the fused
  `nn.MultiheadAttention` and `nn.TransformerEncoderLayer` kernels of eval mode. A fused kernel is
  counted as the module's unfused path counts the same call (its projections, scaling, softmax and
  residual additions, op for op), so the count never depends on which kernel a device picked.
- Recurrent layers: the gates' matrix products are MACs, (input + hidden) x gates x hidden per step
  and direction (4 gates for an LSTM, 3 for a GRU); the fused kernels add the cell's element-wise
  work as the unfused cell dispatches it.
- Inference batch norm is a per-channel scale and shift: 2 FLOPs per element. Layer, group and RMS
  norm compute their statistics: 5 FLOPs per element for layer and group norm (a sum for the mean,
  a square and a sum for the variance, a subtraction and a multiplication to normalise), 3 for RMS
  norm, plus 1 each for an affine scale and shift.
- Activations, element-wise arithmetic and merges (a residual add) cost 1 FLOP per output element;
  softmax and log-softmax 3 (exponent, sum, divide or subtract), logsumexp 2 per input element.
- Pooling costs one FLOP per window element per output (comparisons or additions), global pooling
  one per input element; interpolation 2 per tap per output (bilinear 4 taps, bicubic 16).
- Reshapes, views, concatenation, padding, copies, channel and pixel shuffles, nearest upsampling,
  unpooling and embedding lookups move data and cost no FLOPs (their bytes still count as traffic).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import prod
from typing import Any

from analyzer.records import Window

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


def _pair(v: Any, default: int) -> tuple[int, int]:
    if v is None or (isinstance(v, (list, tuple)) and len(v) == 0):
        return (default, default)
    if isinstance(v, int):
        return (v, v)
    v = list(v)
    return (int(v[-2]), int(v[-1])) if len(v) >= 2 else (int(v[0]), int(v[0]))


def _numel(shape: Shape) -> int:
    return prod(shape)


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


def batch_norm(args: Sequence[Any], ctx: OpContext) -> Cost:
    return Cost("norm", 0, (("norm", 2 * _numel(ctx.output_shapes[0])),), POINTWISE)


def _affine(args: Sequence[Any], at: Sequence[int]) -> int:
    return sum(1 for i in at if len(args) > i and args[i] is not None)


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


def pool(args: Sequence[Any], ctx: OpContext) -> Cost:
    kernel = _pair(args[1], 1)
    stride = _pair(args[2] if len(args) > 2 else None, 0)
    if stride == (0, 0):
        stride = kernel
    padding = _pair(args[3] if len(args) > 3 else None, 0)
    dilation = (1, 1)
    if len(args) > 4 and not isinstance(args[4], bool):
        dilation = _pair(args[4], 1)
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


def logsumexp(args: Sequence[Any], ctx: OpContext) -> Cost:
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    dims = [args[1]] if isinstance(args[1], int) else list(args[1])
    reduced = {d % len(src) for d in dims} if src else set()
    return Cost("softmax", 0, (("softmax", 2 * _numel(src)),), _reduced_window(src, out, reduced))


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


def unpool(args: Sequence[Any], ctx: OpContext) -> Cost:
    # Max-unpooling and nearest upsampling: output o copies input floor(o / factor).
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    if len(src) != 4:
        return Cost("reshape", 0, (), FLATTEN)
    factor = (_ratio(out[-2], src[-2]), _ratio(out[-1], src[-1]))
    return Cost("reshape", 0, (), Window("upsample", factor, factor))  # type: ignore[arg-type]


def _ratio(a: int, b: int) -> int | Fraction:
    r = Fraction(a, b)
    return int(r) if r.denominator == 1 else r


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


def _flops(flops: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple((c, n) for c, n in flops.items() if n)


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


FORMULAS: dict[str, Formula] = {
    "convolution": convolution,
    "addmm": addmm,
    "mm": matmul,
    "bmm": matmul,
    "matmul": matmul,
    "baddbmm": baddbmm,
    "linear": linear,
    "native_batch_norm": batch_norm,
    "_native_batch_norm_legit_no_training": batch_norm,
    "_native_batch_norm_legit": batch_norm,
    "cudnn_batch_norm": batch_norm,
    "native_layer_norm": layer_norm,
    "native_group_norm": group_norm,
    "_fused_rms_norm": rms_norm,
    "max_pool2d_with_indices": pool,
    "max_pool2d": pool,
    "avg_pool2d": pool,
    "avg_pool3d": pool3d,
    "_adaptive_avg_pool2d": adaptive_pool,
    "adaptive_max_pool2d": adaptive_pool,
    "mean": reduction,
    "sum": reduction,
    "amax": reduction,
    "amin": reduction,
    "_softmax": softmax,
    "_safe_softmax": softmax,
    "_log_softmax": softmax,
    "_masked_softmax": masked_softmax,
    "logsumexp": logsumexp,
    "cat": concatenate,
    "stack": concatenate,
    "constant_pad_nd": constant_pad,
    "reflection_pad2d": constant_pad,
    "replication_pad2d": constant_pad,
    "max_unpool2d": unpool,
    "upsample_nearest2d": unpool,
    "_upsample_nearest_exact2d": unpool,
    "upsample_bilinear2d": interpolation(2),
    "_upsample_bilinear2d_aa": interpolation(2),
    "upsample_bicubic2d": interpolation(4),
    "upsample_linear1d": interpolation(2),
    "upsample_trilinear3d": interpolation(2),
    "pixel_shuffle": pixel_shuffle,
    "pixel_unshuffle": pixel_unshuffle,
    "embedding": embedding,
    "_scaled_dot_product_attention_math": sdpa(3, 5),
    "_scaled_dot_product_flash_attention_for_cpu": sdpa("attn_mask", 4),
    "_scaled_dot_product_flash_attention": sdpa(None, 4),
    "_scaled_dot_product_efficient_attention": sdpa(3, 6),
    "_scaled_dot_product_cudnn_attention": sdpa(3, 6),
    "_scaled_dot_product_fused_attention_overrideable": sdpa(3, 5),
    "_native_multi_head_attention": native_multi_head_attention,
    "_transformer_encoder_layer_fwd": transformer_encoder_layer,
    "_transform_bias_rescale_qkv": transform_bias_rescale_qkv,
    "mkldnn_rnn_layer": mkldnn_rnn_layer,
    "lstm": rnn,
    "gru": rnn,
    "rnn_tanh": rnn,
    "rnn_relu": rnn,
    "_cudnn_rnn": cudnn_rnn,
    "_thnn_fused_lstm_cell": fused_cell(4),
    "_thnn_fused_gru_cell": fused_cell(3),
}
for _name in ("relu", "relu_", "threshold", "threshold_", "hardtanh", "hardtanh_", "leaky_relu",
              "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "gelu_", "sigmoid",
              "sigmoid_", "tanh", "tanh_", "silu", "silu_", "mish", "mish_", "_prelu_kernel", "hardswish",
              "hardswish_", "hardsigmoid", "hardsigmoid_", "softplus", "log_sigmoid_forward", "clamp",
              "clamp_", "clamp_min", "clamp_min_", "clamp_max", "clamp_max_"):
    FORMULAS[_name] = per_element("activation")
for _name in ("add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "maximum", "minimum"):
    FORMULAS[_name] = binary
for _name in ("pow", "pow_", "sqrt", "rsqrt", "exp", "log", "neg", "abs", "reciprocal", "square", "erf",
              "sin", "cos", "where", "masked_fill", "masked_fill_", "tril", "triu", "logical_not", "eq", "ne",
              "lt", "le", "gt", "ge"):
    FORMULAS[_name] = per_element("elementwise")
for _name in ("view", "_unsafe_view", "reshape", "_reshape_alias", "unsqueeze", "squeeze", "flatten",
              "unflatten", "select", "unbind", "index", "lift_fresh"):
    FORMULAS[_name] = reshape
for _name in ("t", "transpose", "permute"):
    FORMULAS[_name] = permute
for _name in ("expand", "contiguous", "clone", "detach", "alias", "slice", "split", "split_with_sizes",
              "unsafe_split", "unsafe_split_with_sizes", "chunk", "unsafe_chunk", "narrow", "_to_copy", "copy_",
              "as_strided", "index_select", "channel_shuffle", "native_channel_shuffle", "repeat"):
    FORMULAS[_name] = copy
for _name in ("empty", "zeros", "ones", "full", "fill_", "zero_", "new_zeros", "new_empty", "new_ones",
              "empty_like", "zeros_like", "ones_like", "full_like", "arange", "scalar_tensor", "empty_strided"):
    FORMULAS[_name] = factory

# Operations that only alias their input although their schema does not say so.
ALIASING = frozenset({"_unsafe_view", "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk"})
