"""SqueezeNet (Iandola et al., 2016): AlexNet-level accuracy from stacks of small "fire" modules.

Registers SqueezeNet 1.0 (the paper's Table 1) and 1.1 (from the authors' forresti/SqueezeNet repo:
a 3x3 conv1 of 64 filters and earlier pooling, same fire modules). The paper's Caffe models take a
227 crop; the standard input here is torchvision's 224, at which its published MACs were counted.
Max pools round up as Caffe's do.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_TRAINING, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

# Squeeze widths of fire2..fire9; each expand branch (1x1 and 3x3) has four times as many filters.
SQUEEZE = (16, 16, 32, 32, 48, 48, 64, 64)
# Per version: conv1 filters and kernel, and the layers a 3x3 stride-2 max pool follows.
VERSIONS: dict[str, tuple[int, int, tuple[int, ...]]] = {
    "1.0": (96, 7, (1, 4, 8)),
    "1.1": (64, 3, (1, 3, 5)),
}


class Fire(nn.Module):
    def __init__(self, in_channels: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(in_channels, squeeze, kernel_size=1)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, kernel_size=1)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, kernel_size=3, padding=1)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        x = self.relu(self.squeeze(x))
        return torch.cat([self.relu(self.expand1x1(x)), self.relu(self.expand3x3(x))], dim=1)


class SqueezeNet(nn.Module):
    def __init__(self, version: str, num_classes: int = 1000) -> None:
        super().__init__()
        width, kernel, pool_after = VERSIONS[version]
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            conv1=nn.Conv2d(3, width, kernel_size=kernel, stride=2), relu1=nn.ReLU(inplace=True))
        channels = width
        for index, squeeze in enumerate(SQUEEZE, start=2):
            if index - 1 in pool_after:
                layers[f"maxpool{index - 1}"] = nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)
            layers[f"fire{index}"] = Fire(channels, squeeze, 4 * squeeze, 4 * squeeze)
            channels = 8 * squeeze
        self.features = nn.Sequential(layers)
        # No fully connected layer: conv10 gives one map per class and global average pooling
        # turns each into a score.
        self.classifier = nn.Sequential(OrderedDict(
            drop9=nn.Dropout(0.5),
            conv10=nn.Conv2d(channels, num_classes, kernel_size=1),
            relu10=nn.ReLU(inplace=True),
            avgpool10=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
        ))

    def forward(self, x):
        return self.classifier(self.features(x))


_PAPER = {
    "family": "SqueezeNet",
    "year": 2016,
    "authors": ("Forrest N. Iandola", "Song Han", "Matthew W. Moskewicz", "Khalid Ashraf",
                "William J. Dally", "Kurt Keutzer"),
    "title": "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size",
    "paper": "arXiv:1602.07360",
    "input_shape": (3, 224, 224),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
# The README's 1.72 / 0.72 "GFLOPS" and MobileNet's 1,700 M "mult-adds" are about twice these MAC
# counts (FLOPs, two per MAC), so torchvision's figures are the ones a MAC count can meet.
_MACS_WHY = "published to 0.001 G"


def _spec(name: str, version: str, params: int, macs: float, top1: float, top5: float,
          paper_accuracy: tuple[Accuracy, ...] = (), ideas: tuple[str, ...] = ()) -> ArchSpec:
    return ArchSpec(
        name=name,
        display_name=f"SqueezeNet {version}",
        ideas=ideas,
        # SqueezeNet 1.0 set out to match AlexNet's accuracy; 1.1 reworks 1.0's stem and pooling.
        predecessors=("alexnet",) if version == "1.0" else ("squeezenet1_0",),
        params=Figure(params, TORCHVISION, "VS"),
        macs=Figure(macs, f"{TORCHVISION_OPS}, at 224", "VS", 0.0005e9 / macs, _MACS_WHY),
        accuracy=(Accuracy(top1, top5, centre_crop(), TORCHVISION_TRAINING, "VS"),
                  *paper_accuracy),
        **_PAPER,
    )


_TABLE_2 = Accuracy(57.5, 80.3, "paper Table 2, the authors' Caffe model (evaluation crop not stated)",
                    "Iandola et al. 2016, Table 2 (verbatim copies; MobileNet Table 9 has the 57.5%)", "V2")


@register(_spec("squeezenet1_0", "1.0", 1_248_424, 0.819e9, 58.092, 80.42, (_TABLE_2,), ("fire-module",)))
def squeezenet1_0(num_classes: int = 1000) -> SqueezeNet:
    return SqueezeNet("1.0", num_classes)


@register(_spec("squeezenet1_1", "1.1", 1_235_496, 0.349e9, 58.178, 80.624))
def squeezenet1_1(num_classes: int = 1000) -> SqueezeNet:
    return SqueezeNet("1.1", num_classes)
