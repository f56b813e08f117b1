"""DenseNet-BC against the paper: block sizes (Table 1), growth rate, bottleneck, compression, widths."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.archs.densenet import DenseBlock, DenseLayer, Transition

# Table 1 of Huang et al.: dense layers per block.
TABLE_1 = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32), "densenet201": (6, 12, 48, 32)}
K = 32


def _build(name: str) -> nn.Module:
    return analyzer.build(name, device="meta")


def _outputs(model: nn.Module, kind: type) -> list[tuple[int, ...]]:
    """Output shapes (C, H, W) of every module of `kind`, in forward order, at the 224x224 input."""
    shapes: list[tuple[int, ...]] = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
             for m in model.modules() if isinstance(m, kind)]
    with torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))
    for hook in hooks:
        hook.remove()
    return shapes


@pytest.mark.parametrize("name", TABLE_1)
def test_block_sizes_follow_table_1(name):
    blocks = [m for m in _build(name).modules() if isinstance(m, DenseBlock)]
    assert tuple(len(b.layers) for b in blocks) == TABLE_1[name]


@pytest.mark.parametrize("name", TABLE_1)
def test_weighted_layers_give_the_depth_in_the_name(name):
    # Two convolutions per dense layer, the stem, one per transition and the classifier.
    layers = [m for m in _build(name).modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert len(layers) == 2 * sum(TABLE_1[name]) + 1 + 3 + 1 == int(name.removeprefix("densenet"))


@pytest.mark.parametrize("name", TABLE_1)
def test_every_dense_layer_adds_k_maps_through_a_4k_bottleneck(name):
    model = _build(name)
    dense_layers = [m for m in model.modules() if isinstance(m, DenseLayer)]
    widths = _outputs(model, DenseLayer)
    for layer, before, after in zip(dense_layers, [None, *widths], widths):
        assert layer.bottleneck.conv.out_channels == 4 * K and layer.bottleneck.conv.kernel_size == (1, 1)
        assert layer.conv.conv.out_channels == K and layer.conv.conv.kernel_size == (3, 3)
        if before is not None and before[1:] == after[1:]:
            assert after[0] - before[0] == K


def _expected_widths(blocks: tuple[int, ...]) -> list[tuple[int, int]]:
    """(channels after the block, after its transition) from 2k stem channels, by hand."""
    channels, widths = 2 * K, []
    for index, layers in enumerate(blocks):
        channels += layers * K
        reduced = channels // 2 if index < len(blocks) - 1 else channels
        widths.append((channels, reduced))
        channels = reduced
    return widths


@pytest.mark.parametrize("name", TABLE_1)
def test_transitions_halve_channels_and_grid(name):
    model = _build(name)
    blocks, transitions = _outputs(model, DenseBlock), _outputs(model, Transition)
    expected = _expected_widths(TABLE_1[name])
    assert [b[0] for b in blocks] == [e[0] for e in expected]
    assert [t[0] for t in transitions] == [e[1] for e in expected[:-1]]
    assert [b[1] for b in blocks] == [56, 28, 14, 7]
    assert [t[1] for t in transitions] == [28, 14, 7]


def test_channel_counts_at_block_ends_match_the_reference_table():
    # DenseNet-121's widths as the reference implementation prints them: 256 -> 128, 512 -> 256,
    # 1024 -> 512, and a 1024-wide classifier input.
    model = _build("densenet121")
    assert [b[0] for b in _outputs(model, DenseBlock)] == [256, 512, 1024, 1024]
    assert [t[0] for t in _outputs(model, Transition)] == [128, 256, 512]
    assert model.classifier.fc.in_features == 1024


def test_a_dense_layer_keeps_its_input_unchanged_in_front():
    torch.manual_seed(0)
    layer = DenseLayer(64, K).eval()
    x = torch.randn(2, 64, 8, 8)
    with torch.no_grad():
        out = layer(x)
    assert out.shape == (2, 64 + K, 8, 8)
    assert torch.equal(out[:, :64], x)


def test_dense_layer_parameters_by_hand():
    c = 96
    # BN(c): 2c; 1x1 conv: c * 4k; BN(4k): 2 * 4k; 3x3 conv: 4k * 9 * k.
    expected = 2 * c + c * 4 * K + 2 * 4 * K + 4 * K * 9 * K
    assert sum(p.numel() for p in DenseLayer(c, K).parameters()) == expected
