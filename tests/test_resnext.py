"""ResNeXt-50 (32x4d) against the paper's Table 1 and the block-complexity equation of Section 3.3."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.profiler import profile

STAGES = ("conv2_x", "conv3_x", "conv4_x", "conv5_x")
# Table 1, ResNeXt-50 (32x4d): blocks, grouped-conv width, output width and map side per stage.
TABLE_1 = [(3, 128, 256, 56), (4, 256, 512, 28), (6, 512, 1024, 14), (3, 1024, 2048, 7)]
CARDINALITY = 32


@pytest.fixture(scope="module")
def model() -> nn.Module:
    return analyzer.build("resnext50_32x4d", device="meta")


def _stage_outputs(model: nn.Module) -> dict[str, tuple[int, ...]]:
    shapes: dict[str, tuple[int, ...]] = {}

    def record(stage):
        def hook(module, args, out):
            shapes[stage] = tuple(out.shape)
        return hook

    hooks = [getattr(model, s).register_forward_hook(record(s)) for s in STAGES]
    with torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))
    for hook in hooks:
        hook.remove()
    return shapes


def test_stages_follow_table_1(model):
    shapes = _stage_outputs(model)
    for stage, (blocks, inner, out, side) in zip(STAGES, TABLE_1):
        assert len(getattr(model, stage)) == blocks
        for block in getattr(model, stage):
            assert (block.conv1.out_channels, block.conv2.in_channels, block.conv2.out_channels) == (inner,) * 3
            assert block.conv2.groups == CARDINALITY and block.conv2.kernel_size == (3, 3)
            assert block.conv3.out_channels == out
        assert shapes[stage] == (1, out, side, side)


def test_every_group_is_four_channels_wide_in_the_first_stage(model):
    # The "4d" of the name: d = 4 channels per path where ResNet-50's bottleneck has 64 in one path.
    first = model.conv2_x[0].conv2
    assert first.in_channels // first.groups == 4


def test_block_parameters_follow_the_papers_equation(model):
    # Section 3.3: a block of conv2 holds C * (256 * d + 3 * 3 * d * d + d * 256) weights, about 70k for
    # C = 32, d = 4, and ResNet-50's bottleneck 256 * 64 + 3 * 3 * 64 * 64 + 64 * 256, also about 70k.
    def conv_weights(block):
        return sum(m.weight.numel() for m in block.modules() if isinstance(m, nn.Conv2d))

    c, d = 32, 4
    assert conv_weights(model.conv2_x[1]) == c * (256 * d + 9 * d * d + d * 256)
    resnet = analyzer.build("resnet50", device="meta")
    assert conv_weights(resnet.conv2_x[1]) == 256 * 64 + 9 * 64 * 64 + 64 * 256
    assert conv_weights(model.conv2_x[1]) == pytest.approx(conv_weights(resnet.conv2_x[1]), rel=0.01)


def test_downsampling_blocks_stride_in_the_3x3(model):
    for stage in STAGES[1:]:
        first = getattr(model, stage)[0]
        assert (first.conv1.stride, first.conv2.stride, first.conv3.stride) == ((1, 1), (2, 2), (1, 1))
        assert first.shortcut[0].stride == (2, 2)


def test_macs_match_the_papers_printed_figure():
    # Table 1 prints 4.2 x 10^9 (to 0.1 x 10^9); the spec holds torchvision's finer figure.
    assert profile("resnext50_32x4d").totals.macs == pytest.approx(4.2e9, abs=0.05e9)
