"""The design ideas of the history, each measured on small modules built here and on the zoo's models.

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
from analyzer.static.graphwalk import (
    PathStats,
    convolutions,
    head_params,
    in_channels,
    in_scope,
    is_depthwise,
    kernel,
    out_channels,
    path_stats,
)
from analyzer.static.profiler import zoo_profile
from analyzer.static.records import LayerProfile, ModelProfile, OpNode


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
                 row.receptive_field.size)


def compare(reference: nn.Module, alternative: nn.Module, input_size: tuple[int, int, int]) -> Comparison:
    ref, alt = measure(reference, input_size), measure(alternative, input_size)
    return Comparison(ref, alt, Fraction(alt.params, ref.params), Fraction(alt.macs, ref.macs),
                      ref.params / alt.params, ref.macs / alt.macs)


# --- bottleneck -------------------------------------------------------------------------------------

# The article rounds the example to "~70,000 vs ~600,000, almost 10x".
ARTICLE_BOTTLENECK_FACTOR = 10


@dataclass(frozen=True)
class Bottleneck:
    channels: int
    reduced: int
    size: int
    comparison: Comparison
    article_factor: int
    # The same 256-64-64-256 block inside ResNet-50, measured in the zoo model.
    zoo_model: str
    zoo_block: str
    zoo_macs_per_position: int


def bottleneck(channels: int = 256, reduced: int = 64, size: int = 56) -> Bottleneck:
    direct = conv(channels, channels, 3)
    reduced_stack = stack(conv(channels, reduced, 1), conv(reduced, reduced, 3), conv(reduced, channels, 1))
    model, block = "resnet50", "conv2_x.1"
    return Bottleneck(channels, reduced, size, compare(direct, reduced_stack, (channels, size, size)),
                      ARTICLE_BOTTLENECK_FACTOR, model, block, _block_macs_per_position(model, block))


def _block_macs_per_position(model: str, block: str) -> int:
    profile = zoo_profile(model)
    ops = [op for op in convolutions(profile) if in_scope(op, block)]
    assert profile.graph is not None
    height, width = profile.graph.values[ops[-1].outputs[0]].shape[-2:]
    return sum(op.macs for op in ops) // (height * width)


# --- small filters ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SmallFilters:
    channels: int
    size: int
    # One row per stack depth: a (2d+1)x(2d+1) conv against d stacked 3x3 convs.
    rows: tuple[Comparison, ...]


def small_filters(channels: int = 64, size: int = 56, depths: tuple[int, ...] = (2, 3, 4)) -> SmallFilters:
    rows = tuple(compare(conv(channels, channels, 2 * d + 1),
                         stack(*(conv(channels, channels, 3) for _ in range(d))), (channels, size, size))
                 for d in depths)
    return SmallFilters(channels, size, rows)


# --- 1x1 convolutions and global average pooling ----------------------------------------------------

@dataclass(frozen=True)
class Head:
    model: str
    display_name: str
    head_params: int
    total_params: int
    share: float


@dataclass(frozen=True)
class OneByOne:
    channels: int
    size: int
    comparison: Comparison  # a 3x3 conv against a 1x1 conv, same channels
    nin_pointwise_layers: int
    nin_conv_layers: int
    nin_pointwise_macs_share: float
    heads: tuple[Head, ...]


HEAD_MODELS = ("alexnet", "vgg16", "nin", "googlenet", "resnet18", "squeezenet1_0")


def one_by_one(channels: int = 256, size: int = 28) -> OneByOne:
    comparison = compare(conv(channels, channels, 3), conv(channels, channels, 1), (channels, size, size))
    nin = zoo_profile("nin")
    convs = convolutions(nin)
    pointwise = [op for op in convs if kernel(op) == (1, 1)]
    share = sum(op.macs for op in pointwise) / nin.totals.macs
    return OneByOne(channels, size, comparison, len(pointwise), len(convs), share,
                    tuple(head(name) for name in HEAD_MODELS))


def head(name: str) -> Head:
    profile = zoo_profile(name)
    params = head_params(profile)
    return Head(name, analyzer.spec(name).display_name, params, profile.totals.params,
                params / profile.totals.params)


# --- factorised convolutions ------------------------------------------------------------------------

@dataclass(frozen=True)
class Factorized:
    channels: int
    size: int
    # 3x3 against 1x3 + 3x1, 5x5 against two 3x3, 7x7 against 1x7 + 7x1.
    rows: tuple[Comparison, ...]


def factorized(channels: int = 192, size: int = 17) -> Factorized:
    c = channels
    pairs = (
        (conv(c, c, 3), stack(conv(c, c, (1, 3)), conv(c, c, (3, 1)))),
        (conv(c, c, 5), stack(conv(c, c, 3), conv(c, c, 3))),
        (conv(c, c, 7), stack(conv(c, c, (1, 7)), conv(c, c, (7, 1)))),
    )
    return Factorized(c, size, tuple(compare(ref, alt, (c, size, size)) for ref, alt in pairs))


# --- depthwise-separable convolutions ---------------------------------------------------------------

SEPARABLE_KERNEL = 3


@dataclass(frozen=True)
class SeparableRow:
    block: str
    stride: int
    comparison: Comparison  # a full 3x3 conv against depthwise 3x3 + pointwise 1x1
    # What the algebra predicts for both ratios: 1/C_out + 1/k^2.
    formula: Fraction


@dataclass(frozen=True)
class DepthwiseSeparable:
    model: str
    kernel: int
    rows: tuple[SeparableRow, ...]
    standard_params: int
    separable_params: int
    standard_macs: int
    separable_macs: int
    model_params: int


def depthwise_separable(model: str = "mobilenet_v1") -> DepthwiseSeparable:
    """MobileNet's own separable blocks, each measured against the full convolution it replaces."""
    profile = zoo_profile(model)
    convs = convolutions(profile)
    rows = tuple(_separable_row(profile, dw, convs[i + 1])
                 for i, dw in enumerate(convs) if is_depthwise(profile, dw))
    return DepthwiseSeparable(
        model, SEPARABLE_KERNEL, rows,
        sum(r.comparison.reference.params for r in rows), sum(r.comparison.alternative.params for r in rows),
        sum(r.comparison.reference.macs for r in rows), sum(r.comparison.alternative.macs for r in rows),
        profile.totals.params)


def _separable_row(profile: ModelProfile, depthwise: OpNode, pointwise: OpNode) -> SeparableRow:
    cin, cout, k = in_channels(profile, depthwise), out_channels(profile, pointwise), SEPARABLE_KERNEL
    assert depthwise.window is not None and profile.graph is not None
    stride = depthwise.window.stride[0]
    size = profile.graph.values[depthwise.inputs[0]].shape[-1]
    separable = stack(conv(cin, cin, k, stride, groups=cin), conv(cin, cout, 1))
    comparison = compare(conv(cin, cout, k, stride), separable, (cin, size, size))
    return SeparableRow(depthwise.module.split(".")[1], stride, comparison,
                        Fraction(1, cout) + Fraction(1, k * k))


# --- fire modules -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FireRow:
    module: str
    in_channels: int
    squeeze: int
    out_channels: int
    size: int
    comparison: Comparison  # a 3x3 conv with the same in/out channels against the fire module


@dataclass(frozen=True)
class FireModules:
    model: str
    rows: tuple[FireRow, ...]


def fire_modules(model: str = "squeezenet1_0") -> FireModules:
    """Each of SqueezeNet's fire modules, taken from the zoo model, against a plain 3x3 conv."""
    net = analyzer.build(model, device="meta")
    rows = []
    for row in zoo_profile(model).layers:
        if row.type == "Fire":
            fire = net.get_submodule(row.name)
            _, cin, height, width = row.input_shapes[0]
            cout = row.output_shape[1]
            rows.append(FireRow(row.name.split(".")[-1], cin, fire.squeeze.out_channels, cout, height,
                                compare(conv(cin, cout, 3, bias=True), fire, (cin, height, width))))
    return FireModules(model, tuple(rows))


# --- residual and fractal paths ---------------------------------------------------------------------

@dataclass(frozen=True)
class ResidualFractal:
    # A ResNet-18 block, stages of ResNet-18 and ResNet-50, a FractalNet block, and both whole networks.
    rows: tuple[PathStats, ...]


PATH_SCOPES = (("resnet18", "conv2_x.0"), ("resnet18", "conv2_x"), ("resnet50", "conv3_x"),
               ("resnet18", ""), ("fractalnet", "block1"), ("fractalnet", ""))


def residual_fractal() -> ResidualFractal:
    return ResidualFractal(tuple(path_stats(zoo_profile(m), scope) for m, scope in PATH_SCOPES))


# --- the list the site renders ----------------------------------------------------------------------

@dataclass(frozen=True)
class Idea:
    slug: str
    title: str
    summary: str
    # The registry's idea tags this page explains (models carrying them link here).
    tags: tuple[str, ...]
    data: Any


def all_ideas() -> list[Idea]:
    """The design ideas in the order the history introduced them."""
    return [
        Idea("one-by-one", "1x1 convolutions and global average pooling",
             "A 1x1 convolution mixes channels at each position without looking at neighbours, and "
             "averaging each final map replaces a heavy fully connected classifier.",
             ("1x1-conv", "global-avg-pool"), one_by_one()),
        Idea("small-filters", "Stacks of small filters",
             "Several 3x3 convolutions in a row see as far as one large filter while costing less and "
             "adding non-linearities.", ("small-filters",), small_filters()),
        Idea("bottleneck", "Bottleneck layers",
             "Shrinking the channels with a 1x1 convolution before an expensive convolution, and growing "
             "them back after it, cuts the cost of a layer several times over.",
             ("bottleneck",), bottleneck()),
        Idea("factorized", "Factorised convolutions",
             "A large square filter can be replaced by smaller or one-dimensional filters in sequence "
             "that cover the same window for fewer weights.", ("factorized-conv",), factorized()),
        Idea("residual-fractal", "Residual and fractal paths",
             "Shortcuts and parallel columns give a deep network many paths of different lengths, "
             "so signals and gradients always have a short way through.",
             ("residual", "fractal"), residual_fractal()),
        Idea("fire-module", "Fire modules",
             "SqueezeNet squeezes the channels with 1x1 filters and expands them again with a mix of "
             "1x1 and 3x3 filters, keeping parameters to a minimum.", ("fire-module",), fire_modules()),
        Idea("depthwise-separable", "Depthwise-separable convolutions",
             "Filtering each channel on its own and then mixing channels with a 1x1 convolution does the "
             "work of a full convolution for a fraction of its cost.",
             ("depthwise-separable",), depthwise_separable()),
    ]
