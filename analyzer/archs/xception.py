"""Xception (Chollet, 2016): Inception modules taken to the limit as depthwise separable convolutions.

Registers xception, the ImageNet network of the paper's Figure 5: an entry flow, a middle flow of
eight identical modules and an exit flow, 36 convolution layers in 14 modules, all but the first and
last wrapped in linear residual connections. Every convolution and separable convolution is followed
by batch norm, and a separable convolution is a 3x3 depthwise convolution then a 1x1 pointwise one
with no non-linearity between them.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from analyzer.archs.layers import pooled_classifier
from analyzer.archs.sources import TIMM_MACS, TIMM_MACS_WHY
from analyzer.registry import Accuracy, ArchSpec, Figure, register


class SeparableConv2d(nn.Sequential):
    """A 3x3 depthwise convolution followed by a 1x1 pointwise one; the paper's SeparableConv."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(OrderedDict(
            # Depth multiplier 1: one 3x3 filter per input channel, no depth expansion.
            depthwise=nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=in_channels, bias=False),
            pointwise=nn.Conv2d(in_channels, out_channels, 1, bias=False),
        ))


class XceptionModule(nn.Module):
    """ReLU-SeparableConv-BN layers, max-pooled when strided, plus a linear residual connection."""

    def __init__(self, in_channels: int, widths: list[int], stride: int = 1,
                 relu_first: bool = True) -> None:
        super().__init__()
        layers: list[tuple[str, nn.Module]] = []
        channels = in_channels
        for i, width in enumerate(widths, 1):
            # The first module follows a ReLU already; the others start with one applied only on
            # the residual path, so the shortcut carries the sum before it.
            if i > 1 or relu_first:
                layers.append((f"relu{i}", nn.ReLU()))
            layers += [(f"sepconv{i}", SeparableConv2d(channels, width)), (f"bn{i}", nn.BatchNorm2d(width))]
            channels = width
        if stride > 1:
            layers.append(("pool", nn.MaxPool2d(3, stride, padding=1)))
        self.residual = nn.Sequential(OrderedDict(layers))
        if stride > 1 or channels != in_channels:
            self.shortcut: nn.Module = nn.Sequential(OrderedDict(
                conv=nn.Conv2d(in_channels, channels, 1, stride=stride, bias=False),
                bn=nn.BatchNorm2d(channels),
            ))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        return self.residual(x) + self.shortcut(x)


def conv_bn_relu(conv: nn.Module, channels: int, i: int) -> list[tuple[str, nn.Module]]:
    return [(f"conv{i}", conv), (f"bn{i}", nn.BatchNorm2d(channels)), (f"relu{i}", nn.ReLU(inplace=True))]


class Xception(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.entry_flow = nn.Sequential(OrderedDict(
            module1=nn.Sequential(OrderedDict(
                conv_bn_relu(nn.Conv2d(3, 32, 3, stride=2, bias=False), 32, 1)
                + conv_bn_relu(nn.Conv2d(32, 64, 3, bias=False), 64, 2)
            )),
            module2=XceptionModule(64, [128, 128], stride=2, relu_first=False),
            module3=XceptionModule(128, [256, 256], stride=2),
            module4=XceptionModule(256, [728, 728], stride=2),
        ))
        self.middle_flow = nn.Sequential(OrderedDict(
            (f"module{i}", XceptionModule(728, [728, 728, 728])) for i in range(5, 13)
        ))
        self.exit_flow = nn.Sequential(OrderedDict(
            module13=XceptionModule(728, [728, 1024], stride=2),
            module14=nn.Sequential(OrderedDict(
                conv_bn_relu(SeparableConv2d(1024, 1536), 1536, 1)
                + conv_bn_relu(SeparableConv2d(1536, 2048), 2048, 2)
            )),
        ))
        # The paper's ImageNet models leave out Figure 5's optional fully connected layers.
        self.classifier = pooled_classifier(2048, num_classes)

    def forward(self, x):
        return self.classifier(self.exit_flow(self.middle_flow(self.entry_flow(x))))


@register(ArchSpec(
    name="xception",
    display_name="Xception",
    predecessors=("inception_v3", "resnet50"),
    family="Xception",
    year=2016,
    authors=("François Chollet",),
    title="Xception: Deep Learning with Depthwise Separable Convolutions",
    paper="arXiv:1610.02357",
    input_shape=(3, 299, 299),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("depthwise-separable",),
    params=Figure(22_855_952, "Chollet 2016, Table 3", "VS"),
    # Reproduced by adding two ops per batch-norm output element and one per global-pool input
    # (fvcore's charges) to the conv+linear count: 8.357 + 0.043 = 8.400 G.
    macs=Figure(8.40e9, f"{TIMM_MACS} (legacy_xception)", "VS", 0.006,
                f"{TIMM_MACS_WHY}; conv+linear alone is 0.51% lower"),
    accuracy=(
        Accuracy(79.0, 94.5, "single crop 299, single model, ImageNet-1k val",
                 "Chollet 2016, ImageNet results table", "VS"),
        Accuracy(79.058, 94.396, "single centre crop 299 (crop_pct 0.8975, bicubic), ImageNet-1k val",
                 "timm legacy_xception.tf_in1k results-imagenet.csv (Keras weights, ported)", "VS"),
    ),
))
def xception(num_classes: int = 1000) -> Xception:
    return Xception(num_classes)
