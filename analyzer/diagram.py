"""`analyzer diagram`: a model's blocks as a graphviz diagram (DOT, SVG or PNG).

The diagram is drawn from the traced graph the profile counts, grouped by `analyzer.blocks`.
"""

from __future__ import annotations

import argparse
import re
from typing import Any

from analyzer import registry
from analyzer.blocks import BlockGraph, block_graph
from analyzer.profiler import ProfileInputError, profile, zoo_profile
from analyzer.render import diagram as render


def diagram_blocks(name_or_module: Any, depth: int = 1, input_size: Any = None) -> BlockGraph:
    """The block graph of a zoo model (by name) or any `nn.Module` (which needs `input_size`)."""
    if not isinstance(depth, int) or depth < 0:
        raise ProfileInputError(f"depth must be an integer of 0 or more, got {depth!r}")
    at_standard_input = isinstance(name_or_module, str) and input_size is None
    report = zoo_profile(name_or_module) if at_standard_input else profile(name_or_module, input_size=input_size)
    return block_graph(report, depth)


def _title(name_or_module: Any) -> str:
    if isinstance(name_or_module, str) and name_or_module in registry.names():
        return registry.spec(name_or_module).display_name
    return name_or_module.rpartition(":")[2] if isinstance(name_or_module, str) else type(name_or_module).__name__


def _check(direction: str, heat: str) -> None:
    if direction not in render.DIRECTIONS:
        raise ProfileInputError(f"direction {direction!r} is not one of {', '.join(render.DIRECTIONS)}")
    if heat not in render.HEAT:
        raise ProfileInputError(f"heat {heat!r} is not one of {', '.join(render.HEAT)}")


def diagram_source(name_or_module: Any, depth: int = 1, direction: str = "TB", heat: str = "none",
                   input_size: Any = None) -> str:
    """DOT text of the model's diagram; the same model gives the same text."""
    _check(direction, heat)
    return render.dot_source(diagram_blocks(name_or_module, depth, input_size), direction, heat,
                             title=_title(name_or_module))


def diagram_svg(name_or_module: Any, depth: int = 1, direction: str = "TB", heat: str = "none",
                input_size: Any = None) -> str:
    """SVG text of the model's diagram, laid out by graphviz's `dot` (deterministic on one machine)."""
    source = diagram_source(name_or_module, depth, direction, heat, input_size)
    return render.run_dot(source, "svg").decode()


def default_output(model: str, fmt: str) -> str:
    """MODEL.FORMAT: the zoo name, or the attribute of a user reference such as path/net.py:Net."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", model.rpartition(":")[2]) or "model"
    return f"{stem}.{fmt}"


def main(args: argparse.Namespace) -> int:
    from analyzer import loading
    from analyzer.output import check_writable, write_atomic

    output = args.output or default_output(args.model, args.format)
    check_writable(output)
    if args.format != "dot":
        render.find_dot()  # before the work, not after it
    model = loading.load(args.model) if loading.is_user_reference(args.model) else args.model
    source = render.dot_source(diagram_blocks(model, args.depth, args.input_size), args.direction, args.heat,
                               title=_title(args.model))
    data: str | bytes = source if args.format == "dot" else render.run_dot(source, args.format)
    write_atomic(output, data)
    return 0
