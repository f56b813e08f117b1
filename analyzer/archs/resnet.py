"""ResNet (He, Zhang, Ren and Sun, 2015): identity shortcuts let very deep networks train.

Registers the paper's ResNet-18/34/50/101/152 (Table 1, with option B: a 1x1 projection shortcut
only where the shape changes). The paper says only that conv3_1, conv4_1 and conv5_1 downsample; its
released Caffe models stride in a bottleneck's first 1x1 conv, and so do these. torchvision strides
in the 3x3 conv instead ("ResNet v1.5"); that is registered beside the bottleneck nets as a variant.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from torch import nn

from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS
from analyzer.registry import Accuracy, ArchSpec, Figure, register

Block = Callable[[int, int, int], nn.Module]


def projection(in_channels: int, out_channels: int, stride: int) -> nn.Sequential | None:
    """Option B: identity where the shape is kept, a strided 1x1 conv and BN where it changes."""
    if stride == 1 and in_channels == out_channels:
        return None
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
        nn.BatchNorm2d(out_channels),
    )


class BasicBlock(nn.Module):
    """Two 3x3 convs (ResNet-18/34)."""

    def __init__(self, in_channels: int, width: int, stride: int = 1) -> None:
        super().__init__()
        self.out_channels = width
        self.conv1 = nn.Conv2d(in_channels, width, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = projection(in_channels, width, stride)

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3, 1x1 restore to four times the width (ResNet-50/101/152).

    `groups` and `width_per_group` make it ResNeXt's aggregated block: the 3x3 is split into
    `groups` paths of `width_per_group` channels each for a stage of base width 64 (scaled with
    the width, as torchvision does), so ResNet's own block is one group of 64. `gate` builds a
    module over the restored channels that acts on the residual branch before the addition
    (SENet's squeeze-and-excitation).
    """

    def __init__(self, in_channels: int, width: int, stride: int = 1, stride_in_1x1: bool = True,
                 groups: int = 1, width_per_group: int = 64, gate: Callable[[int], nn.Module] | None = None) -> None:
        super().__init__()
        self.out_channels = 4 * width
        inner = width * width_per_group // 64 * groups
        stride_1x1, stride_3x3 = (stride, 1) if stride_in_1x1 else (1, stride)
        self.conv1 = nn.Conv2d(in_channels, inner, kernel_size=1, stride=stride_1x1, bias=False)
        self.bn1 = nn.BatchNorm2d(inner)
        self.conv2 = nn.Conv2d(inner, inner, kernel_size=3, stride=stride_3x3, padding=1, groups=groups,
                               bias=False)
        self.bn2 = nn.BatchNorm2d(inner)
        self.conv3 = nn.Conv2d(inner, self.out_channels, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(self.out_channels)
        self.gate = None if gate is None else gate(self.out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = projection(in_channels, self.out_channels, stride)

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.gate is not None:
            out = self.gate(out)
        return self.relu(out + identity)


def make_stage(block: Block, in_channels: int, width: int, blocks: int, stride: int) -> nn.Sequential:
    layers = []
    for i in range(blocks):
        layers.append(block(in_channels, width, stride if i == 0 else 1))
        in_channels = layers[-1].out_channels
    return nn.Sequential(*layers)


class ResNet(nn.Module):
    def __init__(self, block: Block, blocks_per_stage: list[int], num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        # Table 1 lists this pool as the first layer of conv2_x; it is kept apart so that each
        # convN_x holds exactly its residual blocks.
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        stages, channels = [], 64
        for width, blocks, stride in zip((64, 128, 256, 512), blocks_per_stage, (1, 2, 2, 2)):
            stages.append(make_stage(block, channels, width, blocks, stride))
            channels = stages[-1][-1].out_channels
        self.conv2_x, self.conv3_x, self.conv4_x, self.conv5_x = stages
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.conv5_x(self.conv4_x(self.conv3_x(self.conv2_x(x))))
        return self.fc(self.flatten(self.avgpool(x)))


_PAPER = {
    "family": "ResNet",
    "year": 2015,
    "authors": ("Kaiming He", "Xiangyu Zhang", "Shaoqing Ren", "Jian Sun"),
    "title": "Deep Residual Learning for Image Recognition",
    "paper": "arXiv:1512.03385",
    "input_shape": (3, 224, 224),
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_PARAMS = {18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808}
# v1 and v1.5 differ only in which conv strides, so torchvision's count is the paper network's too.
_TV_PARAMS = f"{TORCHVISION} (v1.5; the stride's position does not change the count)"
_CENTRE_CROP = "single centre crop 224 of a 256 resize (shorter side), ImageNet-1k val"
_TEN_CROP = "10-crop testing (224 crops of a 256 resize), ILSVRC-2012 val"
_PAPER_T1 = "He et al. 2015, Table 1"
_ONE_STEP = ("Table 1 prints MACs in steps of 0.1 G and rounds either way (3.86 G as 3.8, 7.57 G as 7.6), "
             "so a count may differ from it by one step")
_KAIMING = "KaimingHe/deep-residual-networks README (the paper's own Caffe models)"
_FB = "fb.resnet.torch pretrained/README.md (FAIR's Torch re-training)"
_DIFFERENCES = ("torchvision's ResNet v1.5: a bottleneck that downsamples strides in its 3x3 conv, not in "
                "its first 1x1 as the paper's models do; same parameters, more MACs (ResNet-50: 4.09 G, "
                "not 3.86 G).")


def _err(top1_err: float, top5_err: float | None, protocol: str, source: str) -> Accuracy:
    top5 = None if top5_err is None else round(100 - top5_err, 2)
    return Accuracy(round(100 - top1_err, 2), top5, protocol, source, "VS")


# The paper's residual networks grew from its plain VGG-style baselines (Figure 3 sets ResNet-34 beside
# VGG-19), the bottleneck networks from ResNet-34's layout.
_PREDECESSORS = {18: ("vgg19",), 34: ("resnet18", "vgg19"), 50: ("resnet34",), 101: ("resnet50",),
                 152: ("resnet101",)}


def _spec(name: str, depth: int, macs: float, single_crop: Accuracy, ten_crop: Accuracy) -> ArchSpec:
    return ArchSpec(
        name=name,
        display_name=f"ResNet-{depth}",
        ideas=("residual",),
        predecessors=_PREDECESSORS[depth],
        params=Figure(_PARAMS[depth], _TV_PARAMS, "VS"),
        macs=Figure(macs, _PAPER_T1, "VS", 0.1e9 / macs, _ONE_STEP),
        accuracy=(single_crop, ten_crop),
        **_PAPER,
    )


def _v1_5_spec(depth: int, macs: float, top1: float, top5: float) -> ArchSpec:
    return ArchSpec(
        name=f"resnet{depth}_v1_5",
        display_name=f"ResNet-{depth} v1.5 (torchvision)",
        ideas=(),
        predecessors=(f"resnet{depth}",),
        params=Figure(_PARAMS[depth], TORCHVISION, "VS"),
        macs=Figure(macs, TORCHVISION_OPS, "VS", 0.0005e9 / macs, "published to 0.001 G"),
        accuracy=(Accuracy(top1, top5, _CENTRE_CROP, f"{TORCHVISION} IMAGENET1K_V1 (torchvision's training)", "VS"),),
        variant_of=f"resnet{depth}",
        differences=_DIFFERENCES,
        **_PAPER,
    )


@register(_spec("resnet18", 18, 1.8e9, _err(30.43, 10.76, _CENTRE_CROP, _FB),
                _err(27.88, None, f"{_TEN_CROP}; option A (zero-padding) shortcuts, not this network's B",
                     "He et al. 2015, Table 2")))
def resnet18(num_classes: int = 1000) -> ResNet:
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes)


@register(_spec("resnet34", 34, 3.6e9, _err(26.73, 8.74, _CENTRE_CROP, _FB),
                _err(24.52, 7.46, f"{_TEN_CROP}; ResNet-34 B", "He et al. 2015, Table 3")))
def resnet34(num_classes: int = 1000) -> ResNet:
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes)


@register(_spec("resnet50", 50, 3.8e9, _err(24.7, 7.8, _CENTRE_CROP, _KAIMING),
                _err(22.85, 6.71, _TEN_CROP, "He et al. 2015, Table 3")))
def resnet50(num_classes: int = 1000) -> ResNet:
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes)


@register(_spec("resnet101", 101, 7.6e9, _err(23.6, 7.1, _CENTRE_CROP, _KAIMING),
                _err(21.75, 6.05, _TEN_CROP, "He et al. 2015, Table 3")))
def resnet101(num_classes: int = 1000) -> ResNet:
    return ResNet(Bottleneck, [3, 4, 23, 3], num_classes)


@register(_spec("resnet152", 152, 11.3e9, _err(23.0, 6.7, _CENTRE_CROP, _KAIMING),
                _err(21.43, 5.71, _TEN_CROP, "He et al. 2015, Table 3")))
def resnet152(num_classes: int = 1000) -> ResNet:
    return ResNet(Bottleneck, [3, 8, 36, 3], num_classes)


_BOTTLENECK_V1_5 = partial(Bottleneck, stride_in_1x1=False)


@register(_v1_5_spec(50, 4.089e9, 76.13, 92.862))
def resnet50_v1_5(num_classes: int = 1000) -> ResNet:
    return ResNet(_BOTTLENECK_V1_5, [3, 4, 6, 3], num_classes)


@register(_v1_5_spec(101, 7.801e9, 77.374, 93.546))
def resnet101_v1_5(num_classes: int = 1000) -> ResNet:
    return ResNet(_BOTTLENECK_V1_5, [3, 4, 23, 3], num_classes)


@register(_v1_5_spec(152, 11.514e9, 78.312, 94.046))
def resnet152_v1_5(num_classes: int = 1000) -> ResNet:
    return ResNet(_BOTTLENECK_V1_5, [3, 8, 36, 3], num_classes)
