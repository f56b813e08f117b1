"""GoogLeNet (Szegedy et al., 2014): nine inception modules with 1x1 bottlenecks before the big kernels.

`googlenet` is the network of the paper's Table 1 and Figure 3: biased convolutions with ReLU, local
response normalisation in the stem, real 5x5 branches, max pools that round up (as Caffe's do) to give
Table 1's 112-56-28-14-7 maps. The LRN constants, which the paper leaves out, are those of the
BVLC Caffe replication (size 5, alpha 1e-4, beta 0.75). `googlenet_torchvision` is torchvision's
re-implementation, registered beside it because its weights are the ones most people use.
"""

from __future__ import annotations

import torch
from torch import nn

from analyzer.archs.sources import FOUR_FIGURES, TORCHVISION, TORCHVISION_OPS, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

# Table 1's inception rows: #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj.
INCEPTION: dict[str, tuple[int, int, int, int, int, int]] = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}


class BasicConv2d(nn.Module):
    """Convolution and ReLU, with a BatchNorm between them (and no conv bias) when `batch_norm`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, batch_norm: bool,
                 stride: int = 1) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride,
                              padding=kernel_size // 2, bias=not batch_norm)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001) if batch_norm else None
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.conv(x)
        if self.bn is not None:
            x = self.bn(x)
        return self.relu(x)


class Inception(nn.Module):
    def __init__(self, in_channels: int, widths: tuple[int, int, int, int, int, int], batch_norm: bool,
                 big_kernel: int = 5) -> None:
        super().__init__()
        n1x1, n3x3_reduce, n3x3, n5x5_reduce, n5x5, pool_proj = widths
        self.conv1x1 = BasicConv2d(in_channels, n1x1, 1, batch_norm)
        self.conv3x3_reduce = BasicConv2d(in_channels, n3x3_reduce, 1, batch_norm)
        self.conv3x3 = BasicConv2d(n3x3_reduce, n3x3, 3, batch_norm)
        self.conv5x5_reduce = BasicConv2d(in_channels, n5x5_reduce, 1, batch_norm)
        self.conv5x5 = BasicConv2d(n5x5_reduce, n5x5, big_kernel, batch_norm)
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.pool_proj = BasicConv2d(in_channels, pool_proj, 1, batch_norm)
        self.out_channels = n1x1 + n3x3 + n5x5 + pool_proj

    def forward(self, x):
        return torch.cat([
            self.conv1x1(x),
            self.conv3x3(self.conv3x3_reduce(x)),
            self.conv5x5(self.conv5x5_reduce(x)),
            self.pool_proj(self.pool(x)),
        ], dim=1)


class AuxClassifier(nn.Module):
    """The paper's side head on the 14x14 maps of 4a and 4d, used only as an extra training loss."""

    def __init__(self, in_channels: int, num_classes: int, batch_norm: bool, adaptive_pool: bool) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(4) if adaptive_pool else nn.AvgPool2d(5, stride=3)
        self.conv = BasicConv2d(in_channels, 128, 1, batch_norm)
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(128 * 4 * 4, 1024),
            nn.ReLU(inplace=True),
            nn.Dropout(0.7),
            nn.Linear(1024, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.conv(self.pool(x)))


class GoogLeNet(nn.Module):
    def __init__(self, num_classes: int = 1000, aux_logits: bool = False, batch_norm: bool = False,
                 lrn: bool = True, big_kernel: int = 5, pool4_kernel: int = 3, adaptive_pool: bool = False,
                 dropout: float = 0.4) -> None:
        super().__init__()
        self.conv1 = BasicConv2d(3, 64, 7, batch_norm, stride=2)
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.norm1 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75) if lrn else None
        self.conv2_reduce = BasicConv2d(64, 64, 1, batch_norm)
        self.conv2 = BasicConv2d(64, 192, 3, batch_norm)
        self.norm2 = nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75) if lrn else None
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)

        channels = 192
        for name, widths in INCEPTION.items():
            module = Inception(channels, widths, batch_norm, big_kernel)
            setattr(self, f"inception{name}", module)
            channels = module.out_channels
            if name == "3b":
                self.pool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
            elif name == "4e":
                self.pool4 = nn.MaxPool2d(pool4_kernel, stride=2, ceil_mode=True)

        self.aux1 = AuxClassifier(512, num_classes, batch_norm, adaptive_pool) if aux_logits else None
        self.aux2 = AuxClassifier(528, num_classes, batch_norm, adaptive_pool) if aux_logits else None
        self.pool5 = nn.AdaptiveAvgPool2d(1) if adaptive_pool else nn.AvgPool2d(7, stride=1)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, num_classes))

    def forward(self, x):
        x = self.pool1(self.conv1(x))
        if self.norm1 is not None:
            x = self.norm1(x)
        x = self.conv2(self.conv2_reduce(x))
        if self.norm2 is not None:
            x = self.norm2(x)
        x = self.pool2(x)
        x = self.pool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        aux1 = self.aux1(x) if self.aux1 is not None and self.training else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if self.aux2 is not None and self.training else None
        x = self.pool4(self.inception4e(x))
        x = self.classifier(self.pool5(self.inception5b(self.inception5a(x))))
        return (x, aux1, aux2) if aux1 is not None else x


# What torchvision's GoogLeNet changes from the paper's layout (see `googlenet_torchvision`).
_TORCHVISION_LAYOUT = dict(batch_norm=True, lrn=False, big_kernel=3, pool4_kernel=2, adaptive_pool=True,
                           dropout=0.2)

_PAPER = dict(
    family="Inception",
    year=2014,
    authors=("Christian Szegedy", "Wei Liu", "Yangqing Jia", "Pierre Sermanet", "Scott Reed",
             "Dragomir Anguelov", "Dumitru Erhan", "Vincent Vanhoucke", "Andrew Rabinovich"),
    title="Going Deeper with Convolutions",
    paper="arXiv:1409.4842",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    options={"aux_logits": "add the auxiliary classifiers on 4a and 4d; in training mode forward then "
                           "returns (main, aux1, aux2), in eval mode the main output alone"},
)
_TABLE_1 = "Szegedy et al. 2014, Table 1 (column summed)"
_TABLE_3 = "Szegedy et al. 2014, Table 3"
_PAPER_VAL = "ILSVRC 2014 classification val (= ImageNet-1k val); top-1 not reported"

# The reasons in full: Table 1 counts weights in units of 1024 without biases (its conv2 and linear
# rows are exactly 112 x 1024 and 1000 x 1024 weights), so its 6,797.7K is 6.96M weights; this model
# adds 8,280 biases, and its weights are 0.42% more because some rows are loose (conv1 2.7K for 9,408
# weights; 4c 463K and 5a 1,072K where their channel columns give 497.5K and 1,018K): 2.95% above the
# printed sum. Its conv1 row gives 34M MACs where the convolution costs 118.0M; with that row corrected
# the column sums to 1,586M, and the rest is its 1M rounding and row 5a (54M listed, 51.1M from its
# channel columns): 5.37% in all. The model page shows the one-sentence forms.
_PARAMS_WHY = ("Table 1 counts weights in units of 1,024 and leaves out the 8,280 biases, and three of its "
               "rows (conv1, 4c, 5a) disagree with their own channel columns")
_MACS_WHY = ("Table 1 misprints the stem row: 34 M for conv1, where a 7x7 convolution from 3 to 64 channels "
             "at 112x112 costs 118 M")


@register(ArchSpec(
    name="googlenet",
    display_name="GoogLeNet",
    predecessors=("nin", "alexnet"),
    ideas=("inception-module", "bottleneck"),
    params=Figure(6_797_700, _TABLE_1, "VS", 0.03, _PARAMS_WHY),
    macs=Figure(1.502e9, _TABLE_1, "VS", 0.054, _MACS_WHY),
    accuracy=(
        Accuracy(68.7, 88.9, "single centre crop 224 (resize not stated), ImageNet-1k val; the Caffe "
                 "replication of the paper's network, trained 60 epochs without its relighting and scale "
                 "augmentation",
                 "BVLC/caffe models/bvlc_googlenet/readme.md", "VS"),
        Accuracy(None, round(100 - 10.07, 2), f"1 model, 1 crop, {_PAPER_VAL}", _TABLE_3, "VS"),
        Accuracy(None, round(100 - 9.15, 2), f"1 model, 10 crops, {_PAPER_VAL}", _TABLE_3, "VS"),
        Accuracy(None, round(100 - 7.89, 2), f"1 model, 144 crops, {_PAPER_VAL}", _TABLE_3, "VS"),
    ),
    **_PAPER,
))
def googlenet(num_classes: int = 1000, aux_logits: bool = False) -> GoogLeNet:
    return GoogLeNet(num_classes, aux_logits)


@register(ArchSpec(
    name="googlenet_torchvision",
    display_name="GoogLeNet (torchvision)",
    predecessors=("googlenet",),
    ideas=(),
    params=Figure(6_624_904, TORCHVISION, "VS"),
    macs=Figure(1.498e9, TORCHVISION_OPS, "VS", 0.0004, FOUR_FIGURES),
    accuracy=(
        Accuracy(69.778, 89.53, centre_crop(), TORCHVISION, "VS"),
    ),
    variant_of="googlenet",
    differences="BatchNorm (eps 0.001) after every conv, which drops its bias; a 3x3 conv where each "
                "module's third branch has a 5x5 (a known bug, pytorch/vision#906); no LRN; a 2x2 max pool "
                "before 5a, adaptive average pooling and dropout 0.2.",
    **_PAPER,
))
def googlenet_torchvision(num_classes: int = 1000, aux_logits: bool = False) -> GoogLeNet:
    return GoogLeNet(num_classes, aux_logits, **_TORCHVISION_LAYOUT)
