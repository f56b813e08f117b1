"""RegNet: the quantized linear rule against the published stage widths, and the built networks against it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.archs import regnet
from analyzer.archs.layers import SqueezeExcitation
from analyzer.profiler import profile

# The published stages (pycls' configs and model zoo, the paper's models): depths, widths, groups of the 3x3.
PUBLISHED = {
    "regnetx_400mf": ([1, 2, 7, 12], [32, 64, 160, 384], [2, 4, 10, 24]),
    "regnety_400mf": ([1, 3, 6, 6], [48, 104, 208, 440], [6, 13, 26, 55]),
    "regnetx_3_2gf": ([2, 6, 15, 2], [96, 192, 432, 1008], [2, 4, 9, 21]),
    "regnety_3_2gf": ([2, 5, 13, 1], [72, 216, 576, 1512], [3, 9, 24, 63]),
    # torchvision's regnet_x_400mf: its rounding gives the last stage 400 channels in 25 groups.
    "regnetx_400mf_torchvision": ([1, 2, 7, 12], [32, 64, 160, 400], [2, 4, 10, 25]),
}
DESIGNS = {
    "regnetx_400mf": (regnet.X_400MF, regnet.pycls_rounding),
    "regnety_400mf": (regnet.Y_400MF, regnet.pycls_rounding),
    "regnetx_3_2gf": (regnet.X_3_2GF, regnet.pycls_rounding),
    "regnety_3_2gf": (regnet.Y_3_2GF, regnet.pycls_rounding),
    "regnetx_400mf_torchvision": (regnet.X_400MF, regnet.torchvision_rounding),
}
# The regime in the name, as pycls prints it: 0.4 and 3.2 billion, to 0.1.
PAPER_MACS = {"regnetx_400mf": 0.4e9, "regnety_400mf": 0.4e9, "regnetx_3_2gf": 3.2e9, "regnety_3_2gf": 3.2e9}


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_rule_gives_the_published_stages(name):
    design, rounding = DESIGNS[name]
    stages = regnet.stages(design, rounding)
    assert ([s.depth for s in stages], [s.width for s in stages], [s.groups for s in stages]) == PUBLISHED[name]
    assert sum(s.depth for s in stages) == design.depth


def test_block_widths_by_hand():
    # RegNetX-400MF, block 10: u = 24 + 24.48 * 10 = 268.8; log(268.8 / 24) / log(2.54) = 2.59, so s = 3
    # and w = 24 * 2.54^3 = 393.3, which is 392 as a multiple of 8; block 0 is w0 itself.
    widths = regnet.block_widths(regnet.X_400MF)
    assert widths[0] == 24 and widths[10] == 392 and len(widths) == 22


def test_the_two_roundings_part_only_at_a_tie_whose_upper_multiple_is_odd():
    # 392 / 16 = 24.5: pycls rounds to the even 24, torchvision up to 25; 24 / 16 = 1.5 goes to 2 in both.
    assert (regnet.pycls_rounding(392, 16), regnet.torchvision_rounding(392, 16)) == (384, 400)
    for width, divisor in [(152, 16), (104, 8), (200, 48), (568, 24), (1504, 24), (24, 16)]:
        assert regnet.pycls_rounding(width, divisor) == regnet.torchvision_rounding(width, divisor)


@pytest.mark.parametrize("name", PUBLISHED)
def test_the_network_is_built_from_its_stages(name):
    model = analyzer.build(name, device="meta")
    depths, widths, groups = PUBLISHED[name]
    assert model.stem[0].out_channels == 32 and model.stem[0].stride == (2, 2)
    for index, (depth, width, group) in enumerate(zip(depths, widths, groups), start=1):
        blocks = list(getattr(model, f"s{index}"))
        assert len(blocks) == depth
        for b, block in enumerate(blocks):
            a, conv, c = block.f.a[0], block.f.b[0], block.f.c[0]
            assert a.out_channels == conv.out_channels == c.out_channels == width  # bottleneck ratio 1
            assert conv.groups == group and conv.stride == ((2, 2) if b == 0 else (1, 1))
            # The last 1x1 is linear: conv and norm only, the ReLU comes after the addition.
            assert len(block.f.c) == 2
            assert (block.proj is not None) == (b == 0)


@pytest.mark.parametrize("name", ["regnety_400mf", "regnety_3_2gf"])
def test_regnety_gates_after_the_3x3_with_a_quarter_of_the_input_width(name):
    model = analyzer.build(name, device="meta")
    in_channels = 32
    for block in (b for i in range(1, 5) for b in getattr(model, f"s{i}")):
        assert list(block.f._modules) == ["a", "b", "se", "c"]
        width = block.out_channels
        assert isinstance(block.f.se, SqueezeExcitation)
        assert block.f.se.fc1.in_channels == width
        assert block.f.se.fc1.out_channels == round(0.25 * in_channels)
        in_channels = width


@pytest.mark.parametrize("name", ["regnetx_400mf", "regnetx_3_2gf", "regnetx_400mf_torchvision"])
def test_regnetx_has_no_gate(name):
    assert not any(isinstance(m, SqueezeExcitation) for m in analyzer.build(name, device="meta").modules())


def test_the_torchvision_variant_differs_only_in_the_last_stage():
    paper = analyzer.build("regnetx_400mf", device="meta")
    variant = analyzer.build("regnetx_400mf_torchvision", device="meta")
    for stage in ("stem", "s1", "s2", "s3"):
        assert str(getattr(paper, stage)) == str(getattr(variant, stage))
    assert str(paper.s4) != str(variant.s4)
    assert analyzer.spec("regnetx_400mf_torchvision").variant_of == "regnetx_400mf"


@pytest.mark.parametrize("name", PAPER_MACS)
def test_macs_are_in_the_regime_of_the_name(name):
    assert profile(name).totals.macs == pytest.approx(PAPER_MACS[name], abs=0.05e9)


def test_output_map_is_a_thirty_second_of_the_input():
    model = analyzer.build("regnety_400mf", device="meta")
    seen = {}
    model.s4.register_forward_hook(lambda m, a, out: seen.update(shape=tuple(out.shape)) or None)
    with torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))
    assert seen["shape"] == (1, 440, 7, 7)
    assert isinstance(model.head.fc, nn.Linear) and model.head.fc.in_features == 440
