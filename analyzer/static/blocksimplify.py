"""Simplifying the diagram's graph: the working nodes and clusters, and the passes over them.

`analyzer.static.blockgraph` groups the traced operations into these working nodes, then runs the
passes here in order: pointwise nodes join the node they continue, clusters around one member
dissolve, and runs of identical (or growing) siblings collapse into one marked with their count.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from analyzer.static.records import Graph, OpNode

POINTWISE = frozenset({"norm", "activation", "elementwise", "bias", "softmax", "reshape", "other"})
FOLDED = frozenset({"reshape", "other"})

Key = tuple[Any, ...]


@dataclass
class _Node:
    name: str
    types: list[str]
    ops: list[OpNode]
    params: int
    cluster: Key | None
    sig: tuple[Any, ...] = ()
    # The signature with channel counts and weights left out, and (channels read, channels added)
    # when the node adds channels to its input; None otherwise.
    growth: tuple[Any, ...] | None = None
    repeat: int = 1
    last: str = ""
    channels: tuple[int, int] | None = None


@dataclass
class _Cluster:
    name: str
    type: str
    parent: Key | None
    repeat: int = 1
    last: str = ""


@dataclass
class _Work:
    """The graph while it is being simplified: nodes in order of their first operation."""

    nodes: dict[Key, _Node] = field(default_factory=dict)
    clusters: dict[Key, _Cluster] = field(default_factory=dict)
    succ: dict[Key, dict[Key, None]] = field(default_factory=lambda: defaultdict(dict))
    pred: dict[Key, dict[Key, None]] = field(default_factory=lambda: defaultdict(dict))

    def link(self, a: Key, b: Key) -> None:
        if a != b:
            self.succ[a][b] = None
            self.pred[b][a] = None

    def drop(self, key: Key, bridge: bool) -> None:
        """Remove a node; with `bridge`, its inputs feed its consumers directly."""
        preds, succs = list(self.pred.pop(key, {})), list(self.succ.pop(key, {}))
        for p in preds:
            self.succ[p].pop(key, None)
        for s in succs:
            self.pred[s].pop(key, None)
        if bridge:
            for p in preds:
                for s in succs:
                    self.link(p, s)
        del self.nodes[key]

    def absorb(self, a: Key, b: Key) -> None:
        """Node `a` takes over node `b`: its operations, parameters and connections."""
        node, other = self.nodes[a], self.nodes[b]
        node.ops += other.ops
        node.params += other.params
        succs = list(self.succ[b])
        preds = list(self.pred[b])
        self.drop(b, bridge=False)
        for s in succs:
            self.link(a, s)
        for p in preds:
            self.link(p, a)

    def only(self, edges: dict[Key, dict[Key, None]], key: Key) -> Key | None:
        found = edges.get(key, {})
        return next(iter(found)) if len(found) == 1 else None


def _keeps_shape(graph: Graph, op: OpNode) -> bool:
    shapes = [graph.values[v].shape for v in (*op.inputs[:1], *op.outputs[:1])]
    return len(shapes) == 2 and shapes[0] == shapes[1]


def _fuse_pointwise(graph: Graph, work: _Work) -> None:
    """Normalisation and activation after a single node join it; a reduction or re-shaping (LeNet-5's
    RBF output layer) stays its own node."""
    for key in list(work.nodes):
        node = work.nodes.get(key)
        if node is None or key[0] == "i" or not all(
                op.op_class in FOLDED or (op.op_class in POINTWISE and _keeps_shape(graph, op)) for op in node.ops):
            continue
        before = work.only(work.pred, key)
        if (before is not None and before[0] != "i" and work.only(work.succ, before) == key
                and work.nodes[before].cluster == node.cluster):
            work.nodes[before].types += node.types
            work.absorb(before, key)


def _members(work: _Work) -> tuple[dict[Key | None, list[Key]], dict[Key | None, list[Key]]]:
    nodes: dict[Key | None, list[Key]] = defaultdict(list)
    clusters: dict[Key | None, list[Key]] = defaultdict(list)
    for key, node in work.nodes.items():
        nodes[node.cluster].append(key)
    for key, cluster in work.clusters.items():
        clusters[cluster.parent].append(key)
    return nodes, clusters


def _by_nesting(work: _Work) -> list[Key]:
    """Clusters, innermost first."""
    def nesting(key: Key) -> int:
        n, parent = 0, work.clusters[key].parent
        while parent is not None:
            n, parent = n + 1, work.clusters[parent].parent
        return n
    return sorted(work.clusters, key=nesting, reverse=True)


def _dissolve_clusters(work: _Work) -> None:
    """A cluster around a single node or a single cluster adds a box and nothing else."""
    for key in _by_nesting(work):
        nodes, clusters = _members(work)
        cluster = work.clusters[key]
        if len(nodes[key]) + len(clusters[key]) > 1:
            continue
        for n in nodes[key]:
            node = work.nodes[n]
            node.name = node.last = cluster.name
            node.cluster = cluster.parent
        for c in clusters[key]:
            work.clusters[c].parent = cluster.parent
        del work.clusters[key]


def _signature(graph: Graph, node: _Node, kinds: dict[str, str]) -> tuple[Any, ...]:
    """What must match for two nodes to be the same block: kinds, operations, shapes, windows, weights."""
    ops = tuple((kinds.get(op.module, ""), op.op, op.window,
                 tuple(graph.values[v].shape for v in op.inputs), tuple(graph.values[v].shape for v in op.outputs))
                for op in node.ops)
    return (tuple(node.types), node.params, ops)


def _growth(graph: Graph, node: _Node, kinds: dict[str, str]) -> tuple[Any, ...] | None:
    """For a node whose NCHW output is its input with new channels concatenated: its signature without
    channel counts or weights, with the channels added; and the channels read. None for other nodes."""
    read = next((v for op in node.ops for v in op.inputs if graph.values[v].kind != "constant"), None)
    # The node hands on its input with new channels concatenated (a widening convolution is not this).
    if read is None or node.ops[-1].op != "cat" or read not in node.ops[-1].inputs:
        return None
    first, out = graph.values[read].shape, graph.values[node.ops[-1].outputs[0]].shape
    if len(first) != 4 or len(out) != 4 or first[2:] != out[2:] or out[1] <= first[1]:
        return None

    def shapes(vids: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
        # Activations without their channels; weights (whose sizes follow the channels) left out.
        found = (graph.values[v] for v in vids)
        return tuple((v.shape[0], *v.shape[2:]) if len(v.shape) == 4 else v.shape
                     for v in found if v.kind in ("input", "activation"))

    ops = tuple((kinds.get(op.module, ""), op.op, op.window, shapes(op.inputs), shapes(op.outputs))
                for op in node.ops)
    return (tuple(node.types), ops, out[1] - first[1]), first[1]


def _collapse_nodes(work: _Work) -> None:
    """Merge runs of identical nodes, each feeding only the next; then runs of a growing stack, each
    reading what the one before handed on."""
    for key in list(work.nodes):
        node = work.nodes.get(key)
        if node is None or key[0] == "i":
            continue
        while True:
            after = work.only(work.succ, key)
            if after is None or work.only(work.pred, after) != key:
                break
            other = work.nodes[after]
            if other.cluster != node.cluster:
                break
            if other.sig != node.sig:
                if not _grows_into(node, other):
                    break
                start = node.channels[0] if node.channels else node.growth[1]  # type: ignore[index]
                node.channels = (start, other.growth[1] + other.growth[0][2])  # type: ignore[index]
            node.repeat += other.repeat
            node.last = other.last
            work.absorb(key, after)


def _grows_into(node: _Node, other: _Node) -> bool:
    """Whether `other` is the next layer of the growing stack that `node` (maybe already a run) is."""
    if node.growth is None or other.growth is None or node.growth[0] != other.growth[0]:
        return False
    read = node.channels[1] if node.channels else node.growth[1] + node.growth[0][2]
    return other.growth[1] == read


def _descendants(work: _Work, key: Key, nodes: dict[Key | None, list[Key]],
                 clusters: dict[Key | None, list[Key]]) -> tuple[list[Key], list[Key]]:
    found_nodes, found_clusters = list(nodes[key]), [key]
    for c in clusters[key]:
        n, cs = _descendants(work, c, nodes, clusters)
        found_nodes += n
        found_clusters += cs
    order = {k: i for i, k in enumerate(work.nodes)}
    return sorted(found_nodes, key=order.__getitem__), found_clusters


def _cluster_signature(work: _Work, key: Key, inside: list[Key], clusters: list[Key]) -> tuple[Any, ...]:
    position = {k: i for i, k in enumerate(inside)}
    edges = tuple(sorted((position[a], position[b]) for a in inside for b in work.succ[a] if b in position))
    where = tuple(clusters.index(work.nodes[k].cluster) for k in inside)
    # The cluster's own repeat count is left out: a run already merged still matches the next one.
    shapes = (work.clusters[key].type, *((work.clusters[c].type, work.clusters[c].repeat) for c in clusters[1:]))
    return (shapes, tuple((work.nodes[k].sig, work.nodes[k].repeat) for k in inside), where, edges)


def _collapse_clusters(work: _Work) -> None:
    """Merge a run of identical sibling clusters, each feeding only the next, into the first."""
    for key in _by_nesting(work):
        if key not in work.clusters:
            continue
        nodes, clusters = _members(work)
        parent = work.clusters[key].parent
        siblings = list(clusters[parent])
        while True:
            index = siblings.index(key)
            if index + 1 >= len(siblings):
                break
            after = siblings[index + 1]
            mine, my_clusters = _descendants(work, key, nodes, clusters)
            theirs, their_clusters = _descendants(work, after, nodes, clusters)
            if not _chained(work, mine, theirs) or (
                    _cluster_signature(work, key, mine, my_clusters)
                    != _cluster_signature(work, after, theirs, their_clusters)):
                break
            for a, b in zip(mine, theirs):
                work.nodes[a].params += work.nodes[b].params
                work.nodes[a].ops += work.nodes[b].ops
            leaving = set(theirs)
            outside = [(a, s) for a, b in zip(mine, theirs) for s in work.succ[b] if s not in leaving]
            for b in theirs:
                work.drop(b, bridge=False)
            for a, s in outside:
                work.link(a, s)
            work.clusters[key].repeat += work.clusters[after].repeat
            work.clusters[key].last = work.clusters[after].last
            for c in their_clusters:
                del work.clusters[c]
            siblings.remove(after)
            nodes, clusters = _members(work)


def _chained(work: _Work, first: list[Key], second: list[Key]) -> bool:
    """Whether `second` reads only from `first`, `first` feeds only `second`, and nothing runs between."""
    a, b = set(first), set(second)
    order = list(work.nodes)
    if order.index(second[0]) != order.index(first[-1]) + 1:
        return False
    into_b = {p for k in second for p in work.pred[k] if p not in b}
    out_of_a = {s for k in first for s in work.succ[k] if s not in a}
    return bool(into_b) and into_b <= a and out_of_a <= b
