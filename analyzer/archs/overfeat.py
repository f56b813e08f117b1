"""OverFeat (Sermanet et al., 2013): the fast and accurate ImageNet networks of Tables 1 and 3.

`overfeat_fast` takes 231x231 inputs, `overfeat_accurate` 221x221, the window sizes of the authors'
release. Neither uses contrast normalisation, and their pooling regions do not overlap. The fully
connected layers are ordinary linear layers on the flattened maps here; the paper applies them as
convolutions to slide the classifier over larger images. The layer shapes were checked against the
filter shapes that sklearn-theano reads, in order, from the authors' released weight files
(`net_weight_0` and `net_weight_1`), and the strides against the output-size formulas of the
sermanet/OverFeat README.
"""

from __future__ import annotations

from collections import OrderedDict
from itertools import pairwise
from typing import NamedTuple

from torch import nn

from analyzer.registry import Accuracy, ArchSpec, Figure, register


class Stage(NamedTuple):
    channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    # A non-overlapping max pool of this size and stride follows the convolution; 0 for none.
    pool: int = 0


FAST = [Stage(96, 11, 4, pool=2), Stage(256, 5, pool=2), Stage(512, 3, padding=1),
        Stage(1024, 3, padding=1), Stage(1024, 3, padding=1, pool=2)]
ACCURATE = [Stage(96, 7, 2, pool=3), Stage(256, 7, pool=2), Stage(512, 3, padding=1),
            Stage(512, 3, padding=1), Stage(1024, 3, padding=1), Stage(1024, 3, padding=1, pool=3)]


class OverFeat(nn.Module):
    def __init__(self, stages: list[Stage], map_size: int, hidden: tuple[int, int],
                 num_classes: int = 1000) -> None:
        super().__init__()
        layers: OrderedDict[str, nn.Module] = OrderedDict()
        channels = 3
        for i, stage in enumerate(stages, start=1):
            layers[f"conv{i}"] = nn.Conv2d(channels, stage.channels, stage.kernel, stage.stride,
                                           stage.padding)
            layers[f"relu{i}"] = nn.ReLU(inplace=True)
            if stage.pool:
                layers[f"pool{i}"] = nn.MaxPool2d(stage.pool)
            channels = stage.channels
        self.features = nn.Sequential(layers)

        # Layers are numbered on from the convolutions, as in the paper's tables; dropout is on the
        # first two fully connected layers.
        first = len(stages) + 1
        widths = [channels * map_size * map_size, *hidden]
        head: OrderedDict[str, nn.Module] = OrderedDict(flatten=nn.Flatten())
        for i, (n_in, n_out) in enumerate(pairwise(widths), start=first):
            head[f"fc{i}"] = nn.Linear(n_in, n_out)
            head[f"relu{i}"] = nn.ReLU(inplace=True)
            head[f"drop{i}"] = nn.Dropout(0.5)
        head[f"fc{first + len(hidden)}"] = nn.Linear(widths[-1], num_classes)
        self.classifier = nn.Sequential(head)

    def forward(self, x):
        return self.classifier(self.features(x))


_PAPER = {
    "family": "OverFeat",
    "year": 2013,
    "authors": ("Pierre Sermanet", "David Eigen", "Xiang Zhang", "Michael Mathieu", "Rob Fergus",
                "Yann LeCun"),
    "title": "OverFeat: Integrated Recognition, Localization and Detection using Convolutional Networks",
    "paper": "arXiv:1312.6229",
    "output_shape": (1000,),
    "task": "ImageNet classification",
}
_SHAPES = ("from the layer table sklearn-theano (feature_extraction/overfeat.py, {}) reads from "
           "the authors' released weights")


@register(ArchSpec(
    name="overfeat_fast",
    display_name="OverFeat (fast)",
    predecessors=("alexnet",),
    input_shape=(3, 231, 231),
    ideas=("localization",),
    params=Figure(145_920_872, _SHAPES.format("SMALL_NETWORK_FILTER_SHAPES"), "CH"),
    # No accuracy of the fast model alone could be read in a source.
    **_PAPER,
))
def overfeat_fast(num_classes: int = 1000) -> OverFeat:
    return OverFeat(FAST, 6, (3072, 4096), num_classes)


# The VGG paper (arXiv:1409.1556 §2.2) cites "144M weights" for this model, which this count matches.
@register(ArchSpec(
    name="overfeat_accurate",
    display_name="OverFeat (accurate)",
    predecessors=("overfeat_fast", "alexnet"),
    input_shape=(3, 221, 221),
    ideas=(),
    params=Figure(144_656_488, _SHAPES.format("LARGE_NETWORK_FILTER_SHAPES"), "CH"),
    accuracy=(
        Accuracy(64.3, 85.8, "1 net, ILSVRC-2012 val (100 - 35.7 / 14.2% error); the table does not name "
                 "the model, taken here as the accurate one, the stronger of the two",
                 "Sermanet et al. 2013, as tabulated in Simonyan and Zisserman 2014 Table 7", "VS"),
    ),
    **_PAPER,
))
def overfeat_accurate(num_classes: int = 1000) -> OverFeat:
    return OverFeat(ACCURATE, 5, (4096, 4096), num_classes)
