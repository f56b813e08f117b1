"""Device peaks for the roofline: vendor datasheets for known GPUs, a short calibration otherwise.

Each layer's lower bound is max(FLOPs / peak FLOP/s, bytes moved / bandwidth); a model's bound is the
sum over its layers. `fraction` = bound / measured time: 1.0 would be running at the roofline. Bytes
are counted as if every tensor went to memory, so a layer whose data stays in cache can exceed 1, and
so can a convolution a little faster than the calibration's kernels, where the peak is measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from analyzer.bench.machine import cpu_model
from analyzer.bench.settings import DTYPES, Settings
from analyzer.bench.timing import Clock


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
    name = torch.cuda.get_device_name() if cuda else cpu_model()
    return Peak(name, "measured", flops, 2 * src.nbytes / (copy_ms / 1e3))


def device_peak(settings: Settings) -> Peak:
    if settings.device == "cuda":
        found = datasheet_peak(torch.cuda.get_device_name(), settings.dtype)
        if found is not None:
            return found
    return calibrate(settings.device, settings.dtype)
