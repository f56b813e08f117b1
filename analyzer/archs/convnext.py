"""ConvNeXt (Liu et al., 2022): a ResNet modernised step by step until it matches the Transformers.

Registers ConvNeXt-T (Section 3: stage depths 3, 3, 9, 3 at widths 96, 192, 384, 768). torchvision's
layout is the paper's: a 4x4 stride-4 "patchify" stem with layer norm; in each block a 7x7 depthwise
convolution, one layer norm over the channels, an inverted 4x MLP with GELU written as two linear
layers on the channels-last tensor (as the authors' code does), a learned per-channel layer scale
and stochastic depth on the residual branch; between stages a layer norm and a 2x2 stride-2
convolution; a head of global average pooling, layer norm and one linear layer.
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn
from torch.nn import functional as F

from analyzer.archs.layers import StochasticDepth
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

LAYER_NORM_EPS = 1e-6
DEPTHS = (3, 3, 9, 3)
WIDTHS = (96, 192, 384, 768)


class LayerNorm2d(nn.LayerNorm):
    """Layer norm over the channels of an NCHW map, at each position: the stem's, the downsampling
    layers' and the head's (the blocks normalise their channels-last tensor directly)."""

    def __init__(self, channels: int) -> None:
        super().__init__(channels, eps=LAYER_NORM_EPS)

    def forward(self, x):
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ConvNeXtBlock(nn.Module):
    """7x7 depthwise conv, layer norm, 1x1 to 4x the width, GELU, 1x1 back, layer scale, drop path.

    One norm and one activation per block, where a ResNet bottleneck has three of each: two of the
    paper's modernisation steps ("fewer activations", "fewer normalization layers").
    """

    def __init__(self, dim: int, drop_path: float = 0.0, layer_scale: float = 1e-6) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.pwconv1 = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.pwconv2 = nn.Linear(4 * dim, dim)
        # Each channel's branch starts scaled down to almost nothing (Touvron et al.'s CaiT trick),
        # so that at initialisation every block is close to the identity.
        self.layer_scale = nn.Parameter(torch.full((dim,), layer_scale))
        self.drop_path = StochasticDepth(drop_path)

    def forward(self, x):
        y = self.dwconv(x).permute(0, 2, 3, 1)
        y = self.layer_scale * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
        return x + self.drop_path(y.permute(0, 3, 1, 2))


def downsampling(in_channels: int, out_channels: int) -> nn.Sequential:
    """Between stages: normalise, then halve the grid with a 2x2 stride-2 convolution (Section 2.6)."""
    return nn.Sequential(LayerNorm2d(in_channels), nn.Conv2d(in_channels, out_channels, kernel_size=2, stride=2))


class ConvNeXt(nn.Module):
    def __init__(self, depths: tuple[int, ...] = DEPTHS, widths: tuple[int, ...] = WIDTHS,
                 drop_path_rate: float = 0.1, layer_scale: float = 1e-6, num_classes: int = 1000) -> None:
        super().__init__()
        layers: OrderedDict[str, nn.Module] = OrderedDict(
            stem=nn.Sequential(nn.Conv2d(3, widths[0], kernel_size=4, stride=4), LayerNorm2d(widths[0])),
        )
        # The drop-path rate grows linearly with the block's index over the whole network.
        total, index = sum(depths), 0
        for stage, (depth, width) in enumerate(zip(depths, widths), start=1):
            if stage > 1:
                layers[f"downsample{stage}"] = downsampling(widths[stage - 2], width)
            blocks = []
            for _ in range(depth):
                blocks.append(ConvNeXtBlock(width, drop_path_rate * index / (total - 1), layer_scale))
                index += 1
            layers[f"stage{stage}"] = nn.Sequential(*blocks)
        self.features = nn.Sequential(layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(OrderedDict(
            norm=LayerNorm2d(widths[-1]),
            flatten=nn.Flatten(),
            fc=nn.Linear(widths[-1], num_classes),
        ))

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))


_PAPER_T1 = "Liu et al. 2022, Table 1"


@register(ArchSpec(
    name="convnext_tiny",
    display_name="ConvNeXt-T",
    predecessors=("resnet50", "vit_b_16", "resnext50_32x4d"),
    family="ConvNeXt",
    year=2022,
    authors=("Zhuang Liu", "Hanzi Mao", "Chao-Yuan Wu", "Christoph Feichtenhofer", "Trevor Darrell",
             "Saining Xie"),
    title="A ConvNet for the 2020s",
    paper="arXiv:2201.03545",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    # What it introduced: the patchify stem came from ViT, the inverted block from MobileNetV2.
    ideas=("large-kernel", "layer-norm"),
    # The paper prints 29M (Table 1); torchvision and timm instantiate this count.
    params=Figure(28_589_128, TORCHVISION, "VS"),
    macs=Figure(4.456e9, TORCHVISION_OPS, "VS", 0.0005e9 / 4.456e9, TORCHVISION_OPS_WHY),
    accuracy=(
        Accuracy(82.52, 96.146, centre_crop(224, 236),
                 f"{TORCHVISION} ConvNeXt_Tiny_Weights.IMAGENET1K_V1 (torchvision's training)", "VS"),
        Accuracy(82.1, None, "trained on ImageNet-1k alone at 224, evaluated at 224 (crop not stated in "
                 "Table 1; no top-5 printed)", _PAPER_T1, "VS"),
    ),
    options={"drop_path_rate": "the stochastic-depth rate of the last block; earlier blocks get linearly "
                               "less (0.1 for ConvNeXt-T in torchvision)"},
))
def convnext_tiny(num_classes: int = 1000, drop_path_rate: float = 0.1) -> ConvNeXt:
    return ConvNeXt(drop_path_rate=drop_path_rate, num_classes=num_classes)
