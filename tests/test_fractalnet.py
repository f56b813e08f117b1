"""FractalNet's expansion rule, read off the traced graph rather than the module tree."""

from __future__ import annotations

import pytest
import torch
from torch import fx, nn

import analyzer
from analyzer.archs.fractalnet import Fractal, Join


def conv_calls_and_longest_path(model: nn.Module) -> tuple[int, int]:
    modules = dict(model.named_modules())
    graph = fx.symbolic_trace(model.eval()).graph
    longest: dict[fx.Node, int] = {}
    calls = 0
    for node in graph.nodes:  # fx keeps nodes in topological order
        is_conv = node.op == "call_module" and isinstance(modules[node.target], nn.Conv2d)
        calls += is_conv
        longest[node] = max((longest[n] for n in node.all_input_nodes), default=0) + is_conv
    return calls, max(longest.values())


@pytest.mark.parametrize("columns", [1, 2, 3, 4])
def test_a_block_of_c_columns_follows_the_fractal_rule(columns):
    block = Fractal(columns, 3, 8, dropout=0.0)
    calls, longest = conv_calls_and_longest_path(block)
    assert sum(isinstance(m, nn.Conv2d) for m in block.modules()) == 2**columns - 1
    assert calls == 2**columns - 1
    assert longest == 2 ** (columns - 1)


def test_the_block_ends_in_one_join_of_all_its_columns():
    block = Fractal(4, 3, 8, dropout=0.0).eval()
    assert len(block.branches(torch.zeros(1, 3, 4, 4))) == 4


def test_the_registered_network_is_twenty_layers_deep():
    model = analyzer.build("fractalnet", device="meta")
    calls, longest = conv_calls_and_longest_path(model)
    assert (calls, longest) == (5 * 7, 5 * 4)


def test_drop_path_is_off_at_inference_and_never_drops_every_column():
    branches = [torch.full((1,), float(v)) for v in (1, 2, 3)]
    join = Join(drop_prob=1.0)
    assert join.eval()(branches).item() == 2.0
    assert join.train()(branches).item() in (1.0, 2.0, 3.0)
