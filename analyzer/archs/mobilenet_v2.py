"""MobileNetV2 (Sandler et al., 2018): inverted residuals with linear bottlenecks.

Registers the paper's 1.0 MobileNetV2-224 (Table 2): a full 3x3 conv, seven rows of inverted-residual
bottlenecks given as (expansion t, output channels c, repeats n, first stride s), 17 blocks in all, a
1x1 conv to 1280 channels, global average pooling and a classifier. The text speaks of "19 residual
bottleneck layers"; the table sums to 17, which is what the authors' TF-slim model and torchvision
build, so torchvision's layout is the paper's and no variant is needed.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from analyzer.archs.layers import ConvNormActivation, InvertedResidual, make_divisible, pooled_classifier
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

# Table 2's bottleneck rows: (expansion t, output channels c, repeats n, stride of the first repeat s).
BOTTLENECKS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
               (6, 320, 1, 1)]
STEM_CHANNELS = 32
LAST_CHANNELS = 1280


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int = 1000, width_multiplier: float = 1.0, dropout: float = 0.2) -> None:
        super().__init__()
        channels = make_divisible(STEM_CHANNELS * width_multiplier)
        # Section 4: a multiplier below one thins every layer but the last convolution.
        last_channels = make_divisible(LAST_CHANNELS * max(1.0, width_multiplier))
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            conv1=ConvNormActivation(3, channels, 3, stride=2, activation=nn.ReLU6))
        for row, (expansion, width, repeats, stride) in enumerate(BOTTLENECKS, start=1):
            out_channels = make_divisible(width * width_multiplier)
            for index in range(repeats):
                layers[f"bottleneck{row}_{index + 1}"] = InvertedResidual(
                    channels, out_channels, channels * expansion, 3, stride if index == 0 else 1, nn.ReLU6)
                channels = out_channels
        layers["conv_last"] = ConvNormActivation(channels, last_channels, 1, activation=nn.ReLU6)
        self.features = nn.Sequential(layers)
        self.classifier = pooled_classifier(last_channels, num_classes, dropout)

    def forward(self, x):
        return self.classifier(self.features(x))


_PAPER_T4 = "Sandler et al. 2018, Table 4"


@register(ArchSpec(
    name="mobilenet_v2",
    display_name="MobileNetV2 (1.0, 224)",
    predecessors=("mobilenet_v1",),
    family="MobileNet",
    year=2018,
    authors=("Mark Sandler", "Andrew Howard", "Menglong Zhu", "Andrey Zhmoginov", "Liang-Chieh Chen"),
    title="MobileNetV2: Inverted Residuals and Linear Bottlenecks",
    paper="arXiv:1801.04381",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("inverted-residual", "linear-bottleneck"),
    # The paper prints 3.4M and TF-slim 3.47M; torchvision builds Table 2 exactly, BN affine included.
    params=Figure(3_504_872, TORCHVISION, "VS"),
    # The paper's 300 M (Table 4) is 0.3% below this count: tests/test_mobilenet_v2.py checks both.
    macs=Figure(0.301e9, TORCHVISION_OPS, "VS", 0.0005e9 / 0.301e9, TORCHVISION_OPS_WHY),
    accuracy=(
        Accuracy(71.878, 90.286, centre_crop(), f"{TORCHVISION} IMAGENET1K_V1", "VS"),
        Accuracy(72.154, 90.822, f"{centre_crop(224, 232)}; torchvision's newer training recipe",
                 f"{TORCHVISION} IMAGENET1K_V2", "VS"),
        Accuracy(72.0, None, "ImageNet top-1 at 224 as printed in the paper (crop not stated; no top-5)",
                 _PAPER_T4, "VS"),
    ),
    options={"width_multiplier": "thins every layer but the last 1x1 conv, channels rounded to multiples of 8 "
                                 "(the paper's settings run from 0.35 to 1.4)",
             "dropout": "dropout before the classifier, 0.2 as in torchvision"},
))
def mobilenet_v2(num_classes: int = 1000, width_multiplier: float = 1.0, dropout: float = 0.2) -> MobileNetV2:
    return MobileNetV2(num_classes, width_multiplier, dropout)
