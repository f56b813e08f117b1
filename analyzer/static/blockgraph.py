"""The diagram's graph: traced operations grouped into blocks, with repeated blocks collapsed.

Built from the same traced `Graph` as the profile, so functional operations (a residual `x + y`, a
`torch.cat`) are nodes like the layers around them. Depth counts blocks, not containers: at depth D a
module nested in fewer than D blocks (modules of the model's own classes, such as a Bottleneck or an
Inception module) is drawn as a cluster of its children, and one nested in D is a single node. A
Sequential only groups, so it adds no level: at depth 1 ResNet's stages are clusters of bottleneck
nodes and VGG's `features` is a cluster of its convolutions and pools. ModuleList and ModuleDict are
never called and are not drawn. A container with at most one convolution, linear or pooling
operation and no merge (Conv-BN-ReLU) is one node at any depth: expanding it would show nothing.
Then, for a readable picture:
- reshapes, views and factories are not nodes: data flows through them;
- a normalisation, activation or other element-wise node that only continues a single node joins
  it (Conv2d + BatchNorm2d + ReLU);
- a cluster left with a single node is that node, under the cluster's name;
- consecutive identical siblings, node or cluster, collapse into one marked with their count: their
  figures are then the sum over the repeats.
- consecutive sibling nodes of one structure that differ only in how many channels they read, each
  concatenating the same number of new channels to its input (DenseNet's dense layers: a growing
  stack), collapse the same way, marked with the channel range they span.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from analyzer import registry
from analyzer.errors import ProfileInputError
from analyzer.static.blocksimplify import (
    FOLDED,
    Key,
    _Cluster,
    _collapse_clusters,
    _collapse_nodes,
    _dissolve_clusters,
    _fuse_pointwise,
    _growth,
    _Node,
    _signature,
    _Work,
)
from analyzer.static.records import Graph, ModelProfile, OpNode, Window

HEAVY = frozenset({"conv", "linear", "matmul", "pool"})
TRANSPARENT = frozenset({"ModuleList", "ModuleDict"})
GROUPING = TRANSPARENT | {"Sequential"}
# The class a node is drawn as, when no operation in it multiplies: its first class in this order.
CLASS_PRIORITY = ("merge", "pool", "norm", "activation", "softmax", "elementwise", "bias", "matmul", "linear",
                  "conv", "reshape", "other")
INPUT = "input"
# Working keys: ("i", n) the n-th input, ("o", index) an operation a container runs itself,
# ("m", path, run) the run-th call of a module.


@dataclass(frozen=True)
class BlockNode:
    id: str
    # Module path of the block (the first one when repeated); "" for an operation written in a forward.
    name: str
    # Module path of the last repeat; equal to `name` when `repeat` is 1.
    last: str
    type: str
    op_class: str
    # The geometry of its single convolution or pooling window, where it has one.
    window: Window | None
    output_shape: tuple[int, ...]
    params: int
    macs: int
    repeat: int
    cluster: str | None
    params_share: float
    macs_share: float
    # A collapsed growing stack's channels: what its first repeat reads, what its last hands on.
    channels: tuple[int, int] | None = None


@dataclass(frozen=True)
class BlockCluster:
    id: str
    name: str
    last: str
    type: str
    repeat: int
    parent: str | None


@dataclass(frozen=True)
class BlockGraph:
    model: str
    depth: int
    params: int
    macs: int
    nodes: tuple[BlockNode, ...]
    edges: tuple[tuple[str, str], ...]
    clusters: tuple[BlockCluster, ...]


def _prefixes(path: str) -> list[str]:
    parts = path.split(".") if path else []
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def block_graph(report: ModelProfile, depth: int = 1, model: str | None = None) -> BlockGraph:
    """Group `report.graph` into the blocks drawn at `depth` (see the module docstring)."""
    graph = report.graph
    if graph is None:
        raise ValueError("the profile carries no traced graph")
    work = _group(graph, depth)
    for key, node in list(work.nodes.items()):
        if key[0] != "i" and all(op.op_class in FOLDED for op in node.ops):
            work.drop(key, bridge=True)
    _fuse_pointwise(graph, work)
    _dissolve_clusters(work)
    kinds = {m.path: m.type for m in graph.modules}
    for node in work.nodes.values():
        node.sig = _signature(graph, node, kinds)
        node.growth = _growth(graph, node, kinds)
    _collapse_nodes(work)
    _collapse_clusters(work)
    return _freeze(graph, work, report.model if model is None else model, depth)


def diagram_blocks(name_or_module: Any, depth: int = 1, input_size: Any = None) -> BlockGraph:
    """The block graph of a zoo model (by name) or any `nn.Module` (which needs `input_size`)."""
    from analyzer.static.profiler import profile, zoo_profile

    if not isinstance(depth, int) or depth < 0:
        raise ProfileInputError(f"depth must be an integer of 0 or more, got {depth!r}")
    at_standard_input = isinstance(name_or_module, str) and input_size is None
    report = zoo_profile(name_or_module) if at_standard_input else profile(name_or_module, input_size=input_size)
    return block_graph(report, depth)


def diagram_title(name_or_module: Any) -> str:
    """What a diagram is titled: a zoo model's display name, a user reference's attribute, a class name."""
    if isinstance(name_or_module, str) and name_or_module in registry.names():
        return registry.spec(name_or_module).display_name
    return name_or_module.rpartition(":")[2] if isinstance(name_or_module, str) else type(name_or_module).__name__


def _group(graph: Graph, depth: int) -> _Work:
    """One node per call of each module at the node level, or per operation a container runs itself."""
    modules = {m.path: m for m in graph.modules}
    parents = {p.rpartition(".")[0] for p in modules if p}
    heavy: dict[str, int] = defaultdict(int)
    merges: set[str] = set()
    params: dict[str, int] = defaultdict(int)
    for m in graph.modules:
        for p in _prefixes(m.path):
            params[p] += m.params
    for op in graph.ops:
        for p in _prefixes(op.module):
            heavy[p] += op.op_class in HEAVY
            if op.op_class == "merge":
                merges.add(p)

    def blocks(path: str) -> int:
        return sum(modules[p].type not in GROUPING for p in _prefixes(path))

    def expanded(path: str) -> bool:
        return path in parents and blocks(path) < depth and (heavy[path] > 1 or path in merges)

    work = _Work()
    for i in range(len(graph.inputs)):
        work.nodes[("i", i)] = _Node(INPUT if len(graph.inputs) == 1 else f"{INPUT} {i}", [INPUT], [], 0, None)
    run: dict[str, int] = {}
    previous: set[str] = set()
    direct_done: set[str] = set()
    producer: dict[int, Key] = {vid: ("i", i) for i, vid in enumerate(graph.inputs)}
    for op in graph.ops:
        chain = [p for p in _prefixes(op.module) if modules[p].type not in TRANSPARENT]
        # A module's operations run contiguously, so a new stretch of them is a new call.
        for p in chain:
            if p not in previous:
                run[p] = run.get(p, -1) + 1
        previous = set(chain)
        cluster: Key | None = None
        key: Key = ("o", op.index)
        for p in chain:
            if not expanded(p):
                key = ("m", p, run[p])
                break
            parent, cluster = cluster, (p, run[p])
            if cluster not in work.clusters:
                work.clusters[cluster] = _Cluster(p, modules[p].type, parent, last=p)
        if key not in work.nodes:
            path = key[1] if key[0] == "m" else ""
            if path:
                # A shared module (one ReLU called three times) holds its parameters once.
                own = params[path] if key[2] == 0 else 0
            else:
                # Weights a container uses in its own forward go with its first operation.
                own = 0 if op.module in direct_done else modules[op.module].params
                direct_done.add(op.module)
            work.nodes[key] = _Node(path, [], [], own, cluster, last=path)
        work.nodes[key].ops.append(op)
        for vid in op.inputs:
            if graph.values[vid].kind != "constant" and vid in producer:
                work.link(producer[vid], key)
        for vid in op.outputs:
            producer[vid] = key
    for key, node in work.nodes.items():
        if key[0] != "i":
            node.types = [_type(node, modules)]
    return work


def _type(node: _Node, modules: dict[str, Any]) -> str:
    if not node.name:
        return node.ops[0].op
    return _kind(node.name, [op for op in node.ops if op.op_class not in FOLDED], modules)


def _kind(path: str, ops: list[OpNode], modules: dict[str, Any]) -> str:
    """A Sequential says nothing: the kinds of its children that compute say what it is."""
    if modules[path].type != "Sequential":
        return modules[path].type
    depth = len(path.split("."))
    children: dict[str, list[OpNode]] = {}
    for op in ops:
        child = ".".join(op.module.split(".")[:depth + 1])
        if child != path:
            children.setdefault(child, []).append(op)
    kinds = (_kind(child, found, modules) for child, found in children.items())
    return " + ".join(dict.fromkeys(k for kind in kinds for k in kind.split(" + ")))


def _node_class(node: _Node) -> str:
    if not node.ops:
        return INPUT
    multiplying = [op for op in node.ops if op.macs]
    if multiplying:
        return max(multiplying, key=lambda op: op.macs).op_class
    if "Norm" in node.types[0]:
        return "norm"  # local response normalisation pools across channels, yet it normalises
    present = {op.op_class for op in node.ops}
    return next(c for c in CLASS_PRIORITY if c in present)


def _window(node: _Node, op_class: str) -> Window | None:
    if op_class not in ("conv", "pool"):
        return None
    windows = {op.window for op in node.ops if op.op_class in HEAVY}
    window = next(iter(windows)) if len(windows) == 1 else None
    return window if window is not None and window.kind in ("window", "transposed", "global", "upsample") else None


def _output_shape(graph: Graph, node: _Node, readers: dict[int, set[int]]) -> tuple[int, ...]:
    """The shape of the last value this node hands on, without the batch dimension."""
    mine = {op.index for op in node.ops}
    produced = [v for op in node.ops for v in op.outputs]
    handed = [v for v in produced if v in graph.outputs or readers.get(v, mine) - mine]
    shape = graph.values[max(handed or produced)].shape
    return tuple(shape[1:]) if len(shape) > 1 else tuple(shape)


def _freeze(graph: Graph, work: _Work, model: str, depth: int) -> BlockGraph:
    total_params = sum(m.params for m in graph.modules)
    total_macs = sum(op.macs for op in graph.ops)
    cluster_ids = {key: f"cluster_{i}" for i, key in enumerate(work.clusters)}
    node_ids = {key: f"n{i}" for i, key in enumerate(work.nodes)}
    readers: dict[int, set[int]] = defaultdict(set)
    for op in graph.ops:
        for v in op.inputs:
            readers[v].add(op.index)
    nodes = []
    for key, node in work.nodes.items():
        macs = sum(op.macs for op in node.ops)
        op_class = _node_class(node)
        nodes.append(BlockNode(
            id=node_ids[key], name=node.name, last=node.last or node.name, type=" + ".join(node.types),
            op_class=op_class, window=_window(node, op_class),
            output_shape=_output_shape(graph, node, readers) if node.ops else _input_shape(graph, key[1]),
            params=node.params, macs=macs, repeat=node.repeat,
            cluster=cluster_ids[node.cluster] if node.cluster is not None else None,
            params_share=node.params / total_params if total_params else 0.0,
            macs_share=macs / total_macs if total_macs else 0.0, channels=node.channels,
        ))
    edges = tuple((node_ids[a], node_ids[b]) for a in work.nodes for b in work.succ.get(a, {}))
    clusters = tuple(BlockCluster(cluster_ids[k], c.name, c.last or c.name, c.type, c.repeat,
                                  cluster_ids[c.parent] if c.parent is not None else None)
                     for k, c in work.clusters.items())
    return BlockGraph(model, depth, total_params, total_macs, tuple(nodes), edges, clusters)


def _input_shape(graph: Graph, index: int) -> tuple[int, ...]:
    return tuple(graph.values[graph.inputs[index]].shape[1:])
