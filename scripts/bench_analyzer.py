"""Analyzer speed against FlopCounterMode and torchinfo, in one run on one machine (`make bench-analyzer`).

Every tool runs from a model name to a per-layer report on the meta device with the same lean build
(`analyzer.build(name, device="meta")`: no weights, no initialisers): our `profile()`;
`FlopCounterMode` around one forward pass (its per-module counts are its per-layer report); and
torchinfo's `summary()` with `device="meta"`. The floor is what no profiler of these models at the
level of dispatched operations can go below here: the same build plus one forward pass whose
operations only get their output shapes, with nothing recorded or counted.

Printed, as measured: the zoo's total for each tool and the ratios (targets: at least 3x faster than
FlopCounterMode and torchinfo, within 1.25x of the floor); the time per dispatched operation on a
residual net of 1,600 blocks against 100 (target: within 1.3x) and the profile's peak Python memory
there (target: under 500 MB); and `python -m analyzer profile vgg16` as a process against
`python -c "import torch"` (target: within 1.5x). Timings vary with the load of the machine.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import subprocess
import sys
import time
import tracemalloc

import torch
import torchinfo
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer.static.shapes import SHAPE_RULES


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


def measure(name: str, repeats: int) -> dict[str, float]:
    """Seconds, best of `repeats`, from the name to a per-layer report, for each tool and the floor."""
    shape = (1, *analyzer.spec(name).input_shape)
    build = functools.partial(analyzer.build, name, device="meta")

    def flop_counter() -> None:
        model = build()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(torch.empty(shape, device="meta"))
        counter.get_flop_counts()

    def summary() -> None:
        torchinfo.summary(build(), input_size=shape, device="meta", verbose=0)

    def floor() -> None:
        bare_forward(build(), torch.empty(shape, device="meta"))

    return {"ours": best_of(functools.partial(analyzer.profile, name), repeats),
            "flop_counter": best_of(flop_counter, repeats), "torchinfo": best_of(summary, repeats),
            "floor": best_of(floor, repeats)}


class Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(channels)

    def forward(self, x):
        return torch.relu(x + self.norm(self.conv(x)))


def residual_net(blocks: int) -> nn.Module:
    from analyzer.construct import MetaConstruction

    with torch.no_grad(), MetaConstruction():
        return nn.Sequential(*[Residual(16) for _ in range(blocks)]).eval()


def per_operation(blocks: int, repeats: int) -> tuple[float, int]:
    """Seconds per dispatched operation of one profile of a residual net, and its operation count."""
    model = residual_net(blocks)
    report = analyzer.profile(model, input_size=(16, 32, 32))
    seconds = best_of(functools.partial(analyzer.profile, model, input_size=(16, 32, 32)), repeats)
    return seconds / len(report.graph.ops), len(report.graph.ops)


def peak_python_bytes(blocks: int) -> int:
    model = residual_net(blocks)
    tracemalloc.start()
    analyzer.profile(model, input_size=(16, 32, 32))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="all")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = analyzer.names() if args.models == "all" else args.models.split(",")
    torch.set_grad_enabled(False)

    results = {name: measure(name, args.repeats) for name in names}
    tools = ("ours", "flop_counter", "torchinfo", "floor")
    print(f"{'model':<22}{'ours ms':>9}{'FlopCounter ms':>16}{'torchinfo ms':>14}{'floor ms':>10}"
          f"{'FC/ours':>9}{'ti/ours':>9}{'ours/floor':>12}")
    for name in [*names, "zoo total"]:
        r = ({k: sum(m[k] for m in results.values()) for k in tools} if name == "zoo total" else results[name])
        print(f"{name:<22}{r['ours'] * 1e3:>9.1f}{r['flop_counter'] * 1e3:>16.1f}{r['torchinfo'] * 1e3:>14.1f}"
              f"{r['floor'] * 1e3:>10.1f}{r['flop_counter'] / r['ours']:>8.1f}x{r['torchinfo'] / r['ours']:>8.1f}x"
              f"{r['ours'] / r['floor']:>11.2f}x")

    small, small_ops = per_operation(100, args.repeats)
    large, large_ops = per_operation(1600, max(1, args.repeats - 1))
    print(f"growth: {large * 1e6:.1f} us per operation over {large_ops} operations (1,600 blocks), "
          f"{small * 1e6:.1f} us over {small_ops} (100 blocks): ratio {large / small:.2f}x")
    peak = peak_python_bytes(1600) / 2**20
    print(f"memory: the profile of 1,600 blocks peaks at {peak:.0f} MB of Python allocations")

    python = sys.executable
    bare = process_seconds([python, "-c", "import torch"], args.repeats)
    whole = process_seconds([python, "-m", "analyzer", "profile", "vgg16"], args.repeats)
    print(f"process: `analyzer profile vgg16` {whole:.2f} s, `import torch` {bare:.2f} s, ratio {whole / bare:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
