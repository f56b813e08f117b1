"""SE-ResNet-50 against SENet's Table 1, equation 5 and Figure 3: where the gate sits and how wide it is."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer
from analyzer.archs.layers import SqueezeExcitation

STAGES = ("conv2_x", "conv3_x", "conv4_x", "conv5_x")
# Table 1: blocks per stage, output channels C_s, and the two FC widths [C_s / 16, C_s].
TABLE_1 = [(3, 256, (16, 256)), (4, 512, (32, 512)), (6, 1024, (64, 1024)), (3, 2048, (128, 2048))]
REDUCTION = 16


@pytest.fixture(scope="module")
def model() -> nn.Module:
    return analyzer.build("se_resnet50", device="meta")


def test_every_bottleneck_has_a_gate_of_table_1s_widths(model):
    for stage, (blocks, channels, (squeeze, excite)) in zip(STAGES, TABLE_1):
        assert len(getattr(model, stage)) == blocks
        for block in getattr(model, stage):
            gate = block.gate
            assert isinstance(gate, SqueezeExcitation)
            assert (gate.fc1.in_channels, gate.fc1.out_channels) == (channels, squeeze)
            assert (gate.fc2.in_channels, gate.fc2.out_channels) == (squeeze, excite)
    assert sum(isinstance(m, SqueezeExcitation) for m in model.modules()) == 16


def test_extra_parameters_follow_equation_5():
    # (2 / r) * sum over stages of N_s * C_s^2 weights, plus a bias per FC output.
    weights = sum(2 * blocks * channels ** 2 // REDUCTION for blocks, channels, _ in TABLE_1)
    biases = sum(blocks * (channels + channels // REDUCTION) for blocks, channels, _ in TABLE_1)
    assert weights == 2_514_944  # Section 4's "~2.5 million additional parameters"

    def count(name):
        return sum(p.numel() for p in analyzer.build(name, device="meta").parameters())

    assert count("se_resnet50") - count("resnet50") == weights + biases


def test_the_gate_scales_the_residual_branch_before_the_addition():
    torch.manual_seed(0)
    block = analyzer.build("se_resnet50").conv3_x[0].eval()
    seen = {}

    def record(key):
        def hook(module, args, out):
            seen[key] = (args[0].clone(), out.clone())
        return hook

    block.bn3.register_forward_hook(record("bn3"))
    block.gate.register_forward_hook(record("gate"))
    x = torch.randn(1, 256, 16, 16)
    with torch.no_grad():
        out = block(x)
        u = seen["bn3"][1]
        gate_input, gated = seen["gate"]
        assert torch.equal(gate_input, u)
        # Figure 3: scale = sigmoid(FC(ReLU(FC(pool(u))))), one per channel, multiplied into u.
        scale = torch.sigmoid(block.gate.fc2(torch.relu(block.gate.fc1(u.mean(dim=(2, 3), keepdim=True)))))
        assert torch.allclose(gated, u * scale, atol=1e-6)
        assert torch.allclose(out, torch.relu(gated + block.shortcut(x)), atol=1e-6)


def test_downsampling_blocks_stride_in_the_first_1x1(model):
    # The authors' Caffe layout, which the paper's 3.87 G (and ResNet-50's 3.86 G beside it) are for.
    for stage in STAGES[1:]:
        first = getattr(model, stage)[0]
        assert (first.conv1.stride, first.conv2.stride, first.conv3.stride) == ((2, 2), (1, 1), (1, 1))
