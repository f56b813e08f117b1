"""Diagrams: the block graph against the papers' structure, and the SVG against the block graph."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from functools import cache

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer import cli
from analyzer.render.diagram import OP_CLASS_COLOURS, dot_source, svg
from analyzer.static.blockgraph import BlockGraph, BlockNode, diagram_blocks, diagram_title
from analyzer.static.records import OP_CLASSES

SVG = "{http://www.w3.org/2000/svg}"
# He et al. 2015, Table 1: residual blocks in conv2_x .. conv5_x of ResNet-50.
RESNET50_STAGES = {"conv2_x": 3, "conv3_x": 4, "conv4_x": 6, "conv5_x": 3}
# Szegedy et al. 2014, Table 1, inception (3a): #1x1, #3x3, #5x5 and pool proj output channels.
INCEPTION_3A = (64, 128, 32, 32)
# LeCun et al. 1998, Section II.B: the output of each of LeNet-5's seven layers.
LENET5 = [("c1", (6, 28, 28)), ("s2", (6, 14, 14)), ("c3", (16, 10, 10)), ("s4", (16, 5, 5)), ("c5", (120,)),
          ("f6", (84,)), ("output", (10,))]


@cache
def graph(name: str, depth: int = 1) -> BlockGraph:
    return diagram_blocks(name, depth)


def diagram_source(name: str, depth: int = 1, heat: str = "none") -> str:
    return dot_source(diagram_blocks(name, depth), heat=heat, title=diagram_title(name))


def diagram_svg(name: str, depth: int = 1, heat: str = "none") -> str:
    return svg(diagram_blocks(name, depth), heat=heat, title=diagram_title(name))


def successors(g: BlockGraph, node_id: str) -> list[str]:
    return [b for a, b in g.edges if a == node_id]


def predecessors(g: BlockGraph, node_id: str) -> list[str]:
    return [a for a, b in g.edges if b == node_id]


def in_cluster(g: BlockGraph, cluster_id: str | None) -> list[BlockNode]:
    return [n for n in g.nodes if n.cluster == cluster_id]


def by_name(g: BlockGraph, name: str) -> BlockNode:
    return next(n for n in g.nodes if n.name == name)


def cluster_named(g: BlockGraph, name: str) -> str:
    return next(c.id for c in g.clusters if c.name == name)


def test_resnet50_stages_show_their_first_block_then_the_rest_collapsed():
    g = graph("resnet50")
    model = analyzer.build("resnet50", device="meta")
    for stage, count in RESNET50_STAGES.items():
        inside = in_cluster(g, cluster_named(g, stage))
        assert [n.repeat for n in inside] == [1, count - 1], stage
        first, rest = inside
        assert (first.name, rest.name, rest.last) == (f"{stage}.0", f"{stage}.1", f"{stage}.{count - 1}")
        assert successors(g, first.id) == [rest.id]
        # The collapsed node stands for all its blocks: their weights, counted on the module itself.
        blocks_ = getattr(model, stage)
        assert rest.params == sum(p.numel() for b in list(blocks_)[1:] for p in b.parameters())
        # Only the first block changes the shape; the collapsed ones keep it.
        assert rest.output_shape == first.output_shape


def test_resnet50_at_depth_2_collapses_whole_blocks_drawn_as_clusters():
    g = graph("resnet50", 2)
    for stage, count in RESNET50_STAGES.items():
        inside = [c for c in g.clusters if c.parent == cluster_named(g, stage)]
        assert [(c.name, c.last, c.repeat) for c in inside] == [
            (f"{stage}.0", f"{stage}.0", 1), (f"{stage}.1", f"{stage}.{count - 1}", count - 1)]


# DenseNet-121 (Table 1 of the paper): 6, 12, 24 and 16 dense layers with a growth rate of 32, after a
# 64-channel stem, each transition halving the channels.
DENSENET121_BLOCKS = {"features.denseblock1": (6, 64), "features.denseblock2": (12, 128),
                      "features.denseblock3": (24, 256), "features.denseblock4": (16, 512)}


def test_densenet121_at_depth_2_draws_each_dense_block_as_one_growing_node():
    g = graph("densenet121", 2)
    model = analyzer.build("densenet121", device="meta")
    modules = dict(model.named_modules())
    for block, (layers, channels) in DENSENET121_BLOCKS.items():
        (node,) = in_cluster(g, cluster_named(g, block))
        assert (node.name, node.last, node.repeat) == (f"{block}.layers.0", f"{block}.layers.{layers - 1}", layers)
        assert node.channels == (channels, channels + 32 * layers)
        assert node.params == sum(p.numel() for p in modules[block].parameters())
        assert f"channels {channels}-{channels + 32 * layers}" in dot_source(g)


@pytest.mark.parametrize("name", ["resnet50", "vgg16", "inception_v3", "xception"])
def test_networks_without_a_growing_stack_have_no_channel_range(name):
    for depth in (1, 2):
        assert all(n.channels is None for n in graph(name, depth).nodes)


def test_resnet50_residual_additions_are_merge_nodes_fed_by_both_paths():
    g = graph("resnet50", 2)
    inside = in_cluster(g, cluster_named(g, "conv3_x.0"))
    add = next(n for n in inside if n.op_class == "merge")
    assert add.type.startswith("add")
    fed_by = {by_id(g, i).name for i in predecessors(g, add.id)}
    assert fed_by == {"conv3_x.0.conv3", "conv3_x.0.shortcut"}
    # The next block's addition takes this one's output directly (the identity shortcut).
    following = in_cluster(g, cluster_named(g, "conv3_x.1"))
    assert add.id in predecessors(g, next(n for n in following if n.op_class == "merge").id)


def by_id(g: BlockGraph, node_id: str) -> BlockNode:
    return next(n for n in g.nodes if n.id == node_id)


def test_googlenet_inception_block_has_four_branches_merging_in_one_concatenation():
    g = graph("googlenet", 2)
    inside = in_cluster(g, cluster_named(g, "inception3a"))
    merges = [n for n in inside if n.op_class == "merge"]
    assert len(merges) == 1 and merges[0].type == "cat"
    cat = merges[0]
    ends = predecessors(g, cat.id)
    assert len(ends) == 4
    branches = [_ancestors_within(g, end, {n.id for n in inside}) for end in ends]
    for i, branch in enumerate(branches):
        for other in branches[i + 1:]:
            assert not branch & other, "branches share a node"
        # Each branch starts from the same node outside the block: pool2.
        starts = {p for n in branch for p in predecessors(g, n) if p not in branch}
        assert {by_id(g, p).name for p in starts} == {"pool2"}
    assert sorted(by_id(g, e).output_shape[0] for e in ends) == sorted(INCEPTION_3A)
    assert cat.output_shape == (sum(INCEPTION_3A), 28, 28)


def _ancestors_within(g: BlockGraph, node_id: str, allowed: set[str]) -> set[str]:
    found, todo = set(), [node_id]
    while todo:
        n = todo.pop()
        if n in allowed and n not in found:
            found.add(n)
            todo.extend(predecessors(g, n))
    return found


def test_lenet5_is_a_chain_of_its_seven_layers():
    g = graph("lenet5")
    order = [g.nodes[0]]
    while successors(g, order[-1].id):
        (following,) = successors(g, order[-1].id)
        order.append(by_id(g, following))
    assert len(order) == len(g.nodes) and all(len(predecessors(g, n.id)) <= 1 for n in g.nodes)
    assert [(n.name, n.output_shape) for n in order[1:]] == LENET5
    assert order[0].output_shape == (1, 32, 32)


@pytest.mark.parametrize("name,depth", [("resnet50", 1), ("resnet50", 2), ("googlenet", 2), ("enet", 1),
                                        ("lenet5", 2)])
def test_nodes_hold_every_parameter_and_every_mac_once(name, depth):
    g = graph(name, depth)
    model = analyzer.build(name, device="meta")
    spec = analyzer.spec(name)
    with FlopCounterMode(display=False) as counter:
        model(torch.empty(1, *spec.input_shape, device="meta"))
    assert sum(n.params for n in g.nodes) == sum(p.numel() for p in model.parameters())
    # PyTorch's own counter: 2 FLOPs per multiply-accumulate of the convolutions and linear layers.
    assert 2 * sum(n.macs for n in g.nodes) == counter.get_total_flops()


def test_reshapes_are_not_nodes_and_data_flows_through_them():
    g = graph("resnet50")
    assert not any("Flatten" in n.type for n in g.nodes)
    assert successors(g, by_name(g, "avgpool").id) == [by_name(g, "fc").id]


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv(x)) + x


def test_functional_operations_of_a_user_model_are_nodes():
    g = diagram_blocks(_Residual(), input_size=(3, 8, 8))
    conv = by_name(g, "conv")
    assert conv.type == "Conv2d + relu" and conv.params == 3 * 3 * 3 * 3 + 3
    assert conv.macs == 8 * 8 * 3 * (3 * 3 * 3)  # each output value: 3 input channels x 3x3 taps
    (add,) = successors(g, conv.id)
    assert by_id(g, add).type == "add" and by_id(g, add).op_class == "merge"
    assert sorted(by_id(g, p).name for p in predecessors(g, add)) == ["conv", "input"]


def _svg_counts(svg: str) -> dict[str, int]:
    root = ET.fromstring(svg)
    counts = {"node": 0, "edge": 0, "cluster": 0}
    for element in root.iter(f"{SVG}g"):
        if element.get("class") in counts:
            counts[element.get("class")] += 1
    return counts


def test_svg_parses_and_draws_every_node_edge_and_cluster():
    g = graph("googlenet", 2)
    counts = _svg_counts(diagram_svg("googlenet", depth=2))
    assert counts == {"node": len(g.nodes), "edge": len(g.edges), "cluster": len(g.clusters)}


def test_same_model_gives_the_same_svg_byte_for_byte():
    first = diagram_svg("resnet50", depth=2, heat="macs")
    assert diagram_svg("resnet50", depth=2, heat="macs") == first
    # A fresh interpreter with another hash seed: no set or dict order leaks into the output.
    code = ("import hashlib, sys; from analyzer.render.diagram import svg; "
            "from analyzer.static.blockgraph import diagram_blocks, diagram_title; "
            "g = svg(diagram_blocks('resnet50', 2), heat='macs', title=diagram_title('resnet50')); "
            "sys.stdout.write(hashlib.sha256(g.encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert other.stdout == hashlib.sha256(first.encode()).hexdigest()


def test_every_operation_class_has_one_colour():
    assert set(OP_CLASSES) <= set(OP_CLASS_COLOURS)
    source = diagram_source("vgg16")
    g = graph("vgg16")
    for node in g.nodes:
        line = next(line for line in source.splitlines() if line.strip().startswith(f"{node.id} ["))
        assert f'color="{OP_CLASS_COLOURS[node.op_class]}"' in line


def test_heat_shades_nodes_darker_the_larger_their_share_of_macs():
    g = graph("resnet50")
    source = diagram_source("resnet50", heat="macs")
    fills = {}
    for node in g.nodes:
        line = next(line for line in source.splitlines() if line.strip().startswith(f"{node.id} ["))
        colour = line.split('fillcolor="#', 1)[1][:6]
        fills[node.id] = sum(int(colour[i:i + 2], 16) for i in (0, 2, 4))  # lower is darker
    ranked = sorted(g.nodes, key=lambda n: n.macs)
    assert [fills[n.id] for n in ranked] == sorted((fills[n.id] for n in ranked), reverse=True)
    assert fills[ranked[0].id] == 3 * 255  # no MACs: white


def test_cli_writes_model_dot_format_by_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["diagram", "lenet5", "--format", "dot"]) == 0
    assert (tmp_path / "lenet5.dot").read_text() == diagram_source("lenet5")
    assert cli.main(["diagram", "lenet5", "--format", "png", "--output", "net.png"]) == 0
    assert (tmp_path / "net.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_without_dot_one_line_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert cli.main(["diagram", "lenet5"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "apt-get install graphviz" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", analyzer.names())
def test_every_zoo_model_renders_at_depth_1_and_2(name):
    for depth in (1, 2):
        g = diagram_blocks(name, depth)
        counts = _svg_counts(diagram_svg(name, depth=depth))
        assert counts == {"node": len(g.nodes), "edge": len(g.edges), "cluster": len(g.clusters)}, depth
