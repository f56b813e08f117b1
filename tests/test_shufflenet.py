"""ShuffleNet v1 and v2 against their papers: the channel shuffle, stage widths and repeats, units."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.archs.shufflenet import ShuffleUnitV1, ShuffleUnitV2, channel_shuffle
from analyzer.profiler import profile

# ShuffleNet v1, Table 1 (1x): output channels of stages 2-4 and the complexity column, in millions.
V1_TABLE_1 = {1: ((144, 288, 576), 143), 2: ((200, 400, 800), 140), 3: ((240, 480, 960), 137),
              4: ((272, 544, 1088), 133), 8: ((384, 768, 1536), 137)}
# ShuffleNet v2, Table 5: output channels of stages 2-4 and of conv5.
V2_TABLE_5 = {"shufflenet_v2_x0_5": (48, 96, 192, 1024), "shufflenet_v2_x1_0": (116, 232, 464, 1024),
              "shufflenet_v2_x1_5": (176, 352, 704, 1024), "shufflenet_v2_x2_0": (244, 488, 976, 2048)}
REPEATS = [4, 8, 4]


def _stage_outputs(model: nn.Module) -> list[tuple[int, ...]]:
    stages = [model.features.stage2, model.features.stage3, model.features.stage4]
    shapes: list[tuple[int, ...]] = []
    hooks = [s.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:]))) for s in stages]
    with torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))
    for hook in hooks:
        hook.remove()
    return shapes


def test_channel_shuffle_interleaves_the_groups_as_section_3_1_describes():
    # Six channels in three groups (0 1 | 2 3 | 4 5): reshape to (3, 2), transpose to (2, 3),
    # flatten: each run of three output channels takes one channel from every group.
    x = torch.arange(6.0).view(1, 6, 1, 1).expand(2, 6, 3, 4).contiguous()
    out = channel_shuffle(x, 3)
    assert out.shape == x.shape
    assert out[0, :, 0, 0].tolist() == [0, 2, 4, 1, 3, 5]
    assert torch.equal(out[1], out[0]) and bool((out == out[:, :, :1, :1]).all())
    # Two groups (v2): 0 1 2 | 3 4 5 becomes 0 3 1 4 2 5.
    assert channel_shuffle(x, 2)[0, :, 0, 0].tolist() == [0, 3, 1, 4, 2, 5]


def test_channel_shuffle_moves_values_without_changing_them():
    x = torch.randn(1, 12, 5, 5)
    out = channel_shuffle(x, 4)
    assert torch.equal(out.sort(dim=1).values, x.sort(dim=1).values)
    # Shuffling by g and then by channels / g undoes it.
    assert torch.equal(channel_shuffle(out, 3), x)


@pytest.mark.parametrize("groups", V1_TABLE_1)
def test_v1_stage_widths_and_repeats_follow_table_1(groups):
    model = analyzer.build("shufflenet_v1", device="meta", groups=groups)
    widths, _ = V1_TABLE_1[groups]
    assert [len(getattr(model.features, f"stage{s}")) for s in (2, 3, 4)] == REPEATS
    assert _stage_outputs(model) == [(w, size, size) for w, size in zip(widths, (28, 14, 7))]


@pytest.mark.parametrize("groups", V1_TABLE_1)
def test_v1_convolutions_match_table_1_complexity(groups):
    # Table 1's complexity column fits the convolutions' mult-adds for every g to the printed
    # million once the classifier (stage-4 width x 1000) is left out.
    widths, paper = V1_TABLE_1[groups]
    macs = profile("shufflenet_v1", options={"groups": groups}).totals.macs
    assert round((macs - widths[-1] * 1000) / 1e6) == paper


def test_v1_grouping_and_shortcuts():
    model = analyzer.build("shufflenet_v1", device="meta")
    units = [m for m in model.modules() if isinstance(m, ShuffleUnitV1)]
    first = units[0]
    # Stage 2's first pointwise layer is not grouped; every other 1x1 has g = 3 groups.
    assert first.reduce[0].groups == 1 and first.reduce[0].in_channels == 24
    assert all(u.reduce[0].groups == 3 for u in units[1:]) and all(u.expand[0].groups == 3 for u in units)
    # Bottleneck = a quarter of the output; a strided unit's branch makes only what the pooled input lacks.
    assert first.reduce[0].out_channels == 60 and first.expand[0].out_channels == 240 - 24
    for unit in units:
        assert unit.depthwise[0].groups == unit.depthwise[0].in_channels
        assert isinstance(unit.shortcut, nn.AvgPool2d) == (unit.stride == 2)
    assert [u.stride for u in units].count(2) == 3


@pytest.mark.parametrize("name", V2_TABLE_5)
def test_v2_stage_widths_and_repeats_follow_table_5(name):
    model = analyzer.build(name, device="meta")
    *widths, final = V2_TABLE_5[name]
    assert [len(getattr(model.features, f"stage{s}")) for s in (2, 3, 4)] == REPEATS
    assert _stage_outputs(model) == [(w, size, size) for w, size in zip(widths, (28, 14, 7))]
    assert model.features.conv5[0].out_channels == final == model.classifier.fc.in_features


def test_v2_unit_passes_half_its_channels_through_then_shuffles():
    torch.manual_seed(0)
    unit = ShuffleUnitV2(116, 116, stride=1).eval()
    x = torch.randn(1, 116, 7, 7)
    with torch.no_grad():
        out = unit(x)
    # The split keeps channels 0..57 untouched; the shuffle of two groups puts them at even positions.
    assert torch.equal(out[:, 0::2], x[:, :58])
    assert (out[:, 1::2] >= 0).all()  # the branch ends in a ReLU


def test_v2_downsampling_unit_doubles_channels_with_two_branches():
    unit = ShuffleUnitV2(116, 232, stride=2)
    assert unit.left[0][0].stride == (2, 2) and unit.left[0][0].groups == 116
    assert unit.right[1][0].stride == (2, 2) and unit.right[1][0].groups == 116
    # G2: no grouped 1x1 convolutions.
    assert all(m.groups == 1 for m in unit.modules() if isinstance(m, nn.Conv2d) and m.kernel_size == (1, 1))
    with torch.no_grad():
        assert unit.eval()(torch.randn(1, 116, 14, 14)).shape == (1, 232, 7, 7)
