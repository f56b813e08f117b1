"""DenseNet (Huang, Liu, van der Maaten and Weinberger, 2016): every layer reads all earlier ones.

Registers the paper's ImageNet DenseNet-BC-121 (Table 1), with 169 and 201 as variants that differ
only in their block sizes. BC means bottleneck and compression: each dense layer is BN-ReLU-1x1 conv
to 4k channels, then BN-ReLU-3x3 conv to k = 32 new channels, concatenated to everything the block
has produced so far; each transition halves the channels (theta = 0.5) with a BN-ReLU-1x1 conv and
halves the grid with a 2x2 average pool. torchvision's layout is the paper's (and the authors'
Torch models'), so its exact counts are this network's.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from analyzer.archs.layers import pooled_classifier
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

GROWTH_RATE = 32
# The 1x1 bottleneck of a dense layer has this many times the growth rate in channels (Section 3).
BOTTLENECK_FACTOR = 4
COMPRESSION = 0.5
BLOCK_SIZES = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32)}


def norm_relu_conv(in_channels: int, out_channels: int, kernel_size: int) -> nn.Sequential:
    """The pre-activation composite of Section 3: BN, ReLU, then the convolution (no bias)."""
    return nn.Sequential(OrderedDict(
        norm=nn.BatchNorm2d(in_channels),
        relu=nn.ReLU(inplace=True),
        conv=nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False),
    ))


class DenseLayer(nn.Module):
    """BN-ReLU-1x1 to 4k channels, BN-ReLU-3x3 to k; its k maps are appended to its input."""

    def __init__(self, in_channels: int, growth_rate: int) -> None:
        super().__init__()
        self.bottleneck = norm_relu_conv(in_channels, BOTTLENECK_FACTOR * growth_rate, 1)
        self.conv = norm_relu_conv(BOTTLENECK_FACTOR * growth_rate, growth_rate, 3)
        self.out_channels = in_channels + growth_rate

    def forward(self, x):
        return torch.cat([x, self.conv(self.bottleneck(x))], 1)


class DenseBlock(nn.Module):
    """`layers` dense layers: the l-th sees the block's input and the maps of all l-1 before it."""

    def __init__(self, in_channels: int, layers: int, growth_rate: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(DenseLayer(in_channels, growth_rate))
            in_channels = self.layers[-1].out_channels
        self.out_channels = in_channels

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


class Transition(nn.Sequential):
    """BN-ReLU-1x1 conv keeping `compression` of the channels, then a 2x2 average pool, stride 2."""

    def __init__(self, in_channels: int, compression: float = COMPRESSION) -> None:
        self.out_channels = int(in_channels * compression)
        super().__init__(OrderedDict(
            reduce=norm_relu_conv(in_channels, self.out_channels, 1),
            pool=nn.AvgPool2d(kernel_size=2, stride=2),
        ))


class DenseNet(nn.Module):
    def __init__(self, block_sizes: tuple[int, ...], growth_rate: int = GROWTH_RATE,
                 num_classes: int = 1000) -> None:
        super().__init__()
        # The ImageNet stem has 2k channels: a 7x7 convolution with stride 2 and a 3x3 max pool.
        channels = 2 * growth_rate
        stages: OrderedDict[str, nn.Module] = OrderedDict(
            conv=nn.Conv2d(3, channels, kernel_size=7, stride=2, padding=3, bias=False),
            norm=nn.BatchNorm2d(channels),
            relu=nn.ReLU(inplace=True),
            pool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        for index, layers in enumerate(block_sizes, start=1):
            block = DenseBlock(channels, layers, growth_rate)
            stages[f"denseblock{index}"] = block
            channels = block.out_channels
            if index < len(block_sizes):
                transition = Transition(channels)
                stages[f"transition{index}"] = transition
                channels = transition.out_channels
        # The last block's output is still pre-activation: one more BN and ReLU before pooling.
        stages["norm_final"] = nn.BatchNorm2d(channels)
        stages["relu_final"] = nn.ReLU(inplace=True)
        self.features = nn.Sequential(stages)
        self.classifier = pooled_classifier(channels, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


_PAPER = {
    "family": "DenseNet",
    "year": 2016,
    "authors": ("Gao Huang", "Zhuang Liu", "Laurens van der Maaten", "Kilian Q. Weinberger"),
    "title": "Densely Connected Convolutional Networks",
    "paper": "arXiv:1608.06993",
    "input_shape": (3, 224, 224),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_PARAMS = {121: 7_978_856, 169: 14_149_480, 201: 20_013_928}
_OPS = {121: 2.834e9, 169: 3.36e9, 201: 4.291e9}
# (top-1 error, top-5 error) of Table 3, single-crop and 10-crop.
_PAPER_ERRORS = {121: ((25.02, 7.71), (23.61, 6.66)), 169: ((23.80, 6.85), (22.08, 5.92)),
                 201: ((22.58, 6.34), (21.46, 5.54))}
_TV_ACCURACY = {121: (74.434, 91.972), 169: (75.6, 92.806), 201: (76.896, 93.37)}
_PAPER_T3 = "Huang et al. 2016, Table 3 (the authors' Torch models)"
_SINGLE_CROP = "single centre crop 224, ImageNet-1k val"
_TEN_CROP = "10-crop testing (224 crops), ImageNet-1k val"


def _accuracy(depth: int) -> tuple[Accuracy, ...]:
    top1, top5 = _TV_ACCURACY[depth]
    (single1, single5), (ten1, ten5) = _PAPER_ERRORS[depth]
    return (
        Accuracy(top1, top5, centre_crop(), f"{TORCHVISION} IMAGENET1K_V1 (ported from the authors' LuaTorch "
                 "models)", "VS"),
        Accuracy(round(100 - single1, 2), round(100 - single5, 2), _SINGLE_CROP, _PAPER_T3, "VS"),
        Accuracy(round(100 - ten1, 2), round(100 - ten5, 2), _TEN_CROP, _PAPER_T3, "VS"),
    )


def _spec(depth: int) -> ArchSpec:
    variant = depth != 121
    return ArchSpec(
        name=f"densenet{depth}",
        display_name=f"DenseNet-{depth}",
        ideas=() if variant else ("dense-connectivity",),
        # Each deeper DenseNet is the previous one with longer blocks; DenseNet-121 answers ResNet-50.
        predecessors={121: ("resnet50",), 169: ("densenet121",), 201: ("densenet169", "densenet121")}[depth],
        # The paper prints no exact counts (only "20M" for DenseNet-201, Section 4.4); torchvision's
        # models are the paper's layout, so its counts are exact oracles.
        params=Figure(_PARAMS[depth], TORCHVISION, "VS"),
        macs=Figure(_OPS[depth], TORCHVISION_OPS, "VS", 0.0005e9 / _OPS[depth], TORCHVISION_OPS_WHY),
        accuracy=_accuracy(depth),
        variant_of="densenet121" if variant else None,
        differences=(f"dense blocks of {', '.join(map(str, BLOCK_SIZES[depth]))} layers instead of "
                     f"DenseNet-121's {', '.join(map(str, BLOCK_SIZES[121]))}; same growth rate, bottleneck "
                     "and compression" if variant else ""),
        options={"growth_rate": "k of Section 3: new channels per dense layer (32 for the ImageNet models)"},
        **_PAPER,
    )


@register(_spec(121))
def densenet121(num_classes: int = 1000, growth_rate: int = GROWTH_RATE) -> DenseNet:
    return DenseNet(BLOCK_SIZES[121], growth_rate, num_classes)


@register(_spec(169))
def densenet169(num_classes: int = 1000, growth_rate: int = GROWTH_RATE) -> DenseNet:
    return DenseNet(BLOCK_SIZES[169], growth_rate, num_classes)


@register(_spec(201))
def densenet201(num_classes: int = 1000, growth_rate: int = GROWTH_RATE) -> DenseNet:
    return DenseNet(BLOCK_SIZES[201], growth_rate, num_classes)
