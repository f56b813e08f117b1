"""Analyzer speed against torchinfo, in the same run on the same machine (`make bench-analyzer`).

For every zoo model: our whole `profile()` (meta-device build included) against torchinfo as a user
runs it, building the model on the CPU and calling `summary()`, and against `summary()` alone on a
model built beforehand (the stricter comparison, printed beside it). Then the
receptive-field pass's share of our time, and `python -m analyzer profile vgg16` as a whole process
against a bare `python -c "import torch"`. Targets: the zoo at least 20x faster than torchinfo, the
process within 2x of importing torch. Prints ratios; timings themselves vary with the machine.

Each tool runs over the whole zoo in turn. The floor column is what no profiler of these models at
the level of dispatched operations can go below here: building the model on the meta device
(PyTorch's own nn.Module construction, initialisers already skipped) plus one forward pass whose
operations only get their output shapes, with nothing recorded or counted. Torchinfo's time over the
floor is the best ratio such a profiler could reach.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import time

import torch
import torchinfo
from torch.utils._python_dispatch import TorchDispatchMode

import analyzer
from analyzer.static import receptive
from analyzer.static.shapes import SHAPE_RULES
from analyzer.static.trace import trace


class ShapesOnly(TorchDispatchMode):
    """A forward pass's bare cost: each operation gets its output shape, nothing is recorded."""

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        rule = SHAPE_RULES.get(func)
        return rule(args, kwargs or {}) if rule is not None else func(*args, **(kwargs or {}))


def bare_forward(model: torch.nn.Module, x: torch.Tensor) -> None:
    with ShapesOnly():
        model(x)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def process_seconds(argv: list[str], repeats: int) -> float:
    return statistics.median(
        best_of(lambda: subprocess.run(argv, check=True, capture_output=True), 1) for _ in range(repeats))


def measure_ours(name: str, repeats: int) -> dict[str, float]:
    """Our whole profile, the receptive-field pass alone, and the floor (seconds, best of `repeats`)."""
    ours = best_of(functools.partial(analyzer.profile, name), repeats)
    meta_model = analyzer.build(name, device="meta")
    meta_input = torch.empty(1, *analyzer.spec(name).input_shape, device="meta")
    graph = trace(meta_model, [meta_input])
    rf = best_of(functools.partial(receptive.propagate, graph), repeats)
    floor = (best_of(functools.partial(analyzer.build, name, device="meta"), repeats)
             + best_of(functools.partial(bare_forward, meta_model, meta_input), repeats))
    return {"ours": ours, "rf": rf, "floor": floor}


def measure_torchinfo(name: str, repeats: int) -> dict[str, float]:
    """torchinfo as users run it (a CPU build, then summary(); once, the build is slow) and summary()
    alone on a model built beforehand (best of `repeats` - 1)."""
    shape = (1, *analyzer.spec(name).input_shape)
    theirs = best_of(lambda: torchinfo.summary(analyzer.build(name), input_size=shape, verbose=0), 1)
    summary = best_of(functools.partial(torchinfo.summary, analyzer.build(name), input_size=shape, verbose=0),
                      max(1, repeats - 1))
    return {"theirs": theirs, "summary": summary}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="all")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = analyzer.names() if args.models == "all" else args.models.split(",")
    torch.set_grad_enabled(False)

    # Each tool over the whole zoo in turn, so that neither runs in the wake of the other
    # (torchinfo's CPU builds allocate and free gigabytes of weights).
    ours = {name: measure_ours(name, args.repeats) for name in names}
    theirs = {name: measure_torchinfo(name, args.repeats) for name in names}

    print(f"{'model':<22}{'ours ms':>9}{'build+summary ms':>18}{'ratio':>8}{'summary ms':>12}{'ratio':>8}"
          f"{'RF share':>10}{'floor ms':>10}{'ours/floor':>12}")
    for name in [*names, "zoo total"]:
        if name == "zoo total":
            o = {k: sum(m[k] for m in ours.values()) for k in ("ours", "rf", "floor")}
            t = {k: sum(m[k] for m in theirs.values()) for k in ("theirs", "summary")}
        else:
            o, t = ours[name], theirs[name]
        print(f"{name:<22}{o['ours'] * 1e3:>9.1f}{t['theirs'] * 1e3:>18.1f}{t['theirs'] / o['ours']:>7.1f}x"
              f"{t['summary'] * 1e3:>12.1f}{t['summary'] / o['ours']:>7.1f}x{o['rf'] / o['ours']:>9.0%}"
              f"{o['floor'] * 1e3:>10.1f}{o['ours'] / o['floor']:>11.2f}x")
    print(f"floor: torchinfo (build+summary) over the floor is {t['theirs'] / o['floor']:.1f}x, the most a "
          "profiler that builds these nn.Modules and runs them could reach here")

    python = sys.executable
    bare = process_seconds([python, "-c", "import torch"], args.repeats)
    whole = process_seconds([python, "-m", "analyzer", "profile", "vgg16"], args.repeats)
    print(f"process: `analyzer profile vgg16` {whole:.2f} s, `import torch` {bare:.2f} s, ratio {whole / bare:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
