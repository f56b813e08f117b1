"""`python -m analyzer` / `analyzer`: list, profile, diagram, bench.

The command line only parses, calls the library and prints. At start-up it imports argparse and the
torch-free modules that hold its choices; each command imports what it needs, so `--help` and a
mistyped argument do not pay for importing torch. Every `analyzer.errors.UserError` ends in one
line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from analyzer.bench.results import DEVICES as BENCH_DEVICES
from analyzer.bench.results import DTYPE_NAMES
from analyzer.errors import TraceError, UsageError, UserError, either
from analyzer.render import diagram, report
from analyzer.static.records import DEVICES as PROFILE_DEVICES

EXIT_USAGE = 2
LIST_FORMATS = ("text", "json")
DIAGRAM_FORMATS = (*diagram.FORMATS, "dot")

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage block; one line that names the problem reads better.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_at_least(minimum: int) -> Callable[[str], int]:
    wanted = "a positive integer" if minimum == 1 else f"an integer of {minimum} or more"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}")
        return value

    return parse


def _load_model(name: str, kwargs: dict[str, Any] | None = None, device: str = "meta") -> Any:
    """A zoo name or a user reference (package.module:attr, path/to/file.py:attr), the latter built
    with `kwargs` for `device`."""
    from analyzer import loading

    return loading.load(name, kwargs, device) if loading.is_user_reference(name) else name


def _model_args(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--model-args is not valid JSON ({exc.msg} at character {exc.pos}): {text!r}") from None
    if not isinstance(value, dict):
        raise UsageError(f"--model-args must be a JSON object of keyword arguments, like '{{\"width\": 64}}', "
                         f"got {text!r}")
    return value


def _emit(text: str, output: str | None) -> None:
    if output:
        from analyzer.output import write_atomic

        write_atomic(output, text)
    else:
        sys.stdout.write(text)


def cmd_list(args: argparse.Namespace) -> int:
    from analyzer import registry

    specs = registry.specs()
    if args.format == "json":
        import json

        rows = [{"name": s.name, "display_name": s.display_name, "family": s.family, "year": s.year,
                 "title": s.title, "paper": s.paper, "paper_url": s.paper_url, "authors": list(s.authors),
                 "input_shape": list(s.input_shape), "task": s.task, "ideas": list(s.ideas),
                 "variant_of": s.variant_of} for s in specs]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    width = max(len(s.name) for s in specs)
    for s in specs:
        variant = f"  (variant of {s.variant_of})" if s.variant_of else ""
        sys.stdout.write(f"{s.name:<{width}}  {s.year}  {s.family:<11} {'x'.join(map(str, s.input_shape)):<11} "
                         f"{s.display_name}{variant}\n")
    return 0


def cmd_profile(args: argparse.Namespace) -> int:
    from analyzer.output import check_writable
    from analyzer.static.profiler import profile

    if args.output:
        check_writable(args.output)
    model_args = _model_args(args.model_args)
    # Whatever the user's code prints (at import, construction or in forward) goes to standard
    # error: standard output carries the report alone, so JSON and CSV always parse.
    with contextlib.redirect_stdout(sys.stderr):
        model = _load_model(args.model, model_args, args.device)
        result = profile(model, input_size=args.input_size, batch_size=args.batch_size, device=args.device,
                         depth=args.depth, options=model_args if isinstance(model, str) else None)
    colour = args.format == "text" and not args.output and sys.stdout.isatty()
    _emit(report.render(result.to_dict(), args.format, colour=colour), args.output)
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    from analyzer.output import check_writable, write_atomic
    from analyzer.static.blockgraph import diagram_blocks, diagram_title

    output = args.output or diagram.default_output(args.model, args.format)
    check_writable(output)
    if args.format != "dot":
        diagram.find_dot()  # before the work, not after it
    graph = diagram_blocks(_load_model(args.model), args.depth, args.input_size)
    source = diagram.dot_source(graph, args.direction, args.heat, title=diagram_title(args.model))
    write_atomic(output, source if args.format == "dot" else diagram.run_dot(source, args.format))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Check every input, measure, write the JSON (all or nothing)."""
    import time

    from analyzer.bench import results, settings, sweep
    from analyzer.output import check_writable

    run = settings.make_settings(args.device, args.dtype, args.batch_sizes, args.channels_last, args.repeats)
    names = settings.model_names(args.models)
    if args.out:
        check_writable(args.out)
    started = time.perf_counter()
    result = sweep.collect(names, run)
    out = Path(args.out) if args.out else results.default_path(result.device)
    if not args.out:
        out.parent.mkdir(parents=True, exist_ok=True)
    results.write(result, out)
    elapsed = time.perf_counter() - started
    count = f"{len(result.models)} model{'' if len(result.models) == 1 else 's'}"
    if not result.complete:
        sys.stderr.write(f"analyzer bench: interrupted; wrote the {count} finished so far to {out}\n")
        return 130
    sys.stderr.write(f"analyzer bench: wrote {out} ({count}, {elapsed:.0f} s)\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="analyzer", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("list", help="the zoo's models, in the order of the history")
    p.add_argument("--format", choices=LIST_FORMATS, default="text")
    p.set_defaults(run=cmd_list)

    p = sub.add_parser("profile", help="per-layer parameters, MACs, FLOPs, memory and receptive fields")
    p.add_argument("model", help="a zoo name (see `analyzer list`), package.module:attr or path/to/file.py:attr")
    p.add_argument("--input-size", help="per-sample input shape C,H,W with an optional dtype (16:int64; () for a "
                                        "scalar); several inputs separated by ';' or spaces")
    p.add_argument("--model-args", help="keyword arguments for the model's class or factory, as a JSON object")
    p.add_argument("--batch-size", type=_int_at_least(1), default=1)
    p.add_argument("--depth", type=_int_at_least(0), help="fold modules deeper than this into their parent")
    p.add_argument("--format", choices=report.FORMATS, default="text")
    p.add_argument("--output", help="write to this file instead of standard output")
    p.add_argument("--device", choices=PROFILE_DEVICES, default="meta")
    p.set_defaults(run=cmd_profile)

    p = sub.add_parser("diagram", help="a graphviz diagram of the traced graph")
    p.add_argument("model")
    p.add_argument("--input-size")
    p.add_argument("--depth", type=_int_at_least(0), default=1)
    p.add_argument("--format", choices=DIAGRAM_FORMATS, default="svg")
    p.add_argument("--direction", choices=diagram.DIRECTIONS, default="TB")
    p.add_argument("--heat", choices=diagram.HEAT, default="none")
    p.add_argument("--output", help="file to write (default: MODEL.FORMAT in the current directory)")
    p.set_defaults(run=cmd_diagram)

    p = sub.add_parser("bench", help="measured latency, throughput and memory per batch size")
    p.add_argument("models", help="comma-separated zoo names, or 'all'")
    p.add_argument("--device", default="cpu", help=either(BENCH_DEVICES))
    p.add_argument("--batch-sizes", default="1,2,4,8,16,32,64")
    p.add_argument("--dtype", default="float32", help=either(DTYPE_NAMES))
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--repeats", type=_int_at_least(1), default=None, help="timed runs per batch size")
    p.add_argument("--out", help="JSON file to write (default: data/runtime/<device>.json)")
    p.set_defaults(run=cmd_bench)
    return parser


def _describe(exc: UserError) -> str:
    if isinstance(exc, TraceError):
        where = f"{exc.layer} ({exc.layer_type})" if exc.layer else exc.layer_type
        if exc.too_small:
            return f"input too small: the spatial size reaches zero at layer {where}; use a larger --input-size"
        return f"the model's forward pass failed at layer {where}: {exc}"
    return str(exc)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return int(exc.code or 0)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KeyboardInterrupt:
        sys.stderr.write("analyzer: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except UserError as exc:
        sys.stderr.write(f"analyzer {args.command}: error: {_describe(exc)}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
