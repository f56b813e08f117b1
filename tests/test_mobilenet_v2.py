"""MobileNetV2 against its paper: Table 2's bottleneck rows, the block of Table 1, Table 4's cost."""

from __future__ import annotations

import itertools

import pytest
from inverted_residuals import input_sizes, rows
from torch import nn

import analyzer
from analyzer.profiler import profile

# Sandler et al. 2018, Table 2: (t, c, n, s) of the seven bottleneck rows, and the input size of each.
TABLE_2 = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
           (6, 320, 1, 1)]
ROW_INPUTS = [112, 112, 56, 28, 14, 14, 7]


def test_bottlenecks_follow_table_2():
    blocks = rows(analyzer.build("mobilenet_v2", device="meta"))
    assert len(blocks) == 17
    grouped = [list(group) for _, group in itertools.groupby(blocks, key=lambda r: r.out_channels)]
    table = []
    for group in grouped:
        first = group[0]
        assert all(r.stride == 1 for r in group[1:]) and all(r.kernel_size == 3 for r in group)
        assert all(r.expanded_channels == r.in_channels * first.expanded_channels // first.in_channels
                   for r in group)
        table.append((first.expanded_channels // first.in_channels, first.out_channels, len(group), first.stride))
    assert table == TABLE_2


def test_blocks_are_inverted_residuals_with_linear_bottlenecks():
    for r in rows(analyzer.build("mobilenet_v2", device="meta")):
        assert r.activation is nn.ReLU6 and r.linear_projection and r.se_channels is None
        # Table 1: the t = 1 block has no expansion conv; the shortcut joins thin tensors of one shape.
        assert r.has_expand_conv == (r.expanded_channels != r.in_channels)
        assert r.shortcut == (r.stride == 1 and r.in_channels == r.out_channels)


def test_each_row_sees_the_input_size_of_table_2():
    model = analyzer.build("mobilenet_v2", device="meta")
    sizes = input_sizes(model)
    firsts = [f"bottleneck{row}_1" for row in range(1, 8)]
    assert [sizes[name] for name in firsts] == ROW_INPUTS
    assert sizes["conv_last"] == 7 and model.features.conv_last[0].out_channels == 1280


def test_mult_adds_within_half_a_percent_of_table_4():
    # Table 4 prints 300M multiply-adds for MobileNetV2 (1.0) at 224.
    assert profile("mobilenet_v2").totals.macs == pytest.approx(300e6, rel=0.005)


def test_width_multiplier_spares_the_last_conv():
    thin = analyzer.build("mobilenet_v2", device="meta", width_multiplier=0.5)
    assert thin.features.conv1[0].out_channels == 16
    assert thin.features.conv_last[0].out_channels == 1280
    # The bottleneck widths are halved (and rounded to multiples of 8): 320 becomes 160.
    assert [r.out_channels for r in rows(thin)][-1] == 160
