"""Gradient-based receptive fields: the empirical field of Luo et al. 2016, and the positive-weight check.

The effective receptive field (Luo, Li, Urtasun and Zemel, "Understanding the Effective Receptive
Field in Deep Convolutional Neural Networks", arXiv:1701.04128) is the magnitude of the gradient of a
centre output unit with respect to the input, at random initialisation: it shows how unevenly a unit
weighs the pixels of its theoretical field.

With every weight and the input positive, no path's contribution can cancel or be cut by a ReLU,
so the pixels with a non-zero gradient are exactly the theoretical field clipped to the image.
Max pooling would route the gradient to one pixel per window, so in that check it is evaluated as
average pooling over the same windows (forward and backward), which keeps the geometry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from analyzer.static.aten import pool_args

aten = torch.ops.aten


@dataclass(frozen=True)
class GradientField:
    layer: str
    input_shape: tuple[int, int, int]
    # The output unit whose gradient was taken, (row, column) in the layer's output map.
    unit: tuple[int, int]
    # |d unit / d input| summed over input channels, normalised to a maximum of 1.
    magnitude: tuple[tuple[float, ...], ...]


class _MaxAsAveragePooling(TorchDispatchMode):
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False

    def __torch_dispatch__(self, func: Any, types: Any, args: Sequence[Any] = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        if func is aten.max_pool2d_with_indices.default:
            x, kernel, stride, padding, ceil_mode = _pool_args(args)
            out = aten.avg_pool2d.default(x, kernel, stride, padding, ceil_mode, True, None)
            return out, torch.zeros(out.shape, dtype=torch.int64, device=out.device)
        if func is aten.max_pool2d_with_indices_backward.default:
            grad, x = args[0], args[1]
            _, kernel, stride, padding, ceil_mode = _pool_args((x, *args[2:7]))
            return aten.avg_pool2d_backward.default(grad, x, kernel, stride, padding, ceil_mode, True, None)
        return func(*args, **kwargs)


def _pool_args(args: Sequence[Any]) -> tuple[torch.Tensor, list[int], list[int], list[int], bool]:
    """Max pooling's arguments as average pooling takes them: x, kernel, stride, padding, ceil_mode."""
    window = pool_args(args)
    if window.dilation != (1, 1):
        raise NotImplementedError("dilated max pooling has no average-pooling twin")
    return args[0], list(window.kernel), list(window.stride), list(window.padding), window.ceil_mode


def make_positive(model: nn.Module) -> None:
    """Every parameter positive, scaled so activations stay near 1; batch norm as an affine map."""
    with torch.no_grad():
        for module in model.modules():
            for name, param in module.named_parameters(recurse=False):
                fan_in = param[0].numel() if param.dim() > 1 else 1
                param.fill_(1.0 / fan_in if name == "weight" and param.dim() > 1 else 0.5)
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.running_mean.zero_()
                module.running_var.fill_(1.0)


def gradient_field(model: nn.Module, layer: str, input_shape: tuple[int, int, int], positive: bool = False,
                   seed: int = 0, dtype: torch.dtype = torch.float32) -> GradientField:
    """Gradient magnitude of the centre unit of `layer`'s output with respect to the input."""
    model = model.to(dtype).eval()
    if positive:
        make_positive(model)
        x = torch.ones(1, *input_shape, dtype=dtype)
    else:
        x = torch.randn(1, *input_shape, dtype=dtype, generator=torch.Generator().manual_seed(seed))
    x.requires_grad_(True)
    captured: list[torch.Tensor] = []
    target = dict(model.named_modules())[layer]
    handle = target.register_forward_hook(lambda m, a, out: captured.append(out))
    mode = _MaxAsAveragePooling() if positive else None
    try:
        if mode is not None:
            with mode:
                _backward_from_centre(model, x, captured)
        else:
            _backward_from_centre(model, x, captured)
    finally:
        handle.remove()
    out = captured[0]
    unit = (out.shape[-2] // 2, out.shape[-1] // 2)
    magnitude = x.grad.abs().sum(dim=(0, 1))
    peak = float(magnitude.max()) or 1.0
    rows = tuple(tuple(float(v) / peak for v in row) for row in magnitude.tolist())
    return GradientField(layer, tuple(input_shape), unit, rows)  # type: ignore[arg-type]


def _backward_from_centre(model: nn.Module, x: torch.Tensor, captured: list[torch.Tensor]) -> None:
    model(x)
    out = captured[0]
    grad = torch.zeros_like(out)
    grad[..., out.shape[-2] // 2, out.shape[-1] // 2] = 1.0
    out.backward(grad)


@dataclass(frozen=True)
class EmpiricalField:
    """What the site draws: the gradient field on a coarse grid, and the theoretical field's box."""

    layer: str
    input_size: tuple[int, int]
    unit: tuple[int, int]
    # Input pixels per grid cell along each axis; `magnitude` is the cell mean, rounded.
    cell: int
    magnitude: tuple[tuple[float, ...], ...]
    # The theoretical field of `unit`, clipped to the image: ((first row, last row), (first col, last col)).
    box: tuple[tuple[int, int], tuple[int, int]]
    # Share of the gradient's total mass inside the centre box of half the theoretical field's side.
    central_share: float


def empirical_field(name: str, max_cells: int = 56) -> EmpiricalField | None:
    """Luo et al.'s effective field of a zoo model's last spatial layer, at its standard input."""
    from analyzer import build, spec
    from analyzer.static.profiler import zoo_profile

    report = zoo_profile(name)
    if report.receptive_field is None or report.receptive_field_layer is None:
        return None
    shape = tuple(spec(name).input_shape)
    # The random weights must not depend on whatever drew random numbers earlier in the process.
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = build(name)
    field = gradient_field(model, report.receptive_field_layer, shape)  # type: ignore[arg-type]
    rf = report.receptive_field
    height, width = shape[1], shape[2]
    box = tuple(
        (max(0, int(u * s - p)), min(size - 1, int(u * s - p) + r - 1))
        for u, s, p, r, size in zip(field.unit, rf.stride, rf.padding, rf.size, (height, width))
    )
    grid = torch.tensor(field.magnitude)
    cell = max(1, -(-max(height, width) // max_cells))
    pooled = torch.nn.functional.avg_pool2d(grid[None, None], cell, ceil_mode=True)[0, 0]
    pooled = pooled / (pooled.max() or 1.0)
    half = [((lo + hi) / 2, (hi - lo + 1) / 4) for lo, hi in box]
    rows = slice(max(0, int(half[0][0] - half[0][1])), int(half[0][0] + half[0][1]) + 1)
    cols = slice(max(0, int(half[1][0] - half[1][1])), int(half[1][0] + half[1][1]) + 1)
    share = float(grid[rows, cols].sum() / grid.sum()) if float(grid.sum()) else 0.0
    magnitude = tuple(tuple(round(float(v), 3) for v in row) for row in pooled.tolist())
    return EmpiricalField(field.layer, (height, width), field.unit, cell, magnitude, box,  # type: ignore[arg-type]
                          round(share, 3))
