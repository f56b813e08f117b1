"""NASNet-A Mobile against the paper's cells, TF-slim's mobile configuration and hand counts."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer.archs.nasnet import FactorizedReduction, SeparableStack


def kind(module: nn.Module) -> str:
    """Name a branch the way the paper's Figure 4 labels it."""
    if isinstance(module, SeparableStack):
        k = module[1].kernel_size[0]
        return f"sep {k}x{k}"
    if isinstance(module, nn.MaxPool2d):
        return "max 3x3"
    if isinstance(module, nn.AvgPool2d):
        return "avg 3x3"
    return "identity"


# Zoph et al. 2017, Figure 4 (= TF-slim nasnet_utils): per combination, (left op, its input), (right op,
# its input); h0 is the cell's current input, h1 the one before it, 2-6 the sums.
NORMAL = [(("sep 5x5", 0), ("sep 3x3", 1)), (("sep 5x5", 1), ("sep 3x3", 1)), (("avg 3x3", 0), ("identity", 1)),
          (("avg 3x3", 1), ("avg 3x3", 1)), (("sep 3x3", 0), ("identity", 0))]
REDUCTION = [(("sep 5x5", 0), ("sep 7x7", 1)), (("max 3x3", 0), ("sep 7x7", 1)), (("avg 3x3", 0), ("sep 5x5", 1)),
             (("identity", 3), ("avg 3x3", 2)), (("sep 3x3", 2), ("max 3x3", 0))]


def wiring(cell) -> list:
    ops = [kind(b) for b in cell.branches]
    return [((ops[2 * i], left), (ops[2 * i + 1], right))
            for i, ((_, left), (_, right)) in enumerate(cell.wiring.combinations)]


@pytest.fixture(scope="module")
def model():
    return analyzer.build("nasnet_a_mobile", device="meta")


def test_cells_are_wired_as_in_figure_4(model):
    for name, cell in model.cells.items():
        assert wiring(cell) == (NORMAL if "_cell" in name and "stem" not in name else REDUCTION), name


def test_four_normal_cells_per_stack_and_1056_channels_before_the_classifier(model):
    shapes = {}
    x, older = model.stem(torch.empty(1, 3, 224, 224, device="meta")), None
    for name, cell in model.cells.items():
        older, x = x, cell(x, older)
        shapes[name] = tuple(x.shape[1:])
    # TF-slim mobile_imagenet_config: 44 filters, doubled at each reduction; a normal cell concatenates
    # six states, a reduction cell four.
    assert shapes["stem_cell1"] == (4 * 11, 56, 56) and shapes["stem_cell2"] == (4 * 22, 28, 28)
    for stack, (filters, size) in enumerate([(44, 28), (88, 14), (176, 7)], start=1):
        for index in range(1, 5):
            assert shapes[f"stack{stack}_cell{index}"] == (6 * filters, size, size)
        assert f"stack{stack}_cell5" not in shapes
    assert shapes["reduction1"] == (4 * 88, 14, 14) and shapes["reduction2"] == (4 * 176, 7, 7)
    assert model.classifier.fc.in_features == 1056 == 24 * 44


def separable(in_channels: int, out_channels: int, k: int) -> int:
    """Two depthwise kxk + pointwise + BN layers, no biases."""
    return (k * k * in_channels + in_channels * out_channels + 2 * out_channels
            + k * k * out_channels + out_channels * out_channels + 2 * out_channels)


def test_a_normal_cells_parameters_by_hand(model):
    cell = model.cells["stack2_cell2"]  # inputs: 528 channels now, 352 before (reduction1); 88 filters
    f = 88
    expected = (528 * f + 2 * f) + (352 * f + 2 * f) + 2 * separable(f, f, 5) + 3 * separable(f, f, 3)
    assert sum(p.numel() for p in cell.parameters()) == expected


def test_factorized_reduction_reads_the_even_and_the_odd_grid():
    torch.manual_seed(0)
    reduce = FactorizedReduction(1, 2).eval()
    with torch.no_grad():
        reduce.path1.weight.fill_(1.0)
        reduce.path2.weight.fill_(1.0)
        x = torch.randn(1, 1, 7, 7)
        out = reduce(x) * (1 + 1e-3) ** 0.5  # undo the batch norm's epsilon at unit variance
    r = torch.relu(x)[0, 0]
    odd = torch.nn.functional.pad(r, (0, 1, 0, 1))[1::2, 1::2]
    assert torch.allclose(out[0, 0], r[::2, ::2]) and torch.allclose(out[0, 1], odd)


def test_mult_adds_agree_with_torchs_flop_counter(model):
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.empty(1, 3, 224, 224, device="meta"))
    assert analyzer.profile("nasnet_a_mobile").totals.macs == counter.get_total_flops() // 2
