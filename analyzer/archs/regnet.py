"""RegNet (Radosavovic, Kosaraju, Girshick, He and Dollár, 2020): networks drawn from a design space.

A RegNet is not a table of layers but four numbers and a depth. Block j of d gets the width
u_j = w0 + wa * j; each u_j is snapped to w0 times a whole power of wm and to a multiple of 8, and
consecutive blocks of equal width form a stage (Section 3.3). Every stage's width is then made a
multiple of its group width g (Appendix D), the step where the paper's code (pycls) and torchvision
round a tie differently. The block is ResNeXt's bottleneck with a bottleneck ratio of 1 (1x1, grouped
3x3 carrying the stride, 1x1), a 1x1 projection where the shape changes; RegNetY adds a
squeeze-and-excitation gate after the 3x3, squeezing to a quarter of the block's input width. Stem: one
3x3 stride-2 convolution to 32 channels; head: global average pooling and one fully connected layer.

Registers RegNetX-400MF, RegNetY-400MF, RegNetX-3.2GF and RegNetY-3.2GF with pycls' rounding, and
torchvision's RegNetX-400MF, the one of them whose widths its rounding changes.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from analyzer.archs.layers import ConvNormActivation, SqueezeExcitation, make_divisible, pooled_classifier
from analyzer.archs.sources import TIMM, TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

STEM_WIDTH = 32
# Block widths are first snapped to multiples of this (the paper's q).
QUANTUM = 8

Rounding = Callable[[float, int], int]


@dataclass(frozen=True)
class DesignParams:
    """A point of the RegNet design space (the paper's d, w0, wa, wm, g) and RegNetY's SE ratio."""

    depth: int
    w0: int
    wa: float
    wm: float
    group_width: int
    se_ratio: float | None = None


@dataclass(frozen=True)
class Stage:
    width: int
    depth: int
    group_width: int

    @property
    def groups(self) -> int:
        return self.width // self.group_width


def block_widths(p: DesignParams) -> list[int]:
    """The quantized linear rule: one width per block, each w0 * wm^s rounded to a multiple of 8."""
    widths = []
    for j in range(p.depth):
        linear = p.w0 + p.wa * j
        steps = round(math.log(linear / p.w0) / math.log(p.wm))
        widths.append(round(p.w0 * p.wm ** steps / QUANTUM) * QUANTUM)
    return widths


def pycls_rounding(width: float, divisor: int) -> int:
    """pycls' group compatibility: nearest multiple, Python's round, so a tie goes to the even one."""
    return max(divisor, int(round(width / divisor) * divisor))


def torchvision_rounding(width: float, divisor: int) -> int:
    """torchvision's: `_make_divisible`, which rounds a tie up."""
    return make_divisible(width, divisor)


def stages(p: DesignParams, rounding: Rounding = pycls_rounding) -> list[Stage]:
    """Blocks of equal width grouped into stages, each width made a multiple of its group width."""
    runs: list[list[int]] = []
    for width in block_widths(p):
        if runs and runs[-1][0] == width:
            runs[-1][1] += 1
        else:
            runs.append([width, 1])
    result = []
    for width, depth in runs:
        group_width = min(p.group_width, width)
        result.append(Stage(rounding(width, group_width), depth, group_width))
    return result


class ResBottleneck(nn.Module):
    """1x1, grouped 3x3 (the stride), [SE], 1x1 with a linear end, added to the (projected) input."""

    def __init__(self, in_channels: int, width: int, stride: int, group_width: int,
                 se_ratio: float | None) -> None:
        super().__init__()
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            a=ConvNormActivation(in_channels, width, 1),
            b=ConvNormActivation(width, width, 3, stride, groups=width // group_width),
        )
        if se_ratio is not None:
            # The squeeze is a fraction of the block's input width, not of the width it gates.
            layers["se"] = SqueezeExcitation(width, int(round(se_ratio * in_channels)))
        layers["c"] = ConvNormActivation(width, width, 1, activation=None)
        self.f = nn.Sequential(layers)
        self.proj = (None if stride == 1 and in_channels == width
                     else ConvNormActivation(in_channels, width, 1, stride, activation=None))
        self.relu = nn.ReLU(inplace=True)
        self.out_channels = width

    def forward(self, x):
        identity = x if self.proj is None else self.proj(x)
        return self.relu(self.f(x) + identity)


class RegNet(nn.Module):
    def __init__(self, design: DesignParams, rounding: Rounding = pycls_rounding, num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = ConvNormActivation(3, STEM_WIDTH, 3, stride=2)
        channels = STEM_WIDTH
        for index, stage in enumerate(stages(design, rounding), start=1):
            blocks: OrderedDict[str, nn.Module] = OrderedDict()
            for b in range(stage.depth):
                blocks[f"b{b + 1}"] = ResBottleneck(channels, stage.width, 2 if b == 0 else 1, stage.group_width,
                                                    design.se_ratio)
                channels = stage.width
            self.add_module(f"s{index}", nn.Sequential(blocks))
        self.head = pooled_classifier(channels, num_classes)

    def forward(self, x):
        for module in self.children():
            x = module(x)
        return x


# pycls' configs (configs/dds_baselines), as the paper's Table 6 and its model zoo list them.
X_400MF = DesignParams(depth=22, w0=24, wa=24.48, wm=2.54, group_width=16)
Y_400MF = DesignParams(depth=16, w0=48, wa=27.89, wm=2.09, group_width=8, se_ratio=0.25)
X_3_2GF = DesignParams(depth=25, w0=88, wa=26.31, wm=2.25, group_width=48)
Y_3_2GF = DesignParams(depth=21, w0=80, wa=42.63, wm=2.66, group_width=24, se_ratio=0.25)

_PAPER = {
    "family": "RegNet",
    "year": 2020,
    "authors": ("Ilija Radosavovic", "Raj Prateek Kosaraju", "Ross Girshick", "Kaiming He", "Piotr Dollár"),
    "title": "Designing Network Design Spaces",
    "paper": "arXiv:2003.13678",
    "input_shape": (3, 224, 224),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_PYCLS = "facebookresearch/pycls MODEL_ZOO.md (the paper's models)"
_PYCLS_PROTOCOL = f"{centre_crop()}; mean of 5 runs, 100 epochs, top-1 error only"
_TV_V1 = f"{TORCHVISION} IMAGENET1K_V1 (torchvision's re-training)"
_PAPER_FLOPS_WHY = "printed to 0.1 B, the flop regime in the model's name"


def _tv_macs(gmacs: float) -> Figure:
    return Figure(gmacs * 1e9, TORCHVISION_OPS, "VS", 0.0005 / gmacs, TORCHVISION_OPS_WHY)


def _pycls_accuracy(top1_err: float) -> Accuracy:
    return Accuracy(round(100 - top1_err, 2), None, _PYCLS_PROTOCOL, _PYCLS, "VS")


# The design space generalises ResNeXt's block; Y adds SENet's squeeze-excitation to X.
_PREDECESSORS = {
    "regnetx_400mf": ("resnext50_32x4d",),
    "regnety_400mf": ("regnetx_400mf", "se_resnet50"),
    "regnetx_3_2gf": ("resnext50_32x4d", "regnetx_400mf"),
    "regnety_3_2gf": ("regnetx_3_2gf", "regnety_400mf"),
}


def _spec(name: str, display_name: str, params: Figure, macs: Figure, accuracy: tuple[Accuracy, ...]) -> ArchSpec:
    return ArchSpec(name=name, display_name=display_name, ideas=("design-space",), params=params, macs=macs,
                    accuracy=accuracy, predecessors=_PREDECESSORS[name], **_PAPER)


@register(_spec(
    "regnetx_400mf", "RegNetX-400MF",
    # The paper prints 5.2 M; timm's regnetx_004 has pycls' widths (last stage 384).
    Figure(5_157_512, f"{TIMM} regnetx_004 (pycls widths), instantiated", "CH"),
    Figure(0.4e9, _PYCLS, "VS", 0.05 / 0.4, _PAPER_FLOPS_WHY),
    (_pycls_accuracy(27.3),
     Accuracy(72.482, 90.84, centre_crop(), "timm results-imagenet.csv, regnetx_004.pycls_in1k (pycls' weights)",
              "VS")),
))
def regnetx_400mf(num_classes: int = 1000) -> RegNet:
    return RegNet(X_400MF, num_classes=num_classes)


@register(ArchSpec(
    name="regnetx_400mf_torchvision",
    display_name="RegNetX-400MF (torchvision)",
    predecessors=("regnetx_400mf",),
    ideas=(),
    params=Figure(5_495_976, TORCHVISION, "VS"),
    macs=_tv_macs(0.414),
    accuracy=(Accuracy(72.834, 90.95, centre_crop(), _TV_V1, "VS"),),
    variant_of="regnetx_400mf",
    differences=("torchvision makes each stage width a multiple of the group width by rounding a tie up "
                 "(_make_divisible), pycls by rounding to even; the last stage's rule width, 392, is such a "
                 "tie at group width 16, so it gets 400 channels in 25 groups here and 384 in 24 in the paper's "
                 "model."),
    **_PAPER,
))
def regnetx_400mf_torchvision(num_classes: int = 1000) -> RegNet:
    return RegNet(X_400MF, torchvision_rounding, num_classes)


@register(_spec(
    "regnety_400mf", "RegNetY-400MF",
    Figure(4_344_144, f"{TORCHVISION} (the paper's widths; timm's regnety_004 agrees)", "VS"),
    _tv_macs(0.402),
    (Accuracy(74.046, 91.716, centre_crop(), _TV_V1, "VS"), _pycls_accuracy(25.9)),
))
def regnety_400mf(num_classes: int = 1000) -> RegNet:
    return RegNet(Y_400MF, num_classes=num_classes)


@register(_spec(
    "regnetx_3_2gf", "RegNetX-3.2GF",
    Figure(15_296_552, f"{TORCHVISION} (the paper's widths; timm's regnetx_032 agrees)", "VS"),
    _tv_macs(3.177),
    (Accuracy(78.364, 93.992, centre_crop(), _TV_V1, "VS"), _pycls_accuracy(21.7)),
))
def regnetx_3_2gf(num_classes: int = 1000) -> RegNet:
    return RegNet(X_3_2GF, num_classes=num_classes)


@register(_spec(
    "regnety_3_2gf", "RegNetY-3.2GF",
    Figure(19_436_338, f"{TORCHVISION} (the paper's widths; timm's regnety_032 agrees)", "VS"),
    _tv_macs(3.176),
    (Accuracy(78.948, 94.576, centre_crop(), _TV_V1, "VS"), _pycls_accuracy(21.0)),
))
def regnety_3_2gf(num_classes: int = 1000) -> RegNet:
    return RegNet(Y_3_2GF, num_classes=num_classes)
