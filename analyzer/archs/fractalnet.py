"""FractalNet (Larsson, Maire and Shakhnarovich, 2016): depth from a self-similar expansion rule, no residuals.

Registers `fractalnet`, the paper's CIFAR network (B=5 blocks of C=3 columns, 20 layers, 3x32x32 input,
CIFAR-100). It is the CIFAR model, not the ImageNet FractalNet-34, because no readable copy of the
paper's ImageNet section was found to fix that model's stem, widths and transitions. The layer details
follow the authors' Caffe generator (gustavla/fractalnet, `generation/`): 3x3 convolutions with biases,
each followed by dropout, a BatchNorm without learned scale or shift (Caffe's BatchNorm layer) and a
ReLU, a 2x2 max pool after each block, and one fully connected layer on the final 1x1 map.
"""

from __future__ import annotations

import random

import torch
from torch import nn

from analyzer.registry import Accuracy, ArchSpec, Figure, register

# Widths of the paper's CIFAR blocks (64, 128, 256, 512, 512): doubling up to 512.
MAX_WIDTH = 512
# Local drop-path rate of the paper's Section 4 training; a join never drops all of its inputs.
DROP_PATH = 0.15


def block_width(index: int) -> int:
    return min(64 * 2**index, MAX_WIDTH)


class ConvUnit(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int, dropout: float) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1),
            nn.Dropout(dropout),
            nn.BatchNorm2d(out_channels, affine=False),
            nn.ReLU(inplace=True),
        )


class Join(nn.Module):
    """Element-wise mean of the columns that meet; in training, local drop-path removes some of them."""

    def __init__(self, drop_prob: float = DROP_PATH) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, branches: list[torch.Tensor]) -> torch.Tensor:
        if self.training and len(branches) > 1:
            kept = [b for b in branches if random.random() >= self.drop_prob]
            branches = kept or [random.choice(branches)]
        return torch.stack(branches).mean(dim=0)


class Fractal(nn.Module):
    """The expansion rule: f_1 = conv, f_(C+1)(z) = join((f_C o f_C)(z), conv(z)).

    `conv` is this level's one-layer column, `first` and `second` the two copies of f_C. A join takes
    the columns of `second` and `conv` together, as in the paper's Figure 1, rather than nesting means.
    """

    def __init__(self, columns: int, in_channels: int, out_channels: int, dropout: float) -> None:
        super().__init__()
        self.columns = columns
        self.conv = ConvUnit(in_channels, out_channels, dropout)
        if columns > 1:
            self.first = Fractal(columns - 1, in_channels, out_channels, dropout)
            self.second = Fractal(columns - 1, out_channels, out_channels, dropout)
        self.join = Join()

    def branches(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = [self.conv(x)]
        if self.columns > 1:
            outputs = self.second.branches(self.first(x)) + outputs
        return outputs

    def forward(self, x):
        return self.join(self.branches(x))


class FractalNet(nn.Module):
    def __init__(self, num_classes: int = 100, columns: int = 3, blocks: int = 5, input_size: int = 32) -> None:
        super().__init__()
        side = input_size >> blocks
        if side == 0:
            raise ValueError(f"{blocks} blocks pool a {input_size}x{input_size} input away")
        channels = 3
        for i in range(blocks):
            # Per-block dropout rates 0%, 10%, ..., 40% of the paper's dropout experiments.
            self.add_module(f"block{i + 1}", Fractal(columns, channels, block_width(i), dropout=0.1 * i))
            # The paper draws the pool after the block's last join; the authors' generator pools each
            # column just before it, which costs the same.
            self.add_module(f"pool{i + 1}", nn.MaxPool2d(2, 2))
            channels = block_width(i)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(channels * side * side, num_classes))

    def forward(self, x):
        for module in self.children():
            x = module(x)
        return x


# The paper's Table 1 prints 38.6M parameters for this 20-layer network (V2, quoted in
# khanrc/pt.fractalnet's notes, which also find 33.7M when building it); the authors' own generator
# gives 33.7M too, so the parameter figure is the count of that definition rather than the printed one.
_GENERATOR = ("gustavla/fractalnet generation/fractalnet.py and globals.crox (authors' Caffe generator: "
              "C=3, B=5, widths 64-128-256-512-512, biased 3x3 convs, parameter-free BatchNorm), "
              "with a 100-class FC")
_TABLE_1 = "Larsson et al. 2016 Table 1, 20-layer rows, as quoted in the khanrc/pt.fractalnet README"


@register(ArchSpec(
    name="fractalnet",
    display_name="FractalNet-20 (CIFAR)",
    predecessors=("resnet34",),
    family="FractalNet",
    year=2016,
    authors=("Gustav Larsson", "Michael Maire", "Gregory Shakhnarovich"),
    title="FractalNet: Ultra-Deep Neural Networks without Residuals",
    paper="arXiv:1605.07648",
    input_shape=(3, 32, 32),
    output_shape=(100,),
    task="CIFAR-100 classification",
    ideas=("fractal", "drop-path"),
    params=Figure(33_760_484, _GENERATOR, "CH"),
    accuracy=(
        Accuracy(77.15, None, "CIFAR-100++ test accuracy (100 - 22.85% error; heavier augmentation, "
                 "no dropout or drop-path)", _TABLE_1, "V2", dataset="CIFAR-100 test"),
        Accuracy(71.80, None, "CIFAR-100 test accuracy without augmentation, with dropout and drop-path "
                 "(100 - 28.20% error)", _TABLE_1, "V2", dataset="CIFAR-100 test"),
    ),
    options={
        "num_classes": "output classes (CIFAR-100: 100, CIFAR-10: 10)",
        "columns": "C, columns per block; a block has 2^C - 1 convolutions, 2^(C-1) on its longest path",
        "blocks": "B, blocks (each followed by a 2x2 max pool); at most 5 for a 32x32 input",
    },
))
def fractalnet(num_classes: int = 100, columns: int = 3, blocks: int = 5) -> FractalNet:
    return FractalNet(num_classes, columns, blocks)
