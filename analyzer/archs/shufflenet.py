"""ShuffleNet v1 (Zhang, Zhou, Lin and Sun, 2017) and v2 (Ma, Zhang, Zheng and Sun, 2018).

Both interleave channels across groups with the same channel shuffle. v1 (Table 1, 1x, g = 3) makes
the 1x1 convolutions of a ResNet-style bottleneck grouped, and shuffles between the first of them and
the depthwise 3x3 so that the second grouped 1x1 sees every group; the first pointwise convolution
of stage 2 is not grouped (24 input channels are too few to split), and a strided unit concatenates
a 3x3 average-pooled shortcut instead of adding it. v2 (Table 5) follows its own four guidelines:
a unit splits its channels in two, keeps one half as is, runs the other through 1x1, depthwise 3x3
and 1x1 convolutions of equal width, concatenates, and shuffles the two halves together. torchvision's
v2 is the paper's layout.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from analyzer.archs.layers import ConvNormActivation, pooled_classifier
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Section 3.1 of v1: reshape the channels to (groups, n), transpose to (n, groups), flatten.

    Output channel i * groups + j is input channel j * n + i, so every run of `groups` consecutive
    output channels holds one channel of each input group. Written with view, transpose and
    reshape (a copy, since the transposed tensor is not contiguous): no arithmetic, only memory.
    """
    batch, channels, height, width = x.shape
    x = x.view(batch, groups, channels // groups, height, width).transpose(1, 2)
    return x.reshape(batch, channels, height, width)


def _stem(out_channels: int) -> OrderedDict[str, nn.Module]:
    """Both versions: a 3x3 convolution with stride 2 to 24 channels, then a 3x3 max pool, stride 2."""
    return OrderedDict(
        conv1=ConvNormActivation(3, out_channels, 3, stride=2),
        maxpool=nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )


# --- ShuffleNet v1 ---------------------------------------------------------------------------------

class ShuffleUnitV1(nn.Module):
    """Fig. 2 (b) and (c): grouped 1x1, shuffle, depthwise 3x3, grouped 1x1, joined to the shortcut.

    The bottleneck has a quarter of the unit's output channels. With stride 2 the shortcut is a 3x3
    average pool and is concatenated, so the branch makes only the channels the input lacks. No ReLU
    follows the depthwise convolution; one follows the join.
    """

    def __init__(self, in_channels: int, out_channels: int, groups: int, stride: int,
                 group_first: bool = True) -> None:
        super().__init__()
        bottleneck = out_channels // 4
        first_groups = groups if group_first else 1
        self.groups = groups
        self.stride = stride
        self.reduce = ConvNormActivation(in_channels, bottleneck, 1, groups=first_groups)
        self.depthwise = ConvNormActivation(bottleneck, bottleneck, 3, stride, groups=bottleneck, activation=None)
        branch_out = out_channels - in_channels if stride == 2 else out_channels
        self.expand = ConvNormActivation(bottleneck, branch_out, 1, groups=groups, activation=None)
        self.shortcut = nn.AvgPool2d(kernel_size=3, stride=2, padding=1) if stride == 2 else None
        self.relu = nn.ReLU(inplace=True)
        self.out_channels = out_channels

    def forward(self, x):
        out = channel_shuffle(self.reduce(x), self.groups)
        out = self.expand(self.depthwise(out))
        if self.shortcut is None:
            return self.relu(out + x)
        return self.relu(torch.cat([self.shortcut(x), out], 1))


# Table 1: output channels of stages 2, 3 and 4 for each number of groups, at 1x.
V1_STAGE_CHANNELS = {1: (144, 288, 576), 2: (200, 400, 800), 3: (240, 480, 960), 4: (272, 544, 1088),
                     8: (384, 768, 1536)}
# Units per stage, the first of each with stride 2.
V1_REPEATS = (4, 8, 4)


class ShuffleNetV1(nn.Module):
    def __init__(self, groups: int = 3, num_classes: int = 1000) -> None:
        super().__init__()
        channels = 24
        layers = _stem(channels)
        for stage, (width, repeats) in enumerate(zip(V1_STAGE_CHANNELS[groups], V1_REPEATS), start=2):
            units = []
            for index in range(repeats):
                units.append(ShuffleUnitV1(channels, width, groups, 2 if index == 0 else 1,
                                           group_first=not (stage == 2 and index == 0)))
                channels = width
            layers[f"stage{stage}"] = nn.Sequential(*units)
        self.features = nn.Sequential(layers)
        self.classifier = pooled_classifier(channels, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


@register(ArchSpec(
    name="shufflenet_v1",
    display_name="ShuffleNet v1 (1x, g=3)",
    predecessors=("mobilenet_v1", "resnext50_32x4d"),
    family="ShuffleNet",
    year=2017,
    authors=("Xiangyu Zhang", "Xinyu Zhou", "Mengxiao Lin", "Jian Sun"),
    title="ShuffleNet: An Extremely Efficient Convolutional Neural Network for Mobile Devices",
    paper="arXiv:1707.01083",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("channel-shuffle", "grouped-conv"),
    # The paper prints no parameter count; SENet's Table 3 rounds it to 1.8 M, megvii's README to 1.9 M.
    params=Figure(1_865_728, "pytorchcv 0.0.74 shufflenet_g3_w1, instantiated", "CH"),
    macs=Figure(137e6, "Zhang et al. 2017, Table 1 (complexity of the 1x, g = 3 network)", "V2", 0.5e6 / 137e6,
                "printed to the nearest million; SENet's Table 3 prints 140 M, megvii's README 138 M"),
    accuracy=(
        Accuracy(67.4, None, "single centre crop 224 of a 256 resize, ImageNet-1k val (top-1 error 32.6; "
                 "no top-5 printed)", "Zhang et al. 2017, Table 2", "V2"),
        Accuracy(67.8, 87.7, "ImageNet-1k val (the authors' PyTorch retraining)",
                 "megvii-model/ShuffleNet-Series ShuffleNetV1/README.md", "VS"),
    ),
    options={"groups": "g of Table 1: groups of the pointwise convolutions (1, 2, 3, 4 or 8)"},
))
def shufflenet_v1(num_classes: int = 1000, groups: int = 3) -> ShuffleNetV1:
    return ShuffleNetV1(groups, num_classes)


# --- ShuffleNet v2 ---------------------------------------------------------------------------------

class ShuffleUnitV2(nn.Module):
    """Fig. 3 (c) and (d): channel split (or, with stride 2, two branches of the whole input), concat, shuffle.

    The right branch is 1x1-BN-ReLU, depthwise 3x3-BN, 1x1-BN-ReLU, all at the half width (G1: equal
    widths); its 1x1 convolutions are not grouped (G2). With stride 2 the left branch is a strided
    depthwise 3x3 and a 1x1, and the concatenation doubles the channels. The concat replaces the
    residual add and the ReLU moves into the branch (G4: fewer element-wise operations).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        half = out_channels // 2
        self.stride = stride
        self.left = None
        if stride == 2:
            self.left = nn.Sequential(
                ConvNormActivation(in_channels, in_channels, 3, stride, groups=in_channels, activation=None),
                ConvNormActivation(in_channels, half, 1),
            )
        self.right = nn.Sequential(
            ConvNormActivation(in_channels if stride == 2 else half, half, 1),
            ConvNormActivation(half, half, 3, stride, groups=half, activation=None),
            ConvNormActivation(half, half, 1),
        )
        self.out_channels = out_channels

    def forward(self, x):
        if self.left is None:
            kept, x = x.chunk(2, dim=1)
        else:
            kept = self.left(x)
        return channel_shuffle(torch.cat([kept, self.right(x)], 1), 2)


# Table 5: output channels of stages 2, 3, 4 and of conv5 for each width multiplier.
V2_CHANNELS = {0.5: (48, 96, 192, 1024), 1.0: (116, 232, 464, 1024), 1.5: (176, 352, 704, 1024),
               2.0: (244, 488, 976, 2048)}
V2_REPEATS = (4, 8, 4)


class ShuffleNetV2(nn.Module):
    def __init__(self, width_multiplier: float = 1.0, num_classes: int = 1000) -> None:
        super().__init__()
        *stage_channels, final_channels = V2_CHANNELS[width_multiplier]
        channels = 24
        layers = _stem(channels)
        for stage, (width, repeats) in enumerate(zip(stage_channels, V2_REPEATS), start=2):
            units = [ShuffleUnitV2(channels if index == 0 else width, width, 2 if index == 0 else 1)
                     for index in range(repeats)]
            layers[f"stage{stage}"] = nn.Sequential(*units)
            channels = width
        layers["conv5"] = ConvNormActivation(channels, final_channels, 1)
        self.features = nn.Sequential(layers)
        self.classifier = pooled_classifier(final_channels, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


_V2_PAPER = {
    "family": "ShuffleNet",
    "year": 2018,
    "authors": ("Ningning Ma", "Xiangyu Zhang", "Hai-Tao Zheng", "Jian Sun"),
    "title": "ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design",
    "paper": "arXiv:1807.11164",
    "input_shape": (3, 224, 224),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_V2_PARAMS = {0.5: 1_366_792, 1.0: 2_278_604, 1.5: 3_503_624, 2.0: 7_393_996}
_V2_OPS = {0.5: 0.04e9, 1.0: 0.145e9, 1.5: 0.296e9, 2.0: 0.583e9}
# torchvision acc@1 / acc@5, its eval resize, and the authors' released models' top-1 / top-5 errors.
_V2_TV = {0.5: (60.552, 81.746, 256), 1.0: (69.362, 88.316, 256), 1.5: (72.996, 91.086, 232),
          2.0: (76.23, 93.006, 232)}
_V2_MEGVII = {0.5: (38.9, 17.4), 1.0: (30.6, 11.1), 1.5: (27.4, 9.4), 2.0: (25.0, 7.6)}
_V2_SUFFIX = {0.5: "x0_5", 1.0: "x1_0", 1.5: "x1_5", 2.0: "x2_0"}
_MEGVII_V2 = "megvii-model/ShuffleNet-Series ShuffleNetV2/README.md (the authors' released models)"


def _v2_accuracy(width: float) -> tuple[Accuracy, ...]:
    top1, top5, resize = _V2_TV[width]
    err1, err5 = _V2_MEGVII[width]
    found = [
        Accuracy(top1, top5, centre_crop(224, resize), f"{TORCHVISION} IMAGENET1K_V1", "VS"),
        Accuracy(round(100 - err1, 2), round(100 - err5, 2), "ImageNet-1k val", _MEGVII_V2, "VS"),
    ]
    if width == 2.0:
        found.append(Accuracy(74.9, None, "ImageNet-1k val, crop as in Section 4 (top-1 error 25.1; no top-5 "
                              "in the text)", "Ma et al. 2018, Section 4", "V2"))
    return tuple(found)


def _v2_spec(width: float) -> ArchSpec:
    variant = width != 1.0
    channels = V2_CHANNELS[width]
    return ArchSpec(
        name=f"shufflenet_v2_{_V2_SUFFIX[width]}",
        display_name=f"ShuffleNet v2 {width:g}x",
        ideas=() if variant else ("practical-guidelines", "channel-shuffle"),
        predecessors=("shufflenet_v2_x1_0",) if variant else ("shufflenet_v1", "mobilenet_v2"),
        params=Figure(_V2_PARAMS[width], TORCHVISION, "VS"),
        # Table 5 prints 41 / 146 / 299 / 591 M, 0.5 to 7.7 M above the conv-and-linear count (0.8-1.3%).
        # No one term explains it (batch norm, ReLU and pooling grow with width far more slowly than
        # the gap does), so the cause is not established and torchvision's figure is the oracle.
        macs=Figure(_V2_OPS[width], TORCHVISION_OPS, "VS", 0.0005e9 / _V2_OPS[width], TORCHVISION_OPS_WHY),
        accuracy=_v2_accuracy(width),
        variant_of="shufflenet_v2_x1_0" if variant else None,
        differences=(f"width multiplier {width:g}: stage channels {channels[0]}/{channels[1]}/{channels[2]} and "
                     f"conv5 {channels[3]}, against 116/232/464 and 1024 at 1x" if variant else ""),
        **_V2_PAPER,
    )


@register(_v2_spec(1.0))
def shufflenet_v2_x1_0(num_classes: int = 1000) -> ShuffleNetV2:
    return ShuffleNetV2(1.0, num_classes)


@register(_v2_spec(0.5))
def shufflenet_v2_x0_5(num_classes: int = 1000) -> ShuffleNetV2:
    return ShuffleNetV2(0.5, num_classes)


@register(_v2_spec(1.5))
def shufflenet_v2_x1_5(num_classes: int = 1000) -> ShuffleNetV2:
    return ShuffleNetV2(1.5, num_classes)


@register(_v2_spec(2.0))
def shufflenet_v2_x2_0(num_classes: int = 1000) -> ShuffleNetV2:
    return ShuffleNetV2(2.0, num_classes)
