"""Receptive fields: hand-computed cases, and the gradient check on real networks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.erf import gradient_field, support
from analyzer.profiler import profile


def field_of(model: nn.Module, size=(1, 64, 64), layer: str | None = None):
    report = profile(model, input_size=size)
    rows = {r.name: r for r in report.layers}
    return rows[layer].receptive_field if layer else report.receptive_field


def convs(*specs, channels=1):
    return nn.Sequential(*[nn.Conv2d(channels, channels, k, stride=s, padding=p, dilation=d)
                           for k, s, p, d in specs])


def test_stacked_3x3_see_what_5x5_and_7x7_see():
    assert field_of(convs((3, 1, 1, 1), (3, 1, 1, 1))).size == (5, 5)
    assert field_of(convs((3, 1, 1, 1), (3, 1, 1, 1), (3, 1, 1, 1))).size == (7, 7)
    assert field_of(convs((5, 1, 2, 1))).size == (5, 5)


def test_stride_two_chain_by_hand():
    rf = field_of(convs((3, 2, 1, 1), (3, 2, 1, 1), (3, 2, 1, 1)))
    # r = 1 + 2*1 + 2*2 + 2*4 = 15, stride 8, padding 1 + 1*2 + 1*4 = 7
    assert rf.size == (15, 15) and rf.stride == (8, 8) and rf.padding == (7, 7)


def test_dilation_and_asymmetric_kernels_per_axis():
    assert field_of(convs((3, 1, 2, 2), (3, 1, 4, 4))).size == (1 + 4 + 8, 1 + 4 + 8)
    asym = nn.Sequential(nn.Conv2d(1, 1, (1, 7), padding=(0, 3)), nn.Conv2d(1, 1, (7, 1), padding=(3, 0)))
    assert field_of(asym).size == (7, 7)
    assert field_of(nn.Conv2d(1, 1, (1, 7)), size=(1, 16, 40)).size == (1, 7)


class Residual(nn.Module):
    def __init__(self, shortcut_kernel: int = 1) -> None:
        super().__init__()
        self.body = convs((3, 2, 1, 1), (3, 1, 1, 1))
        self.shortcut = nn.Conv2d(1, 1, shortcut_kernel, stride=2)

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def test_residual_merge_keeps_the_larger_aligned_field():
    rf = field_of(Residual())
    assert rf.size == (7, 7) and rf.stride == (2, 2) and rf.misaligned is None


def test_misaligned_merge_is_reported():
    # A 2x2 stride-2 shortcut centres its field half a pixel away from the 3x3 path's centre.
    rf = field_of(Residual(shortcut_kernel=2), size=(1, 64, 64), layer="")
    assert rf.misaligned and "centre" in rf.misaligned


def test_global_pooling_and_linear_layers_see_the_whole_input():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))
    report = profile(model, input_size=(3, 16, 16))
    rows = {r.name: r for r in report.layers}
    assert rows["1"].sees_whole_input and rows["3"].sees_whole_input and rows["3"].receptive_field is None
    assert report.receptive_field_layer == "0" and report.receptive_field.size == (3, 3)


def test_a_fixed_pool_covering_the_map_is_global_only_without_padding():
    # Unpadded 4x4 average over a 4x4 map (GoogLeNet's head, small): global. A padded 3x3 "same" pool
    # over a 1x1 map: a local window that a small input happened to shrink the map under.
    head = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.AvgPool2d(4))
    assert profile(head, input_size=(3, 4, 4)).receptive_field_layer == "0"
    same = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AvgPool2d(3, stride=1, padding=1))
    report = profile(same, input_size=(3, 3, 3))
    # conv: 3 px; then a 3x3 window at stride 1 adds 2.
    assert report.receptive_field_layer == "1" and report.receptive_field.size == (5, 5)


def test_inception_v3_final_layer_at_a_small_input():
    # At 100 px the last grid is 1x1; its padded pools stay local, so mixed7c is still the last
    # spatial layer, not one of mixed7b's branches.
    assert profile("inception_v3", input_size=(3, 100, 100)).receptive_field_layer == "mixed7c"


def test_known_zoo_fields():
    # VGG-16's pool5 units see 212 pixels; ResNet-50's last stage sees 427 in the v1.5 layout.
    assert profile("vgg16").receptive_field.size == (212, 212)
    assert profile("alexnet").receptive_field.size == (195, 195)
    assert profile("resnet50_v1_5").receptive_field.size == (427, 427)


def test_json_carries_the_fields():
    d = profile("vgg11").to_dict()
    assert d["receptive_field"]["layer"] and d["receptive_field"]["size"] == [150, 150]
    assert d["layers"][0]["receptive_field"] == {"size": [3, 3], "stride": [1, 1], "padding": [1, 1]}
    assert d["layers"][-1]["receptive_field"] is None


def expected_support(rf, unit: tuple[int, int], size: tuple[int, int]):
    spans = []
    for axis in (0, 1):
        start = unit[axis] * rf.stride[axis] - rf.padding[axis]
        spans.append((max(0, start), min(size[axis] - 1, start + rf.size[axis] - 1)))
    return tuple(spans)


def assert_gradient_matches(model: nn.Module, input_shape, layer: str | None = None, positive: bool = True) -> bool:
    """Check the gradient's support against the field; True when the field fits inside the image."""
    report = profile(model, input_size=input_shape)
    layer = layer or report.receptive_field_layer
    rf = next(r.receptive_field for r in report.layers if r.name == layer)
    field = gradient_field(model, layer, input_shape, positive=positive, dtype=torch.float64)
    expected = expected_support(rf, field.unit, input_shape[1:])
    assert support(field) == expected, (layer, rf)
    return all(hi - lo + 1 == size for (lo, hi), size in zip(expected, rf.size))


DILATED = convs((3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4), (3, 2, 1, 1), (3, 1, 8, 8), channels=2)
ASYMMETRIC = nn.Sequential(nn.Conv2d(2, 2, (1, 7), padding=(0, 3)), nn.Conv2d(2, 2, (7, 1), padding=(3, 0)),
                           nn.MaxPool2d(3, 2), nn.Conv2d(2, 2, (1, 5), stride=(1, 2)))


def test_gradient_support_of_small_stacks():
    assert assert_gradient_matches(DILATED, (2, 64, 64))
    assert assert_gradient_matches(ASYMMETRIC, (2, 40, 56))


# The final spatial layer where the network accepts an input larger than its field; otherwise a
# deeper layer whose field still fits (the final one is checked clipped to the image too).
@pytest.mark.slow
@pytest.mark.parametrize("name,size,layer,fits", [
    ("vgg16", 224, None, True), ("vgg16", 224, "features.23", True), ("resnet50", 512, None, True),
    ("googlenet", 224, "inception4a", True), ("mobilenet_v1", 320, None, True),
    ("inception_v3", 299, "mixed5d", True), ("inception_v3", 299, None, False),
    ("mobilenet_v2", 224, "features.bottleneck5_1.block.1.2", True), ("mobilenet_v2", 512, None, True),
])
def test_gradient_support_equals_the_analytic_field(name, size, layer, fits):
    channels = analyzer.spec(name).input_shape[0]
    assert assert_gradient_matches(analyzer.build(name), (channels, size, size), layer) == fits


# Layer norm over channels that all carry the same value passes no gradient, so the all-positive
# probe sees nothing through it; random weights and a random image do. Stage 2 of ConvNeXt-T (the
# output of its last block) sees 224 px (a 4 px stem, 7x7 depthwise convolutions at strides 4 and 8,
# one 2x2 downsampling), which fits in a 320 image.
@pytest.mark.slow
@pytest.mark.parametrize("name,size,layer,fits", [("convnext_tiny", 320, "features.stage2.2", True)])
def test_gradient_support_through_layer_norm(name, size, layer, fits):
    torch.manual_seed(0)
    model = analyzer.build(name)
    assert assert_gradient_matches(model, (3, size, size), layer, positive=False) == fits


@pytest.mark.slow
def test_vit_tokens_see_the_whole_image_after_the_first_attention():
    torch.manual_seed(0)
    model = analyzer.build("vit_b_16")
    rows = {r.name: r for r in profile(model, input_size=(3, 224, 224)).layers}
    patch = gradient_field(model, "conv_proj", (3, 224, 224))
    # The centre token of the embedding sees its own 16x16 patch, and after one attention all of them.
    assert rows["conv_proj"].receptive_field.size == (16, 16)
    assert support(patch) == expected_support(rows["conv_proj"].receptive_field, patch.unit, (224, 224))
    first = "encoder.layers.encoder_layer_0"
    assert rows[f"{first}.self_attention"].sees_whole_input
    assert support(gradient_field(model, first, (3, 224, 224))) == ((0, 223), (0, 223))


@pytest.mark.slow
def test_regnety_gradient_support_equals_the_analytic_field():
    # RegNetY's first SE gate pools the whole map, so from it on every unit sees the whole image; the
    # analytic field is that of the grouped 3x3 before it, and the gate's output reaches every pixel.
    model, shape = analyzer.build("regnety_400mf"), (3, 96, 96)
    report = profile(model, input_size=shape)
    assert report.receptive_field_layer == "s1.b1.f.b.2"
    assert assert_gradient_matches(model, shape)
    rows = {r.name: r for r in report.layers}
    assert rows["s1.b1.f.se"].sees_whole_input
    field = gradient_field(model, "s1.b1.f.se", shape, positive=True, dtype=torch.float64)
    assert support(field) == ((0, shape[1] - 1), (0, shape[2] - 1))


def test_empirical_field_lies_inside_the_theoretical_box():
    from analyzer.erf import empirical_field

    field = empirical_field("squeezenet1_0")
    (top, bottom), (left, right) = field.box
    assert 0 < top < bottom < 223 and 0 < left < right < 223  # the field fits inside the image
    cell = field.cell
    for i, row in enumerate(field.magnitude):
        for j, value in enumerate(row):
            outside = (i + 1) * cell <= top or i * cell > bottom or (j + 1) * cell <= left or j * cell > right
            if outside:
                assert value == 0, (i, j)
    assert max(max(row) for row in field.magnitude) == 1.0 and 0 < field.central_share < 1


def test_empirical_field_does_not_depend_on_earlier_random_draws():
    from analyzer.erf import empirical_field

    first = empirical_field("lenet5")
    torch.randn(1000)
    assert empirical_field("lenet5") == first
