"""Questions asked of a traced graph: paths through a block, convolution groups and kernels, classifiers.

The design-idea pages and the claim checks share these; each answers from a `ModelProfile` alone, so
what they report is what the analyzer traced, not what a builder says it built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import prod

from analyzer.static.records import Graph, ModelProfile, OpNode

# Operation classes that carry weights: a path's length counts these, as papers count depth.
WEIGHTED = ("conv", "linear")
# Where parallel paths meet: a residual add, a concatenation, a fractal join's stack and mean.
JOINS = ("merge", "elementwise")


def in_scope(op: OpNode, scope: str) -> bool:
    """Whether `op` ran inside module `scope` ("" is the whole model)."""
    return not scope or op.module == scope or op.module.startswith(scope + ".")


def arithmetic_ops(profile: ModelProfile) -> int:
    """Operations of one pass that do arithmetic: each is at least one kernel launch on a GPU, so at
    small batch sizes, where the host's launches set the pace, this count predicts latency."""
    return sum(1 for op in profile.graph.ops if op.flops)


def weighted(op: OpNode) -> int:
    return int(op.op_class in WEIGHTED)


@dataclass(frozen=True)
class PathStats:
    """Input-to-output paths through one module, measured in weighted layers."""

    model: str
    scope: str
    paths: int
    longest: int
    shortest: int
    flops: int
    join_flops: int
    join_share: float


def path_stats(profile: ModelProfile, scope: str = "",
               weight: Callable[[OpNode], int] = weighted) -> PathStats:
    """Count the paths of the op graph restricted to `scope`, with their longest and shortest lengths.

    One pass in execution order (a topological order): a value's paths are the sum over the inputs
    of the op that made it, and their lengths grow by that op's weight.
    """
    graph = _graph(profile)
    ops = [op for op in graph.ops if in_scope(op, scope)]
    produced = {v for op in ops for v in op.outputs}
    state = {v: (1, 0, 0) for op in ops for v in op.inputs
             if v not in produced and graph.values[v].kind != "constant"}
    for op in ops:
        found = [state[v] for v in op.inputs if v in state]
        if found:
            w = weight(op)
            merged = (sum(f[0] for f in found), max(f[1] for f in found) + w, min(f[2] for f in found) + w)
            state.update(dict.fromkeys(op.outputs, merged))
    paths, longest, shortest = state[ops[-1].outputs[0]]
    flops = sum(op.flops for op in ops)
    joins = sum(op.flops for op in ops if op.op_class in JOINS)
    return PathStats(profile.model, scope, paths, longest, shortest, flops, joins, joins / flops)


def _graph(profile: ModelProfile) -> Graph:
    if profile.graph is None:
        raise ValueError(f"the profile of {profile.model} carries no traced graph")
    return profile.graph


def convolutions(profile: ModelProfile) -> list[OpNode]:
    return [op for op in _graph(profile).ops if op.op_class == "conv" and op.window is not None]


def kernel(op: OpNode) -> tuple[int, int]:
    assert op.window is not None
    return op.window.kernel


def in_channels(profile: ModelProfile, op: OpNode) -> int:
    return _graph(profile).values[op.inputs[0]].shape[1]


def out_channels(profile: ModelProfile, op: OpNode) -> int:
    return _graph(profile).values[op.outputs[0]].shape[1]


def groups(profile: ModelProfile, op: OpNode) -> int:
    """A convolution's groups, from its MACs: each output unit reads in_channels / groups maps."""
    kh, kw = kernel(op)
    outputs = prod(_graph(profile).values[op.outputs[0]].shape)
    return in_channels(profile, op) * kh * kw * outputs // op.macs


def is_depthwise(profile: ModelProfile, op: OpNode) -> bool:
    return groups(profile, op) == in_channels(profile, op) > 1


def source(profile: ModelProfile, op: OpNode) -> OpNode | None:
    """The op that made `op`'s input, looking back through point-wise ops (activations, norms)."""
    graph = _graph(profile)
    makers = {v: o for o in graph.ops for v in o.outputs}
    maker = makers.get(op.inputs[0])
    while maker is not None and maker.window is not None and maker.window.kind == "pointwise":
        maker = makers.get(maker.inputs[0])
    return maker


def head_params(profile: ModelProfile) -> int:
    """Parameters of the classifier: the layers that see the whole image (after the last spatial map)."""
    return sum(layer.params for layer in profile.layers if layer.sees_whole_input)


def top_level_type(profile: ModelProfile, op: OpNode) -> str:
    """The type of the model's direct child that ran `op` (e.g. "Inception" for a GoogLeNet branch)."""
    types = {m.path: m.type for m in _graph(profile).modules}
    return types.get(op.module.split(".")[0], "")
