"""VGG (Simonyan and Zisserman, 2014): depth from stacks of 3x3 convolutions.

The paper's configurations A, B, D and E are registered as vgg11, vgg13, vgg16 and vgg19. Its
Table 1 describes them as columns of conv widths between max-pooling layers; the `CONFIGS` table
keeps those column names.
"""

from __future__ import annotations

from torch import nn

from analyzer.archs.sources import FOUR_FIGURES, TORCHVISION, TORCHVISION_OPS, TORCHVISION_TRAINING, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

# Conv widths per stage of the paper's Table 1; "M" is a 2x2 stride-2 max pool.
CONFIGS: dict[str, list[int | str]] = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


def make_features(config: list[int | str]) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = 3
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(channels, int(item), kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            channels = int(item)
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, config: list[int | str], num_classes: int = 1000) -> None:
        super().__init__()
        self.features = make_features(config)
        # The paper's classifier is three fully connected layers on the 7x7x512 map of a 224 input.
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(0.5),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


_PAPER = dict(
    family="VGG",
    year=2014,
    authors=("Karen Simonyan", "Andrew Zisserman"),
    title="Very Deep Convolutional Networks for Large-Scale Image Recognition",
    paper="arXiv:1409.1556",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
)
_SINGLE_SCALE = "single-scale dense evaluation, S=Q=256, ILSVRC-2012 val (paper Table 3)"


def _spec(name: str, config: str, params: int, macs: Figure, top1_err: float, top5_err: float,
          single_crop: Accuracy, *others: Accuracy, ideas: tuple[str, ...] = (),
          predecessors: tuple[str, ...] = ()) -> ArchSpec:
    return ArchSpec(
        name=name,
        display_name=f"VGG-{name[3:]} ({config})",
        ideas=ideas,
        params=Figure(params, TORCHVISION, "VS"),
        macs=macs,
        predecessors=predecessors,
        accuracy=(
            single_crop,
            *others,
            Accuracy(round(100 - top1_err, 2), round(100 - top5_err, 2), _SINGLE_SCALE,
                     "Simonyan and Zisserman 2014, Table 3", "VS"),
        ),
        **_PAPER,
    )


_SLIM = "TF-slim model table (the paper's Caffe weights, converted)"
# The ResNet paper's VGG figures are rounded to 0.1 G and, for VGG-16, match the convolutions alone
# (15.35 G); the classifier's 0.12 G makes the whole network 1.1% larger than the printed figure.
_RESNET_PAPER = "He et al. 2015 (arXiv:1512.03385) Table 1 caption and Section 4.1"


@register(_spec("vgg11", "A", 132_863_336, Figure(7.609e9, TORCHVISION_OPS, "VS", 0.001, FOUR_FIGURES),
                29.6, 10.4, Accuracy(69.02, 88.628, centre_crop(), TORCHVISION_TRAINING, "VS"),
                ideas=("small-filters",), predecessors=("alexnet", "overfeat_accurate")))
def vgg11(num_classes: int = 1000) -> VGG:
    return VGG(CONFIGS["A"], num_classes)


@register(_spec("vgg13", "B", 133_047_848, Figure(11.308e9, TORCHVISION_OPS, "VS", 0.001, FOUR_FIGURES),
                28.7, 9.9, Accuracy(69.928, 89.246, centre_crop(), TORCHVISION_TRAINING, "VS"),
                predecessors=("vgg11",)))
def vgg13(num_classes: int = 1000) -> VGG:
    return VGG(CONFIGS["B"], num_classes)


@register(_spec("vgg16", "D", 138_357_544,
                Figure(15.3e9, _RESNET_PAPER, "VS", 0.015,
                       "the ResNet paper's figure is rounded and counts the convolutions only, without the "
                       "classifier's 0.12 G"),
                27.0, 8.8, Accuracy(71.592, 90.382, centre_crop(), TORCHVISION_TRAINING, "VS"),
                Accuracy(71.5, 89.8, centre_crop(), _SLIM, "VS"), predecessors=("vgg13", "alexnet")))
def vgg16(num_classes: int = 1000) -> VGG:
    return VGG(CONFIGS["D"], num_classes)


@register(_spec("vgg19", "E", 143_667_240, Figure(19.6e9, _RESNET_PAPER, "VS", 0.005, "rounded to 0.1 G"),
                27.3, 9.0, Accuracy(72.376, 90.876, centre_crop(), TORCHVISION_TRAINING, "VS"),
                Accuracy(71.1, 89.8, centre_crop(), _SLIM, "VS"), predecessors=("vgg16",)))
def vgg19(num_classes: int = 1000) -> VGG:
    return VGG(CONFIGS["E"], num_classes)
