"""The block-level ideas after 2017, each a block built here on the meta device beside the one it replaces.

Cardinality, squeeze-and-excitation, the inverted residual, dense connectivity and attention are
properties of a single block, so each is measured on one: a ResNeXt bottleneck against ResNet's at the
same cost, a gate against the block it gates, an inverted block against a classic one of the same
widths, a dense block layer by layer, an encoder block against a convolution as the image grows.
"""

from __future__ import annotations

from dataclasses import dataclass

import analyzer
from analyzer.archs.vit import EncoderBlock
from analyzer.content.ideas.kit import Comparison, Variant, compare, conv, measure, stack
from analyzer.static.profiler import zoo_profile
from analyzer.static.records import ModelProfile


@dataclass(frozen=True)
class ScopeCost:
    """The parameters, MACs and bytes moved of one module of a zoo model, its submodules included."""

    scope: str
    params: int
    macs: int
    bytes_moved: int


def scope_cost(profile: ModelProfile, scope: str) -> ScopeCost:
    rows = [r for r in profile.layers if r.name == scope or r.name.startswith(scope + ".")]
    return ScopeCost(scope, sum(r.params for r in rows), sum(r.macs for r in rows), sum(r.bytes_moved for r in rows))


# --- cardinality ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cardinality:
    channels: int
    size: int
    cardinality: int
    group_width: int
    # ResNet's 256-64-64-256 bottleneck against ResNeXt's 256-128(32 groups of 4)-256 block.
    comparison: Comparison


def cardinality(channels: int = 256, size: int = 56, groups: int = 32, group_width: int = 4) -> Cardinality:
    inner = groups * group_width
    resnet = stack(conv(channels, 64, 1), conv(64, 64, 3), conv(64, channels, 1))
    resnext = stack(conv(channels, inner, 1), conv(inner, inner, 3, groups=groups), conv(inner, channels, 1))
    return Cardinality(channels, size, groups, group_width, compare(resnet, resnext, (channels, size, size)))


# --- squeeze-and-excitation -------------------------------------------------------------------------

@dataclass(frozen=True)
class GateRow:
    model: str
    block: str
    channels: int  # the channels the gate scales
    squeeze: int  # the width of its bottleneck
    gate: ScopeCost
    block_cost: ScopeCost


@dataclass(frozen=True)
class SqueezeExcitation:
    rows: tuple[GateRow, ...]
    model_params: dict[str, int]
    gate_params: dict[str, int]
    gate_macs: dict[str, int]
    model_macs: dict[str, int]


SE_BLOCKS = (("se_resnet50", "conv2_x.0", "gate"), ("se_resnet50", "conv3_x.0", "gate"),
             ("se_resnet50", "conv4_x.0", "gate"), ("se_resnet50", "conv5_x.0", "gate"),
             ("mobilenet_v3_large", "features.bneck4", "block.2"))


def squeeze_excitation() -> SqueezeExcitation:
    rows = []
    for model, block, gate in SE_BLOCKS:
        profile, net = zoo_profile(model), analyzer.build(model, device="meta")
        module = net.get_submodule(f"{block}.{gate}")
        rows.append(GateRow(model, block, module.fc1.in_channels, module.fc1.out_channels,
                            scope_cost(profile, f"{block}.{gate}"), scope_cost(profile, block)))
    params, macs, gparams, gmacs = {}, {}, {}, {}
    for model in sorted({m for m, _, _ in SE_BLOCKS}):
        profile = zoo_profile(model)
        gates = [r for r in profile.layers if r.type == "SqueezeExcitation"]
        costs = [scope_cost(profile, r.name) for r in gates]
        params[model], macs[model] = profile.totals.params, profile.totals.macs
        gparams[model], gmacs[model] = sum(c.params for c in costs), sum(c.macs for c in costs)
    return SqueezeExcitation(tuple(rows), params, gparams, gmacs, macs)


# --- inverted residual ------------------------------------------------------------------------------

@dataclass(frozen=True)
class InvertedResidual:
    thin: int
    wide: int
    size: int
    # A classic bottleneck wide-thin-wide (full 3x3) against MobileNetV2's thin-wide-thin (depthwise 3x3).
    comparison: Comparison
    # Bytes of the tensor each block's shortcut carries (float32): wide for the classic, thin for V2.
    classic_shortcut_bytes: int
    inverted_shortcut_bytes: int


def inverted_residual(thin: int = 24, expansion: int = 6, size: int = 56) -> InvertedResidual:
    wide = thin * expansion
    classic = stack(conv(wide, thin, 1), conv(thin, thin, 3), conv(thin, wide, 1))
    inverted = stack(conv(thin, wide, 1), conv(wide, wide, 3, groups=wide), conv(wide, thin, 1))
    comparison = compare(classic, inverted, (wide, size, size), (thin, size, size))
    return InvertedResidual(thin, wide, size, comparison, wide * size * size * 4, thin * size * size * 4)


# --- dense connectivity -----------------------------------------------------------------------------

@dataclass(frozen=True)
class DenseLayerRow:
    index: int
    in_channels: int
    params: int
    macs: int


@dataclass(frozen=True)
class DenseConnectivity:
    model: str
    block: str
    growth_rate: int
    layers: tuple[DenseLayerRow, ...]
    block_cost: ScopeCost
    out_channels: int
    # ResNet-50's first stage, at the same 56x56 resolution, for scale.
    residual_model: str
    residual_stage: ScopeCost


def dense_connectivity(model: str = "densenet121", block: str = "features.denseblock1") -> DenseConnectivity:
    profile, net = zoo_profile(model), analyzer.build(model, device="meta")
    dense = net.get_submodule(block)
    layers = tuple(DenseLayerRow(index, layer.out_channels - dense.layers[0].conv[-1].out_channels,
                                 *_params_macs(scope_cost(profile, f"{block}.layers.{index - 1}")))
                   for index, layer in enumerate(dense.layers, start=1))
    growth = dense.layers[0].conv[-1].out_channels
    return DenseConnectivity(model, block, growth, layers, scope_cost(profile, block), dense.out_channels,
                             "resnet50", scope_cost(zoo_profile("resnet50"), "conv2_x"))


def _params_macs(cost: ScopeCost) -> tuple[int, int]:
    return cost.params, cost.macs


# --- patches and attention --------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenRow:
    image: int
    tokens: int
    attention_macs: int  # the two matrix products Q·Kᵀ and A·V
    block_macs: int  # the whole encoder block
    conv_macs: int  # one 3x3 convolution of the same width on the 16x-downsampled map


@dataclass(frozen=True)
class Attention:
    patch: int
    width: int
    heads: int
    mlp: int
    patch_embedding: Comparison  # the strided patchify conv (reference and alternative are the same)
    rows: tuple[TokenRow, ...]


def attention(images: tuple[int, ...] = (112, 224, 448, 896), patch: int = 16, width: int = 768,
              heads: int = 12, mlp: int = 3072) -> Attention:
    from torch import nn

    embed = nn.Conv2d(3, width, patch, stride=patch, device="meta")
    rows = []
    for image in images:
        side = image // patch
        tokens = side * side
        block = analyzer.profile(EncoderBlock(width, heads, mlp).to("meta"), input_size=(tokens, width))
        assert block.graph is not None
        matmul = sum(op.macs for op in block.graph.ops if op.op_class == "matmul")
        grid = analyzer.profile(conv(width, width, 3), input_size=(width, side, side))
        rows.append(TokenRow(image, tokens, matmul, block.totals.macs, grid.totals.macs))
    return Attention(patch, width, heads, mlp, compare(embed, embed, (3, images[1], images[1])), tuple(rows))


# --- modernising a ResNet ---------------------------------------------------------------------------

# ImageNet-1k top-1 after each step of Liu et al. 2022 (arXiv:2201.03545), Figure 2, under the paper's
# modern training recipe; the paper's GFLOPs are the networks' multiply-accumulates.
CONVNEXT_PAPER = "Liu et al. 2022, Figure 2"


@dataclass(frozen=True)
class NetworkStep:
    label: str
    paper_top1: float
    params: int
    macs: int


@dataclass(frozen=True)
class BlockStep:
    label: str
    paper_top1: float
    variant: Variant


@dataclass(frozen=True)
class Modernising:
    source: str
    networks: tuple[NetworkStep, ...]  # ResNet-50, stage ratio, patchify stem: whole networks built here
    size: int
    blocks: tuple[BlockStep, ...]  # the block of the first stage, at size x size, step by step
    final_model: str
    final_top1: float


def _resnet_step(label: str, top1: float, depths: list[int], patchify: bool) -> NetworkStep:
    from functools import partial

    from torch import nn

    from analyzer.archs.resnet import Bottleneck, ResNet

    net = ResNet(partial(Bottleneck, stride_in_1x1=False), depths)
    if patchify:
        net.conv1, net.maxpool = nn.Conv2d(3, 64, 4, stride=4, bias=False), nn.Identity()
    t = analyzer.profile(net.to("meta"), input_size=(3, 224, 224)).totals
    return NetworkStep(label, top1, t.params, t.macs)


def modernising(size: int = 56) -> Modernising:
    networks = (_resnet_step("ResNet-50", 78.8, [3, 4, 6, 3], False),
                _resnet_step("stage ratio 3:3:9:3", 79.4, [3, 3, 9, 3], False),
                _resnet_step("patchify stem, 4x4 stride 4", 79.5, [3, 3, 9, 3], True))
    w, e = 96, 4 * 96  # Swin-T's width, which ResNeXt-ify adopts, and the 4x expansion
    steps = (
        ("ResNet bottleneck", 79.5, stack(conv(256, 64, 1), conv(64, 64, 3), conv(64, 256, 1)), 256),
        ("depthwise 3x3, width 96", 80.5, stack(conv(e, w, 1), conv(w, w, 3, groups=w), conv(w, e, 1)), e),
        ("inverted bottleneck", 80.6, stack(conv(w, e, 1), conv(e, e, 3, groups=e), conv(e, w, 1)), w),
        ("depthwise conv moved up", 79.9, stack(conv(w, w, 3, groups=w), conv(w, e, 1), conv(e, w, 1)), w),
        ("7x7 kernel", 80.6, stack(conv(w, w, 7, groups=w), conv(w, e, 1), conv(e, w, 1)), w),
    )
    blocks = tuple(BlockStep(label, top1, measure(module, (cin, size, size))) for label, top1, module, cin in steps)
    return Modernising(CONVNEXT_PAPER, networks, size, blocks, "convnext_tiny", 82.0)
