"""Theoretical receptive fields against hand-computed cases and the papers' figures."""

from __future__ import annotations

from torch import nn

from analyzer.archs.layers import SqueezeExcitation
from analyzer.static.profiler import profile


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


class Gated(nn.Module):
    """3x3 conv, a channel gate (squeeze-and-excitation), then a 3x3 stride-2 conv and a 3x3 conv;
    `spatial` gates with a 1-channel map (a 3x3 conv of x) instead; `add` adds the pooled vector."""

    def __init__(self, kind: str = "channel") -> None:
        super().__init__()
        self.kind = kind
        self.stem = nn.Conv2d(4, 4, 3, padding=1)
        self.se = SqueezeExcitation(4, 2)
        self.spatial = nn.Conv2d(4, 1, 3, padding=1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.tail = convs((3, 2, 1, 1), (3, 1, 1, 1), channels=4)

    def forward(self, x):
        x = self.stem(x)
        if self.kind == "channel":
            x = self.se(x)
        elif self.kind == "spatial":
            x = x * self.spatial(x).sigmoid()
        else:
            x = x + self.pool(x)
        return self.tail(x)


def test_a_channel_gate_keeps_the_field_and_notes_the_global_context():
    report = profile(Gated(), input_size=(4, 32, 32))
    rows = {r.name: r for r in report.layers}
    # By hand: 3 px after the stem; the gate adds nothing; then 3 + 2 = 5 at stride 2, 5 + 2*2 = 9.
    assert rows["stem"].receptive_field.size == (3, 3) and rows["stem"].receptive_field.global_context_from is None
    assert rows["se"].receptive_field.size == (3, 3) and not rows["se"].sees_whole_input
    assert rows["se.avgpool"].sees_whole_input  # the gate's own path still pools the whole map
    rf = report.receptive_field
    assert report.receptive_field_layer == "tail.1" and rf.size == (9, 9) and rf.stride == (2, 2)
    assert rf.global_context_from == "se"
    assert report.to_dict()["receptive_field"]["global_context_from"] == "se"


def test_spatial_gates_and_added_context_are_not_channel_gates():
    # A 1-channel gate map is a map: its 3x3 conv widens the field to 5, then 7 and 11.
    spatial = profile(Gated("spatial"), input_size=(4, 32, 32)).receptive_field
    assert spatial.size == (11, 11) and spatial.global_context_from is None
    # Adding the pooled vector to every position is not a product: the map sees the whole input.
    added = profile(Gated("add"), input_size=(4, 32, 32))
    assert added.receptive_field_layer == "stem" and {r.name: r for r in added.layers}["tail.1"].sees_whole_input


def test_se_networks_report_the_field_of_their_convolution_path():
    # SE-ResNet-50 gates ResNet-50's blocks: the same convolutions, so the same field.
    se, plain = profile("se_resnet50"), profile("resnet50")
    assert se.receptive_field_layer == plain.receptive_field_layer
    assert se.receptive_field.size == plain.receptive_field.size and se.receptive_field.global_context_from
