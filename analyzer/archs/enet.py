"""ENet (Paszke, Chaurasia, Kim and Culurciello, 2016): a small encoder-decoder for real-time segmentation.

Registers `enet`, the Cityscapes network of the paper's Table 1 at 3x512x1024. The table fixes the
stages, channel widths and bottleneck kinds but not every layer detail; where it is silent, the layer
choices are pytorchcv's `enet_cityscapes` (no biases, one shared PReLU slope per activation in the
encoder, ReLU in the decoder, an extension a quarter as wide as the block's input, a 3x3 fullconv), so
the parameter count can be checked against it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from analyzer.registry import Accuracy, ArchSpec, Figure, register

# The rows of the paper's Table 1 after the initial block: (name, kind, output channels). Section 3
# repeats section 2 without its downsampling bottleneck.
_SECTION_2 = ("regular", "dilated 2", "asymmetric 5", "dilated 4", "regular", "dilated 8", "asymmetric 5",
              "dilated 16")
LAYERS: list[tuple[str, str, int]] = [
    ("bottleneck1_0", "downsampling", 64),
    *[(f"bottleneck1_{i}", "regular", 64) for i in range(1, 5)],
    ("bottleneck2_0", "downsampling", 128),
    *[(f"bottleneck2_{i}", kind, 128) for i, kind in enumerate(_SECTION_2, 1)],
    *[(f"bottleneck3_{i}", kind, 128) for i, kind in enumerate(_SECTION_2, 1)],
    ("bottleneck4_0", "upsampling", 64),
    ("bottleneck4_1", "regular", 64),
    ("bottleneck4_2", "regular", 64),
    ("bottleneck5_0", "upsampling", 16),
    ("bottleneck5_1", "regular", 16),
]

Activation = Callable[[], nn.Module]


def conv_bn(in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], activation: Activation | None,
            stride: int = 1, padding: int | tuple[int, int] = 0, dilation: int = 1,
            transposed: bool = False) -> nn.Sequential:
    if transposed:
        conv: nn.Module = nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,
                                             output_padding=stride - 1, bias=False)
    else:
        conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding, dilation=dilation,
                         bias=False)
    layers = [conv, nn.BatchNorm2d(out_channels)]
    if activation is not None:
        layers.append(activation())
    return nn.Sequential(*layers)


def middle_conv(kind: str, channels: int, activation: Activation) -> nn.Sequential:
    """The bottleneck's `conv`: regular, dilated, asymmetric (5x1 then 1x5) or full (transposed) 3x3."""
    name, _, size = kind.partition(" ")
    if name == "asymmetric":
        k = int(size)
        return nn.Sequential(conv_bn(channels, channels, (k, 1), activation, padding=(k // 2, 0)),
                             conv_bn(channels, channels, (1, k), activation, padding=(0, k // 2)))
    if name == "upsampling":
        return conv_bn(channels, channels, 3, activation, stride=2, padding=1, transposed=True)
    dilation = int(size) if name == "dilated" else 1
    return conv_bn(channels, channels, 3, activation, padding=dilation, dilation=dilation)


class InitialBlock(nn.Module):
    """A 3x3/2 convolution with 13 filters beside a 2x2 max pool of the RGB input: 16 maps."""

    def __init__(self, out_channels: int = 16, in_channels: int = 3) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels - in_channels, 3, stride=2, padding=1, bias=False)
        self.pool = nn.MaxPool2d(2, 2)
        self.bn = nn.BatchNorm2d(out_channels)
        self.act = nn.PReLU()

    def forward(self, x):
        return self.act(self.bn(torch.cat((self.conv(x), self.pool(x)), dim=1)))


class Bottleneck(nn.Module):
    """The paper's Figure 2b: a main branch plus a 1x1 / conv / 1x1 extension, added, then activated.

    A downsampling bottleneck's main branch max-pools (keeping the indices) and zero-pads the channels,
    and its extension projects with a 2x2 stride-2 convolution. An upsampling bottleneck's main branch
    is a 1x1 convolution unpooled with the indices of the matching downsampling bottleneck.
    """

    def __init__(self, in_channels: int, out_channels: int, kind: str, dropout: float,
                 activation: Activation) -> None:
        super().__init__()
        self.downsampling = kind == "downsampling"
        self.upsampling = kind == "upsampling"
        self.extra_channels = out_channels - in_channels
        mid = in_channels // 4
        if self.downsampling:
            self.pool = nn.MaxPool2d(2, 2, return_indices=True)
        if self.upsampling:
            self.main = conv_bn(in_channels, out_channels, 1, None)
            self.unpool = nn.MaxUnpool2d(2)
        stride = 2 if self.downsampling else 1
        self.project = conv_bn(in_channels, mid, stride, activation, stride=stride)
        self.conv = middle_conv("regular" if self.downsampling else kind, mid, activation)
        self.expand = conv_bn(mid, out_channels, 1, activation)
        self.dropout = nn.Dropout2d(dropout)
        self.act = activation()

    def forward(self, x, indices=None):
        extension = self.dropout(self.expand(self.conv(self.project(x))))
        if self.downsampling:
            main, indices = self.pool(x)
            main = F.pad(main, (0, 0, 0, 0, 0, self.extra_channels))
        elif self.upsampling:
            main = self.unpool(self.main(x), indices, output_size=extension.shape[-2:])
        else:
            main = x
        out = self.act(main + extension)
        return (out, indices) if self.downsampling else out


class ENet(nn.Module):
    def __init__(self, num_classes: int = 19) -> None:
        super().__init__()
        self.initial = InitialBlock(16)
        channels = 16
        for name, kind, out_channels in LAYERS:
            stage = int(name[len("bottleneck")])
            # Spatial dropout is 0.01 before bottleneck2.0 and 0.1 after (Section 3).
            dropout = 0.01 if stage == 1 else 0.1
            activation = nn.PReLU if stage <= 3 else nn.ReLU
            self.add_module(name, Bottleneck(channels, out_channels, kind, dropout, activation))
            channels = out_channels
        self.fullconv = nn.ConvTranspose2d(channels, num_classes, 3, stride=2, padding=1, output_padding=1,
                                           bias=False)

    def forward(self, x):
        x = self.initial(x)
        # Decoder stages unpool with the indices of the encoder's downsamplings in mirror order.
        indices = []
        for name, _, _ in LAYERS:
            block = getattr(self, name)
            if block.downsampling:
                x, pooled = block(x)
                indices.append(pooled)
            elif block.upsampling:
                x = block(x, indices.pop())
            else:
                x = block(x)
        return self.fullconv(x)


_PYTORCHCV = "pytorchcv 0.0.74 enet_cityscapes, instantiated"


@register(ArchSpec(
    name="enet",
    display_name="ENet",
    predecessors=("resnet50", "vgg16"),
    family="ENet",
    year=2016,
    authors=("Adam Paszke", "Abhishek Chaurasia", "Sangpil Kim", "Eugenio Culurciello"),
    title="ENet: A Deep Neural Network Architecture for Real-Time Semantic Segmentation",
    paper="arXiv:1606.02147",
    input_shape=(3, 512, 1024),
    output_shape=(19, 512, 1024),
    task="Cityscapes semantic segmentation",
    ideas=("encoder-decoder",),
    params=Figure(358_060, f"{_PYTORCHCV}, 19 classes", "CH"),
    macs=Figure(4.121e9, f"{_PYTORCHCV}, at 512x1024", "CH", 0.001,
                "printed to four significant figures; transposed convolutions counted as "
                "in x out x k^2 per input pixel"),
    accuracy=(
        Accuracy(58.3, None,
                 "Cityscapes test set class IoU (mean IoU over the 19 classes), "
                 "not a classification accuracy",
                 "Paszke et al. 2016 Cityscapes results, quoted in the ntkhoa95/ENet_PyTorch and "
                 "MSiam/TFSegmentation READMEs", "V2", dataset="Cityscapes test"),
    ),
    options={"num_classes": "segmentation classes (Cityscapes: 19)"},
))
def enet(num_classes: int = 19) -> ENet:
    return ENet(num_classes)
