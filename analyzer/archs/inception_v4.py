"""Inception-v4 and Inception-ResNet-v2 (Szegedy, Ioffe, Vanhoucke and Alemi, 2016).

Registers inception_v4 and inception_resnet_v2, built as in TF-slim, whose definitions the released
checkpoints (and timm's ports of them) use. Inception-v4 matches the paper's figures in kernels,
strides and widths; where they could differ only in the order of branches or of a 1xn/nx1 pair
(which changes no parameter or mult-add) TF-slim's order is kept. Inception-ResNet-v2 follows
TF-slim rather than the figures: its stem is TF-slim's (3x3 convs, 1x1 80, 3x3 192, then the
320-channel "Mixed_5b" Inception block) instead of Figure 3's, so the 35x35 Inception-ResNet-A blocks
carry 320 channels rather than 384, the 17x17 blocks 1088 rather than 1154 and the 8x8 blocks 2080
rather than 2048; the last Inception-ResNet-C block is neither scaled nor followed by a ReLU, and a
1x1 convolution to 1536 channels precedes the average pool. TF-slim's auxiliary classifier heads are
not built (timm's ports and the parameter counts leave them out too).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from analyzer.archs.sources import TIMM, TIMM_MACS, TIMM_MACS_WHY
from analyzer.registry import Accuracy, ArchSpec, Figure, register


class ConvBN(nn.Sequential):
    """Convolution, batch norm and ReLU: the unit every box of the paper's figures stands for."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int | tuple[int, int],
                 stride: int = 1, valid: bool = False) -> None:
        kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
        # The figures mark valid-padded convolutions "V"; every strided one is valid, the rest
        # keep their grid ("same" padding).
        padding = (0, 0) if valid or stride > 1 else (kh // 2, kw // 2)
        super().__init__(OrderedDict(
            conv=nn.Conv2d(in_channels, out_channels, (kh, kw), stride, padding, bias=False),
            bn=nn.BatchNorm2d(out_channels, eps=0.001),
            relu=nn.ReLU(inplace=True),
        ))


def tower(*layers: nn.Module) -> nn.Sequential:
    return nn.Sequential(*layers)


def max_pool() -> nn.MaxPool2d:
    return nn.MaxPool2d(3, stride=2)


def avg_pool() -> nn.AvgPool2d:
    # TF's "SAME" average pool divides by the number of real pixels under the window.
    return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)


class Concat(nn.Module):
    """Parallel branches on one input, concatenated along channels (the figures' Filter concat)."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        for i, branch in enumerate(branches):
            self.add_module(f"branch{i}", branch)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.children()], dim=1)


class ResidualInception(nn.Module):
    """An Inception-ResNet block: branches, a linear 1x1 up-projection, a scaled residual sum."""

    def __init__(self, branches: Concat, branch_channels: int, channels: int, scale: float,
                 activate: bool = True) -> None:
        super().__init__()
        self.branches = branches
        # "1x1 Conv (Linear)": no batch norm and no activation before the sum, so it keeps its bias.
        self.project = nn.Conv2d(branch_channels, channels, kernel_size=1)
        # The paper scales residuals down (by 0.1 to 0.3) to keep very wide residual Inceptions
        # trainable.
        self.scale = scale
        self.relu = nn.ReLU(inplace=True) if activate else nn.Identity()

    def forward(self, x):
        return self.relu(x + self.scale * self.project(self.branches(x)))


def inception_a() -> Concat:
    return Concat(
        ConvBN(384, 96, 1),
        tower(ConvBN(384, 64, 1), ConvBN(64, 96, 3)),
        tower(ConvBN(384, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3)),
        tower(avg_pool(), ConvBN(384, 96, 1)),
    )


def reduction_a(in_channels: int, k: int, l: int, m: int, n: int) -> Concat:  # noqa: E741 (the paper's names)
    # The paper's Table 1 gives k, l, m, n per network.
    return Concat(
        ConvBN(in_channels, n, 3, stride=2),
        tower(ConvBN(in_channels, k, 1), ConvBN(k, l, 3), ConvBN(l, m, 3, stride=2)),
        max_pool(),
    )


def inception_b() -> Concat:
    return Concat(
        ConvBN(1024, 384, 1),
        tower(ConvBN(1024, 192, 1), ConvBN(192, 224, (1, 7)), ConvBN(224, 256, (7, 1))),
        tower(ConvBN(1024, 192, 1), ConvBN(192, 192, (7, 1)), ConvBN(192, 224, (1, 7)),
              ConvBN(224, 224, (7, 1)), ConvBN(224, 256, (1, 7))),
        tower(avg_pool(), ConvBN(1024, 128, 1)),
    )


def reduction_b_v4() -> Concat:
    return Concat(
        tower(ConvBN(1024, 192, 1), ConvBN(192, 192, 3, stride=2)),
        tower(ConvBN(1024, 256, 1), ConvBN(256, 256, (1, 7)), ConvBN(256, 320, (7, 1)),
              ConvBN(320, 320, 3, stride=2)),
        max_pool(),
    )


def split_1x3_3x1(in_channels: int) -> Concat:
    return Concat(ConvBN(in_channels, 256, (1, 3)), ConvBN(in_channels, 256, (3, 1)))


def inception_c() -> Concat:
    return Concat(
        ConvBN(1536, 256, 1),
        tower(ConvBN(1536, 384, 1), split_1x3_3x1(384)),
        tower(ConvBN(1536, 384, 1), ConvBN(384, 448, (3, 1)), ConvBN(448, 512, (1, 3)),
              split_1x3_3x1(512)),
        tower(avg_pool(), ConvBN(1536, 256, 1)),
    )


def v4_stem() -> nn.Sequential:
    return nn.Sequential(OrderedDict(
        conv1=ConvBN(3, 32, 3, stride=2),
        conv2=ConvBN(32, 32, 3, valid=True),
        conv3=ConvBN(32, 64, 3),
        mixed3a=Concat(max_pool(), ConvBN(64, 96, 3, stride=2)),
        mixed4a=Concat(
            tower(ConvBN(160, 64, 1), ConvBN(64, 96, 3, valid=True)),
            tower(ConvBN(160, 64, 1), ConvBN(64, 64, (7, 1)), ConvBN(64, 64, (1, 7)),
                  ConvBN(64, 96, 3, valid=True)),
        ),
        mixed5a=Concat(ConvBN(192, 192, 3, stride=2), max_pool()),
    ))


def block35() -> ResidualInception:
    branches = Concat(
        ConvBN(320, 32, 1),
        tower(ConvBN(320, 32, 1), ConvBN(32, 32, 3)),
        tower(ConvBN(320, 32, 1), ConvBN(32, 48, 3), ConvBN(48, 64, 3)),
    )
    return ResidualInception(branches, 128, 320, scale=0.17)


def block17() -> ResidualInception:
    branches = Concat(
        ConvBN(1088, 192, 1),
        tower(ConvBN(1088, 128, 1), ConvBN(128, 160, (1, 7)), ConvBN(160, 192, (7, 1))),
    )
    return ResidualInception(branches, 384, 1088, scale=0.10)


def block8(scale: float = 0.20, activate: bool = True) -> ResidualInception:
    branches = Concat(
        ConvBN(2080, 192, 1),
        tower(ConvBN(2080, 192, 1), ConvBN(192, 224, (1, 3)), ConvBN(224, 256, (3, 1))),
    )
    return ResidualInception(branches, 448, 2080, scale, activate)


def reduction_b_resnet() -> Concat:
    return Concat(
        tower(ConvBN(1088, 256, 1), ConvBN(256, 384, 3, stride=2)),
        tower(ConvBN(1088, 256, 1), ConvBN(256, 288, 3, stride=2)),
        tower(ConvBN(1088, 256, 1), ConvBN(256, 288, 3), ConvBN(288, 320, 3, stride=2)),
        max_pool(),
    )


def resnet_v2_stem() -> nn.Sequential:
    return nn.Sequential(OrderedDict(
        conv1a=ConvBN(3, 32, 3, stride=2),
        conv2a=ConvBN(32, 32, 3, valid=True),
        conv2b=ConvBN(32, 64, 3),
        pool3a=max_pool(),
        conv3b=ConvBN(64, 80, 1),
        conv4a=ConvBN(80, 192, 3, valid=True),
        pool5a=max_pool(),
        mixed5b=Concat(
            ConvBN(192, 96, 1),
            tower(ConvBN(192, 48, 1), ConvBN(48, 64, 5)),
            tower(ConvBN(192, 64, 1), ConvBN(64, 96, 3), ConvBN(96, 96, 3)),
            tower(avg_pool(), ConvBN(192, 64, 1)),
        ),
    ))


def classifier(num_classes: int) -> list[tuple[str, nn.Module]]:
    # Figures 9 and 15: average pooling, dropout (keep 0.8), softmax layer.
    return [
        ("avgpool", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten()),
        ("dropout", nn.Dropout(0.2)),
        ("fc", nn.Linear(1536, num_classes)),
    ]


class InceptionV4(nn.Sequential):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__(OrderedDict([
            ("stem", v4_stem()),
            ("inception_a", nn.Sequential(*(inception_a() for _ in range(4)))),
            ("reduction_a", reduction_a(384, k=192, l=224, m=256, n=384)),
            ("inception_b", nn.Sequential(*(inception_b() for _ in range(7)))),
            ("reduction_b", reduction_b_v4()),
            ("inception_c", nn.Sequential(*(inception_c() for _ in range(3)))),
            *classifier(num_classes),
        ]))


class InceptionResNetV2(nn.Sequential):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__(OrderedDict([
            ("stem", resnet_v2_stem()),
            ("inception_resnet_a", nn.Sequential(*(block35() for _ in range(10)))),
            ("reduction_a", reduction_a(320, k=256, l=256, m=384, n=384)),
            ("inception_resnet_b", nn.Sequential(*(block17() for _ in range(20)))),
            ("reduction_b", reduction_b_resnet()),
            ("inception_resnet_c", nn.Sequential(*(block8() for _ in range(9)),
                                                 block8(scale=1.0, activate=False))),
            ("conv7b", ConvBN(2080, 1536, 1)),
            *classifier(num_classes),
        ]))


_PAPER = {
    "family": "Inception",
    "year": 2016,
    "authors": ("Christian Szegedy", "Sergey Ioffe", "Vincent Vanhoucke", "Alex Alemi"),
    "title": "Inception-v4, Inception-ResNet and the Impact of Residual Connections on Learning",
    "paper": "arXiv:1602.07261",
    "input_shape": (3, 299, 299),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_CH = f"{TIMM} instantiation (= osmr/imgclsmob README, VS)"
_SLIM = "TF-slim README model table (copies of the later README)"
_SLIM_CROP = "single crop 299, ILSVRC-2012 val"
# timm's benchmark figure also charges what fvcore charges beyond convolutions and the classifier:
# two ops per batch-norm output element and one per element entering the global pool. Adding those
# to the conv+linear count gives 12.284 G and 13.183 G, which round to the printed figures.
_TIMM_WHY = f"{TIMM_MACS_WHY}; conv+linear alone is 0.21% (v4) / 0.18% (IRv2) lower"


def _timm_acc(tag: str, top1: float, top5: float, crop_pct: float) -> Accuracy:
    return Accuracy(top1, top5,
                    f"single centre crop 299 (crop_pct {crop_pct}, bicubic), ImageNet-1k val",
                    f"timm {tag} results-imagenet.csv (TF-slim weights, ported)", "VS")


@register(ArchSpec(
    name="inception_v4",
    display_name="Inception-v4",
    predecessors=("inception_v3",),
    ideas=(),
    params=Figure(42_679_816, _CH, "CH"),
    macs=Figure(12.28e9, TIMM_MACS, "VS", 0.0025, _TIMM_WHY),
    accuracy=(
        _timm_acc("inception_v4.tf_in1k", 80.144, 94.982, 0.875),
        Accuracy(80.0, 95.0, "single crop 299, non-blacklisted ILSVRC-2012 val subset (paper Table 2: "
                 "20.0 / 5.0 % error)", "Szegedy et al. 2016, Table 2, as quoted in "
                 "kentsommer/keras-inceptionV4 README", "V2"),
        Accuracy(80.2, 95.2, _SLIM_CROP, _SLIM, "V2"),
    ),
    **_PAPER,
))
def inception_v4(num_classes: int = 1000) -> InceptionV4:
    return InceptionV4(num_classes)


@register(ArchSpec(
    name="inception_resnet_v2",
    display_name="Inception-ResNet-v2",
    predecessors=("inception_v4", "resnet50"),
    ideas=(),
    params=Figure(55_843_464, _CH, "CH"),
    macs=Figure(13.18e9, TIMM_MACS, "VS", 0.0025, _TIMM_WHY),
    accuracy=(
        _timm_acc("inception_resnet_v2.tf_in1k", 80.434, 95.312, 0.8975),
        Accuracy(80.4, 95.3, _SLIM_CROP, _SLIM, "V2"),
        Accuracy(80.3, 95.3, "ImageNet-1k val at 299 (crop protocol not stated)",
                 "Keras Applications model table", "VS"),
    ),
    **_PAPER,
))
def inception_resnet_v2(num_classes: int = 1000) -> InceptionResNetV2:
    return InceptionResNetV2(num_classes)
