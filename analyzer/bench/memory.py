"""Peak memory of one forward pass: on CUDA the caching allocator's peak (weights and input
included); on the CPU the growth of the process's resident set (Linux's VmHWM after resetting it),
None where that cannot be read.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import Any

import torch


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
