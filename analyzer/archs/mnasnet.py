"""MnasNet (Tan et al., 2018): a mobile network found by a search that measured latency on a phone.

Registers the paper's searched MnasNet-A1 (Figure 7(a)): a 3x3 conv, a depthwise-separable conv, and
six stages of inverted-residual blocks ("MBConv") whose kernel, expansion, depth and squeeze-and-
excitation the search chose stage by stage, then a 1x1 conv to 1280 channels, pooling and a classifier.
Beside it, torchvision's `mnasnet1_0`, which is the paper's MnasNet-B1: the same skeleton searched
without squeeze-and-excitation, with other kernels, expansions and depths.

The squeeze width of A1's SE is a quarter of the block's input channels, as in the authors' TF code
(`int(input_filters * 0.25)`), not of the expanded channels as in MobileNetV3. The stem and the head
around the searched stages have MobileNetV2's widths (Figure 7(a)).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from torch import nn

from analyzer.archs.layers import ConvNormActivation, InvertedResidual, pooled_classifier
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register


class Stage(NamedTuple):
    """One row of a searched network: `repeats` blocks, the first of them at `stride`."""

    expansion: int
    kernel_size: int
    out_channels: int
    repeats: int
    stride: int
    squeeze_excitation: bool


# Figure 7(a): a 32-channel stem and a 1280-channel head, as in MobileNetV2.
STEM_CHANNELS = 32
LAST_CHANNELS = 1280
# Figure 7(a): SepConv k3 x1 (expansion 1), then MBConv6 k3 x2, MBConv3 k5 SE x3, MBConv6 k3 x4,
# MBConv6 k3 SE x2, MBConv6 k5 SE x3, MBConv6 k3 x1.
A1_STAGES = [Stage(1, 3, 16, 1, 1, False), Stage(6, 3, 24, 2, 2, False), Stage(3, 5, 40, 3, 2, True),
             Stage(6, 3, 80, 4, 2, False), Stage(6, 3, 112, 2, 1, True), Stage(6, 5, 160, 3, 2, True),
             Stage(6, 3, 320, 1, 1, False)]
# torchvision's mnasnet1_0 (the paper's B1), stacks of (out, kernel, stride, expansion, repeats).
B1_STAGES = [Stage(1, 3, 16, 1, 1, False), Stage(3, 3, 24, 3, 2, False), Stage(3, 5, 40, 3, 2, False),
             Stage(6, 5, 80, 3, 2, False), Stage(6, 3, 96, 2, 1, False), Stage(6, 5, 192, 4, 2, False),
             Stage(6, 3, 320, 1, 1, False)]


class MnasNet(nn.Module):
    def __init__(self, stages: list[Stage], num_classes: int = 1000, dropout: float = 0.2) -> None:
        super().__init__()
        channels = STEM_CHANNELS
        layers: OrderedDict[str, nn.Module] = OrderedDict(conv1=ConvNormActivation(3, channels, 3, stride=2))
        for row, stage in enumerate(stages, start=1):
            for index in range(stage.repeats):
                se_channels = int(channels * 0.25) if stage.squeeze_excitation else None
                # An expansion-1 block has no expand conv: the paper's depthwise-separable "SepConv".
                layers[f"stage{row}_{index + 1}"] = InvertedResidual(
                    channels, stage.out_channels, channels * stage.expansion, stage.kernel_size,
                    stage.stride if index == 0 else 1, nn.ReLU, se_channels)
                channels = stage.out_channels
        layers["conv_last"] = ConvNormActivation(channels, LAST_CHANNELS, 1)
        self.features = nn.Sequential(layers)
        self.classifier = pooled_classifier(LAST_CHANNELS, num_classes, dropout)

    def forward(self, x):
        return self.classifier(self.features(x))


_PAPER = {
    "family": "MnasNet",
    "year": 2018,
    "authors": ("Mingxing Tan", "Bo Chen", "Ruoming Pang", "Vijay Vasudevan", "Mark Sandler", "Andrew Howard",
                "Quoc V. Le"),
    "title": "MnasNet: Platform-Aware Neural Architecture Search for Mobile",
    "paper": "arXiv:1807.11626",
    "input_shape": (3, 224, 224),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_SECTION_6_1 = "Tan et al. 2018, Section 6.1"
_OPTIONS = {"dropout": "dropout before the classifier, 0.2 as in torchvision"}


@register(ArchSpec(
    name="mnasnet_a1",
    display_name="MnasNet-A1",
    predecessors=("mobilenet_v2",),
    ideas=("architecture-search", "inverted-residual", "squeeze-excitation"),
    # The paper prints 3.9M; timm's semnasnet_100 and pytorchcv's mnasnet_a1 build Figure 7(a) exactly.
    params=Figure(3_887_038, "timm 1.0.31 semnasnet_100, instantiated", "CH"),
    # Printed as "312M" in Section 6.1; MobileNetV3's Table 3 lists the same network at 315 M.
    macs=Figure(312e6, _SECTION_6_1, "V2", 0.5e6 / 312e6, "printed to the nearest million"),
    accuracy=(Accuracy(75.2, 92.5, "ImageNet top-1/top-5 at 224 as printed in the paper (single crop)",
                       f"{_SECTION_6_1} (top-1 75.2 also in Howard et al. 2019, Table 3)", "V2"),),
    options=_OPTIONS,
    **_PAPER,
))
def mnasnet_a1(num_classes: int = 1000, dropout: float = 0.2) -> MnasNet:
    return MnasNet(A1_STAGES, num_classes, dropout)


@register(ArchSpec(
    name="mnasnet_b1",
    display_name="MnasNet-B1 1.0 (torchvision)",
    predecessors=("mnasnet_a1", "mobilenet_v2"),
    ideas=("architecture-search", "inverted-residual"),
    params=Figure(4_383_312, TORCHVISION, "VS"),
    macs=Figure(0.314e9, TORCHVISION_OPS, "VS", 0.0005e9 / 0.314e9, TORCHVISION_OPS_WHY),
    accuracy=(Accuracy(73.456, 91.51, centre_crop(), f"{TORCHVISION} IMAGENET1K_V1", "VS"),),
    variant_of="mnasnet_a1",
    differences=("torchvision's mnasnet1_0, the paper's B1 network: searched without squeeze-and-excitation; "
                 "stages of expansion 3, 3, 6, 6, 6, 6 with kernels 3, 5, 5, 3, 5, 3, depths 3, 3, 3, 2, 4, 1 "
                 "and widths 24, 40, 80, 96, 192, 320."),
    options=_OPTIONS,
    **_PAPER,
))
def mnasnet_b1(num_classes: int = 1000, dropout: float = 0.2) -> MnasNet:
    return MnasNet(B1_STAGES, num_classes, dropout)
