"""Time on the device's own clock: repeated whole-model runs, and each module's exclusive time.

Per-layer time comes from forward pre/post hooks on every module that mark the device's clock: the
time between two consecutive marks belongs to the innermost module running then, so a block's own
additions and concatenations count for the block (as `analyzer.profile` attributes its operations)
and the rows add up to the whole pass.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from analyzer.bench.settings import SLOW_RUN_MS, Settings


class Clock:
    """Time marks on the device's own timeline: `perf_counter` on the CPU; CUDA events on a GPU,
    recorded in the stream so marking never stalls the queue, and read after one synchronisation."""

    def __init__(self, device: str) -> None:
        self.cuda = device == "cuda"

    def mark(self) -> Any:
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
            return event
        return time.perf_counter()

    def intervals_ms(self, marks: list[Any]) -> list[float]:
        """Milliseconds between consecutive marks."""
        if self.cuda:
            marks[-1].synchronize()
            return [a.elapsed_time(b) for a, b in itertools.pairwise(marks)]
        return [(b - a) * 1e3 for a, b in itertools.pairwise(marks)]

    def time_ms(self, run: Callable[[], Any]) -> float:
        start = self.mark()
        run()
        return self.intervals_ms([start, self.mark()])[0]


def repeat(run_ms: Callable[[], float], settings: Settings) -> list[float]:
    """Timed runs (ms): exactly `repeats`, or at least `min_runs` (`slow_min_runs` when a run takes
    over a second) and until `target_seconds` of runs were timed."""
    times: list[float] = []
    while True:
        times.append(run_ms())
        if settings.repeats is not None:
            if len(times) >= settings.repeats:
                return times
            continue
        least = settings.slow_min_runs if statistics.median(times) > SLOW_RUN_MS else settings.min_runs
        if len(times) >= least and sum(times) >= settings.target_seconds * 1e3:
            return times


def summary(times: list[float]) -> dict[str, float]:
    """Median and spread (10th and 90th percentiles, interpolated) of run times."""
    cuts = statistics.quantiles(times, n=10, method="inclusive") if len(times) > 1 else times * 9
    return {"median": statistics.median(times), "p10": cuts[0], "p90": cuts[-1],
            "min": min(times), "max": max(times)}


def warm_up(run: Callable[[], Any], settings: Settings) -> int:
    """Untimed runs: at least `warmup_runs`, and until `warmup_seconds` have passed. Returns how many."""
    started, runs = time.perf_counter(), 0
    while runs < settings.warmup_runs or time.perf_counter() - started < settings.warmup_seconds:
        run()
        runs += 1
    if settings.device == "cuda":
        torch.cuda.synchronize()
    return runs


def latency_runs(model: nn.Module, x: torch.Tensor, settings: Settings) -> list[float]:
    """Whole-model forward times (ms) after the warm-up runs; call under `torch.inference_mode`."""
    clock = Clock(settings.device)
    warm_up(lambda: model(x), settings)
    return repeat(lambda: clock.time_ms(lambda: model(x)), settings)


# Each module's type by path, in execution order, and each timed run's exclusive time (ms) by path.
LayerRuns = tuple[dict[str, str], list[dict[str, float]]]


def layer_runs(model: nn.Module, x: torch.Tensor, settings: Settings) -> LayerRuns:
    """Each module's exclusive time (ms) per timed run, and each module's type, in execution order.

    Between two consecutive hook marks the time belongs to the module on top of the call stack, so
    the rows of one run add up to the whole hooked pass. Call under `torch.inference_mode`.
    """
    clock = Clock(settings.device)
    paths = {module: path for path, module in model.named_modules()}
    types = {path: type(module).__name__ for module, path in paths.items()}
    marks: list[Any] = []
    owners: list[str | None] = []
    stack: list[str] = []

    def enter(module: nn.Module, *_: Any) -> None:
        marks.append(clock.mark())
        stack.append(paths[module])
        owners.append(stack[-1])

    def leave(module: nn.Module, *_: Any) -> None:
        marks.append(clock.mark())
        stack.pop()
        owners.append(stack[-1] if stack else None)

    runs: list[dict[str, float]] = []

    def run_ms() -> float:
        for buffer in (marks, owners, stack):
            buffer.clear()
        model(x)
        times: dict[str, float] = {}
        for owner, ms in zip(owners, clock.intervals_ms(marks)):
            if owner is not None:
                times[owner] = times.get(owner, 0.0) + ms
        runs.append(times)
        return sum(times.values())

    handles = [h for m in paths for h in (m.register_forward_pre_hook(enter), m.register_forward_hook(leave))]
    try:
        warm_up(run_ms, settings)
        runs.clear()
        repeat(run_ms, settings)
    finally:
        for handle in handles:
            handle.remove()
    order = list(dict.fromkeys(path for times in runs for path in times))
    return {path: types[path] for path in order}, runs
