"""Analyzer speed against torchinfo, in the same run on the same machine (`make bench-analyzer`).

For every zoo model: our whole `profile()` (meta-device build included) against torchinfo as a user
runs it, building the model on the CPU and calling `summary()`, and against `summary()` alone on a
model built beforehand (the stricter comparison, printed beside it). Then the
receptive-field pass's share of our time, and `python -m analyzer profile vgg16` as a whole process
against a bare `python -c "import torch"`. Targets: the zoo at least 20x faster than torchinfo, the
process within 2x of importing torch. Prints ratios; timings themselves vary with the machine.
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

import analyzer
from analyzer import receptive
from analyzer.trace import trace


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

    ours_total = theirs_total = summary_total = rf_total = 0.0
    print(f"{'model':<22}{'ours ms':>9}{'build+summary ms':>18}{'ratio':>8}{'summary ms':>12}{'ratio':>8}"
          f"{'RF share':>10}")
    for name in names:
        spec = analyzer.spec(name)
        ours = best_of(functools.partial(analyzer.profile, name), args.repeats)
        graph = trace(analyzer.build(name, device="meta"), [torch.empty(1, *spec.input_shape, device="meta")])
        rf = best_of(functools.partial(receptive.propagate, graph), args.repeats)
        shape = (1, *spec.input_shape)
        theirs = best_of(lambda: torchinfo.summary(analyzer.build(name), input_size=shape, verbose=0),  # noqa: B023
                         1)
        summary = best_of(functools.partial(torchinfo.summary, analyzer.build(name), input_size=shape, verbose=0),
                          max(1, args.repeats - 1))
        ours_total, rf_total = ours_total + ours, rf_total + rf
        theirs_total, summary_total = theirs_total + theirs, summary_total + summary
        print(f"{name:<22}{ours * 1e3:>9.1f}{theirs * 1e3:>18.1f}{theirs / ours:>7.1f}x{summary * 1e3:>12.1f}"
              f"{summary / ours:>7.1f}x{rf / ours:>9.0%}")
    print(f"{'zoo total':<22}{ours_total * 1e3:>9.1f}{theirs_total * 1e3:>18.1f}{theirs_total / ours_total:>7.1f}x"
          f"{summary_total * 1e3:>12.1f}{summary_total / ours_total:>7.1f}x{rf_total / ours_total:>9.0%}")

    python = sys.executable
    bare = process_seconds([python, "-c", "import torch"], args.repeats)
    whole = process_seconds([python, "-m", "analyzer", "profile", "vgg16"], args.repeats)
    print(f"process: `analyzer profile vgg16` {whole:.2f} s, `import torch` {bare:.2f} s, ratio {whole / bare:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
