"""EfficientNet against the paper's Table 1, the compound-scaling rule and torchvision's counts."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer.archs.efficientnet import EfficientNet

# Tan and Le 2019, Table 1: stage, operator, input resolution, output channels, layers.
TABLE_1 = [
    (1, "Conv3x3", 224, 32, 1),
    (2, "MBConv1, k3x3", 112, 16, 1),
    (3, "MBConv6, k3x3", 112, 24, 2),
    (4, "MBConv6, k5x5", 56, 40, 2),
    (5, "MBConv6, k3x3", 28, 80, 3),
    (6, "MBConv6, k5x5", 14, 112, 3),
    (7, "MBConv6, k5x5", 14, 192, 4),
    (8, "MBConv6, k3x3", 7, 320, 1),
    (9, "Conv1x1 & Pooling & FC", 7, 1280, 1),
]

# (width, depth) coefficients of B1-B7, as the paper's scaling and torchvision's builders give them.
COEFFICIENTS = {"b0": (1.0, 1.0), "b1": (1.0, 1.1), "b2": (1.1, 1.2), "b3": (1.2, 1.4), "b4": (1.4, 1.8),
                "b5": (1.6, 2.2), "b6": (1.8, 2.6), "b7": (2.0, 3.1)}
B0_CHANNELS = (32, 16, 24, 40, 80, 112, 192, 320, 1280)
B0_REPEATS = (1, 2, 2, 3, 3, 4, 1)
B0_EXPANSION_KERNEL = ((1, 3), (6, 3), (6, 5), (6, 3), (6, 5), (6, 5), (6, 3))

# Stage widths and repeats worked out by hand from the rule (multiples of 8 never more than 10% below
# c * w; ceil(n * d)): stem, the seven stages' (channels, repeats), head.
HAND_COMPUTED = {
    "b2": (32, [(16, 2), (24, 3), (48, 3), (88, 4), (120, 4), (208, 5), (352, 2)], 1408),
    "b4": (48, [(24, 2), (32, 4), (56, 4), (112, 6), (160, 6), (272, 8), (448, 2)], 1792),
    "b7": (64, [(32, 4), (48, 7), (80, 7), (160, 10), (224, 10), (384, 13), (640, 4)], 2560),
}


def depthwise(block: nn.Module) -> nn.Conv2d:
    return next(m for m in block.modules() if isinstance(m, nn.Conv2d) and m.groups > 1)


def operator(stage: nn.Module) -> str:
    """The Table 1 name of a stage, read off its modules."""
    if isinstance(stage, nn.Sequential) and isinstance(stage[0], nn.Conv2d):
        k = stage[0].kernel_size[0]
        return f"Conv{k}x{k}"
    first = stage[0]
    conv = depthwise(first)
    expansion = conv.out_channels // next(m for m in first.modules() if isinstance(m, nn.Conv2d)).in_channels
    k = conv.kernel_size[0]
    return f"MBConv{expansion}, k{k}x{k}"


def observed_stages(model: EfficientNet, size: int) -> list[tuple[int, str, int, int, int]]:
    """(stage, operator, input resolution, output channels, layers), measured with forward hooks."""
    resolution: dict[str, int] = {}

    def record(name: str):
        def hook(module: nn.Module, args: tuple[torch.Tensor]) -> None:
            resolution[name] = args[0].shape[-1]
        return hook

    hooks = [module.register_forward_pre_hook(record(name)) for name, module in model.features.named_children()]
    with torch.no_grad():
        model(torch.empty(1, 3, size, size, device="meta"))
    for hook in hooks:
        hook.remove()
    rows = []
    for number, (name, module) in enumerate(model.features.named_children(), start=1):
        if name == "head":
            rows.append((number, "Conv1x1 & Pooling & FC", resolution[name], module.out_channels, 1))
        else:
            layers = 1 if name == "stem" else len(module)
            channels = module.out_channels if name == "stem" else module[-1].out_channels
            rows.append((number, operator(module), resolution[name], channels, layers))
    return rows


def test_b0_stages_are_the_papers_table_1():
    model = analyzer.build("efficientnet_b0", device="meta")
    assert observed_stages(model, 224) == TABLE_1
    assert isinstance(model.classifier.fc, nn.Linear) and model.classifier.fc.in_features == 1280


def test_squeeze_excitation_squeezes_a_quarter_of_the_block_input_with_silu_and_a_sigmoid_gate():
    model = analyzer.build("efficientnet_b0", device="meta")
    blocks = [block for name, stage in model.features.named_children() if name.startswith("stage")
              for block in stage]
    assert len(blocks) == 16
    for block in blocks:
        se = next(m for m in block.modules() if type(m).__name__ == "SqueezeExcitation")
        block_input = next(m for m in block.modules() if isinstance(m, nn.Conv2d)).in_channels
        assert se.fc1.in_channels == depthwise(block).out_channels
        assert se.fc1.out_channels == max(1, block_input // 4)
        assert isinstance(se.activation, nn.SiLU) and isinstance(se.gate, nn.Sigmoid)
    assert all(isinstance(m, nn.SiLU) for m in model.modules() if isinstance(m, (nn.ReLU, nn.ReLU6, nn.SiLU)))


def test_stochastic_depth_is_the_identity_in_eval_and_drops_in_training():
    torch.manual_seed(0)
    with_drop = EfficientNet(stochastic_depth=0.2, num_classes=10)
    torch.manual_seed(0)
    without = EfficientNet(stochastic_depth=0.0, num_classes=10)
    x = torch.randn(4, 3, 64, 64)
    with torch.no_grad():
        assert torch.equal(with_drop.eval()(x), without.eval()(x))
        torch.manual_seed(1)
        assert not torch.allclose(with_drop.train()(x), without.train()(x))


def rounded(channels: float) -> int:
    """The TF-slim channel rounding, written out: nearest multiple of 8, up a step if that lost over 10%."""
    down = max(8, int(channels + 4) // 8 * 8)
    return down + 8 if down < 0.9 * channels else down


def scaled(width: float, depth: float) -> tuple[int, list[tuple[int, int]], int]:
    stem, *stages, head = (rounded(c * width) for c in B0_CHANNELS)
    return stem, [(c, math.ceil(n * depth)) for c, n in zip(stages, B0_REPEATS)], head


def built_widths(name: str) -> tuple[int, list[tuple[int, int]], int]:
    features = analyzer.build(name, device="meta").features
    stages = [(stage[-1].out_channels, len(stage)) for n, stage in features.named_children() if n.startswith("stage")]
    return features.stem.out_channels, stages, features.head.out_channels


@pytest.mark.parametrize("variant", sorted(COEFFICIENTS))
def test_each_variant_is_b0_scaled_by_its_coefficients(variant):
    assert built_widths(f"efficientnet_{variant}") == scaled(*COEFFICIENTS[variant])


@pytest.mark.parametrize("variant", sorted(HAND_COMPUTED))
def test_scaling_rule_gives_the_hand_computed_widths(variant):
    assert scaled(*COEFFICIENTS[variant]) == HAND_COMPUTED[variant]


def parameters_from_the_rule(width: float, depth: float, classes: int = 1000) -> int:
    """The parameter count of a scaled EfficientNet, summed layer by layer from the stage table alone."""
    stem, stages, head = scaled(width, depth)
    count = 3 * 9 * stem + 2 * stem  # stem conv and its batch norm
    channels = stem
    for (out, repeats), (expansion, k) in zip(stages, B0_EXPANSION_KERNEL):
        for _ in range(repeats):
            expanded = channels * expansion
            squeeze = max(1, channels // 4)
            if expansion != 1:
                count += channels * expanded + 2 * expanded
            count += k * k * expanded + 2 * expanded
            count += 2 * expanded * squeeze + squeeze + expanded  # SE: two 1x1 convs with biases
            count += expanded * out + 2 * out
            channels = out
    count += channels * head + 2 * head
    return count + head * classes + classes


@pytest.mark.parametrize("variant", sorted(COEFFICIENTS))
def test_published_parameter_counts_follow_from_the_scaling_rule(variant):
    assert parameters_from_the_rule(*COEFFICIENTS[variant]) == analyzer.spec(f"efficientnet_{variant}").params.value


def test_b2_at_torchvisions_crop_matches_its_published_ops():
    # B2 is registered at the paper's 260; torchvision's _ops 1.088 G is counted at its 288 crop.
    assert analyzer.spec("efficientnet_b2").input_shape == (3, 260, 260)
    report = analyzer.profile("efficientnet_b2", input_size=(3, 288, 288))
    assert report.totals.macs == pytest.approx(1.088e9, abs=0.0005e9)


def test_b0_mult_adds_agree_with_torchs_flop_counter():
    model = analyzer.build("efficientnet_b0", device="meta")
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))
    assert analyzer.profile("efficientnet_b0").totals.macs == counter.get_total_flops() // 2
