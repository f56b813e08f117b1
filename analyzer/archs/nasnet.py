"""NASNet-A (Zoph, Vasudevan, Shlens and Le, 2017): two cells found by search on CIFAR-10, stacked for ImageNet.

Registers NASNet-A Mobile, "4 @ 1056" in the paper's notation: four normal cells per stack and 1056
channels in the penultimate layer. The wiring of the two cells is the paper's Figure 4 as the
authors' TF-slim code (`nasnet_utils.py`) writes it, and the network around them follows its
`mobile_imagenet_config`: a 3x3 stem convolution, two reduction cells as a stem, three stacks of four
normal cells with a reduction cell between stacks, 44 filters per operation at the first stack,
doubled at every reduction. The auxiliary classifier is used only in training and is left out, as in
the parameter count this is checked against.

Every cell starts by bringing its two inputs, the outputs of the two cells before it, to its own
width (a ReLU, a 1x1 convolution and batch norm; a "factorized reduction" where the older input has
twice the resolution), then runs five pairs of operations, sums each pair, and concatenates the sums
that no later pair consumed.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

from analyzer.registry import Accuracy, ArchSpec, Figure, register

Branch = tuple[str, int]


@dataclass(frozen=True)
class Wiring:
    """A cell: five combinations, each (operation, input state) for a left and a right branch, summed;
    then the states concatenated as its output. State 0 is the cell's current input, 1 the input of
    the cell before, 2-6 the five sums in order."""

    combinations: tuple[tuple[Branch, Branch], ...]
    outputs: tuple[int, ...]


NORMAL_CELL = Wiring((
    (("separable_5x5", 0), ("separable_3x3", 1)),
    (("separable_5x5", 1), ("separable_3x3", 1)),
    (("avg_pool_3x3", 0), ("identity", 1)),
    (("avg_pool_3x3", 1), ("avg_pool_3x3", 1)),
    (("separable_3x3", 0), ("identity", 0)),
), outputs=(1, 2, 3, 4, 5, 6))
REDUCTION_CELL = Wiring((
    (("separable_5x5", 0), ("separable_7x7", 1)),
    (("max_pool_3x3", 0), ("separable_7x7", 1)),
    (("avg_pool_3x3", 0), ("separable_5x5", 1)),
    (("identity", 3), ("avg_pool_3x3", 2)),
    (("separable_3x3", 2), ("max_pool_3x3", 0)),
), outputs=(3, 4, 5, 6))


class SeparableStack(nn.Sequential):
    """TF-slim's `separable_KxK_2`: twice ReLU, depthwise kxk, pointwise 1x1, batch norm; stride on the first."""

    def __init__(self, in_channels: int, channels: int, kernel_size: int, stride: int) -> None:
        layers: list[nn.Module] = []
        for width, step in ((in_channels, stride), (channels, 1)):
            layers += [nn.ReLU(),
                       nn.Conv2d(width, width, kernel_size, step, kernel_size // 2, groups=width, bias=False),
                       nn.Conv2d(width, channels, 1, bias=False),
                       nn.BatchNorm2d(channels, eps=1e-3)]
        super().__init__(*layers)


def branch(operation: str, in_channels: int, channels: int, stride: int) -> nn.Module:
    if operation.startswith("separable"):
        return SeparableStack(in_channels, channels, int(operation[-1]), stride)
    # In this network pools and identities always see a state that already has the cell's width, so
    # TF-slim's 1x1 projection for a width mismatch is never built.
    if operation == "max_pool_3x3":
        return nn.MaxPool2d(3, stride, padding=1)
    if operation == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride, padding=1, count_include_pad=False)
    return nn.Identity()


class FactorizedReduction(nn.Module):
    """Halve the resolution without dropping three pixels in four: two 1x1 convs on the even and odd grids.

    One path samples every other pixel from the top left, the other from one pixel down and to the
    right (zero-padded at the edge); each projects to half the channels, and the halves are joined.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.relu = nn.ReLU()
        self.subsample = nn.AvgPool2d(1, stride=2)
        # Drop the first row and column, add a zero row and column at the end: TF-slim's pad-and-crop in
        # one padding, which the receptive-field analysis follows as a one-pixel shift.
        self.shift = nn.ZeroPad2d((-1, 1, -1, 1))
        self.path1 = nn.Conv2d(in_channels, out_channels // 2, 1, bias=False)
        self.path2 = nn.Conv2d(in_channels, out_channels // 2, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels, eps=1e-3)

    def forward(self, x):
        x = self.relu(x)
        return self.bn(torch.cat([self.path1(self.subsample(x)), self.path2(self.subsample(self.shift(x)))], 1))


def relu_conv_bn(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(nn.ReLU(), nn.Conv2d(in_channels, out_channels, 1, bias=False),
                         nn.BatchNorm2d(out_channels, eps=1e-3))


class Cell(nn.Module):
    """A normal (stride 1) or reduction (stride 2) cell of `channels` filters per operation.

    `previous` describes the older input: its channels and whether it has twice this cell's input
    resolution; None means there is none, and the current input stands in for it unchanged.
    """

    def __init__(self, wiring: Wiring, in_channels: int,
                 previous: tuple[int, bool] | None, channels: int, stride: int) -> None:
        super().__init__()
        self.wiring = wiring
        self.current = relu_conv_bn(in_channels, channels)
        if previous is None:
            self.previous: nn.Module | None = None
            previous_channels = in_channels
        else:
            previous_channels, finer = previous
            self.previous = (FactorizedReduction(previous_channels, channels) if finer
                             else relu_conv_bn(previous_channels, channels) if previous_channels != channels
                             else nn.Identity())
            previous_channels = channels
        widths = [channels, previous_channels]
        self.branches = nn.ModuleList()
        for pair in wiring.combinations:
            for operation, state in pair:
                # Only the two inputs are strided; the sums inside a reduction cell are already reduced.
                self.branches.append(branch(operation, widths[state], channels, stride if state < 2 else 1))
            widths.append(channels)
        self.out_channels = channels * len(wiring.outputs)

    def forward(self, x, previous=None):
        states = [self.current(x), x if self.previous is None else self.previous(previous)]
        for index, ((_, left), (_, right)) in enumerate(self.wiring.combinations):
            states.append(self.branches[2 * index](states[left]) + self.branches[2 * index + 1](states[right]))
        return torch.cat([states[s] for s in self.wiring.outputs], 1)


class NASNetA(nn.Module):
    """Stem conv, two reduction cells as a stem, then `stacks` stacks of `cells_per_stack` normal cells."""

    def __init__(self, filters: int = 44, cells_per_stack: int = 4, stacks: int = 3, stem_filters: int = 32,
                 num_classes: int = 1000) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, stem_filters, 3, stride=2, bias=False),
                                  nn.BatchNorm2d(stem_filters, eps=1e-3))
        cells: OrderedDict[str, Cell] = OrderedDict()
        # (channels, resolution step) of the two latest outputs; the step counts stride-2 layers.
        latest: list[tuple[int, int]] = [(stem_filters, 0)]

        def add(name: str, wiring: Wiring, channels: int, stride: int) -> None:
            (current, step), older = latest[-1], latest[-2] if len(latest) > 1 else None
            previous = None if older is None else (older[0], older[1] < step)
            cells[name] = Cell(wiring, current, previous, channels, stride)
            latest.append((cells[name].out_channels, step + (stride == 2)))

        # The stem cells use a quarter and a half of the first stack's filters (TF-slim's filter scaling).
        add("stem_cell1", REDUCTION_CELL, filters // 4, 2)
        add("stem_cell2", REDUCTION_CELL, filters // 2, 2)
        for stack in range(stacks):
            if stack:
                add(f"reduction{stack}", REDUCTION_CELL, filters * 2 ** stack, 2)
            for index in range(1, cells_per_stack + 1):
                add(f"stack{stack + 1}_cell{index}", NORMAL_CELL, filters * 2 ** stack, 1)
        self.cells = nn.ModuleDict(cells)
        channels = latest[-1][0]
        self.classifier = nn.Sequential(OrderedDict(
            relu=nn.ReLU(),
            avgpool=nn.AdaptiveAvgPool2d(1),
            flatten=nn.Flatten(),
            dropout=nn.Dropout(0.5),
            fc=nn.Linear(channels, num_classes),
        ))

    def forward(self, x):
        older, x = None, self.stem(x)
        for cell in self.cells.values():
            older, x = x, cell(x, older)
        return self.classifier(x)


_PAPER = "Zoph et al. 2017, mobile-setting ImageNet table (as quoted in the Keras and TF-slim docstrings)"


@register(ArchSpec(
    name="nasnet_a_mobile",
    display_name="NASNet-A Mobile (4 @ 1056)",
    family="NASNet",
    year=2017,
    authors=("Barret Zoph", "Vijay Vasudevan", "Jonathon Shlens", "Quoc V. Le"),
    title="Learning Transferable Architectures for Scalable Image Recognition",
    paper="arXiv:1707.07012",
    # Its mobile size is set against MobileNet v1 (Table 3); its cells search Inception-style branches.
    predecessors=("mobilenet_v1", "inception_v3"),
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("architecture-search",),
    params=Figure(5_289_978, "pytorchcv 0.0.74 nasnet_4a1056, instantiated (no auxiliary head)", "CH"),
    macs=Figure(564e6, "Sandler et al. 2018 (MobileNetV2), Table 4, NASNet-A row", "VS", 0.5e6 / 564e6,
                "published to the nearest million"),
    accuracy=(
        Accuracy(74.0, 91.6, "ImageNet-1k val at 224, as printed in the paper (crop not stated)", _PAPER, "V2"),
        Accuracy(74.4, 91.9, "Keras Applications evaluation of NASNetMobile at 224, ImageNet-1k val",
                 "keras-io applications index (Keras NASNetMobile)", "VS"),
    ),
))
def nasnet_a_mobile(num_classes: int = 1000) -> NASNetA:
    return NASNetA(num_classes=num_classes)
