"""MnasNet against its paper: the stages of the searched A1 (Figure 7(a)) and torchvision's B1."""

from __future__ import annotations

import itertools

from inverted_residuals import input_sizes, rows
from torch import nn

import analyzer

# Tan et al. 2018, Figure 7(a): (expansion, kernel, output channels, repeats, SE) of each stage after
# the stem; SepConv is the expansion-1 block. Strides from the map sizes of the figure.
FIGURE_7A = [(1, 3, 16, 1, False), (6, 3, 24, 2, False), (3, 5, 40, 3, True), (6, 3, 80, 4, False),
             (6, 3, 112, 2, True), (6, 5, 160, 3, True), (6, 3, 320, 1, False)]
STAGE_INPUTS = [112, 112, 56, 28, 14, 14, 7]
# torchvision's mnasnet1_0 source, `_stack(in, out, kernel, stride, expansion, repeats)`.
TORCHVISION_B1 = [(1, 3, 16, 1, False), (3, 3, 24, 3, False), (3, 5, 40, 3, False), (6, 5, 80, 3, False),
                  (6, 3, 96, 2, False), (6, 5, 192, 4, False), (6, 3, 320, 1, False)]


def stages(name: str):
    blocks = rows(analyzer.build(name, device="meta"))
    return [list(group) for _, group in itertools.groupby(blocks, key=lambda r: r.out_channels)]


def describe(group) -> tuple:
    first = group[0]
    assert all(r.stride == 1 for r in group[1:])
    assert len({(r.kernel_size, r.expanded_channels // r.in_channels, r.se_channels is None) for r in group}) == 1
    return (first.expanded_channels // first.in_channels, first.kernel_size, first.out_channels, len(group),
            first.se_channels is not None)


def test_mnasnet_a1_stages_follow_figure_7a():
    assert [describe(group) for group in stages("mnasnet_a1")] == FIGURE_7A


def test_mnasnet_b1_stacks_follow_torchvision():
    assert [describe(group) for group in stages("mnasnet_b1")] == TORCHVISION_B1


def test_a1_squeezes_to_a_quarter_of_the_block_input():
    for r in rows(analyzer.build("mnasnet_a1", device="meta")):
        assert r.activation is nn.ReLU and r.linear_projection
        if r.se_channels is not None:
            assert r.se_channels == r.in_channels // 4 and r.gate is nn.Sigmoid


def test_first_block_is_a_separable_conv_without_a_shortcut():
    for name in ("mnasnet_a1", "mnasnet_b1"):
        first = rows(analyzer.build(name, device="meta"))[0]
        assert not first.has_expand_conv and not first.shortcut and first.in_channels == 32


def test_each_stage_sees_the_map_size_of_figure_7a():
    model = analyzer.build("mnasnet_a1", device="meta")
    sizes = input_sizes(model)
    assert [sizes[f"stage{row}_1"] for row in range(1, 8)] == STAGE_INPUTS and sizes["conv_last"] == 7
