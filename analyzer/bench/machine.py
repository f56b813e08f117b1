"""The machine a run measured: hardware, software versions and the switches that change timings.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from typing import Any

import torch

from analyzer.bench.settings import Settings


def cpu_model() -> str:
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
    name = torch.cuda.get_device_name() if cuda else cpu_model()
    suffix = ("" if settings.dtype == "float32" else f"-{settings.dtype}")
    suffix += "-channels-last" if settings.channels_last else ""
    machine: dict[str, Any] = {
        "kind": settings.device, "name": name, "slug": slug(f"{settings.device} {name}") + suffix,
        "threads": torch.get_num_threads(), "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "torch": torch.__version__, "dtype": settings.dtype,
        "channels_last": settings.channels_last,
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "load_average_start": [round(v, 2) for v in os.getloadavg()],
        "cpu_model": cpu_model(), "cpu_count": os.cpu_count(), "memory_bytes": _memory_bytes(),
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


def precision(machine: dict[str, Any]) -> str:
    """The precision a run computed in: a float32 run on a GPU with TF32 convolutions allowed ran its
    convolutions in TF32 (10-bit mantissas) and its other operations in float32."""
    dtype = machine.get("dtype", "float32")
    if dtype == "float32" and machine.get("kind") == "cuda" and machine.get("allow_tf32_conv"):
        return "float32 (TF32 convolutions)"
    return dtype


def machine_label(machine: dict[str, Any]) -> str:
    """How charts, pages and claims name a result: 'NVIDIA H100 80GB HBM3, bfloat16' or 'AMD EPYC,
    float32, 1 thread' (a CPU's figures depend on its thread count; a GPU's do not), the precision as
    it ran ('float32 (TF32 convolutions)')."""
    parts = [machine.get("name", machine.get("kind", "device")), precision(machine)]
    if machine.get("channels_last"):
        parts.append("channels last")
    if machine.get("kind") == "cpu":
        threads = machine.get("threads", 1)
        parts.append(f"{threads} thread{'s' if threads != 1 else ''}")
    return ", ".join(str(p) for p in parts)
