"""The ideas of the source article, LeNet to MobileNet v1 (1998-2017), measured."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import analyzer
from analyzer.content.ideas.kit import Comparison, compare, conv, stack
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
from analyzer.static.records import ModelProfile, OpNode

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
