"""Network in Network (Lin, Chen and Yan, 2013): mlpconv layers and global average pooling.

The paper reports CIFAR, SVHN and MNIST only; `nin` is the authors' ImageNet model from their Caffe
model-zoo gist (d802a5849de39225bcc6): four mlpconv layers, each a convolution followed by two 1x1
convolutions ("cccp" layers), and global average pooling over the last one's 1000 maps in place of
fully connected layers. Max pools round their output size up as Caffe's do, which is what turns the
54x54 maps of conv1 into 27x27.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from analyzer.registry import Accuracy, ArchSpec, Figure, register


def mlpconv(in_channels: int, channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
            out_channels: int | None = None) -> nn.Sequential:
    out_channels = out_channels or channels
    return nn.Sequential(OrderedDict(
        conv=nn.Conv2d(in_channels, channels, kernel_size, stride, padding),
        relu0=nn.ReLU(inplace=True),
        cccp1=nn.Conv2d(channels, channels, 1),
        relu1=nn.ReLU(inplace=True),
        cccp2=nn.Conv2d(channels, out_channels, 1),
        relu2=nn.ReLU(inplace=True),
    ))


class NiN(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.mlpconv1 = mlpconv(3, 96, 11, stride=4)
        self.pool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.mlpconv2 = mlpconv(96, 256, 5, padding=2)
        self.pool2 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.mlpconv3 = mlpconv(256, 384, 3, padding=1)
        self.pool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.dropout = nn.Dropout(0.5)
        self.mlpconv4 = mlpconv(384, 1024, 3, padding=1, out_channels=num_classes)
        # The gist's 6x6 average pool is global at a 224 input; an adaptive pool keeps it global.
        self.gap = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        x = self.pool1(self.mlpconv1(x))
        x = self.pool2(self.mlpconv2(x))
        x = self.dropout(self.pool3(self.mlpconv3(x)))
        return self.gap(self.mlpconv4(x))


_GIST = "Lin et al., Caffe model-zoo gist d802a5849de39225bcc6 ('Network in Network Imagenet Model')"


@register(ArchSpec(
    name="nin",
    display_name="Network in Network",
    predecessors=("alexnet",),
    family="NiN",
    year=2013,
    authors=("Min Lin", "Qiang Chen", "Shuicheng Yan"),
    title="Network In Network",
    paper="arXiv:1312.4400",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("1x1-conv", "global-avg-pool"),
    params=Figure(7_595_176, "from the gist's nin_imagenet train_val.prototxt (verbatim copies); "
                  "consistent with its 29 MB snapshot", "CH"),
    accuracy=(
        Accuracy(59.36, None, "single centre crop 224 (the prototxt's test crop_size), ImageNet-1k val",
                 _GIST, "VS"),
    ),
))
def nin(num_classes: int = 1000) -> NiN:
    return NiN(num_classes)
