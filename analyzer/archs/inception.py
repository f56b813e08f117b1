"""BN-Inception (Ioffe and Szegedy, 2015) and Inception v3 (Szegedy et al., 2015).

`bn_inception` is the network of the Batch Normalization paper's Figure 5: GoogLeNet with BatchNorm
after every conv, each 5x5 replaced by two 3x3s, average or max pooling in the pool branch, and
stride-2 modules 3c and 4e instead of separate pools. It follows pytorchcv's layout: an ordinary 7x7
first conv where the paper's footnote has a separable one (depth multiplier 8), the convolution biases of
the Caffe model its weights come from (redundant before BatchNorm, but counted), and the widths the
branches add up to where the table prints others (608 for 4c and 4d, not 576; 1056 for 4e, not 1024).
`inception_v3` is the standard 299x299 Inception v3 of TensorFlow, torchvision and timm, whose 7x1/1x7
and 3x1/1x3 factorisations are the paper's; its optional auxiliary head sits on the last 17x17 map.
"""

from __future__ import annotations

import torch
from torch import nn

from analyzer.archs.sources import FOUR_FIGURES, TORCHVISION, TORCHVISION_OPS
from analyzer.registry import Accuracy, ArchSpec, Figure, register


class BasicConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, int],
                 stride: int = 1, padding: int | tuple[int, int] = 0, bias: bool = False,
                 eps: float = 0.001) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                              bias=bias)
        self.bn = nn.BatchNorm2d(out_channels, eps=eps)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


# BN-Inception's convolutions keep their biases and PyTorch's default BatchNorm eps, as pytorchcv's do.
def _bn_conv(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> BasicConv2d:
    return BasicConv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=True, eps=1e-5)


# The paper's Figure 5 rows: #1x1, #3x3 reduce, #3x3, double #3x3 reduce, double #3x3, pool, pool proj.
# A module without a 1x1 branch is a stride-2 one whose pool branch passes its input through.
BN_INCEPTION: dict[str, tuple[int, int, int, int, int, str, int]] = {
    "3a": (64, 64, 64, 64, 96, "avg", 32),
    "3b": (64, 64, 96, 64, 96, "avg", 64),
    "3c": (0, 128, 160, 64, 96, "max", 0),
    "4a": (224, 64, 96, 96, 128, "avg", 128),
    "4b": (192, 96, 128, 96, 128, "avg", 128),
    "4c": (160, 128, 160, 128, 160, "avg", 128),
    "4d": (96, 128, 192, 160, 192, "avg", 128),
    "4e": (0, 128, 192, 192, 256, "max", 0),
    "5a": (352, 192, 320, 160, 224, "avg", 128),
    "5b": (352, 192, 320, 192, 224, "max", 128),
}


class InceptionBN(nn.Module):
    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, str, int]) -> None:
        super().__init__()
        n1x1, n3x3_reduce, n3x3, double_reduce, double, pool, pool_proj = widths
        stride = 1 if n1x1 else 2
        self.conv1x1 = _bn_conv(in_channels, n1x1, 1) if n1x1 else None
        self.conv3x3_reduce = _bn_conv(in_channels, n3x3_reduce, 1)
        self.conv3x3 = _bn_conv(n3x3_reduce, n3x3, 3, stride)
        self.double3x3_reduce = _bn_conv(in_channels, double_reduce, 1)
        self.double3x3a = _bn_conv(double_reduce, double, 3)
        self.double3x3b = _bn_conv(double, double, 3, stride)
        if stride == 2:
            self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        elif pool == "avg":
            self.pool = nn.AvgPool2d(3, stride=1, padding=1)
        else:
            self.pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.pool_proj = _bn_conv(in_channels, pool_proj, 1) if pool_proj else None
        self.out_channels = n1x1 + n3x3 + double + (pool_proj or in_channels)

    def forward(self, x):
        pooled = self.pool(x)
        branches = [
            self.conv3x3(self.conv3x3_reduce(x)),
            self.double3x3b(self.double3x3a(self.double3x3_reduce(x))),
            self.pool_proj(pooled) if self.pool_proj is not None else pooled,
        ]
        if self.conv1x1 is not None:
            branches.insert(0, self.conv1x1(x))
        return torch.cat(branches, dim=1)


class BNInception(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = _bn_conv(3, 64, 7, stride=2)
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2_reduce = _bn_conv(64, 64, 1)
        self.conv2 = _bn_conv(64, 192, 3)
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        channels = 192
        for name, widths in BN_INCEPTION.items():
            module = InceptionBN(channels, widths)
            setattr(self, f"inception{name}", module)
            channels = module.out_channels
        self.pool5 = nn.AvgPool2d(7, stride=1)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(channels, num_classes))

    def forward(self, x):
        x = self.pool1(self.conv1(x))
        x = self.pool2(self.conv2(self.conv2_reduce(x)))
        for name in BN_INCEPTION:
            x = getattr(self, f"inception{name}")(x)
        return self.classifier(self.pool5(x))


class InceptionA(nn.Module):
    """35x35 module: 1x1, 5x5, double 3x3 and average-pool branches."""

    def __init__(self, in_channels: int, pool_features: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 64, 1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, 1)
        self.branch5x5_2 = BasicConv2d(48, 64, 5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, padding=1)
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, 1)

    def forward(self, x):
        return torch.cat([
            self.branch1x1(x),
            self.branch5x5_2(self.branch5x5_1(x)),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.branch_pool(self.pool(x)),
        ], dim=1)


class InceptionB(nn.Module):
    """35x35 -> 17x17 grid reduction: stride-2 3x3, stride-2 double 3x3 and max pool side by side."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)
        self.pool = nn.MaxPool2d(3, stride=2)

    def forward(self, x):
        return torch.cat([
            self.branch3x3(x),
            self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x))),
            self.pool(x),
        ], dim=1)


class InceptionC(nn.Module):
    """17x17 module: 7x7 convolutions factorised into 1x7 and 7x1."""

    def __init__(self, in_channels: int, channels_7x7: int) -> None:
        super().__init__()
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x):
        double = x
        for conv in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                     self.branch7x7dbl_5):
            double = conv(double)
        return torch.cat([
            self.branch1x1(x),
            self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x))),
            double,
            self.branch_pool(self.pool(x)),
        ], dim=1)


class InceptionD(nn.Module):
    """17x17 -> 8x8 grid reduction."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)
        self.pool = nn.MaxPool2d(3, stride=2)

    def forward(self, x):
        return torch.cat([
            self.branch3x3_2(self.branch3x3_1(x)),
            self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x)))),
            self.pool(x),
        ], dim=1)


class InceptionE(nn.Module):
    """8x8 module whose 3x3s fan out into parallel 1x3 and 3x1 convolutions."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(in_channels, 320, 1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.pool = nn.AvgPool2d(3, stride=1, padding=1)
        self.branch_pool = BasicConv2d(in_channels, 192, 1)

    def forward(self, x):
        single = self.branch3x3_1(x)
        double = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        return torch.cat([
            self.branch1x1(x),
            self.branch3x3_2a(single), self.branch3x3_2b(single),
            self.branch3x3dbl_3a(double), self.branch3x3dbl_3b(double),
            self.branch_pool(self.pool(x)),
        ], dim=1)


class InceptionAux(nn.Module):
    def __init__(self, in_channels: int, num_classes: int) -> None:
        super().__init__()
        self.pool = nn.AvgPool2d(5, stride=3)
        self.conv0 = BasicConv2d(in_channels, 128, 1)
        self.conv1 = BasicConv2d(128, 768, 5)
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(768, num_classes))

    def forward(self, x):
        return self.classifier(self.conv1(self.conv0(self.pool(x))))


class InceptionV3(nn.Module):
    def __init__(self, num_classes: int = 1000, aux_logits: bool = False) -> None:
        super().__init__()
        self.conv1a = BasicConv2d(3, 32, 3, stride=2)
        self.conv2a = BasicConv2d(32, 32, 3)
        self.conv2b = BasicConv2d(32, 64, 3, padding=1)
        self.pool1 = nn.MaxPool2d(3, stride=2)
        self.conv3b = BasicConv2d(64, 80, 1)
        self.conv4a = BasicConv2d(80, 192, 3)
        self.pool2 = nn.MaxPool2d(3, stride=2)
        self.mixed5b = InceptionA(192, pool_features=32)
        self.mixed5c = InceptionA(256, pool_features=64)
        self.mixed5d = InceptionA(288, pool_features=64)
        self.mixed6a = InceptionB(288)
        self.mixed6b = InceptionC(768, channels_7x7=128)
        self.mixed6c = InceptionC(768, channels_7x7=160)
        self.mixed6d = InceptionC(768, channels_7x7=160)
        self.mixed6e = InceptionC(768, channels_7x7=192)
        self.aux = InceptionAux(768, num_classes) if aux_logits else None
        self.mixed7a = InceptionD(768)
        self.mixed7b = InceptionE(1280)
        self.mixed7c = InceptionE(2048)
        self.pool3 = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(2048, num_classes))

    def forward(self, x):
        x = self.pool1(self.conv2b(self.conv2a(self.conv1a(x))))
        x = self.pool2(self.conv4a(self.conv3b(x)))
        x = self.mixed5d(self.mixed5c(self.mixed5b(x)))
        x = self.mixed6e(self.mixed6d(self.mixed6c(self.mixed6b(self.mixed6a(x)))))
        aux = self.aux(x) if self.aux is not None and self.training else None
        x = self.mixed7c(self.mixed7b(self.mixed7a(x)))
        x = self.classifier(self.pool3(x))
        return (x, aux) if aux is not None else x


_BN_PAPER = dict(
    family="Inception",
    year=2015,
    authors=("Sergey Ioffe", "Christian Szegedy"),
    title="Batch Normalization: Accelerating Deep Network Training by Reducing Internal Covariate Shift",
    paper="arXiv:1502.03167",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
)
_OSMR = "osmr/imgclsmob gluon/README.md (pytorchcv bninception)"
_BN_FIGURE_4 = "Ioffe and Szegedy 2015, Figure 4 (as copied verbatim in third-party transcriptions)"
_BN_VAL = "ImageNet-1k val (all 50,000 images)"

_V3_PAPER = dict(
    family="Inception",
    year=2015,
    authors=("Christian Szegedy", "Vincent Vanhoucke", "Sergey Ioffe", "Jonathon Shlens", "Zbigniew Wojna"),
    title="Rethinking the Inception Architecture for Computer Vision",
    paper="arXiv:1512.00567",
    input_shape=(3, 299, 299),
    output_shape=(1000,),
    task="ImageNet classification",
)


@register(ArchSpec(
    name="bn_inception",
    display_name="BN-Inception",
    predecessors=("googlenet",),
    ideas=("batch-norm",),
    params=Figure(11_295_240, _OSMR, "VS"),
    macs=Figure(2_048.06e6, f"{_OSMR}, FLOPs/2", "VS", 0.008,
                "osmr's FLOPs/2 also counts work outside convolutions and linear layers (its AlexNet and "
                "VGG-16 rows are 714.83M and 15,480.10M against 714.19M and 15,470M conv+linear MACs); "
                "this model's conv+linear MACs are 2,032.6M, 0.76% less"),
    accuracy=(
        Accuracy(round(100 - 25.09, 2), round(100 - 7.76, 2),
                 "single 224 crop (the README's 'standard 1-crop'), ImageNet-1k val; weights converted from "
                 "Cadene/pretrained-models.pytorch", _OSMR, "VS"),
        Accuracy(round(100 - 25.2, 2), round(100 - 7.82, 2), f"single crop 224, 1 model, {_BN_VAL}",
                 _BN_FIGURE_4, "V2"),
        Accuracy(round(100 - 21.99, 2), round(100 - 5.82, 2), f"144 crops, 1 model, {_BN_VAL}",
                 _BN_FIGURE_4, "V2"),
    ),
    **_BN_PAPER,
))
def bn_inception(num_classes: int = 1000) -> BNInception:
    return BNInception(num_classes)


@register(ArchSpec(
    name="inception_v3",
    display_name="Inception v3",
    predecessors=("bn_inception", "googlenet"),
    ideas=("factorized-conv",),
    params=Figure(23_834_568, "torchvision 0.29.1 and timm 1.0.31 inception_v3 without the aux head, "
                  "instantiated", "CH"),
    macs=Figure(5.713e9, TORCHVISION_OPS, "VS", 0.0001, FOUR_FIGURES),
    accuracy=(
        Accuracy(77.294, 93.45, "single centre crop 299 of a 342 resize, ImageNet-1k val", TORCHVISION, "VS"),
        Accuracy(round(100 - 21.2, 2), round(100 - 5.6, 2),
                 "single crop 299, 1 model, on the 48,238 non-blacklisted ImageNet-1k val images",
                 "Szegedy et al. 2015, Table 3 (last row) and Section 10", "VS"),
        Accuracy(78.2, 94.1, "single crop (size not stated), 1 model without the auxiliary tower, "
                 "ImageNet-1k val",
                 "Chollet 2016 (arXiv:1610.02357), Table 1", "VS"),
    ),
    options={"aux_logits": "add the auxiliary classifier on the last 17x17 map; in training mode forward "
                           "then returns (main, aux), in eval mode the main output alone"},
    **_V3_PAPER,
))
def inception_v3(num_classes: int = 1000, aux_logits: bool = False) -> InceptionV3:
    return InceptionV3(num_classes, aux_logits)
