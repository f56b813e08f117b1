"""MobileNet v1 (Howard et al., 2017): depthwise-separable convolutions, thinned by a width multiplier.

Registers the paper's 1.0 MobileNet-224 (Table 1): a full 3x3 conv, 13 depthwise-separable blocks,
global average pooling and one fully connected layer. Table 1 marks the last depthwise conv stride 2,
yet gives its output as 7x7 like its input; it is stride 1 here, as in the authors' TF-slim model.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from analyzer.archs.layers import pooled_classifier
from analyzer.archs.sources import TIMM
from analyzer.registry import Accuracy, ArchSpec, Figure, register

# (pointwise output channels, depthwise stride) of the 13 depthwise-separable blocks of Table 1.
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
          (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1)]


def conv_bn_relu(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 groups: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding=kernel_size // 2, groups=groups,
                  bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


def depthwise_separable(in_channels: int, out_channels: int, stride: int) -> nn.Sequential:
    return nn.Sequential(OrderedDict(
        depthwise=conv_bn_relu(in_channels, in_channels, 3, stride, groups=in_channels),
        pointwise=conv_bn_relu(in_channels, out_channels, 1),
    ))


class MobileNetV1(nn.Module):
    def __init__(self, num_classes: int = 1000, width_multiplier: float = 1.0) -> None:
        super().__init__()
        channels = int(32 * width_multiplier)
        layers: OrderedDict[str, nn.Module] = OrderedDict(conv1=conv_bn_relu(3, channels, 3, stride=2))
        for index, (width, stride) in enumerate(BLOCKS, start=1):
            layers[f"separable{index}"] = depthwise_separable(channels, int(width * width_multiplier), stride)
            channels = int(width * width_multiplier)
        self.features = nn.Sequential(layers)
        self.classifier = pooled_classifier(channels, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


_SLIM = "TF-slim nets/mobilenet_v1.md (the authors' released MobileNet_v1_1.0_224 checkpoint)"
_PAPER_TABLES = "Howard et al. 2017, Tables 4, 6, 7 and 8"


@register(ArchSpec(
    name="mobilenet_v1",
    display_name="MobileNet v1 (1.0, 224)",
    predecessors=("xception", "vgg16", "googlenet"),
    family="MobileNet",
    year=2017,
    authors=("Andrew G. Howard", "Menglong Zhu", "Bo Chen", "Dmitry Kalenichenko", "Weijun Wang",
             "Tobias Weyand", "Marco Andreetto", "Hartwig Adam"),
    title="MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications",
    paper="arXiv:1704.04861",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("depthwise-separable", "width-multiplier"),
    # The paper prints 4.2 M; timm's mobilenetv1_100 has exactly this network, BN affine included.
    params=Figure(4_231_976, f"{TIMM} mobilenetv1_100, instantiated", "CH"),
    macs=Figure(569e6, _PAPER_TABLES, "VS", 0.5e6 / 569e6, "published to the nearest million"),
    accuracy=(
        Accuracy(70.9, 89.9, "single crop: central 87.5% of the image resized to 224 (TF-slim inception "
                 "preprocessing), ImageNet-1k val", _SLIM, "VS"),
        Accuracy(70.6, None, "ImageNet accuracy as printed in the paper (crop not stated; no top-5)",
                 _PAPER_TABLES, "VS"),
    ),
    options={"width_multiplier": "alpha of Section 3.3: every layer gets int(channels * alpha) channels "
                                 "(the paper's settings are 1, 0.75, 0.5 and 0.25)"},
))
def mobilenet_v1(num_classes: int = 1000, width_multiplier: float = 1.0) -> MobileNetV1:
    return MobileNetV1(num_classes, width_multiplier)
