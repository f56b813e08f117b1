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

JSON (`data/runtime/<device-slug>.json`, one file per device and dtype; `SCHEMA` is the exact form):

    schema       1
    complete     false when the run was interrupted (the file then holds the models finished)
    device       kind ("cpu" | "cuda"), name, slug, threads (torch's intra-op threads) and
                 omp_num_threads (the variable, if set), torch, dtype, channels_last, date (UTC,
                 ISO 8601), load_average_start / _end (1, 5, 15 minutes; the CPU figures are only as
                 quiet as the machine was), cpu_model, cpu_count, memory_bytes, os, python,
                 flush_denormal; on CUDA also gpu, driver, cuda, cudnn, gpu_memory_bytes, capability,
                 cudnn_benchmark, allow_tf32_conv, allow_tf32_matmul; memory_measure says what peak
                 memory means
    peak         name, source ("measured" | "datasheet: ..."), flops_per_s, bytes_per_s; or null
    settings     batch_sizes, layer_batch_size, repeats (null = adaptive), target_seconds,
                 min_runs, slow_min_runs, warmup_runs, warmup_seconds (absent in older files)
    models       {name: {input_shape, macs and flops per image, seconds (wall time spent on it),
                 load_average (1 minute, at its start), notes,
                 batches: {"<batch>": {runs, latency_ms: {median, p10, p90, min, max},
                           throughput (images/s from the median), peak_memory_bytes (or null),
                           roofline: {bound_ms, fraction} or null}},
                 layers: {batch_size, runs, total_ms, rows: [{name (module path; "" is the
                          model's own forward), type, time_ms, time_share, macs, macs_share,
                          flops, bytes_moved, bound_ms, fraction}]} or null}}

Peak memory: on CUDA the caching allocator's peak during one forward pass (weights and input
included); on the CPU the growth of the process's resident set during one pass (Linux's VmHWM after
resetting it), null where that cannot be read.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import itertools
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from torch import nn

from analyzer.cli import UsageError
from analyzer.output import check_writable, write_atomic

SCHEMA_VERSION = 1
DEFAULT_DIR = Path("data/runtime")
DEVICES = ("cpu", "cuda")
DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}
SLOW_RUN_MS = 1000.0


# --------------------------------------------------------------------------------------------------
# Settings and input checks


@dataclass(frozen=True)
class Settings:
    device: str = "cpu"
    dtype: str = "float32"
    batch_sizes: tuple[int, ...] = (1,)
    channels_last: bool = False
    repeats: int | None = None
    # Adaptive repeats: CUDA runs take milliseconds, so a shorter target still gives many runs and
    # keeps the whole zoo inside the GPU machine's few minutes.
    target_seconds: float = 0.5
    min_runs: int = 5
    slow_min_runs: int = 3
    warmup_runs: int = 1
    # An idle GPU runs at a low clock and takes a moment to ramp up, and cuDNN tunes each new shape
    # in its first run: on the GPU the warm-up goes on for this long, not just `warmup_runs` runs.
    warmup_seconds: float = 0.0

    @property
    def layer_batch_size(self) -> int:
        return self.batch_sizes[0]

    def to_dict(self) -> dict[str, Any]:
        return {"batch_sizes": list(self.batch_sizes), "layer_batch_size": self.layer_batch_size,
                "repeats": self.repeats, "target_seconds": self.target_seconds, "min_runs": self.min_runs,
                "slow_min_runs": self.slow_min_runs, "warmup_runs": self.warmup_runs,
                "warmup_seconds": self.warmup_seconds}


def parse_batch_sizes(text: str) -> tuple[int, ...]:
    """'1,2,4' -> (1, 2, 4), ascending and without repeats, so an out-of-memory ends the sweep."""
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise UsageError(f"batch sizes must be positive integers separated by commas, like 1,2,4,8; got {text!r}")
    return tuple(sorted(set(sizes)))


def settings_from_args(args: argparse.Namespace) -> Settings:
    device, dtype = args.device, args.dtype
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}: expected cpu or cuda")
    if dtype not in DTYPES:
        raise UsageError(f"unknown dtype {dtype!r}: expected float32, float16 or bfloat16")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device cuda needs a CUDA GPU and this torch ({torch.__version__}) sees none; "
                         "use --device cpu")
    if device == "cpu" and dtype == "float16":
        raise UsageError("dtype float16 is not supported on the CPU (it has no fast float16 convolutions); "
                         "use float32 or bfloat16")
    if device == "cuda" and dtype == "bfloat16" and not torch.cuda.is_bf16_supported():
        raise UsageError("dtype bfloat16 needs a GPU of compute capability 8.0 or newer; use float32 or float16")
    return Settings(device=device, dtype=dtype, batch_sizes=parse_batch_sizes(args.batch_sizes),
                    channels_last=args.channels_last, repeats=args.repeats,
                    target_seconds=0.2 if device == "cuda" else 0.5,
                    warmup_seconds=0.5 if device == "cuda" else 0.0)


def model_names(text: str) -> list[str]:
    """'all' or comma-separated zoo names, each checked before any work starts."""
    from analyzer import registry

    if text.strip() == "all":
        return registry.names()
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if not names:
        raise UsageError(f"no model named in {text!r}: give zoo names separated by commas, or 'all'")
    for name in names:
        registry.spec(name)
    return names


# --------------------------------------------------------------------------------------------------
# Clocks and repeated runs


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


# --------------------------------------------------------------------------------------------------
# Peak memory


def _proc_status_bytes(field: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"{field} missing from /proc/self/status")


def _release_cpu_memory() -> None:
    """Hand freed heap memory back to the OS first, so the next pass's growth is counted whole."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def peak_memory_bytes(run: Callable[[], Any], device: str) -> int | None:
    """CUDA: the allocator's peak during `run`; CPU: the growth of resident memory during `run`."""
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        run()
        torch.cuda.synchronize()
        return torch.cuda.max_memory_allocated()
    _release_cpu_memory()
    try:
        # Writing 5 resets the high-water mark VmHWM to the current resident size (Linux 4.0+).
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        base = _proc_status_bytes("VmRSS")
    except OSError:
        return None
    run()
    return max(0, _proc_status_bytes("VmHWM") - base)


def is_out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, (torch.cuda.OutOfMemoryError, MemoryError)) or (
        isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc))


# --------------------------------------------------------------------------------------------------
# Per-layer time


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


# --------------------------------------------------------------------------------------------------
# Device peaks and the roofline


@dataclass(frozen=True)
class Peak:
    name: str
    source: str
    flops_per_s: float
    bytes_per_s: float

    def bound_ms(self, flops: float, bytes_moved: float) -> float:
        return max(flops / self.flops_per_s, bytes_moved / self.bytes_per_s) * 1e3

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "flops_per_s": self.flops_per_s,
                "bytes_per_s": self.bytes_per_s}


# Vendor datasheet figures, dense (without the 2:4-sparsity doubling the datasheets also print), by
# the exact name torch.cuda.get_device_name() reports; a GPU not listed here is calibrated instead.
# (name, FP32 FLOP/s on CUDA cores, TF32 tensor FLOP/s, FP16/BF16 tensor FLOP/s, memory bytes/s)
# Sources: NVIDIA H100 Tensor Core GPU datasheet (SXM5, PCIe), NVIDIA H200 Tensor Core GPU datasheet
# (SXM), NVIDIA A100 Tensor Core GPU datasheet (SXM4, PCIe), NVIDIA L4 datasheet, NVIDIA V100 and T4
# datasheets (no TF32 there: float32 runs on CUDA cores).
GPU_PEAKS = {
    "NVIDIA H200": ("H200 SXM", 67e12, 494.7e12, 989.4e12, 4.8e12),
    "NVIDIA H100 80GB HBM3": ("H100 SXM5", 67e12, 494.7e12, 989.4e12, 3.35e12),
    "NVIDIA H100 PCIe": ("H100 PCIe", 51.2e12, 378e12, 756e12, 2.0e12),
    "NVIDIA A100-SXM4-80GB": ("A100 SXM4 80GB", 19.5e12, 156e12, 312e12, 2.039e12),
    "NVIDIA A100-SXM4-40GB": ("A100 SXM4 40GB", 19.5e12, 156e12, 312e12, 1.555e12),
    "NVIDIA A100 80GB PCIe": ("A100 PCIe 80GB", 19.5e12, 156e12, 312e12, 1.935e12),
    "NVIDIA A100-PCIE-40GB": ("A100 PCIe 40GB", 19.5e12, 156e12, 312e12, 1.555e12),
    "NVIDIA L4": ("L4", 30.3e12, 60e12, 121e12, 300e9),
    "Tesla V100-SXM2-16GB": ("V100 SXM2", 15.7e12, 15.7e12, 125e12, 900e9),
    "Tesla V100-SXM2-32GB": ("V100 SXM2", 15.7e12, 15.7e12, 125e12, 900e9),
    "Tesla T4": ("T4", 8.1e12, 8.1e12, 65e12, 320e9),
}


def datasheet_peak(gpu_name: str, dtype: str) -> Peak | None:
    """The table's peak for this GPU in this dtype: half precision runs on tensor cores; float32
    convolutions use TF32 tensor cores when PyTorch allows it (cuDNN's default), and a lower bound
    must assume the fastest path available."""
    if gpu_name not in GPU_PEAKS:
        return None
    name, fp32, tf32, fp16, bandwidth = GPU_PEAKS[gpu_name]
    tf32_on = torch.backends.cudnn.allow_tf32 or torch.backends.cuda.matmul.allow_tf32
    flops = fp16 if dtype != "float32" else tf32 if tf32_on else fp32
    return Peak(name, f"datasheet: NVIDIA {name}", flops, bandwidth)


def calibrate(device: str, dtype: str) -> Peak:
    """The reachable peak measured here: FLOP/s from the best of several runs of a large matrix
    product and of a large 3x3 convolution (whichever is faster: either may be the better-tuned
    kernel), bytes/s from the best of several large copies (read plus written, as `bytes_moved`
    counts them), all far larger than the caches. On a GPU the product may use TF32 where
    convolutions may."""
    cuda = device == "cuda"
    clock = Clock(device)
    kind = {"dtype": DTYPES[dtype], "device": device}
    n = 8192 if cuda else 1024
    a, b, c = (torch.randn(n, n, **kind) for _ in range(3))
    x, w = torch.randn(32 if cuda else 1, 256, 56, 56, **kind), torch.randn(256, 256, 3, 3, **kind)
    src = torch.ones(2**26 if cuda else 2**24, device=device)
    dst = torch.empty_like(src)
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32 or torch.backends.cudnn.allow_tf32
    try:
        with torch.inference_mode():
            matmul_ms = min(clock.time_ms(lambda: torch.mm(a, b, out=c)) for _ in range(8))
            conv_ms = min(clock.time_ms(lambda: torch.conv2d(x, w, padding=1)) for _ in range(8))
            copy_ms = min(clock.time_ms(lambda: dst.copy_(src)) for _ in range(8))
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
    flops = max(2 * n**3 / matmul_ms, 2 * x.shape[0] * 256 * 256 * 9 * 56 * 56 / conv_ms) * 1e3
    name = torch.cuda.get_device_name() if cuda else _cpu_model()
    return Peak(name, "measured", flops, 2 * src.nbytes / (copy_ms / 1e3))


def device_peak(settings: Settings) -> Peak:
    if settings.device == "cuda":
        found = datasheet_peak(torch.cuda.get_device_name(), settings.dtype)
        if found is not None:
            return found
    return calibrate(settings.device, settings.dtype)


# --------------------------------------------------------------------------------------------------
# The machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def _memory_bytes() -> int | None:
    try:
        with open("/proc/meminfo") as handle:
            return int(handle.readline().split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None


def driver_version(proc_text: str) -> str | None:
    """The version in /proc/driver/nvidia/version, whose wording differs between the open and the
    closed kernel modules ("... Open Kernel Module for x86_64  580.159.04  Release Build ...")."""
    found = re.search(r"Kernel Module.*?\s(\d+(?:\.\d+)+)\s", proc_text)
    return found.group(1) if found else None


def _nvidia_driver() -> str | None:
    try:
        with open("/proc/driver/nvidia/version") as handle:
            found = driver_version(handle.read())
            if found:
                return found
    except OSError:
        pass
    try:
        done = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=20, check=True)
        return done.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def describe_machine(settings: Settings) -> dict[str, Any]:
    cuda = settings.device == "cuda"
    name = torch.cuda.get_device_name() if cuda else _cpu_model()
    suffix = ("" if settings.dtype == "float32" else f"-{settings.dtype}")
    suffix += "-channels-last" if settings.channels_last else ""
    machine: dict[str, Any] = {
        "kind": settings.device, "name": name, "slug": slug(f"{settings.device} {name}") + suffix,
        "threads": torch.get_num_threads(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "torch": torch.__version__, "dtype": settings.dtype,
        "channels_last": settings.channels_last,
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "load_average_start": [round(v, 2) for v in os.getloadavg()],
        "cpu_model": _cpu_model(), "cpu_count": os.cpu_count(), "memory_bytes": _memory_bytes(),
        "os": platform.platform(), "python": platform.python_version(),
        "memory_measure": "cuda allocator peak" if cuda else "resident memory growth",
    }
    if cuda:
        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        machine.update({
            "gpu": name, "driver": _nvidia_driver(), "cuda": torch.version.cuda,
            "cudnn": torch.backends.cudnn.version(), "gpu_memory_bytes": props.total_memory,
            "capability": f"{props.major}.{props.minor}", "cudnn_benchmark": True,
            "allow_tf32_conv": torch.backends.cudnn.allow_tf32,
            "allow_tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        })
    return machine


def machine_label(machine: dict[str, Any]) -> str:
    """How charts and claims name a result: 'NVIDIA H100 80GB HBM3, bfloat16' or 'AMD EPYC, float32,
    1 thread' (a CPU's figures depend on its thread count; a GPU's do not)."""
    parts = [machine.get("name", machine.get("kind", "device")), machine.get("dtype", "float32")]
    if machine.get("channels_last"):
        parts.append("channels last")
    if machine.get("kind") == "cpu":
        threads = machine.get("threads", 1)
        parts.append(f"{threads} thread{'s' if threads != 1 else ''}")
    return ", ".join(str(p) for p in parts)


def default_path(machine: dict[str, Any]) -> Path:
    return DEFAULT_DIR / f"{machine['slug']}.json"


# --------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class LayerTime:
    name: str
    type: str
    time_ms: float
    time_share: float
    macs: int
    macs_share: float
    flops: int
    bytes_moved: int
    bound_ms: float | None
    fraction: float | None


@dataclass(frozen=True)
class LayerBreakdown:
    batch_size: int
    runs: int
    # The sum of the rows' medians; the whole-model median at this batch size is the independent figure.
    total_ms: float
    rows: tuple[LayerTime, ...]


@dataclass(frozen=True)
class ModelRuntime:
    name: str
    input_shape: tuple[int, ...]
    macs: int
    flops: int
    seconds: float
    load_average: float
    runs: dict[int, int]
    latency_ms: dict[int, dict[str, float]]
    throughput: dict[int, float]
    peak_memory_bytes: dict[int, int | None]
    roofline: dict[int, dict[str, float]]
    layers: LayerBreakdown | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuntimeResult:
    device: dict[str, Any]
    peak: dict[str, Any] | None
    settings: dict[str, Any]
    models: dict[str, ModelRuntime]
    complete: bool = True
    # The file it was read from (set by `load_results`).
    file: str = ""


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def to_dict(result: RuntimeResult) -> dict[str, Any]:
    """The documented JSON form (see the module docstring and `SCHEMA`)."""
    def model(m: ModelRuntime) -> dict[str, Any]:
        batches = {str(b): {
            "runs": m.runs[b],
            "latency_ms": {k: _r(v) for k, v in m.latency_ms[b].items()},
            "throughput": _r(m.throughput[b], 2),
            "peak_memory_bytes": m.peak_memory_bytes[b],
            "roofline": {k: _r(v) for k, v in m.roofline[b].items()} if b in m.roofline else None,
        } for b in m.latency_ms}
        layers = None
        if m.layers is not None:
            layers = {"batch_size": m.layers.batch_size, "runs": m.layers.runs, "total_ms": _r(m.layers.total_ms),
                      "rows": [{"name": r.name, "type": r.type, "time_ms": _r(r.time_ms),
                                "time_share": _r(r.time_share),
                                "macs": r.macs, "macs_share": _r(r.macs_share), "flops": r.flops,
                                "bytes_moved": r.bytes_moved, "bound_ms": _r(r.bound_ms), "fraction": _r(r.fraction)}
                               for r in m.layers.rows]}
        return {"input_shape": list(m.input_shape), "macs": m.macs, "flops": m.flops, "seconds": _r(m.seconds, 1),
                "load_average": m.load_average, "notes": list(m.notes), "batches": batches, "layers": layers}

    return {"schema": SCHEMA_VERSION, "complete": result.complete, "device": result.device, "peak": result.peak,
            "settings": result.settings, "models": {name: model(m) for name, m in result.models.items()}}


def from_dict(data: dict[str, Any]) -> RuntimeResult:
    def model(name: str, d: dict[str, Any]) -> ModelRuntime:
        batches = {int(b): v for b, v in d["batches"].items()}
        layers = None
        if d["layers"] is not None:
            rows = tuple(LayerTime(**row) for row in d["layers"]["rows"])
            layers = LayerBreakdown(d["layers"]["batch_size"], d["layers"]["runs"], d["layers"]["total_ms"], rows)
        return ModelRuntime(
            name=name, input_shape=tuple(d["input_shape"]), macs=d["macs"], flops=d["flops"], seconds=d["seconds"],
            load_average=d["load_average"], runs={b: v["runs"] for b, v in batches.items()},
            latency_ms={b: v["latency_ms"] for b, v in batches.items()},
            throughput={b: v["throughput"] for b, v in batches.items()},
            peak_memory_bytes={b: v["peak_memory_bytes"] for b, v in batches.items()},
            roofline={b: v["roofline"] for b, v in batches.items() if v["roofline"] is not None},
            layers=layers, notes=tuple(d["notes"]))

    return RuntimeResult(device=data["device"], peak=data["peak"], settings=data["settings"],
                         models={name: model(name, d) for name, d in data["models"].items()},
                         complete=data["complete"])


def load_results(directory: str | Path = DEFAULT_DIR) -> list[RuntimeResult]:
    """Every result file in `directory`, by file name; a file that breaks the schema is an error."""
    results = []
    for path in sorted(Path(directory).glob("*.json")):
        data = json.loads(path.read_text())
        problems = validate(data)
        if problems:
            raise ValueError(f"{path}: not a runtime result: {problems[0]}")
        results.append(replace(from_dict(data), file=path.name))
    return results


def dumps(value: Any, indent: str = "") -> str:
    """JSON with one line per object or list that holds no other (a layer row, a latency summary)
    or is short, so the committed files stay readable and their diffs small."""
    flat = json.dumps(value)
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
    if children is None or len(flat) <= 100 or not any(isinstance(c, (dict, list)) for c in children):
        return flat
    inner = indent + " "
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return "[\n" + ",\n".join(inner + dumps(v, inner) for v in value) + f"\n{indent}]"


def write(result: RuntimeResult, path: str | Path) -> None:
    write_atomic(path, dumps(to_dict(result)) + "\n")


# --------------------------------------------------------------------------------------------------
# The schema, and a validator for the small part of JSON Schema it uses


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None, extra: Any = False) -> dict[str, Any]:
    return {"type": "object", "properties": {**required, **(optional or {})}, "required": list(required),
            "additionalProperties": extra}


_NUM = {"type": "number", "minimum": 0}
_INT = {"type": "integer", "minimum": 0}
_POS = {"type": "integer", "minimum": 1}
_STR = {"type": "string"}
_BATCH = {"pattern": "^[1-9][0-9]*$"}
_LATENCY = _obj({k: _NUM for k in ("median", "p10", "p90", "min", "max")})
_ROOFLINE = _obj({"bound_ms": _NUM, "fraction": _NUM})
_LAYER = _obj({"name": _STR, "type": _STR, "time_ms": _NUM, "time_share": _NUM, "macs": _INT, "macs_share": _NUM,
               "flops": _INT, "bytes_moved": _INT, "bound_ms": {"type": ["number", "null"], "minimum": 0},
               "fraction": {"type": ["number", "null"], "minimum": 0}})
_BATCH_RESULT = _obj({"runs": _POS, "latency_ms": _LATENCY, "throughput": _NUM,
                      "peak_memory_bytes": {"type": ["integer", "null"], "minimum": 0},
                      "roofline": {"type": ["object", "null"], **{k: v for k, v in _ROOFLINE.items() if k != "type"}}})
_MODEL = _obj({
    "input_shape": {"type": "array", "items": _POS}, "macs": _INT, "flops": _INT, "seconds": _NUM,
    "load_average": _NUM, "notes": {"type": "array", "items": _STR},
    "batches": {"type": "object", "propertyNames": _BATCH, "additionalProperties": _BATCH_RESULT},
    "layers": {"type": ["object", "null"], "properties": {"batch_size": _POS, "runs": _POS, "total_ms": _NUM,
                                                          "rows": {"type": "array", "items": _LAYER}},
               "required": ["batch_size", "runs", "total_ms", "rows"], "additionalProperties": False},
})
_DEVICE = _obj(
    {"kind": {"enum": list(DEVICES)}, "name": _STR, "slug": _STR, "threads": _POS, "torch": _STR,
     "dtype": {"enum": list(DTYPES)}, "channels_last": {"type": "boolean"}, "date": _STR,
     "load_average_start": {"type": "array", "items": _NUM}},
    {"load_average_end": {"type": "array", "items": _NUM}},
    extra=True)
SCHEMA: dict[str, Any] = _obj({
    "schema": {"enum": [SCHEMA_VERSION]}, "complete": {"type": "boolean"}, "device": _DEVICE,
    "peak": {"type": ["object", "null"], "properties": {"name": _STR, "source": _STR, "flops_per_s": _NUM,
                                                        "bytes_per_s": _NUM},
             "required": ["name", "source", "flops_per_s", "bytes_per_s"], "additionalProperties": False},
    "settings": _obj({"batch_sizes": {"type": "array", "items": _POS}, "layer_batch_size": _POS,
                      "repeats": {"type": ["integer", "null"], "minimum": 1}, "target_seconds": _NUM,
                      "min_runs": _POS, "slow_min_runs": _POS, "warmup_runs": _INT},
                     {"warmup_seconds": _NUM}),
    "models": {"type": "object", "additionalProperties": _MODEL},
})

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None),
          "integer": int, "number": (int, float)}


def _is(value: Any, kind: str) -> bool:
    # JSON has no separate booleans among numbers, but Python's bool is an int.
    return isinstance(value, _TYPES[kind]) and not (kind in ("integer", "number") and isinstance(value, bool))


def validate(data: Any, schema: dict[str, Any] = SCHEMA, where: str = "$") -> list[str]:
    """Where `data` breaks `schema` (type, enum, minimum, pattern, properties, required,
    additionalProperties, propertyNames, items), as 'path: problem' lines; empty when it fits."""
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else kinds
        if not any(_is(data, k) for k in kinds):
            return [f"{where}: expected {' or '.join(kinds)}, got {type(data).__name__}"]
    if "enum" in schema and data not in schema["enum"]:
        return [f"{where}: expected one of {schema['enum']}, got {data!r}"]
    if "minimum" in schema and _is(data, "number") and data < schema["minimum"]:
        return [f"{where}: {data} is below {schema['minimum']}"]
    if "pattern" in schema and isinstance(data, str) and not re.fullmatch(schema["pattern"], data):
        return [f"{where}: {data!r} does not match {schema['pattern']}"]
    problems: list[str] = []
    if isinstance(data, dict):
        problems += [f"{where}: missing {key!r}" for key in schema.get("required", ()) if key not in data]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in data.items():
            if "propertyNames" in schema:
                problems += validate(key, schema["propertyNames"], f"{where}.{key}")
            if key in properties:
                problems += validate(value, properties[key], f"{where}.{key}")
            elif extra is False:
                problems.append(f"{where}: unexpected {key!r}")
            elif isinstance(extra, dict):
                problems += validate(value, extra, f"{where}.{key}")
    if isinstance(data, list) and "items" in schema:
        for i, item in enumerate(data):
            problems += validate(item, schema["items"], f"{where}[{i}]")
    return problems


# --------------------------------------------------------------------------------------------------
# Measuring a model


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
    from analyzer.profiler import profile

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


# --------------------------------------------------------------------------------------------------
# The sweep over models


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


def main(args: argparse.Namespace) -> int:
    """`analyzer bench`: check every input, measure, write the JSON (all or nothing)."""
    settings = settings_from_args(args)
    names = model_names(args.models)
    if args.out:
        check_writable(args.out)
    started = time.perf_counter()
    result = collect(names, settings)
    out = Path(args.out) if args.out else default_path(result.device)
    if not args.out:
        out.parent.mkdir(parents=True, exist_ok=True)
    write(result, out)
    elapsed = time.perf_counter() - started
    if not result.complete:
        sys.stderr.write(f"analyzer bench: interrupted; wrote the {_models(result)} finished so far to {out}\n")
        return 130
    sys.stderr.write(f"analyzer bench: wrote {out} ({_models(result)}, {elapsed:.0f} s)\n")
    return 0


def _models(result: RuntimeResult) -> str:
    return f"{len(result.models)} model{'' if len(result.models) == 1 else 's'}"
