"""Analyzer speed against torchinfo, in the same run on the same machine (`make bench-analyzer`).

For every zoo model: our whole `profile()` (meta-device build included) against torchinfo as a user
runs it, building the model on the CPU and calling `summary()`, and against `summary()` alone on a
model built beforehand (the stricter comparison, printed beside it). Then the
receptive-field pass's share of our time, and `python -m analyzer profile vgg16` as a whole process
against a bare `python -c "import torch"`. Targets: the zoo at least 20x faster than torchinfo, the
process within 2x of importing torch. Prints ratios; timings themselves vary with the machine.

The floor column is what no profiler of these models at the level of dispatched operations can go
below here: building the model on the meta device (PyTorch's own nn.Module construction, initialisers
already skipped) plus one forward pass whose operations only get their output shapes, with nothing
recorded or counted. Torchinfo's time over the floor is the best ratio such a profiler could reach.
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
from analyzer import receptive
from analyzer.shapes import SHAPE_RULES
from analyzer.trace import trace


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="all")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = analyzer.names() if args.models == "all" else args.models.split(",")
    torch.set_grad_enabled(False)

    ours_total = theirs_total = summary_total = rf_total = floor_total = 0.0
    print(f"{'model':<22}{'ours ms':>9}{'build+summary ms':>18}{'ratio':>8}{'summary ms':>12}{'ratio':>8}"
          f"{'RF share':>10}{'floor ms':>10}{'ours/floor':>12}")
    for name in names:
        spec = analyzer.spec(name)
        ours = best_of(functools.partial(analyzer.profile, name), args.repeats)
        meta_model = analyzer.build(name, device="meta")
        meta_input = torch.empty(1, *spec.input_shape, device="meta")
        graph = trace(meta_model, [meta_input])
        rf = best_of(functools.partial(receptive.propagate, graph), args.repeats)
        floor = (best_of(functools.partial(analyzer.build, name, device="meta"), args.repeats)
                 + best_of(functools.partial(bare_forward, meta_model, meta_input), args.repeats))
        shape = (1, *spec.input_shape)
        theirs = best_of(lambda: torchinfo.summary(analyzer.build(name), input_size=shape, verbose=0),  # noqa: B023
                         1)
        summary = best_of(functools.partial(torchinfo.summary, analyzer.build(name), input_size=shape, verbose=0),
                          max(1, args.repeats - 1))
        ours_total, rf_total, floor_total = ours_total + ours, rf_total + rf, floor_total + floor
        theirs_total, summary_total = theirs_total + theirs, summary_total + summary
        print(f"{name:<22}{ours * 1e3:>9.1f}{theirs * 1e3:>18.1f}{theirs / ours:>7.1f}x{summary * 1e3:>12.1f}"
              f"{summary / ours:>7.1f}x{rf / ours:>9.0%}{floor * 1e3:>10.1f}{ours / floor:>11.2f}x")
    print(f"{'zoo total':<22}{ours_total * 1e3:>9.1f}{theirs_total * 1e3:>18.1f}{theirs_total / ours_total:>7.1f}x"
          f"{summary_total * 1e3:>12.1f}{summary_total / ours_total:>7.1f}x{rf_total / ours_total:>9.0%}"
          f"{floor_total * 1e3:>10.1f}{ours_total / floor_total:>11.2f}x")
    print(f"floor: torchinfo (build+summary) over the floor is {theirs_total / floor_total:.1f}x, the most a profiler "
          "that builds these nn.Modules and runs them could reach here")

    python = sys.executable
    bare = process_seconds([python, "-c", "import torch"], args.repeats)
    whole = process_seconds([python, "-m", "analyzer", "profile", "vgg16"], args.repeats)
    print(f"process: `analyzer profile vgg16` {whole:.2f} s, `import torch` {bare:.2f} s, ratio {whole / bare:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
