"""EfficientNet (Tan and Le, 2019): one searched baseline, scaled in depth, width and resolution at once.

Registers EfficientNet-B0, the MBConv network of the paper's Table 1 (found by the MnasNet search
with a FLOPs target), and B1-B7, the same network under compound scaling: every stage's channel
count is multiplied by the width coefficient and rounded to a multiple of 8, every stage's repeat
count multiplied by the depth coefficient and rounded up, and the input grown to the variant's
resolution. The layout is torchvision's, which follows the authors' TensorFlow code: squeeze-and-
excitation on the expanded tensor with a bottleneck of a quarter of the block's *input* channels,
SiLU (swish) everywhere, stochastic depth growing linearly with block index, dropout before the
classifier.

Each variant is registered at the paper's resolution. That is torchvision's evaluation crop too,
except for B2, which torchvision evaluates at 288 instead of 260.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from torch import nn

from analyzer.archs.layers import ConvNormActivation, InvertedResidual, make_divisible, pooled_classifier
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register


@dataclass(frozen=True)
class Stage:
    """One row of Table 1: MBConv`expansion` kxk, `repeats` blocks, the first of which has `stride`."""

    expansion: int
    kernel_size: int
    stride: int
    out_channels: int
    repeats: int


# EfficientNet-B0, Table 1, stages 2-8 (stage 1 is the stem, stage 9 the head).
B0_STAGES = (
    Stage(1, 3, 1, 16, 1),
    Stage(6, 3, 2, 24, 2),
    Stage(6, 5, 2, 40, 2),
    Stage(6, 3, 2, 80, 3),
    Stage(6, 5, 1, 112, 3),
    Stage(6, 5, 2, 192, 4),
    Stage(6, 3, 1, 320, 1),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


def scaled_stages(width: float, depth: float) -> list[Stage]:
    """B0's stages under a width and a depth coefficient: channels to a multiple of 8, repeats rounded up."""
    return [Stage(s.expansion, s.kernel_size, s.stride, make_divisible(s.out_channels * width),
                  math.ceil(s.repeats * depth)) for s in B0_STAGES]


class EfficientNet(nn.Module):
    def __init__(self, width: float = 1.0, depth: float = 1.0, dropout: float = 0.2,
                 stochastic_depth: float = 0.2, num_classes: int = 1000) -> None:
        super().__init__()
        stages = scaled_stages(width, depth)
        channels = make_divisible(STEM_CHANNELS * width)
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            stem=ConvNormActivation(3, channels, 3, stride=2, activation=nn.SiLU))
        total = sum(s.repeats for s in stages)
        index = 0
        for number, stage in enumerate(stages, start=1):
            blocks = []
            for repeat in range(stage.repeats):
                # The drop rate rises linearly from 0 for the first block towards `stochastic_depth`.
                blocks.append(InvertedResidual(
                    channels, stage.out_channels, channels * stage.expansion, stage.kernel_size,
                    stage.stride if repeat == 0 else 1, activation=nn.SiLU, se_channels=max(1, channels // 4),
                    se_activation=nn.SiLU, drop_path=stochastic_depth * index / total))
                channels = stage.out_channels
                index += 1
            layers[f"stage{number}"] = nn.Sequential(*blocks)
        head = make_divisible(HEAD_CHANNELS * width)
        layers["head"] = ConvNormActivation(channels, head, 1, activation=nn.SiLU)
        self.features = nn.Sequential(layers)
        self.classifier = pooled_classifier(head, num_classes, dropout)

    def forward(self, x):
        return self.classifier(self.features(x))


@dataclass(frozen=True)
class Variant:
    """One row of the B0-B7 table: the coefficients, the paper's figures and torchvision's."""

    name: str
    width: float
    depth: float
    resolution: int
    dropout: float
    params: int
    # torchvision's `_ops` (GMACs) at its own evaluation crop, `crop`, resized from `resize`.
    tv_gmacs: float
    crop: int
    resize: int
    tv_top1: float
    tv_top5: float
    # Paper Table 2 (arXiv v1): MACs in billions as printed (a string, so that its precision is kept),
    # top-1 and top-5.
    paper_gmacs: str
    paper_top1: float
    paper_top5: float


VARIANTS = {v.name: v for v in (
    Variant("b0", 1.0, 1.0, 224, 0.2, 5_288_548, 0.386, 224, 256, 77.692, 93.532, "0.39", 76.3, 93.2),
    Variant("b1", 1.0, 1.1, 240, 0.2, 7_794_184, 0.687, 240, 256, 78.642, 94.186, "0.70", 78.8, 94.4),
    Variant("b2", 1.1, 1.2, 260, 0.3, 9_109_994, 1.088, 288, 288, 80.608, 95.310, "1.0", 79.8, 94.9),
    Variant("b3", 1.2, 1.4, 300, 0.3, 12_233_232, 1.827, 300, 320, 82.008, 96.054, "1.8", 81.1, 95.5),
    Variant("b4", 1.4, 1.8, 380, 0.4, 19_341_616, 4.394, 380, 384, 83.384, 96.594, "4.2", 82.6, 96.3),
    Variant("b5", 1.6, 2.2, 456, 0.4, 30_389_784, 10.266, 456, 456, 83.444, 96.628, "9.9", 83.3, 96.7),
    Variant("b6", 1.8, 2.6, 528, 0.5, 43_040_704, 19.068, 528, 528, 84.008, 96.916, "19", 84.0, 96.9),
    Variant("b7", 2.0, 3.1, 600, 0.5, 66_347_960, 37.746, 600, 600, 84.122, 96.908, "37", 84.4, 97.1),
)}

_PAPER_TABLE_2 = "Tan and Le 2019, Table 2 (arXiv v1)"
_PAPER_PROTOCOL = ("ImageNet-1k val at the model's own resolution, as printed in the paper (crop not stated; "
                   "trained with AutoAugment, swish and stochastic depth)")
# Where torchvision's IMAGENET1K_V1 weights came from, as its source says.
_PORTS = {**dict.fromkeys(("b0", "b1", "b2", "b3", "b4"), "timm"),
          **dict.fromkeys(("b5", "b6", "b7"), "lukemelas/EfficientNet-PyTorch")}


def _printed_precision(printed: str) -> float:
    """Half a unit of the last printed digit, relative: "0.39" is 0.385-0.395, "19" is 18.5-19.5."""
    return 0.5 * 10 ** -len(printed.partition(".")[2]) / float(printed)


def _macs(variant: Variant) -> Figure:
    if variant.crop == variant.resolution:
        return Figure(variant.tv_gmacs * 1e9, f"{TORCHVISION_OPS} at {variant.crop}", "VS",
                      0.0005 / variant.tv_gmacs, TORCHVISION_OPS_WHY)
    # torchvision's count is at another crop; the paper's is at this resolution, printed to one digit.
    return Figure(float(variant.paper_gmacs) * 1e9, _PAPER_TABLE_2, "V2", _printed_precision(variant.paper_gmacs),
                  f"printed as {variant.paper_gmacs} B, to its last digit; torchvision's _ops "
                  f"{variant.tv_gmacs} is at its {variant.crop} crop, not at {variant.resolution}")


def _spec(variant: Variant) -> ArchSpec:
    name = f"efficientnet_{variant.name}"
    upper = variant.name.upper()
    paper = variant.name == "b0"
    tv_crop = centre_crop(variant.crop, variant.resize)
    if variant.crop != variant.resolution:
        tv_crop += f"; torchvision's crop, not the paper's {variant.resolution}"
    return ArchSpec(
        name=name,
        display_name=f"EfficientNet-{upper}",
        family="EfficientNet",
        year=2019,
        authors=("Mingxing Tan", "Quoc V. Le"),
        title="EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
        paper="arXiv:1905.11946",
        input_shape=(3, variant.resolution, variant.resolution),
        output_shape=(1000,),
        task="ImageNet classification",
        # What the network introduced (the site shows it so): its blocks and its search came from
        # MobileNetV2, SENet and MnasNet, and the variants introduce nothing of their own.
        ideas=("compound-scaling",) if paper else (),
        params=Figure(variant.params, TORCHVISION, "VS"),
        macs=_macs(variant),
        accuracy=(
            Accuracy(variant.tv_top1, variant.tv_top5, tv_crop,
                     f"{TORCHVISION} IMAGENET1K_V1 (weights ported from "
                     f"{_PORTS[variant.name]})", "VS"),
            Accuracy(variant.paper_top1, variant.paper_top5, _PAPER_PROTOCOL, _PAPER_TABLE_2, "V2"),
        ),
        variant_of=None if paper else "efficientnet_b0",
        # B0 is MnasNet's search rerun for FLOPs with MobileNetV2's blocks and SENet's gate; each
        # scaled variant steps up from the one before it.
        predecessors=("mnasnet_a1", "mobilenet_v2", "se_resnet50") if paper
        else tuple(dict.fromkeys((f"efficientnet_b{int(variant.name[1:]) - 1}", "efficientnet_b0"))),
        differences="" if paper else (
            f"B0 under compound scaling: width x{variant.width:g} (channels to a multiple of 8), depth "
            f"x{variant.depth:g} (repeats rounded up), input {variant.resolution}x{variant.resolution}; "
            f"dropout {variant.dropout:g} before the classifier"),
    )


def _build(variant: Variant, num_classes: int) -> EfficientNet:
    return EfficientNet(variant.width, variant.depth, variant.dropout, num_classes=num_classes)


@register(_spec(VARIANTS["b0"]))
def efficientnet_b0(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b0"], num_classes)


@register(_spec(VARIANTS["b1"]))
def efficientnet_b1(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b1"], num_classes)


@register(_spec(VARIANTS["b2"]))
def efficientnet_b2(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b2"], num_classes)


@register(_spec(VARIANTS["b3"]))
def efficientnet_b3(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b3"], num_classes)


@register(_spec(VARIANTS["b4"]))
def efficientnet_b4(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b4"], num_classes)


@register(_spec(VARIANTS["b5"]))
def efficientnet_b5(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b5"], num_classes)


@register(_spec(VARIANTS["b6"]))
def efficientnet_b6(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b6"], num_classes)


@register(_spec(VARIANTS["b7"]))
def efficientnet_b7(num_classes: int = 1000) -> EfficientNet:
    return _build(VARIANTS["b7"], num_classes)
