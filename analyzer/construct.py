"""Building a model on the meta device cheaply: no weights, and no initialisation to run on them.

`torch.device("meta")` already keeps weights out of memory, but every layer still runs its
initialiser (kaiming_uniform_ and friends), which on meta tensors costs a trip through PyTorch's
decompositions for nothing: a meta tensor has no values. This mode, active only while a builder
runs, sends factory functions to the meta device and skips in-place writes to meta tensors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._device import _device_constructors

META = torch.device("meta")
# In-place writes that initialisers make, and the initialisers of torch.nn.init themselves (which
# reach a torch-function mode as one call); on a meta tensor they change nothing, shape included.
_VALUE_WRITES = frozenset({
    torch.Tensor.uniform_, torch.Tensor.normal_, torch.Tensor.zero_, torch.Tensor.fill_,
    torch.Tensor.erfinv_, torch.Tensor.mul_, torch.Tensor.add_, torch.Tensor.clamp_, torch.Tensor.copy_,
    torch.Tensor.exponential_, torch.Tensor.bernoulli_, torch.Tensor.random_,
    *(f for name, f in vars(torch.nn.init).items() if name.endswith("_") and not name.startswith("_")
      and callable(f)),
})


class MetaConstruction(TorchFunctionMode):
    def __torch_function__(self, func: Callable[..., Any], types: Any, args: Any = (), kwargs: Any = None) -> Any:
        kwargs = kwargs or {}
        if func in _VALUE_WRITES:
            # torch.nn.init passes its tensor by keyword.
            target = args[0] if args else kwargs.get("tensor")
            if isinstance(target, torch.Tensor) and target.is_meta:
                return target
        if kwargs.get("device") is None and func in _device_constructors():
            kwargs["device"] = META
        return func(*args, **kwargs)
