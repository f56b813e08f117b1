"""LeNet-5 (LeCun, Bottou, Bengio and Haffner, 1998): the convolutional network of Figure 2.

`lenet5` follows Section II.B layer by layer: trainable subsampling (one coefficient and one bias per
map), the partial S2 to C3 connections of Table I, the scaled tanh squashing function of Appendix A,
and an output layer of Euclidean RBF units whose centres are fixed, so that the count of trainable
parameters is the paper's 60,000. The paper's centres are hand-drawn 7x12 bitmaps of the characters;
random +-1 codes stand in for them, as only their shape matters to the analyzer.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from analyzer.registry import Accuracy, ArchSpec, Figure, register

# Table I: the S2 maps each C3 map reads. Maps 0-5 take three neighbours, 6-11 four neighbours,
# 12-14 four non-contiguous maps and 15 all six (the table is cyclic over the six S2 maps).
C3_INPUTS: list[list[int]] = [
    [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 0], [5, 0, 1],
    [0, 1, 2, 3], [1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 0], [4, 5, 0, 1], [5, 0, 1, 2],
    [0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5],
    [0, 1, 2, 3, 4, 5],
]


class ScaledTanh(nn.Module):
    """f(a) = A tanh(S a) with A = 1.7159 and S = 2/3 (Appendix A), so that f(1) = 1 and f(-1) = -1."""

    def forward(self, x):
        return 1.7159 * torch.tanh(x * (2.0 / 3.0))


class Subsampling(nn.Module):
    """Sum of each 2x2 neighbourhood, times a trainable coefficient, plus a trainable bias, per map."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x):
        summed = F.avg_pool2d(x, 2) * 4
        return summed * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


class PartialConv(nn.Module):
    """C3: one 5x5 convolution per output map over its own subset of the input maps."""

    def __init__(self, inputs: list[list[int]], kernel_size: int = 5) -> None:
        super().__init__()
        self.inputs = inputs
        self.maps = nn.ModuleList(nn.Conv2d(len(subset), 1, kernel_size) for subset in inputs)

    def forward(self, x):
        return torch.cat([conv(x[:, subset]) for subset, conv in zip(self.inputs, self.maps)], dim=1)


class EuclideanRBF(nn.Module):
    """Output units y_i = sum_j (x_j - w_ij)^2 over fixed centres w (a buffer, not trained)."""

    def __init__(self, in_features: int, num_classes: int) -> None:
        super().__init__()
        self.register_buffer("centres", torch.randint(0, 2, (num_classes, in_features)).float() * 2 - 1)

    def forward(self, x):
        return (x.unsqueeze(1) - self.centres).pow(2).sum(dim=-1)


class LeNet5(nn.Module):
    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.c1 = nn.Sequential(nn.Conv2d(1, 6, 5), ScaledTanh())
        self.s2 = nn.Sequential(Subsampling(6), ScaledTanh())
        self.c3 = nn.Sequential(PartialConv(C3_INPUTS), ScaledTanh())
        self.s4 = nn.Sequential(Subsampling(16), ScaledTanh())
        # C5 is a convolution whose 5x5 kernel covers the whole 5x5 S4 map of a 32x32 input.
        self.c5 = nn.Sequential(nn.Conv2d(16, 120, 5), ScaledTanh(), nn.Flatten())
        self.f6 = nn.Sequential(nn.Linear(120, 84), ScaledTanh())
        self.output = EuclideanRBF(84, num_classes)

    def forward(self, x):
        return self.output(self.f6(self.c5(self.s4(self.c3(self.s2(self.c1(x)))))))


_PAPER_TEXT = "LeCun et al. 1998 (as quoted verbatim in MNIST results-table copies)"


@register(ArchSpec(
    name="lenet5",
    display_name="LeNet-5",
    family="LeNet",
    year=1998,
    authors=("Yann LeCun", "Léon Bottou", "Yoshua Bengio", "Patrick Haffner"),
    title="Gradient-Based Learning Applied to Document Recognition",
    paper="doi:10.1109/5.726791",
    input_shape=(1, 32, 32),
    output_shape=(10,),
    task="MNIST digit classification",
    ideas=("convolution", "subsampling", "sparse-connections"),
    params=Figure(60_000, "LeCun et al. 1998 §II.B, 'only 60,000 trainable free parameters' "
                  "(quoted verbatim by several repositories)", "V2"),
    # No mult-add figure was published: the paper's 340,908 "connections" also count biases and the
    # subsampling layers, so they are not MACs.
    accuracy=(
        Accuracy(99.05, None, "MNIST test accuracy (100 - 0.95% error), trained without distortions",
                 _PAPER_TEXT, "V2", dataset="MNIST test"),
        Accuracy(99.2, None, "MNIST test accuracy (100 - 0.8% error), trained with distortions",
                 _PAPER_TEXT, "V2", dataset="MNIST test"),
    ),
))
def lenet5(num_classes: int = 10) -> LeNet5:
    return LeNet5(num_classes)
