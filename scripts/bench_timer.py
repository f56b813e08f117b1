"""Our latency median against `torch.utils.benchmark.Timer`'s, same model, batch, threads and device.

`analyzer bench` times single forward passes (warm-up first, then adaptive repeats) and reports the
median; Timer's `blocked_autorange` times blocks of passes and reports the median per pass. Both run
under `torch.inference_mode` on the same built model and input, alternating a few rounds so that a
change in the machine's load falls on both. Exits 1 when a model's medians differ by more than the
tolerance (10%).

    python scripts/bench_timer.py [--models resnet18,squeezenet1_1] [--batch 1] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import sys

import torch
from torch.utils import benchmark

from analyzer.bench import sweep, timing
from analyzer.bench.results import DEVICES
from analyzer.bench.settings import Settings, model_names


def compare(name: str, batch: int, seconds: float, rounds: int, device: str) -> tuple[float, float]:
    """(our median, Timer's median) in ms, each the median over `rounds` alternating rounds."""
    settings = Settings(device=device, batch_sizes=(batch,), target_seconds=seconds)
    model, shape = sweep.prepare_model(name, settings)
    x = sweep.make_input(shape, batch, settings)
    timer = benchmark.Timer("model(x)", globals={"model": model, "x": x}, num_threads=torch.get_num_threads())
    ours, theirs = [], []
    with sweep.bench_mode(settings), torch.inference_mode():
        for _ in range(rounds):
            ours.append(statistics.median(timing.latency_runs(model, x, settings)))
            theirs.append(timer.blocked_autorange(min_run_time=seconds).median * 1e3)
    return statistics.median(ours), statistics.median(theirs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="resnet18,squeezenet1_1")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own choice)")
    parser.add_argument("--device", default="cpu", choices=DEVICES)
    parser.add_argument("--seconds", type=float, default=1.0, help="measured time per round, each side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tolerance", type=float, default=0.10)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"device {args.device}, batch {args.batch}, threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"{'model':<16} {'ours ms':>10} {'Timer ms':>10} {'ratio':>7}")
    worst = 0.0
    for name in model_names(args.models):
        ours, theirs = compare(name, args.batch, args.seconds, args.rounds, args.device)
        ratio = ours / theirs
        worst = max(worst, abs(ratio - 1))
        print(f"{name:<16} {ours:>10.3f} {theirs:>10.3f} {ratio:>7.3f}")
    verdict = "within" if worst <= args.tolerance else "NOT within"
    print(f"largest difference {worst:.1%}: {verdict} {args.tolerance:.0%}")
    return 0 if worst <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
