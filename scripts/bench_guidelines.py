"""Time ShuffleNet V2's guideline experiments on this machine's CPU and write data/guidelines/cpu.json.

The variants of each guideline (analyzer/content/claims/guideline_modules.py) are timed in rounds:
every round times each variant `--runs` times back to back and keeps the median, and the order of
the variants rotates from round to round, so that a slow spell of a shared machine falls on all of
them alike. The file keeps every round's time, with the machine and the settings, and the claims
page compares the variants round by round (analyzer/content/claims/guidelines.py).

    python scripts/bench_guidelines.py [--rounds 100] [--runs 3] [--threads 1] [--output PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import torch

from analyzer.bench.machine import describe_machine
from analyzer.bench.results import dumps
from analyzer.bench.settings import Settings
from analyzer.bench.sweep import bench_mode
from analyzer.bench.timing import Clock, warm_up
from analyzer.content.claims.guideline_modules import BLOCKS, GRID, GUIDELINES, Guideline
from analyzer.content.claims.guidelines import GUIDELINES_FILE, SCHEMA


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def time_rounds(guideline: Guideline, rounds: int, runs: int, settings: Settings) -> dict[str, list[float]]:
    """Each variant's time (ms, the median of `runs` runs) in each round, the order rotating."""
    clock = Clock("cpu")
    networks = {v.label: (v.build(), torch.randn(1, *v.input_shape)) for v in guideline.variants}
    for model, x in networks.values():
        warm_up(lambda model=model, x=x: model(x), settings)
    times: dict[str, list[float]] = {label: [] for label in networks}
    labels = list(networks)
    for r in range(rounds):
        for label in labels[r % len(labels):] + labels[:r % len(labels)]:
            model, x = networks[label]
            run = lambda model=model, x=x: model(x)  # noqa: E731
            times[label].append(statistics.median(clock.time_ms(run) for _ in range(runs)))
    return {label: [round(t, 4) for t in ts] for label, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=positive, default=100, help="rounds per guideline (default 100)")
    parser.add_argument("--runs", type=positive, default=3, help="runs per variant in each round (default 3)")
    parser.add_argument("--warmup", type=positive, default=3, help="untimed runs per variant first (default 3)")
    parser.add_argument("--threads", type=positive, default=1, help="CPU threads (default 1, as data/runtime/cpu.json)")
    parser.add_argument("--output", type=Path, default=GUIDELINES_FILE,
                        help=f"where to write (default {GUIDELINES_FILE})")
    args = parser.parse_args(argv)
    if not args.output.parent.is_dir():
        print(f"error: {args.output.parent} is not a directory; run from the repository root or give --output",
              file=sys.stderr)
        return 2
    torch.set_num_threads(args.threads)
    settings = Settings(device="cpu", warmup_runs=args.warmup)
    with torch.inference_mode(), bench_mode(settings) as flushed:
        machine = {**describe_machine(settings), "flush_denormal": flushed}
        rounds = {}
        for guideline in GUIDELINES:
            print(f"{guideline.key}: {len(guideline.variants)} variants x {args.rounds} rounds", file=sys.stderr)
            rounds[guideline.key] = time_rounds(guideline, args.rounds, args.runs, settings)
        machine["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    document = {
        "schema": SCHEMA, "script": "scripts/bench_guidelines.py", "machine": machine,
        "settings": {"rounds": args.rounds, "runs_per_round": args.runs, "warmup_runs": args.warmup,
                     "threads": args.threads, "batch_size": 1, "grid": GRID, "blocks": BLOCKS,
                     "time_per_round": "median of the runs, ms"},
        "rounds": rounds,
    }
    args.output.write_text(dumps(document) + "\n")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
