"""What one `analyzer bench` run measures: devices, dtypes, batch sizes and repeats, each checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from analyzer.bench.results import DEVICES, DTYPE_NAMES
from analyzer.errors import UsageError, either

DTYPES = {name: getattr(torch, name) for name in DTYPE_NAMES}
# A run slower than this needs fewer repeats to give a stable median (`Settings.slow_min_runs`).
SLOW_RUN_MS = 1000.0

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


def make_settings(device: str, dtype: str, batch_sizes: str, channels_last: bool = False,
                  repeats: int | None = None) -> Settings:
    """The run's settings from the command line's values, each checked against this machine."""
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}: expected {either(DEVICES)}")
    if dtype not in DTYPES:
        raise UsageError(f"unknown dtype {dtype!r}: expected {either(DTYPE_NAMES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device cuda needs a CUDA GPU and this torch ({torch.__version__}) sees none; "
                         "use --device cpu")
    if device == "cpu" and dtype == "float16":
        raise UsageError("dtype float16 is not supported on the CPU (it has no fast float16 convolutions); "
                         "use float32 or bfloat16")
    if device == "cuda" and dtype == "bfloat16" and not torch.cuda.is_bf16_supported():
        raise UsageError("dtype bfloat16 needs a GPU of compute capability 8.0 or newer; use float32 or float16")
    return Settings(device=device, dtype=dtype, batch_sizes=parse_batch_sizes(batch_sizes),
                    channels_last=channels_last, repeats=repeats,
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
