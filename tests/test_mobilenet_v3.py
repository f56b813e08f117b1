"""MobileNetV3 against its paper: the bneck rows of Tables 1-2, h-swish, SE, the last stage, Table 3."""

from __future__ import annotations

import pytest
import torch
from inverted_residuals import rows
from torch import nn

import analyzer
from analyzer.profiler import profile

RE, HS = nn.ReLU, nn.Hardswish
# Howard et al. 2019 (final version), Tables 1 and 2: kernel, exp size, #out, SE, NL, stride.
TABLE_1_LARGE = [
    (3, 16, 16, False, RE, 1), (3, 64, 24, False, RE, 2), (3, 72, 24, False, RE, 1), (5, 72, 40, True, RE, 2),
    (5, 120, 40, True, RE, 1), (5, 120, 40, True, RE, 1), (3, 240, 80, False, HS, 2), (3, 200, 80, False, HS, 1),
    (3, 184, 80, False, HS, 1), (3, 184, 80, False, HS, 1), (3, 480, 112, True, HS, 1),
    (3, 672, 112, True, HS, 1), (5, 672, 160, True, HS, 2), (5, 960, 160, True, HS, 1), (5, 960, 160, True, HS, 1),
]
TABLE_2_SMALL = [
    (3, 16, 16, True, RE, 2), (3, 72, 24, False, RE, 2), (3, 88, 24, False, RE, 1), (5, 96, 40, True, HS, 2),
    (5, 240, 40, True, HS, 1), (5, 240, 40, True, HS, 1), (5, 120, 48, True, HS, 1), (5, 144, 48, True, HS, 1),
    (5, 288, 96, True, HS, 2), (5, 576, 96, True, HS, 1), (5, 576, 96, True, HS, 1),
]
# Section 5.3: the squeeze is a quarter of the expansion; rounded to the nearest multiple of 8 (never
# more than 10% down), as the released models have it. Worked by hand from each exp size.
SQUEEZE = {16: 8, 72: 24, 96: 24, 120: 32, 144: 40, 240: 64, 288: 72, 480: 120, 576: 144, 672: 168, 960: 240}


@pytest.mark.parametrize("name,table", [("mobilenet_v3_large", TABLE_1_LARGE), ("mobilenet_v3_small", TABLE_2_SMALL)])
def test_bneck_rows_follow_the_tables(name, table):
    blocks = rows(analyzer.build(name, device="meta"))
    assert [(r.kernel_size, r.expanded_channels, r.out_channels, r.se_channels is not None, r.activation, r.stride)
            for r in blocks] == table
    assert blocks[0].in_channels == 16  # Section 5.1: the first layer cut from 32 filters to 16


@pytest.mark.parametrize("name", ["mobilenet_v3_large", "mobilenet_v3_small"])
def test_squeeze_excitation_sits_in_the_expansion_under_a_hard_sigmoid(name):
    for r in rows(analyzer.build(name, device="meta")):
        assert r.linear_projection and r.has_expand_conv == (r.expanded_channels != r.in_channels)
        if r.se_channels is not None:
            assert r.se_channels == SQUEEZE[r.expanded_channels] and r.gate is nn.Hardsigmoid


@pytest.mark.parametrize("name,last_conv,last_fc",
                         [("mobilenet_v3_large", 960, 1280), ("mobilenet_v3_small", 576, 1024)])
def test_last_stage_pools_before_its_widest_layer(name, last_conv, last_fc):
    model = analyzer.build(name, device="meta")
    conv = model.features.conv_last
    assert conv[0].out_channels == last_conv and isinstance(conv[-1], nn.Hardswish)
    # Table 2's SE mark on Small's last 1x1 conv is in no released model: none there.
    assert not any(isinstance(m, nn.Hardsigmoid) for m in conv.modules())
    head = list(model.classifier)
    assert isinstance(head[0], nn.AdaptiveAvgPool2d)
    fc1 = next(m for m in head if isinstance(m, nn.Linear))
    assert fc1.out_features == last_fc and fc1.bias is not None  # "NBN": no batch norm, so a bias
    assert not any(isinstance(m, nn.BatchNorm1d) for m in head)


def test_h_swish_is_the_papers_formula():
    x = torch.linspace(-5, 5, 101)
    block = rows(analyzer.build("mobilenet_v3_large"))[-1]
    assert block.activation is nn.Hardswish
    assert torch.allclose(nn.Hardswish()(x), x * torch.clamp(x + 3, 0, 6) / 6)


# Table 3 prints 219 M (Large) and 56 M (Small). Large's count is 1.1% below the paper's, a gap the
# paper does not explain (the authors' TF-slim README gives 217 M for the same checkpoint); Small's
# 56.5 M sits on the rounding edge of the printed whole millions.
@pytest.mark.parametrize("name,paper,rel", [("mobilenet_v3_large", 219e6, 0.015), ("mobilenet_v3_small", 56e6, 0.01)])
def test_mult_adds_against_table_3(name, paper, rel):
    macs = profile(name).totals.macs
    assert macs == pytest.approx(paper, rel=rel) and macs <= paper * 1.01
