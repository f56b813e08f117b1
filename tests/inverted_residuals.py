"""Read a built model back as the papers' tables have it: inverted-residual rows, map sizes.

The rows come from the modules themselves (the depthwise conv's kernel and stride, the channels of
each conv, the activation and gate classes), not from the arguments a family file passed, so a test
that compares them with a paper's table checks what was built.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from analyzer.archs.layers import InvertedResidual, SqueezeExcitation


class Row(NamedTuple):
    kernel_size: int
    in_channels: int
    expanded_channels: int
    out_channels: int
    se_channels: int | None
    activation: type[nn.Module]
    gate: type[nn.Module] | None
    stride: int
    shortcut: bool
    has_expand_conv: bool
    linear_projection: bool


def row_of(block: InvertedResidual) -> Row:
    convs = [m for m in block.block.modules() if isinstance(m, nn.Conv2d) and not _in_se(block, m)]
    depthwise = next(c for c in convs if c.groups > 1 and c.groups == c.in_channels)
    se = next((m for m in block.block.modules() if isinstance(m, SqueezeExcitation)), None)
    dw_stage = next(s for s in block.block if depthwise in s.modules())
    activation = type(list(dw_stage)[-1])
    projection = block.block[-1]
    return Row(
        kernel_size=depthwise.kernel_size[0], in_channels=convs[0].in_channels,
        expanded_channels=depthwise.out_channels, out_channels=convs[-1].out_channels,
        se_channels=None if se is None else se.fc1.out_channels, activation=activation,
        gate=None if se is None else type(se.gate), stride=depthwise.stride[0], shortcut=block.use_shortcut,
        has_expand_conv=convs[0] is not depthwise,
        linear_projection=not any(isinstance(m, (nn.ReLU, nn.ReLU6, nn.Hardswish)) for m in projection.modules()),
    )


def _in_se(block: InvertedResidual, conv: nn.Conv2d) -> bool:
    return any(conv in se.modules() for se in block.modules() if isinstance(se, SqueezeExcitation))


def rows(model: nn.Module) -> list[Row]:
    return [row_of(m) for m in model.modules() if isinstance(m, InvertedResidual)]


def input_sizes(model: nn.Module, size: int = 224) -> dict[str, int]:
    """The spatial size of the input each child of `model.features` sees (meta device)."""
    sizes: dict[str, int] = {}

    def record(name: str):
        def hook(module, args, out) -> None:
            sizes[name] = args[0].shape[-1]
        return hook

    handles = [m.register_forward_hook(record(n)) for n, m in model.features.named_children()]
    with torch.no_grad():
        model(torch.empty(1, 3, size, size, device="meta"))
    for handle in handles:
        handle.remove()
    return sizes
