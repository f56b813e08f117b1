"""Output shapes of the common operations, computed in Python for meta-device tracing.

A call of one of PyTorch's meta kernels costs many times what allocating an empty meta tensor does.
The operations below make up nearly every step of the zoo's forward passes, so the tracer asks these
rules first and falls back to the real kernel for anything else. `tests/test_shapes.py` checks every
rule against PyTorch's own meta kernel.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from analyzer.static.aten import pool_args

aten = torch.ops.aten
Rule = Callable[[Sequence[Any], dict[str, Any]], Any]


def _meta(shape: Sequence[int], like: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    return torch.empty(tuple(shape), dtype=dtype or like.dtype, device="meta")


def _expand(v: Any, n: int) -> list[int]:
    v = [v] if isinstance(v, int) else list(v)
    return v * n if len(v) == 1 else v


def _too_small(op: str, shape: Sequence[int]) -> RuntimeError:
    return RuntimeError(f"{op}: calculated output size {tuple(shape)} is too small")


def convolution(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    x, weight, _, stride, padding, dilation, transposed, output_padding, groups = args[:9]
    n = weight.dim() - 2
    expected = weight.shape[0] if transposed else weight.shape[1] * groups
    if x.dim() != n + 2 or x.shape[1] != expected:
        raise RuntimeError(f"convolution expected input with {expected} channels, got shape {tuple(x.shape)}")
    stride, padding, dilation = _expand(stride, n), _expand(padding, n), _expand(dilation, n)
    kernel = weight.shape[2:]
    if transposed:
        output_padding = _expand(output_padding, n)
        channels = weight.shape[1] * groups
        space = [(i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op
                 in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)]
    else:
        channels = weight.shape[0]
        space = [(i + 2 * p - d * (k - 1) - 1) // s + 1 for i, s, p, d, k
                 in zip(x.shape[2:], stride, padding, dilation, kernel)]
    shape = [x.shape[0], channels, *space]
    if min(space) <= 0:
        raise _too_small("convolution", shape)
    return _meta(shape, x)


def _pool_size(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    span = size + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    # The last window must start inside the input or its left padding.
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pooled_shape(op: str, args: Sequence[Any]) -> list[int]:
    """Output shape of a 2-D pool from its ATen arguments (`analyzer.static.aten.pool_args`)."""
    x = args[0]
    window = pool_args(args)
    kernel, padding = list(window.kernel), list(window.padding)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise RuntimeError(f"{op}: pad {padding} should be at most half of the kernel size {kernel}")
    space = [_pool_size(i, k, s, p, d, window.ceil_mode)
             for i, k, s, p, d in zip(x.shape[-2:], kernel, window.stride, padding, window.dilation)]
    shape = [*x.shape[:-2], *space]
    if min(space) <= 0:
        raise _too_small(op, shape)
    return shape


def max_pool2d_with_indices(args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[torch.Tensor, torch.Tensor]:
    shape = _pooled_shape("max_pool2d", args)
    return _meta(shape, args[0]), _meta(shape, args[0], torch.int64)


def avg_pool2d(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    return _meta(_pooled_shape("avg_pool2d", args), args[0])


def native_batch_norm(args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[torch.Tensor, ...]:
    x, weight = args[0], args[1]
    if x.dim() < 2 or (weight is not None and weight.shape[0] != x.shape[1]):
        raise RuntimeError(f"batch norm over {weight.shape[0]} channels got input of shape {tuple(x.shape)}")
    # The saved mean and inverse deviation are per channel in training; in inference the CPU and CUDA
    # kernels return them empty (the meta kernel alone sizes them per channel, which would count as
    # activation memory that no real run allocates).
    saved = [x.shape[1]] if args[5] else [0]
    return _meta(x.shape, x), _meta(saved, x), _meta(saved, x)


def unary(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    return _meta(args[0].shape, args[0])


def in_place(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    return args[0]


def binary(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    a, b = args[0], args[1]
    if not isinstance(b, torch.Tensor) or a.shape == b.shape:
        return _meta(a.shape, a)
    return _meta(torch.broadcast_shapes(a.shape, b.shape), a, torch.promote_types(a.dtype, b.dtype))


def empty(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    """The factory itself, called the cheap way: its ATen overload with keyword arguments costs
    three times as much (batch norm asks for one empty tensor per call). Anything but a plain
    contiguous strided tensor goes to the overload itself."""
    if (len(args) > 1 or kwargs.get("layout") not in (None, torch.strided)
            or kwargs.get("memory_format") not in (None, torch.contiguous_format)):
        return aten.empty.memory_format(*args, **kwargs)
    return torch.empty(tuple(args[0]), dtype=kwargs.get("dtype"), device=kwargs.get("device"))


def stack(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    tensors = args[0]
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    first = tensors[0]
    for t in tensors[1:]:
        if t.shape != first.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {tuple(first.shape)} "
                               f"and {tuple(t.shape)}")
    shape = list(first.shape)
    shape.insert(dim % (first.dim() + 1), len(tensors))
    return _meta(shape, first)


def cat(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    tensors = [t for t in args[0] if t.dim() > 1 or t.numel() > 0]
    dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
    first = tensors[0]
    dim %= first.dim()
    for t in tensors[1:]:
        if t.dim() != first.dim() or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != dim):
            raise RuntimeError(f"cat: sizes of tensors must match except in dimension {dim}: "
                               f"{tuple(first.shape)} and {tuple(t.shape)}")
    shape = list(first.shape)
    shape[dim] = sum(t.shape[dim] for t in tensors)
    return _meta(shape, first)


def addmm(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    m1, m2 = args[1], args[2]
    if m1.dim() != 2 or m2.dim() != 2 or m1.shape[1] != m2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({'x'.join(map(str, m1.shape))} and "
                           f"{'x'.join(map(str, m2.shape))})")
    return _meta([m1.shape[0], m2.shape[1]], m1)


def mean_dim(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    x = args[0]
    dims = {d % x.dim() for d in _expand(args[1], 1)}
    keepdim = bool(args[2]) if len(args) > 2 else bool(kwargs.get("keepdim", False))
    shape = [1 if i in dims else s for i, s in enumerate(x.shape) if keepdim or i not in dims]
    return _meta(shape, x, kwargs.get("dtype"))


def native_layer_norm(args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[torch.Tensor, ...]:
    x, normalized = args[0], list(args[1])
    k = len(normalized)
    if x.dtype not in (torch.float32, torch.float64) or list(x.shape[x.dim() - k:]) != normalized:
        return aten.native_layer_norm.default(*args, **kwargs)  # its own dtypes and errors
    stats = [*x.shape[:x.dim() - k], *([1] * k)]
    return _meta(x.shape, x), _meta(stats, x), _meta(stats, x)


def native_group_norm(args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[torch.Tensor, ...]:
    x, n, groups = args[0], args[3], args[6]
    if x.dtype not in (torch.float32, torch.float64) or x.shape[1] % groups:
        return aten.native_group_norm.default(*args, **kwargs)
    return _meta(x.shape, x), _meta([n, groups], x), _meta([n, groups], x)


def softmax(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.Tensor:
    # _softmax(x, dim, half_to_float) and _safe_softmax(x, dim, dtype=None): the input's shape.
    x = args[0]
    dtype = args[2] if len(args) > 2 and isinstance(args[2], torch.dtype) else kwargs.get("dtype")
    if len(args) > 2 and args[2] is True:
        dtype = torch.float32
    return _meta(x.shape, x, dtype)


SHAPE_RULES: dict[Any, Rule] = {
    aten.convolution.default: convolution,
    aten.max_pool2d_with_indices.default: max_pool2d_with_indices,
    aten.native_batch_norm.default: native_batch_norm,
    aten.relu.default: unary,
    aten.relu_.default: in_place,
    aten.add.Tensor: binary,
    aten.mul.Tensor: binary,
    aten.add_.Tensor: in_place,
    aten.cat.default: cat,
    aten.stack.default: stack,
    aten.avg_pool2d.default: avg_pool2d,
    aten._prelu_kernel.default: binary,
    aten.empty.memory_format: empty,
    aten.addmm.default: addmm,
    aten.mean.dim: mean_dim,
    # PyTorch's meta kernels for these run Python decompositions: a layer norm costs 2-3 ms there.
    aten.native_layer_norm.default: native_layer_norm,
    aten.native_group_norm.default: native_group_norm,
    aten.gelu.default: unary,
    aten.silu.default: unary,
    aten.sigmoid.default: unary,
    aten.hardswish.default: unary,
    aten.hardsigmoid.default: unary,
    aten._softmax.default: softmax,
    aten._safe_softmax.default: softmax,
}
