"""ResNet against the paper's Table 1: stage depths, weighted-layer counts and where v1 and v1.5 stride."""

from __future__ import annotations

import pytest
from torch import nn

import analyzer

STAGES = ("conv2_x", "conv3_x", "conv4_x", "conv5_x")
BLOCKS = {
    "resnet18": [2, 2, 2, 2],
    "resnet34": [3, 4, 6, 3],
    "resnet50": [3, 4, 6, 3],
    "resnet101": [3, 4, 23, 3],
    "resnet152": [3, 8, 36, 3],
}
BOTTLENECK_NETS = ("resnet50", "resnet101", "resnet152")


def _build(name: str) -> nn.Module:
    return analyzer.build(name, device="meta")


@pytest.mark.parametrize("name", [*BLOCKS, *(f"{n}_v1_5" for n in BOTTLENECK_NETS)])
def test_blocks_per_stage_follow_table_1(name):
    model = _build(name)
    assert [len(getattr(model, stage)) for stage in STAGES] == BLOCKS[name.removesuffix("_v1_5")]


@pytest.mark.parametrize("name", BLOCKS)
def test_weighted_layers_give_the_depth_in_the_name(name):
    # The paper's depth counts the convolutions on the main path and the fc, not the projections.
    layers = [n for n, m in _build(name).named_modules()
              if isinstance(m, (nn.Conv2d, nn.Linear)) and "shortcut" not in n]
    assert len(layers) == int(name.removeprefix("resnet"))


@pytest.mark.parametrize("name", BOTTLENECK_NETS)
def test_paper_bottlenecks_stride_in_the_first_1x1(name):
    model = _build(name)
    assert all(c.stride == (1, 1) for c in model.conv2_x[0].modules() if isinstance(c, nn.Conv2d))
    for stage in STAGES[1:]:
        first = getattr(model, stage)[0]
        assert (first.conv1.stride, first.conv2.stride, first.conv3.stride) == ((2, 2), (1, 1), (1, 1))
        assert first.shortcut[0].stride == (2, 2)


@pytest.mark.parametrize("name", BOTTLENECK_NETS)
def test_v1_5_bottlenecks_stride_in_the_3x3(name):
    model = _build(f"{name}_v1_5")
    for stage in STAGES[1:]:
        first = getattr(model, stage)[0]
        assert (first.conv1.stride, first.conv2.stride, first.conv3.stride) == ((1, 1), (2, 2), (1, 1))
        assert first.shortcut[0].stride == (2, 2)


@pytest.mark.parametrize("name", BLOCKS)
def test_projections_only_where_the_shape_changes(name):
    model = _build(name)
    with_projection = [f"{stage}.{i}" for stage in STAGES for i, block in enumerate(getattr(model, stage))
                       if block.shortcut is not None]
    # Basic-block nets keep conv2_x's 64 channels; bottleneck nets widen 64 to 256 there too.
    expected = ["conv3_x.0", "conv4_x.0", "conv5_x.0"]
    assert with_projection == (["conv2_x.0", *expected] if name in BOTTLENECK_NETS else expected)


@pytest.mark.parametrize("name", BOTTLENECK_NETS)
def test_v1_5_is_registered_as_a_variant_of_the_paper_network(name):
    spec = analyzer.spec(f"{name}_v1_5")
    assert spec.variant_of == name
    assert spec.params.value == analyzer.spec(name).params.value
