"""LeNet-5 against the layer-by-layer figures of LeCun et al. 1998, Section II.B and Table I."""

from __future__ import annotations

import pytest
import torch

import analyzer


@pytest.fixture(scope="module")
def model():
    return analyzer.build("lenet5", device="meta")


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


@pytest.mark.parametrize("layer, params", [
    ("c1", 156), ("s2", 12), ("c3", 1_516), ("s4", 32), ("c5", 48_120), ("f6", 10_164), ("output", 0),
])
def test_lenet5_layer_parameters_match_the_paper(model, layer, params):
    assert count(getattr(model, layer)) == params


def test_lenet5_output_centres_are_fixed(model):
    assert [name for name, _ in model.named_buffers()] == ["output.centres"]
    assert tuple(model.output.centres.shape) == (10, 84)


def cyclic_run(start: int, length: int) -> set[int]:
    return {(start + i) % 6 for i in range(length)}


def test_lenet5_c3_follows_the_connection_table(model):
    partial = model.c3[0]
    inputs = [set(subset) for subset in partial.inputs]
    assert len(inputs) == 16
    assert inputs[:6] == [cyclic_run(i, 3) for i in range(6)]
    assert inputs[6:12] == [cyclic_run(i, 4) for i in range(6)]
    for subset in inputs[12:15]:
        assert len(subset) == 4 and all(subset != cyclic_run(i, 4) for i in range(6))
    assert inputs[12:15] == [{0, 1, 3, 4}, {1, 2, 4, 5}, {0, 2, 3, 5}]
    assert inputs[15] == set(range(6))
    assert [conv.in_channels for conv in partial.maps] == [len(subset) for subset in partial.inputs]
    assert all(conv.out_channels == 1 for conv in partial.maps)


def test_lenet5_c3_reads_only_its_inputs():
    # Each C3 map must change when, and only when, one of its own S2 maps changes.
    model = analyzer.build("lenet5")
    partial = model.c3[0]
    x = torch.randn(1, 6, 14, 14)
    with torch.no_grad():
        base = partial(x)
        for s2_map in range(6):
            poked = x.clone()
            poked[:, s2_map] += 1.0
            changed = (partial(poked) - base).abs().flatten(2).amax(dim=2)[0] > 0
            expected = [s2_map in subset for subset in partial.inputs]
            assert changed.tolist() == expected, s2_map
