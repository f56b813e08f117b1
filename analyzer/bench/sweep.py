"""`analyzer bench`: measured inference latency, throughput, memory and per-layer time, with a roofline.

Measurement (COLLECT): each model is built with random weights (seed 0) on the device, in eval mode,
and run under `torch.inference_mode` on random inputs of its registered shape. Per batch size: one
warm-up run (on CUDA this is where `cudnn.benchmark` tunes), one run that measures peak memory, then
timed runs: at least 5 (3 when a run takes over a second) and until `target_seconds` of runs were
timed, or exactly `--repeats`. Time is `time.perf_counter` on the CPU and CUDA events read after one
synchronisation on a GPU. An out-of-memory error at a batch size ends that model's sweep with a note.

Per-layer time comes from forward pre/post hooks on every module that mark the device's clock: the
time between two consecutive marks belongs to the innermost module running then, so a block's own
additions and concatenations count for the block (as `analyzer.profile` attributes its operations)
and the rows add up to the whole pass.

Roofline: for a device with known peaks (`GPU_PEAKS`, vendor datasheets; the CPU is measured by a
short calibration), each layer's lower bound is max(FLOPs / peak FLOP/s, bytes moved / bandwidth),
from `analyzer.profile` on the meta device with bytes scaled to the dtype; a model's bound is the
sum over its layers. `fraction` = bound / measured time: 1.0 would be running at the roofline. Bytes
are counted as if every tensor went to memory, so a layer whose data stays in cache can exceed 1, and
so can a convolution a little faster than the calibration's kernels, where the peak is measured.

The result's JSON form is in `analyzer.bench.results`; peaks and the roofline in `analyzer.bench.peaks`.
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from analyzer.bench.machine import describe_machine
from analyzer.bench.memory import is_out_of_memory, peak_memory_bytes
from analyzer.bench.peaks import Peak, device_peak
from analyzer.bench.results import LayerBreakdown, LayerTime, ModelRuntime, RuntimeResult
from analyzer.bench.settings import DTYPES, Settings
from analyzer.bench.timing import LayerRuns, latency_runs, layer_runs, summary


def prepare_model(name: str, settings: Settings) -> tuple[nn.Module, tuple[int, ...]]:
    from analyzer import build, registry

    torch.manual_seed(0)
    model = build(name, device=settings.device).to(DTYPES[settings.dtype])
    if settings.channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model, registry.spec(name).input_shape


def make_input(shape: tuple[int, ...], batch: int, settings: Settings) -> torch.Tensor:
    x = torch.randn(batch, *shape, dtype=DTYPES[settings.dtype], device=settings.device)
    return x.to(memory_format=torch.channels_last) if settings.channels_last and x.dim() == 4 else x


def _free(device: str) -> None:
    """Return cached GPU memory between batch sizes and models (tensors go by reference counting;
    the collector is for the cycles an out-of-memory traceback leaves)."""
    if device == "cuda":
        gc.collect()
        torch.cuda.empty_cache()


def breakdown(types: dict[str, str], runs: list[dict[str, float]], batch: int, profile: Any,
              peak: Peak | None, scale: float) -> LayerBreakdown:
    """Rows in execution order: each module's median exclusive time beside its MACs, FLOPs, bytes
    (from `profile`, the meta-device count at the same batch size) and its roofline bound."""
    counted = {layer.name: layer for layer in profile.layers}
    medians = {path: statistics.median(times.get(path, 0.0) for times in runs) for path in types}
    total = sum(medians.values())
    total_macs = profile.totals.macs
    rows = []
    for path, kind in types.items():
        layer = counted.get(path)
        macs, flops, moved = (layer.macs, layer.flops, int(layer.bytes_moved * scale)) if layer else (0, 0, 0)
        bound = peak.bound_ms(flops, moved) if peak else None
        rows.append(LayerTime(path, kind, medians[path], medians[path] / total if total else 0.0,
                              macs, macs / total_macs if total_macs else 0.0, flops, moved, bound,
                              bound / medians[path] if bound is not None and medians[path] else None))
    return LayerBreakdown(batch, len(runs), total, tuple(rows))


def model_bound_ms(profile: Any, peak: Peak, scale: float) -> float:
    """The sum of the layers' bounds: each layer waits for its own slower resource."""
    return sum(peak.bound_ms(layer.flops, layer.bytes_moved * scale) for layer in profile.layers)


def sweep(name: str, settings: Settings, on_batch: Callable[[int], None]
          ) -> tuple[dict[int, list[float]], dict[int, int | None], LayerRuns | None, list[str]]:
    """Timed runs and peak memory per batch size, and the per-layer runs at the first batch size.
    An out-of-memory error ends the sweep with a note; the model is freed on return."""
    model, shape = prepare_model(name, settings)
    times: dict[int, list[float]] = {}
    memory: dict[int, int | None] = {}
    layers: LayerRuns | None = None
    notes: list[str] = []
    for batch in settings.batch_sizes:
        try:
            x = make_input(shape, batch, settings)
            with torch.inference_mode():
                batch_times = latency_runs(model, x, settings)
                memory[batch] = peak_memory_bytes(functools.partial(model, x), settings.device)
                if batch == settings.layer_batch_size:
                    layers = layer_runs(model, x, settings)
        except Exception as exc:
            if not is_out_of_memory(exc):
                raise
            memory.pop(batch, None)
            done = f"; the sweep stopped after batch size {max(times)}" if times else ""
            notes.append(f"out of memory at batch size {batch}{done}")
            break
        finally:
            x = None
            _free(settings.device)
        times[batch] = batch_times
        on_batch(batch)
    return times, memory, layers, notes


def measure_model(name: str, settings: Settings, peak: Peak | None,
                  on_batch: Callable[[int], None] = lambda batch: None) -> ModelRuntime:
    """One zoo model: the sweep's figures beside the counts of `analyzer.profile` (meta device) at
    each batch size measured, which give the roofline bounds."""
    from analyzer.static.profiler import profile

    started = time.perf_counter()
    load = round(os.getloadavg()[0], 2)
    times, memory, layers, notes = sweep(name, settings, on_batch)
    _free(settings.device)
    scale = torch.empty((), dtype=DTYPES[settings.dtype]).element_size() / 4
    latency = {b: summary(t) for b, t in times.items()}
    profiles = {b: profile(name, batch_size=b) for b in times}
    roofline = {}
    if peak is not None:
        for b, counted in profiles.items():
            bound = model_bound_ms(counted, peak, scale)
            roofline[b] = {"bound_ms": bound, "fraction": bound / latency[b]["median"]}
    per_image = profiles[min(profiles)] if profiles else profile(name)
    batch = per_image.input_shape[0][0]
    return ModelRuntime(
        name=name, input_shape=per_image.input_shape[0][1:], macs=per_image.totals.macs // batch,
        flops=per_image.totals.flops // batch, seconds=time.perf_counter() - started, load_average=load,
        runs={b: len(t) for b, t in times.items()}, latency_ms=latency,
        throughput={b: b / (v["median"] / 1e3) for b, v in latency.items()},
        peak_memory_bytes=memory, roofline=roofline,
        layers=None if layers is None else breakdown(*layers, settings.layer_batch_size,
                                                     profiles[settings.layer_batch_size], peak, scale),
        notes=tuple(notes))


class Progress:
    """tqdm on a terminal when it is installed; otherwise (logs, the GPU machine's bare python) one
    line per finished model on stderr."""

    def __init__(self, total: int) -> None:
        self.bar = None
        if sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, unit="batch", file=sys.stderr, dynamic_ncols=True)

    def batch(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)
            self.bar.update(1)

    def line(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def bench_mode(settings: Settings) -> Iterator[bool]:
    """Process-wide switches for the run, put back afterwards: cuDNN picks the fastest algorithm for
    each shape (tuned in the warm-up run), and denormal numbers flush to zero on the CPU, since
    random weights in deep unnormalised stacks can produce them and their slow path is no property
    of the model. Yields whether this CPU could flush them."""
    benchmark = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = settings.device == "cuda"
    try:
        yield torch.set_flush_denormal(True)
    finally:
        torch.backends.cudnn.benchmark = benchmark
        torch.set_flush_denormal(False)


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM (`timeout`'s signal) raise KeyboardInterrupt during the sweep, even where
    the shell started us with SIGINT ignored, as it does for background jobs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, signal.default_int_handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def collect(names: list[str], settings: Settings) -> RuntimeResult:
    """Measure `names` in turn. Ctrl-C stops the sweep: the result keeps the models finished so far
    and says it is incomplete (and a Ctrl-C before the first model finished propagates)."""
    progress = Progress(len(names) * len(settings.batch_sizes))
    models: dict[str, ModelRuntime] = {}
    complete = True
    try:
        with interruptible(), bench_mode(settings) as flushed:
            machine = {**describe_machine(settings), "flush_denormal": flushed}
            peak = device_peak(settings)
            for i, name in enumerate(names, 1):
                m = measure_model(name, settings, peak, lambda b, name=name: progress.batch(f"{name} batch {b}"))
                models[name] = m
                shown = ", ".join(f"batch {b} {v['median']:.2f} ms" for b, v in m.latency_ms.items())
                progress.line(f"[{i}/{len(names)}] {name}: {shown} ({m.seconds:.0f} s)"
                              + "".join(f"; {note}" for note in m.notes))
    except KeyboardInterrupt:
        if not models:
            raise
        complete = False
    finally:
        progress.close()
    machine["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
    return RuntimeResult(machine, peak.to_dict(), settings.to_dict(), models, complete)
