"""A `BlockGraph` as graphviz DOT text, and DOT as SVG or PNG through graphviz's `dot`.

The DOT is written here as text, in the graph's own order, so the same model gives the same bytes;
`dot` lays it out the same way each time on one machine. Colours follow the operation classes of
`analyzer.static.records.OP_CLASSES` (`OP_CLASS_COLOURS`).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html import escape
from typing import TYPE_CHECKING

from analyzer.errors import DotNotFound
from analyzer.render.numbers import shape as format_shape
from analyzer.render.numbers import si

if TYPE_CHECKING:
    from analyzer.static.blockgraph import BlockCluster, BlockGraph, BlockNode

# One colour per operation class (Okabe-Ito and Tol's colour-blind-safe palettes), so a convolution
# is the same blue in every diagram.
OP_CLASS_COLOURS: dict[str, str] = {
    "conv": "#0072B2",
    "linear": "#CC79A7",
    "matmul": "#882255",
    "norm": "#E69F00",
    "activation": "#009E73",
    "pool": "#56B4E9",
    "elementwise": "#999933",
    "merge": "#D55E00",
    "softmax": "#AA4499",
    "bias": "#DDCC77",
    "reshape": "#BBBBBB",
    "other": "#777777",
    "input": "#444444",
}
HEAT = ("macs", "params", "none")
DIRECTIONS = ("TB", "LR")
FONT = "Helvetica"
# Heat runs from white to this red: dark enough to rank the nodes, light enough for black text.
HEAT_COLOUR = "#EF6548"
FORMATS = ("svg", "png")


def _mix(colour: str, amount: float) -> str:
    """`colour` blended with white: 0 gives white, 1 the colour."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 - (255 - c) * amount):02X}" for c in rgb)


def _name(node: BlockNode | BlockCluster, parent: BlockCluster | None) -> str:
    """The module path, shortened inside its cluster where what is left still says something;
    a run of repeats reads first-last with the shared start said once (conv4_x.1-5)."""
    first, last = node.name, node.last
    if parent is not None and first.startswith(parent.name + "."):
        rest = first[len(parent.name) + 1:]
        if not rest.split(".")[0].isdigit():
            first, last = rest, last[len(parent.name) + 1:]
    if last == first:
        return first
    shared = len(os.path.commonprefix([first, last]))
    cut = max(first.rfind(".", 0, shared), first.rfind("_", 0, shared)) + 1
    return f"{first}–{last[cut:]}"


def _window(node: BlockNode) -> str:
    w = node.window
    if w is None:
        return ""
    if w.kind == "global":
        return "global"
    if w.kind == "upsample":
        return f"up x{w.stride[0]}" if w.stride[0] == w.stride[1] else f"up {w.stride[0]}x{w.stride[1]}"
    text = f"{w.kernel[0]}x{w.kernel[1]}"
    stride = f"/{w.stride[0]}" if w.stride[0] == w.stride[1] else f"/{w.stride[0]}x{w.stride[1]}"
    text += stride
    if w.dilation != (1, 1):
        text += f" d{w.dilation[0]}" if w.dilation[0] == w.dilation[1] else f" d{w.dilation[0]}x{w.dilation[1]}"
    return ("transposed " if w.kind == "transposed" else "") + text


def _label(node: BlockNode, parent: BlockCluster | None) -> str:
    name = escape(_name(node, parent))
    title = f"<B>{name}</B>" if name else ""
    kind = escape(node.type)
    repeat = f" <B>x{node.repeat}</B>" if node.repeat > 1 else ""
    lines = [f"{title}{repeat}" if title else f"<B>{kind}</B>{repeat}"]
    if title and node.type != node.name:
        lines.append(kind)
    # A collapsed growing stack (DenseNet's dense layers) says which channels it spans.
    spans = f"channels {node.channels[0]}-{node.channels[1]}" if node.channels else ""
    lines.append(" · ".join(filter(None, (_window(node), format_shape(node.output_shape), spans))))
    figures = [f"{si(node.params)} params" if node.params else "", f"{si(node.macs)} MACs" if node.macs else ""]
    if any(figures):
        lines.append(" · ".join(filter(None, figures)))
    rows = "".join(f'<TR><TD ALIGN="LEFT">{line}</TD></TR>' for line in lines[:1])
    rows += "".join(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="9">{line}</FONT></TD></TR>' for line in lines[1:])
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>>'


def _fill(node: BlockNode, heat: str, hottest: float) -> str:
    colour = OP_CLASS_COLOURS.get(node.op_class, OP_CLASS_COLOURS["other"])
    if heat == "none":
        return _mix(colour, 0.18)
    share = node.macs_share if heat == "macs" else node.params_share
    return _mix(HEAT_COLOUR, share / hottest if hottest else 0.0)


def _node_line(node: BlockNode, parent: BlockCluster | None, heat: str, hottest: float) -> str:
    colour = OP_CLASS_COLOURS.get(node.op_class, OP_CLASS_COLOURS["other"])
    extra = ' peripheries="2"' if node.repeat > 1 else ""
    width = "2.5" if heat != "none" else "1.2"
    return (f'{node.id} [label={_label(node, parent)} fillcolor="{_fill(node, heat, hottest)}" '
            f'color="{colour}" penwidth="{width}"{extra}];')


def _cluster_label(cluster: BlockCluster, parent: BlockCluster | None) -> str:
    parts = [f"<B>{escape(_name(cluster, parent))}</B>"]
    if cluster.type != "Sequential":
        parts.append(escape(cluster.type))
    if cluster.repeat > 1:
        parts.append(f"<B>x{cluster.repeat}</B>")
    return f"<{' '.join(parts)}>"


def dot_source(graph: BlockGraph, direction: str = "TB", heat: str = "none", title: str | None = None) -> str:
    """DOT text for `graph`: clusters for containers, one box per block, edges along the data flow."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    if heat not in HEAT:
        raise ValueError(f"heat must be one of {', '.join(HEAT)}, got {heat!r}")
    clusters = {c.id: c for c in graph.clusters}
    hottest = max((n.macs_share if heat == "macs" else n.params_share for n in graph.nodes), default=0.0)
    name = (title or graph.model).replace("\\", "\\\\").replace('"', '\\"')
    out = [
        f'digraph "{name}" {{',
        # ordering="in": a merge's inputs, and so an inception module's branches, keep the code's order.
        (f'  graph [rankdir="{direction}" ordering="in" fontname="{FONT}" fontsize="10" nodesep="0.15" '
         'ranksep="0.22" labeljust="l" labelloc="t" pad="0.1"];'),
        (f'  node [shape="box" style="rounded,filled" fontname="{FONT}" fontsize="10" margin="0.08,0.03" '
         'height="0.3"];'),
        '  edge [color="#555555" arrowsize="0.6" penwidth="0.9"];',
    ]
    if title:
        out.append(f"  label=<{_title(graph, title, heat)}>;")

    def emit(parent: str | None, indent: str) -> None:
        for node in graph.nodes:
            if node.cluster == parent:
                out.append(indent + _node_line(node, clusters.get(parent) if parent else None, heat, hottest))
        for cluster in graph.clusters:
            if cluster.parent == parent:
                style = "rounded,dashed" if cluster.repeat > 1 else "rounded"
                out.append(f"{indent}subgraph {cluster.id} {{")
                out.append(f'{indent}  graph [label={_cluster_label(cluster, clusters.get(parent) if parent else None)}'
                           f' style="{style}" color="#999999" fontsize="10" margin="6"];')
                emit(cluster.id, indent + "  ")
                out.append(f"{indent}}}")

    emit(None, "  ")
    out.extend(f"  {a} -> {b};" for a, b in graph.edges)
    out.append("}")
    return "\n".join(out) + "\n"


def _title(graph: BlockGraph, title: str, heat: str) -> str:
    notes = []
    if any(n.repeat > 1 for n in graph.nodes) or any(c.repeat > 1 for c in graph.clusters):
        notes.append("xN: N identical blocks in a row, figures summed over them")
    if heat != "none":
        notes.append("shade: share of " + ("MACs" if heat == "macs" else "parameters"))
    note = f'<BR/><FONT POINT-SIZE="8">{"; ".join(notes)}</FONT>' if notes else ""
    return f"<B>{escape(title)}</B> · {si(graph.params)} params · {si(graph.macs)} MACs{note}"


def tooltip(node: BlockNode) -> str:
    """What hovering a node says: its module path (or operation), type, window, output and figures."""
    name = node.name if node.last == node.name else f"{node.name} to {node.last}"
    parts = [name or node.type, node.type if node.name else "", _window(node), format_shape(node.output_shape),
             f"{node.params:,} params" if node.params else "", f"{si(node.macs)} MACs" if node.macs else "",
             f"{node.repeat} blocks" if node.repeat > 1 else ""]
    return " · ".join(filter(None, parts))


_NODE_GROUP = re.compile(r'<g id="node\d+" class="node">\n<title>([^<]*)</title>')
_SVG_OPEN = re.compile(r"<svg (width=)")


def annotate(text: str, graph: BlockGraph, title: str | None = None) -> str:
    """Graphviz's SVG made readable and linkable: the XML prolog dropped (it is inlined in pages), the
    root labelled as an image, each node's group given an id unique on a page (diagrams of two depths
    share one), its layer's module path in data-layer and a tooltip with its figures instead of the
    internal name ("n3"), and a transparent background so the page's colour scheme shows through."""
    nodes = {n.id: n for n in graph.nodes}
    label = escape(f"Block diagram of {title or graph.model}, depth {graph.depth}: "
                   f"{len(graph.nodes)} blocks, {si(graph.params)} parameters, {si(graph.macs)} MACs")

    def node_group(match: re.Match[str]) -> str:
        node = nodes[match.group(1)]
        layer = f' data-layer="{escape(node.name)}" data-last="{escape(node.last)}"' if node.name else ""
        return (f'<g id="d{graph.depth}-{node.id}" class="node"{layer}>\n'
                f"<title>{escape(tooltip(node))}</title>")

    text = text[text.index("<svg "):]
    text = _SVG_OPEN.sub(f'<svg role="img" aria-label="{label}" class="block-diagram" \\1', text, count=1)
    text = _NODE_GROUP.sub(node_group, text)
    return text.replace('<polygon fill="white" stroke="transparent"', '<polygon fill="none" stroke="none"', 1)


def svg(graph: BlockGraph, direction: str = "TB", heat: str = "none", title: str | None = None) -> str:
    """SVG text of `graph`'s diagram, laid out by graphviz's `dot` (deterministic on one machine)."""
    return annotate(run_dot(dot_source(graph, direction, heat, title), "svg").decode(), graph, title)


def default_output(model: str, fmt: str) -> str:
    """MODEL.FORMAT: the zoo name, or the attribute of a user reference such as path/net.py:Net."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", model.rpartition(":")[2]) or "model"
    return f"{stem}.{fmt}"


def find_dot() -> str:
    """The path of graphviz's `dot`, or one line saying how to install it."""
    dot = shutil.which("dot")
    if dot is None:
        raise DotNotFound("graphviz's dot was not found; install it with: apt-get install graphviz "
                          "(macOS: brew install graphviz)")
    return dot


def run_dot(source: str, fmt: str) -> bytes:
    """Lay out `source` with graphviz's `dot` and return the `fmt` (svg or png) it writes."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    done = subprocess.run([find_dot(), f"-T{fmt}"], input=source.encode(), capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"dot failed: {message[0] if message else f'exit status {done.returncode}'}")
    return done.stdout
