"""Cost formulas per dispatched operation: MACs, FLOPs by class, and spatial geometry.

One small function per operation (in `analyzer.static.costs`, a module per operation family: products,
element-wise, pooling, attention and recurrent cells, data movement), looked up by the ATen operator
name in `FORMULAS`; an operation missing from the table is reported as uncounted, never silently as
zero. The conventions these formulas follow (what a MAC is, how many FLOPs each operation class
costs) are written once, in the table of the site's methodology page (site/methodology.md, "What a
MAC and a FLOP are here"); a formula added here adds its row there.
"""

from __future__ import annotations

from analyzer.static.costs import Cost, Formula, OpContext
from analyzer.static.costs.attention import (
    cudnn_rnn,
    fused_cell,
    mkldnn_rnn_layer,
    native_multi_head_attention,
    rnn,
    sdpa,
    transform_bias_rescale_qkv,
    transformer_encoder_layer,
)
from analyzer.static.costs.elementwise import (
    batch_norm,
    binary,
    group_norm,
    layer_norm,
    masked_softmax,
    per_element,
    rms_norm,
    softmax,
)
from analyzer.static.costs.movement import (
    concatenate,
    constant_pad,
    copy,
    embedding,
    factory,
    permute,
    pixel_shuffle,
    pixel_unshuffle,
    reshape,
)
from analyzer.static.costs.pooling import adaptive_pool, interpolation, logsumexp, pool, pool3d, reduction, unpool
from analyzer.static.costs.products import addmm, baddbmm, convolution, linear, matmul

__all__ = ["ALIASING", "FORMULAS", "Cost", "Formula", "OpContext"]

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
