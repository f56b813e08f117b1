"""The small networks that put ShuffleNet V2's four guidelines to the test (Ma et al. 2018,
https://arxiv.org/abs/1807.11164, Section 2), built as the paper's controlled experiments are: each
variant a stack of identical blocks, the variants of one guideline at (nearly) the same FLOPs, so
that what differs between them is memory traffic, grouping, fragmentation or element-wise work.

`scripts/bench_guidelines.py` times them on this machine; `guidelines.py` profiles them and reads the
timings back. The widths follow the paper's tables where it prints them (G1, G2); the grid and the
depth are this project's choice, small enough to time many rounds on a shared CPU.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

# Every variant stacks this many blocks (the paper's experiments repeat each block ten times).
BLOCKS = 10
# Feature maps of GRID x GRID positions at batch 1.
GRID = 28
# The reference width: the paper's "c1 = c2 = 128" (G1) and "g = 1, c = 128" (G2).
WIDTH = 128


class PointwisePair(nn.Module):
    """G1's block: a 1x1 convolution from c1 to c2 maps and one back. Its FLOPs depend on c1 * c2
    only; its memory traffic on c1 + c2 as well, which is least when c1 = c2."""

    def __init__(self, c1: int, c2: int) -> None:
        super().__init__()
        self.widen = nn.Conv2d(c1, c2, 1, bias=False)
        self.narrow = nn.Conv2d(c2, c1, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.narrow(self.widen(x))


class Fragments(nn.Module):
    """G3's block: `pieces` 1x1 convolutions, one after another (series) or side by side on the
    same input with their outputs concatenated (parallel)."""

    def __init__(self, channels: int, pieces: int, parallel: bool) -> None:
        super().__init__()
        width = channels // pieces if parallel else channels
        self.parallel = parallel
        self.pieces = nn.ModuleList(nn.Conv2d(channels, width, 1, bias=False) for _ in range(pieces))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.parallel:
            return torch.cat([piece(x) for piece in self.pieces], 1)
        for piece in self.pieces:
            x = piece(x)
        return x


class ElementwiseBottleneck(nn.Module):
    """G4's block: ResNet's bottleneck (1x1 down to a quarter, 3x3, 1x1 back up) with its ReLUs and
    its identity shortcut each optional. Without batch norm (folded into the convolutions at
    inference) and without biases, the element-wise work is exactly the ReLUs and the addition."""

    def __init__(self, channels: int, relu: bool, shortcut: bool) -> None:
        super().__init__()
        inner = channels // 4
        self.reduce = nn.Conv2d(channels, inner, 1, bias=False)
        self.conv = nn.Conv2d(inner, inner, 3, padding=1, bias=False)
        self.expand = nn.Conv2d(inner, channels, 1, bias=False)
        self.act = nn.ReLU() if relu else nn.Identity()
        self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.expand(self.act(self.conv(self.act(self.reduce(x)))))
        return self.act(out + x if self.shortcut else out)


@dataclass(frozen=True)
class Variant:
    """One network of a guideline's experiment: its label, the width it reads, and its block."""

    label: str
    channels: int
    block: Callable[[], nn.Module]

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (self.channels, GRID, GRID)

    def build(self) -> nn.Module:
        return nn.Sequential(*(self.block() for _ in range(BLOCKS))).eval()


@dataclass(frozen=True)
class Guideline:
    """A guideline's experiment: `reference` is the variant the guideline says is cheapest to run."""

    key: str
    reference: str
    variants: tuple[Variant, ...]

    def variant(self, label: str) -> Variant:
        return next(v for v in self.variants if v.label == label)


def _equal_widths() -> Guideline:
    # c1 = floor(128 / sqrt(r)), c2 = r * c1: the paper's Table 1 widths (128/128, 90/180, 52/312,
    # 36/432), whose products c1 * c2 (the FLOPs) agree within 5%.
    variants = []
    for ratio in (1, 2, 6, 12):
        c1 = int(WIDTH / math.sqrt(ratio))
        variants.append(Variant(f"1:{ratio}", c1, lambda c1=c1, c2=ratio * c1: PointwisePair(c1, c2)))
    return Guideline("g1", "1:1", tuple(variants))


def _groups() -> Guideline:
    # c grows with sqrt(g) to keep c * c / g fixed, rounded down to a multiple of g: the paper's
    # Table 2 widths (128, 180, 256, 360).
    variants = []
    for g in (1, 2, 4, 8):
        c = int(WIDTH * math.sqrt(g) / g) * g
        label = "1 group" if g == 1 else f"{g} groups"
        variants.append(Variant(label, c, lambda c=c, g=g: nn.Conv2d(c, c, 1, groups=g, bias=False)))
    return Guideline("g2", "1 group", tuple(variants))


def _fragmentation() -> Guideline:
    # In series each of k convolutions is sqrt(k) times narrower; in parallel each produces 1/k of
    # the maps: either way the FLOPs stay those of the single convolution (within 2%).
    variants = [Variant("1 fragment", WIDTH, lambda: Fragments(WIDTH, 1, parallel=False))]
    for pieces in (2, 4):
        c = int(WIDTH / math.sqrt(pieces))
        variants.append(Variant(f"{pieces} in series", c, lambda c=c, k=pieces: Fragments(c, k, parallel=False)))
    for pieces in (2, 4):
        variants.append(Variant(f"{pieces} in parallel", WIDTH,
                                lambda k=pieces: Fragments(WIDTH, k, parallel=True)))
    return Guideline("g3", "1 fragment", tuple(variants))


def _elementwise() -> Guideline:
    # The paper's Table 4 removes ReLU and the shortcut from ResNet's bottleneck unit.
    channels = 2 * WIDTH
    variants = tuple(
        Variant(label, channels, lambda relu=relu, shortcut=shortcut: ElementwiseBottleneck(channels, relu, shortcut))
        for label, relu, shortcut in (("ReLU and shortcut", True, True), ("ReLU only", True, False),
                                      ("shortcut only", False, True), ("neither", False, False)))
    return Guideline("g4", "neither", variants)


GUIDELINES: tuple[Guideline, ...] = (_equal_widths(), _groups(), _fragmentation(), _elementwise())
BY_KEY = {g.key: g for g in GUIDELINES}
