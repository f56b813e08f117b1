"""The measuring kit of the idea pages: layers built on the meta device and profiled side by side.

Every figure on an idea page comes from `analyzer.profile`: a candidate layer (a bottleneck, a stack
of 3x3 convolutions, a depthwise-separable pair) is built on the meta device beside the layer it
replaces, both are profiled at the same input, and the records below hold the two profiles' counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from torch import nn

import analyzer
from analyzer.static.records import LayerProfile


@dataclass(frozen=True)
class Layer:
    kernel: tuple[int, int]
    in_channels: int
    out_channels: int
    depthwise: bool
    params: int
    macs: int
    macs_per_position: int
    # The receptive field (h, w) of this layer's output, in input pixels of the compared module.
    receptive_field: tuple[int, int]
    groups: int = 1


@dataclass(frozen=True)
class Variant:
    """One way of building a layer, profiled at `input_size` (C, H, W)."""

    input_size: tuple[int, int, int]
    params: int
    macs: int
    macs_per_position: int
    receptive_field: tuple[int, int]
    layers: tuple[Layer, ...]


@dataclass(frozen=True)
class Comparison:
    """A reference layer and the alternative a design idea puts in its place."""

    reference: Variant
    alternative: Variant
    params_ratio: Fraction  # alternative / reference
    macs_ratio: Fraction
    params_factor: float  # reference / alternative: "N times fewer"
    macs_factor: float


def conv(cin: int, cout: int, size: int | tuple[int, int], stride: int = 1, groups: int = 1,
         bias: bool = False) -> nn.Conv2d:
    """A convolution on the meta device whose output keeps the input's size (stride 1)."""
    kh, kw = (size, size) if isinstance(size, int) else size
    return nn.Conv2d(cin, cout, (kh, kw), stride, (kh // 2, kw // 2), groups=groups, bias=bias, device="meta")


def stack(*convs: nn.Conv2d) -> nn.Sequential:
    """Convolutions in sequence with a ReLU after each but the last, as the networks build them."""
    layers: list[nn.Module] = []
    for c in convs:
        layers += [c, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def measure(module: nn.Module, input_size: tuple[int, int, int]) -> Variant:
    profile = analyzer.profile(module, input_size=input_size)
    assert profile.graph is not None and profile.receptive_field is not None
    out = profile.graph.values[profile.graph.outputs[0]].shape
    layers = tuple(_layer(module.get_submodule(row.name), row) for row in profile.layers
                   if row.macs and row.receptive_field)
    return Variant(input_size, profile.totals.params, profile.totals.macs,
                   profile.totals.macs // (out[-2] * out[-1]), profile.receptive_field.size, layers)


def _layer(module: Any, row: LayerProfile) -> Layer:
    height, width = row.output_shape[-2:]
    assert row.receptive_field is not None
    return Layer(tuple(module.kernel_size), module.in_channels, module.out_channels,
                 module.groups == module.in_channels > 1, row.params, row.macs, row.macs // (height * width),
                 row.receptive_field.size, module.groups)


def compare(reference: nn.Module, alternative: nn.Module, input_size: tuple[int, int, int],
            alternative_input: tuple[int, int, int] | None = None) -> Comparison:
    """Both profiled at `input_size`, or the alternative at its own input where the two read different widths."""
    ref, alt = measure(reference, input_size), measure(alternative, alternative_input or input_size)
    return Comparison(ref, alt, Fraction(alt.params, ref.params), Fraction(alt.macs, ref.macs),
                      ref.params / alt.params, ref.macs / alt.macs)


