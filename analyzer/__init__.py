"""Static analysis of the classic convolutional networks, from LeNet-5 to MobileNets.

The public API is small: `build` and the registry's metadata for the zoo, `profile` for counts.
Heavy modules (torch among them) are imported on first use, so `import analyzer` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analyzer.registry import ArchSpec, UnknownModelError, names, spec, specs

if TYPE_CHECKING:
    from torch import nn

    from analyzer.static.records import ModelProfile

__all__ = ["ArchSpec", "UnknownModelError", "build", "names", "profile", "spec", "specs"]


def build(name: str, device: str = "cpu", **options: Any) -> nn.Module:
    """Build a zoo model by name, in eval mode, with its parameters on `device`.

    On the meta device no weight memory is allocated, which is what the analysis uses.
    """
    import torch

    from analyzer.registry import entry

    builder = entry(name).builder
    if torch.device(device).type == "meta":
        from analyzer.construct import MetaConstruction

        with torch.no_grad(), MetaConstruction():
            model = builder(**options)
    else:
        with torch.device(device):
            model = builder(**options)
    return model.eval()


def profile(model_or_name: Any, input_size: Any = None, batch_size: int = 1, device: str = "meta",
            depth: int | None = None, dtypes: Any = None, input_data: Any = None) -> ModelProfile:
    """Profile a zoo model (by name) or any `nn.Module`; see `analyzer.static.profiler.profile`."""
    from analyzer.static.profiler import profile as _profile

    return _profile(model_or_name, input_size=input_size, batch_size=batch_size, device=device, depth=depth,
                    dtypes=dtypes, input_data=input_data)
