"""Plain data produced by the analysis: the traced graph and the profile built from it.

Everything here is a dataclass of numbers, strings and tuples: renderers read these and never touch
a model. `ModelProfile.to_dict()` is the documented JSON (schema 1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from math import prod
from typing import Any

SCHEMA_VERSION = 1
# The devices a profile runs on: meta (no memory, the default), or real tensors on cpu or cuda.
DEVICES = ("meta", "cpu", "cuda")

# Operation classes, in the order reports list them. Colours on the site follow the same keys.
OP_CLASSES = ("conv", "linear", "matmul", "norm", "activation", "pool", "elementwise", "merge",
              "softmax", "bias", "reshape", "other")


@dataclass(frozen=True)
class Window:
    """Spatial geometry of one operation, per axis (height, width), for receptive fields.

    kind: "window" (convolution or pooling), "transposed" (transposed convolution), "upsample"
    (scale factor in `stride`, e.g. max-unpooling or nearest interpolation), "interpolate" (scale
    factor in `stride`, taps per axis in `kernel`: bilinear 2, bicubic 4), "global" (sees the whole
    input: global pooling, attention across tokens), "pointwise" (element-wise, no spatial effect),
    "merge" (several inputs combined position by position), "flatten" (spatial extent lost),
    "reshape" (data moved: the receptive-field pass follows the spatial axes through the shapes),
    "permute", "mix" and "reduce" (see `dims`).
    """

    kind: str
    kernel: tuple[int, int] = (1, 1)
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    # Tensor dimensions the operation works along, for the kinds that are not spatial windows:
    # "mix" (each output element depends on the whole extent of these output dims, e.g. the last dim
    # of a linear layer or a layer norm over channels), "reduce" (these input dims are reduced away),
    # "permute" (the permutation itself: output dim i is input dim dims[i]).
    dims: tuple[int, ...] = ()


@dataclass(frozen=True)
class Value:
    """One tensor the forward pass produced (or received)."""

    id: int
    shape: tuple[int, ...]
    itemsize: int
    # "input", "activation", or "constant" (derived only from parameters, e.g. a transposed weight).
    kind: str
    # The buffer this tensor lives in: views and in-place results share their source's buffer.
    buffer: int

    @property
    def nbytes(self) -> int:
        return prod(self.shape) * self.itemsize


@dataclass(frozen=True)
class OpNode:
    """One operation PyTorch dispatched, attributed to the innermost module that ran it."""

    index: int
    op: str
    op_class: str
    module: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    macs: int
    flops_by_class: tuple[tuple[str, int], ...]
    bytes_read: int
    bytes_written: int
    window: Window | None
    # False when the analyzer has no formula for this operation: it is listed, never counted as 0.
    counted: bool = True

    @property
    def flops(self) -> int:
        return sum(n for _, n in self.flops_by_class)


@dataclass(frozen=True)
class ModuleCall:
    path: str
    type: str
    input_shapes: tuple[tuple[int, ...], ...]
    output_shapes: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class ModuleInfo:
    path: str
    type: str
    params: int
    trainable_params: int
    weight_bytes: int


@dataclass(frozen=True)
class Graph:
    """What a forward pass did, as data: the result of `analyzer.static.trace.trace`."""

    values: tuple[Value, ...]
    ops: tuple[OpNode, ...]
    calls: tuple[ModuleCall, ...]
    modules: tuple[ModuleInfo, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass(frozen=True)
class ReceptiveField:
    size: tuple[int, int]
    stride: tuple[float, float]
    padding: tuple[float, float]
    # The merge that was misaligned, when one was: branches with different strides or centres.
    misaligned: str | None = None
    # The module of the first channel gate (squeeze-and-excitation) on the path to this layer: the
    # gate reads the whole map but, by the convention the field follows, does not widen it.
    global_context_from: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"size": list(self.size), "stride": list(_plain(self.stride)),
                             "padding": list(_plain(self.padding))}
        if self.misaligned:
            d["misaligned"] = self.misaligned
        if self.global_context_from:
            d["global_context_from"] = self.global_context_from
        return d


def _plain(values: tuple[float, ...]) -> tuple[float | int, ...]:
    return tuple(int(v) if float(v).is_integer() else float(v) for v in values)


@dataclass(frozen=True)
class LayerProfile:
    name: str
    type: str
    depth: int
    calls: int
    input_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...]
    params: int
    trainable_params: int
    macs: int
    flops: int
    flops_by_class: dict[str, int]
    activation_bytes: int
    weight_bytes: int
    bytes_moved: int
    ops: tuple[str, ...]
    # None where it does not apply; "global" layers see the whole input.
    receptive_field: ReceptiveField | None = None
    sees_whole_input: bool = False

    @property
    def arithmetic_intensity(self) -> float:
        return self.flops / self.bytes_moved if self.bytes_moved else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "depth": self.depth,
            "calls": self.calls,
            "input_shapes": [list(s) for s in self.input_shapes],
            "output_shape": list(self.output_shape),
            "params": self.params,
            "trainable_params": self.trainable_params,
            "macs": self.macs,
            "flops": self.flops,
            "flops_by_class": dict(self.flops_by_class),
            "activation_bytes": self.activation_bytes,
            "weight_bytes": self.weight_bytes,
            "bytes_moved": self.bytes_moved,
            "arithmetic_intensity": round(self.arithmetic_intensity, 4),
            "ops": list(self.ops),
            "receptive_field": self.receptive_field.to_dict() if self.receptive_field else None,
            "sees_whole_input": self.sees_whole_input,
        }


@dataclass(frozen=True)
class Totals:
    params: int
    trainable_params: int
    macs: int
    flops: int
    flops_by_class: dict[str, int]
    activation_bytes: int
    peak_activation_bytes: int
    weight_bytes: int
    bytes_moved: int

    @property
    def weight_bytes_fp16(self) -> int:
        """The weights stored at 2 bytes each, as a deployed half-precision model ships them."""
        return self.params * 2

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["flops_by_class"] = dict(self.flops_by_class)
        return d


@dataclass(frozen=True)
class ModelProfile:
    model: str
    input_shape: tuple[tuple[int, ...], ...]
    device: str
    dtype: str
    totals: Totals
    layers: tuple[LayerProfile, ...]
    uncounted_ops: tuple[str, ...]
    receptive_field: ReceptiveField | None = None
    receptive_field_layer: str | None = None
    graph: Graph | None = field(default=None, repr=False, compare=False)
    # The dtype of each input tensor, in the order of `input_shape`.
    input_dtypes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        shape: Any = list(self.input_shape[0]) if len(self.input_shape) == 1 else [list(s) for s in self.input_shape]
        rf = None
        if self.receptive_field is not None:
            rf = {**self.receptive_field.to_dict(), "layer": self.receptive_field_layer}
        return {
            "schema": SCHEMA_VERSION,
            "model": self.model,
            "input_shape": shape,
            "device": self.device,
            "dtype": self.dtype,
            "input_dtypes": list(self.input_dtypes),
            "totals": self.totals.to_dict(),
            "uncounted_ops": list(self.uncounted_ops),
            "receptive_field": rf,
            "layers": [layer.to_dict() for layer in self.layers],
        }
