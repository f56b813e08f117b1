"""ConvNeXt-T against its paper (Sections 2-3): stages, block design, and its counts by hand."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.archs.convnext import ConvNeXtBlock
from analyzer.archs.layers import StochasticDepth

# Section 3: ConvNeXt-T, C = (96, 192, 384, 768), B = (3, 3, 9, 3).
DEPTHS = (3, 3, 9, 3)
WIDTHS = (96, 192, 384, 768)
IMAGE, CLASSES = 224, 1000


@pytest.fixture(scope="module")
def model() -> nn.Module:
    return analyzer.build("convnext_tiny", device="meta")


def stages(model: nn.Module) -> list[nn.Sequential]:
    return [getattr(model.features, f"stage{i}") for i in range(1, 5)]


def test_stage_depths_and_widths(model):
    assert [len(s) for s in stages(model)] == list(DEPTHS)
    for stage, width in zip(stages(model), WIDTHS):
        assert all(isinstance(b, ConvNeXtBlock) and b.dwconv.in_channels == width for b in stage)


def test_patchify_stem_and_separate_downsampling(model):
    conv, norm = model.features.stem
    assert conv.kernel_size == conv.stride == (4, 4) and conv.padding == (0, 0) and conv.out_channels == WIDTHS[0]
    assert isinstance(norm, nn.LayerNorm)
    for i in range(2, 5):
        norm, conv = getattr(model.features, f"downsample{i}")
        assert isinstance(norm, nn.LayerNorm) and norm.normalized_shape == (WIDTHS[i - 2],)
        assert conv.kernel_size == conv.stride == (2, 2) and (conv.in_channels, conv.out_channels) == WIDTHS[i - 2:i]
    # The order of Figure 2's stages: stem, stage 1, then a downsampling layer before each later stage.
    assert list(dict(model.features.named_children())) == [
        "stem", "stage1", "downsample2", "stage2", "downsample3", "stage3", "downsample4", "stage4"]


def test_blocks_are_7x7_depthwise_then_an_inverted_4x_mlp(model):
    for stage, width in zip(stages(model), WIDTHS):
        for block in stage:
            dw = block.dwconv
            assert dw.kernel_size == (7, 7) and dw.padding == (3, 3) and dw.groups == dw.out_channels == width
            assert (block.pwconv1.in_features, block.pwconv1.out_features) == (width, 4 * width)
            assert (block.pwconv2.in_features, block.pwconv2.out_features) == (4 * width, width)
            # One norm and one activation per block, and no batch norm anywhere.
            kinds = [type(m) for m in block.modules()]
            assert kinds.count(nn.LayerNorm) == 1 and kinds.count(nn.GELU) == 1
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())
    assert all(m.eps == 1e-6 for m in model.modules() if isinstance(m, nn.LayerNorm))


def test_layer_scale_starts_at_1e_6_and_drop_path_grows_to_0_1():
    model = analyzer.build("convnext_tiny")
    blocks = [b for s in stages(model) for b in s]
    assert all(torch.all(b.layer_scale == 1e-6) and b.layer_scale.shape == (b.dwconv.out_channels,) for b in blocks)
    rates = [b.drop_path.p for b in blocks]
    assert isinstance(blocks[0].drop_path, StochasticDepth)
    assert rates[0] == 0.0 and rates[-1] == pytest.approx(0.1)
    steps = [b - a for a, b in zip(rates, rates[1:])]
    assert all(s == pytest.approx(0.1 / (sum(DEPTHS) - 1)) for s in steps)


def test_parameters_by_hand():
    def block(d: int) -> int:
        # depthwise 7x7 with bias, layer norm, 1x1 to 4d, 1x1 back, layer scale
        return (49 * d + d) + 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d) + d

    stem = 3 * 4 * 4 * WIDTHS[0] + WIDTHS[0] + 2 * WIDTHS[0]
    downsampling = sum(2 * a + 4 * a * b + b for a, b in zip(WIDTHS, WIDTHS[1:]))
    head = 2 * WIDTHS[-1] + WIDTHS[-1] * CLASSES + CLASSES
    total = stem + sum(n * block(d) for n, d in zip(DEPTHS, WIDTHS)) + downsampling + head
    assert total == analyzer.spec("convnext_tiny").params.value
    model = analyzer.build("convnext_tiny", device="meta")
    assert sum(p.numel() for p in model.parameters()) == total


def hand_macs() -> int:
    side = IMAGE // 4
    macs = side * side * WIDTHS[0] * 3 * 4 * 4
    for i, (depth, width) in enumerate(zip(DEPTHS, WIDTHS)):
        if i:
            side //= 2
            macs += side * side * width * WIDTHS[i - 1] * 2 * 2
        macs += depth * side * side * (width * 49 + 2 * width * 4 * width)
    return macs + WIDTHS[-1] * CLASSES


def test_macs_by_hand_and_against_the_paper():
    report = analyzer.profile("convnext_tiny")
    assert report.totals.macs == hand_macs()
    # Table 1 prints 4.5 G, to 0.1 G.
    assert report.totals.macs == pytest.approx(4.5e9, abs=0.05e9)


def test_stochastic_depth_dispatches_nothing_in_inference(model):
    paths = {n for n, m in model.named_modules() if isinstance(m, StochasticDepth)}
    assert len(paths) == sum(DEPTHS)
    ops = analyzer.profile("convnext_tiny").graph.ops
    assert ops and not [op.op for op in ops if op.module in paths]
