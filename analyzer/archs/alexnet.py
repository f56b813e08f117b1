"""AlexNet (Krizhevsky, Sutskever and Hinton, 2012) and torchvision's single-tower re-implementation.

`alexnet` is the paper's two-GPU network of Figure 2, with the split between the GPUs expressed as
grouped convolutions: conv2, conv4 and conv5 see only the maps of their own GPU (groups=2), conv3 and
the fully connected layers see both. It takes 227x227 inputs, the size at which an 11x11 stride-4
conv1 gives the paper's 55x55 maps (the paper says 224). `alexnet_torchvision` is the layout
torchvision ships, which its documentation attributes to Krizhevsky's "one weird trick" paper.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register


def response_norm() -> nn.LocalResponseNorm:
    # Section 3.3: n=5, k=2, alpha=1e-4, beta=0.75. PyTorch divides alpha by n inside the sum, the
    # paper does not, so alpha is scaled back up here.
    return nn.LocalResponseNorm(size=5, alpha=5 * 1e-4, beta=0.75, k=2.0)


def classifier(in_features: int, num_classes: int, dropout_first: bool = False) -> nn.Sequential:
    """fc6-fc7-fc8. Section 4.2 of the paper drops the outputs of fc6 and fc7; torchvision applies
    dropout to their inputs instead (`dropout_first`). Dropout is idle at inference, so the order
    changes no count."""
    layers: list[tuple[str, nn.Module]] = [("flatten", nn.Flatten())]
    for name, cin in (("6", in_features), ("7", 4096)):
        hidden = [(f"fc{name}", nn.Linear(cin, 4096)), (f"relu{name}", nn.ReLU(inplace=True))]
        drop = [(f"drop{name}", nn.Dropout(0.5))]
        layers += drop + hidden if dropout_first else hidden + drop
    layers.append(("fc8", nn.Linear(4096, num_classes)))
    return nn.Sequential(OrderedDict(layers))


class AlexNet(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict(
            conv1=nn.Conv2d(3, 96, kernel_size=11, stride=4),
            relu1=nn.ReLU(inplace=True),
            norm1=response_norm(),
            pool1=nn.MaxPool2d(kernel_size=3, stride=2),
            conv2=nn.Conv2d(96, 256, kernel_size=5, padding=2, groups=2),
            relu2=nn.ReLU(inplace=True),
            norm2=response_norm(),
            pool2=nn.MaxPool2d(kernel_size=3, stride=2),
            conv3=nn.Conv2d(256, 384, kernel_size=3, padding=1),
            relu3=nn.ReLU(inplace=True),
            conv4=nn.Conv2d(384, 384, kernel_size=3, padding=1, groups=2),
            relu4=nn.ReLU(inplace=True),
            conv5=nn.Conv2d(384, 256, kernel_size=3, padding=1, groups=2),
            relu5=nn.ReLU(inplace=True),
            pool5=nn.MaxPool2d(kernel_size=3, stride=2),
        ))
        self.classifier = classifier(256 * 6 * 6, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class AlexNetOneTower(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict(
            conv1=nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
            relu1=nn.ReLU(inplace=True),
            pool1=nn.MaxPool2d(kernel_size=3, stride=2),
            conv2=nn.Conv2d(64, 192, kernel_size=5, padding=2),
            relu2=nn.ReLU(inplace=True),
            pool2=nn.MaxPool2d(kernel_size=3, stride=2),
            conv3=nn.Conv2d(192, 384, kernel_size=3, padding=1),
            relu3=nn.ReLU(inplace=True),
            conv4=nn.Conv2d(384, 256, kernel_size=3, padding=1),
            relu4=nn.ReLU(inplace=True),
            conv5=nn.Conv2d(256, 256, kernel_size=3, padding=1),
            relu5=nn.ReLU(inplace=True),
            pool5=nn.MaxPool2d(kernel_size=3, stride=2),
        ))
        self.avgpool = nn.AdaptiveAvgPool2d(6)
        self.classifier = classifier(256 * 6 * 6, num_classes, dropout_first=True)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)))




# The NIPS paper has neither a DOI nor an arXiv id; the DOI is that of its 2017 reprint in
# Communications of the ACM, which has the same title, authors and network.
@register(ArchSpec(
    name="alexnet",
    display_name="AlexNet",
    predecessors=("lenet5",),
    family="AlexNet",
    year=2012,
    authors=("Alex Krizhevsky", "Ilya Sutskever", "Geoffrey E. Hinton"),
    title="ImageNet Classification with Deep Convolutional Neural Networks",
    paper="doi:10.1145/3065386",
    input_shape=(3, 227, 227),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("relu", "dropout", "lrn", "overlapping-pooling", "grouped-conv", "gpu-training"),
    params=Figure(60_965_224, "the paper's Figure 2 layer table (grouped conv2, conv4 and conv5, at 227x227); "
                  "consistent with the abstract's '60 million parameters'", "CH"),
    macs=Figure(720e6, "Howard et al. 2017 (arXiv:1704.04861) Table 9", "VS", 0.007,
                "printed to the nearest 10 M (715-725 M); this count is 724.4 M at 227x227"),
    accuracy=(
        Accuracy(57.1, 80.2, "single centre crop 227 (Caffe val crop_size 227), ImageNet-1k val; "
                 "BVLC's replication without the relighting augmentation",
                 "BVLC/caffe models/bvlc_alexnet/readme.md", "VS"),
        Accuracy(59.3, 81.8, "1 CNN, ILSVRC-2012 val (100 - 40.7 / 18.2% error), the paper's own "
                 "test protocol",
                 "Krizhevsky et al. 2012, as tabulated in Simonyan and Zisserman 2014 Table 7", "VS"),
        Accuracy(62.5, 83.0, "1 CNN, ILSVRC-2010 test (100 - 37.5 / 17.0% error)",
                 "Krizhevsky et al. 2012 abstract (quoted verbatim by several repositories)", "V2",
                 dataset="ILSVRC-2010 test"),
    ),
))
def alexnet(num_classes: int = 1000) -> AlexNet:
    return AlexNet(num_classes)


@register(ArchSpec(
    name="alexnet_torchvision",
    display_name="AlexNet (torchvision)",
    predecessors=("alexnet",),
    family="AlexNet",
    year=2014,
    authors=("Alex Krizhevsky",),
    title="One weird trick for parallelizing convolutional neural networks",
    paper="arXiv:1404.5997",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=(),
    params=Figure(61_100_840, f"{TORCHVISION} num_params", "VS"),
    macs=Figure(0.714e9, TORCHVISION_OPS, "VS", 0.001, "published to 0.001 G"),
    accuracy=(
        Accuracy(56.522, 79.066, centre_crop(), TORCHVISION, "VS"),
    ),
    variant_of="alexnet",
    differences="One tower of 64-192-384-256-256 channels with no grouping and no LRN; conv1 is padded "
                "by 2 to take 224x224 inputs, and an adaptive 6x6 average pool precedes the classifier.",
))
def alexnet_torchvision(num_classes: int = 1000) -> AlexNetOneTower:
    return AlexNetOneTower(num_classes)
