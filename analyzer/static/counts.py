"""Cost formulas per dispatched operation: MACs, FLOPs by class, and spatial geometry.

One small function per operation, looked up by the ATen operator name in `FORMULAS`; an operation
missing from the table is reported as uncounted, never silently as zero. The conventions these
formulas follow (what a MAC is, how many FLOPs each operation class costs) are written once, in the
table of the site's methodology page (site/methodology.md, "What a MAC and a FLOP are here"); a
formula added here adds its row there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import prod
from typing import Any

from analyzer.static.aten import pair as _pair
from analyzer.static.aten import pool_args
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
    # How many tensor inputs are activations (as opposed to parameters or constants).
    activation_inputs: int


Formula = Callable[[Sequence[Any], OpContext], Cost]

POINTWISE = Window("pointwise")
MERGE = Window("merge")
GLOBAL = Window("global")
FLATTEN = Window("flatten")


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


def addmm(args: Sequence[Any], ctx: OpContext) -> Cost:
    m1, m2 = ctx.input_shapes[1], ctx.input_shapes[2]
    macs = m1[0] * m1[1] * m2[1]
    return Cost("linear", macs, (("linear", 2 * macs), ("bias", m1[0] * m2[1])), GLOBAL)


def matmul(args: Sequence[Any], ctx: OpContext) -> Cost:
    a, b = ctx.input_shapes[0], ctx.input_shapes[1]
    macs = prod(a[:-1]) * a[-1] * b[-1]
    # A product with a parameter is a linear layer written by hand; between activations, a matmul.
    op_class = "linear" if ctx.activation_inputs < 2 else "matmul"
    return Cost(op_class, macs, ((op_class, 2 * macs),), GLOBAL)


def batch_norm(args: Sequence[Any], ctx: OpContext) -> Cost:
    return Cost("norm", 0, (("norm", 2 * _numel(ctx.output_shapes[0])),), POINTWISE)


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


def reduction(args: Sequence[Any], ctx: OpContext) -> Cost:
    src = ctx.input_shapes[0]
    dims = args[1] if len(args) > 1 else None
    dims = list(range(len(src))) if dims is None else ([dims] if isinstance(dims, int) else list(dims))
    spatial = {len(src) - 2, len(src) - 1} if len(src) >= 3 else set()
    reduced = {d % len(src) for d in dims} if src else set()
    n = _numel(src)
    if spatial and spatial <= reduced:
        return Cost("pool", 0, (("pool", n),), GLOBAL)
    return Cost("elementwise", 0, (("elementwise", n),), POINTWISE if not reduced & spatial else FLATTEN)


def softmax(args: Sequence[Any], ctx: OpContext) -> Cost:
    return Cost("softmax", 0, (("softmax", 3 * _numel(ctx.output_shapes[0])),), POINTWISE)


def reshape(args: Sequence[Any], ctx: OpContext) -> Cost:
    if not ctx.input_shapes:
        return Cost("other")
    src, out = ctx.input_shapes[0], ctx.output_shapes[0] if ctx.output_shapes else ()
    keeps_space = len(src) >= 3 and len(out) >= 3 and tuple(src[-2:]) == tuple(out[-2:])
    return Cost("reshape", 0, (), POINTWISE if keeps_space else FLATTEN)


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
    src, out = ctx.input_shapes[0], ctx.output_shapes[0]
    factor = (out[-2] // src[-2], out[-1] // src[-1])
    return Cost("pool", 0, (), Window("upsample", factor, factor))


FORMULAS: dict[str, Formula] = {
    "convolution": convolution,
    "addmm": addmm,
    "mm": matmul,
    "bmm": matmul,
    "matmul": matmul,
    "native_batch_norm": batch_norm,
    "_native_batch_norm_legit_no_training": batch_norm,
    "_native_batch_norm_legit": batch_norm,
    "cudnn_batch_norm": batch_norm,
    "max_pool2d_with_indices": pool,
    "max_pool2d": pool,
    "avg_pool2d": pool,
    "avg_pool3d": pool3d,
    "_adaptive_avg_pool2d": adaptive_pool,
    "adaptive_max_pool2d": adaptive_pool,
    "mean": reduction,
    "sum": reduction,
    "amax": reduction,
    "_softmax": softmax,
    "_log_softmax": softmax,
    "cat": concatenate,
    "stack": concatenate,
    "constant_pad_nd": constant_pad,
    "max_unpool2d": unpool,
    "upsample_nearest2d": unpool,
}
for _name in ("relu", "relu_", "threshold", "threshold_", "hardtanh", "hardtanh_", "leaky_relu",
              "leaky_relu_", "elu", "elu_", "gelu", "sigmoid", "sigmoid_", "tanh", "tanh_", "silu",
              "silu_", "_prelu_kernel", "hardswish", "hardswish_", "hardsigmoid", "clamp", "clamp_",
              "clamp_min", "clamp_min_"):
    FORMULAS[_name] = per_element("activation")
for _name in ("add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "maximum", "minimum"):
    FORMULAS[_name] = binary
for _name in ("pow", "pow_", "sqrt", "rsqrt", "exp", "log", "neg", "abs", "reciprocal", "square"):
    FORMULAS[_name] = per_element("elementwise")
for _name in ("view", "_unsafe_view", "reshape", "_reshape_alias", "t", "transpose", "permute",
              "unsqueeze", "squeeze", "flatten", "expand", "contiguous", "clone", "detach", "alias",
              "slice", "select", "split", "split_with_sizes", "chunk", "narrow", "_to_copy", "copy_",
              "as_strided", "unbind", "index", "index_select", "lift_fresh"):
    FORMULAS[_name] = reshape
for _name in ("empty", "zeros", "ones", "full", "fill_", "zero_", "new_zeros", "new_empty", "new_ones",
              "empty_like", "zeros_like", "ones_like", "full_like", "arange", "scalar_tensor", "empty_strided"):
    FORMULAS[_name] = factory

# Operations that only alias their input although their schema does not say so.
ALIASING = frozenset({"_unsafe_view"})
