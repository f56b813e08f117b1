"""Build a `ModelProfile` from a traced graph: per-layer rows, totals, peak memory, receptive fields."""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from analyzer import registry
from analyzer.errors import ProfileInputError, TraceError
from analyzer.static import inputs, receptive
from analyzer.static.inputs import Shape, parse_dtype, parse_input_size, parse_inputs
from analyzer.static.records import DEVICES, OP_CLASSES, Graph, LayerProfile, ModelProfile, Totals
from analyzer.static.trace import modules_in_order, trace


def resolve(model_or_name: Any, device: str, options: dict[str, Any] | None = None,
            ) -> tuple[nn.Module, str, tuple[Shape, ...]]:
    """The module to profile, its display name and its default per-sample input shapes (none for a
    model from outside the zoo)."""
    if isinstance(model_or_name, str):
        spec = registry.spec(model_or_name)
        from analyzer import build

        try:
            model = build(model_or_name, device=device, **(options or {}))
        except TypeError as exc:
            raise ProfileInputError(f"{model_or_name} does not take these options: {exc}") from None
        return model, model_or_name, (spec.input_shape,)
    if isinstance(model_or_name, nn.Module):
        return model_or_name, type(model_or_name).__name__, ()
    raise ProfileInputError(f"cannot profile a {type(model_or_name).__name__}: give a model name or an nn.Module")


def _materialise_lazy(model: nn.Module, args: Sequence[Any], kwargs: dict[str, Any]) -> None:
    """Lazy modules (nn.LazyLinear, nn.LazyConv2d) get their shapes from their first call: one
    untraced call on the device their parameters wait on makes them ordinary modules, which the
    trace then counts. Meta parameters are materialised without running their initialisers."""
    lazy = [p for p in model.parameters() if isinstance(p, nn.parameter.UninitializedParameter)]
    if not lazy:
        return
    device = lazy[0].device

    def there(value: Any) -> Any:
        return torch.zeros(value.shape, dtype=value.dtype, device=device) if isinstance(value, torch.Tensor) else value

    from analyzer.construct import MetaConstruction

    try:
        with torch.no_grad(), (MetaConstruction() if device.type == "meta" else contextlib.nullcontext()):
            model(*[there(a) for a in args], **{k: there(v) for k, v in kwargs.items()})
    except Exception as exc:
        raise TraceError(f"materialising its lazy modules failed: {str(exc).strip().splitlines()[0]}", "",
                         type(model).__name__) from exc


@contextmanager
def _inference_on(model: nn.Module, device: str) -> Iterator[Any]:
    """Run `model` in eval mode with its weights on `device`, then put everything back as it was."""
    modes = [(m, m.training) for _, m in modules_in_order(model)]
    if any(training for _, training in modes):  # zoo models are built in eval mode already
        model.eval()
    try:
        target = torch.device(device).type
        own = itertools.chain.from_iterable(
            itertools.chain(m._parameters.values(), m._buffers.values()) for m, _ in modes)
        if all(t.device.type == target for t in own if t is not None):
            yield model
        else:
            # Stand-ins on the target device, swapped in only for the call: the user's weights stay
            # where they are and no copy of them is made.
            tensors = {**dict(model.named_parameters()), **dict(model.named_buffers())}
            stand_ins = {k: torch.empty_like(t, device=device) for k, t in tensors.items()}
            yield _SwapCall(model, stand_ins)
    finally:
        for module, training in modes:
            if module.training != training:
                module.training = training


class _SwapCall:
    """Calls `model` with its parameters and buffers replaced by `tensors` for that call only."""

    def __init__(self, model: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
        self.model = model
        self.tensors = tensors

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return torch.func.functional_call(self.model, self.tensors, args, kwargs)


def profile(model_or_name: Any, input_size: Any = None, batch_size: int = 1, device: str = "meta",
            depth: int | None = None, dtype: torch.dtype = torch.float32,
            options: dict[str, Any] | None = None, dtypes: Any = None, input_data: Any = None) -> ModelProfile:
    """Trace one forward pass and count it, layer by layer.

    `model_or_name` is a zoo name or any `nn.Module`; `input_size` is one per-sample shape (C, H, W)
    or several (an empty shape is a scalar per sample), each filled with zeros of its dtype from
    `dtypes` (one per input; `dtype` otherwise). `input_data` instead gives the call's arguments
    themselves: a tensor, a tuple of arguments, or a dict of keyword arguments, batch included.
    `depth` folds modules deeper than it into their ancestor at that depth.
    """
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ProfileInputError(f"batch size must be a positive integer, got {batch_size!r}")
    if depth is not None and depth < 0:
        raise ProfileInputError(f"depth must be 0 or more, got {depth}")
    if device not in DEVICES:
        raise ProfileInputError(f"unknown device {device!r}: expected one of {', '.join(DEVICES)}")
    if device == "cuda" and not torch.cuda.is_available():
        raise ProfileInputError("--device cuda needs a CUDA GPU and none is available; use --device meta or cpu")
    with _collector_paused():
        model, name, default = resolve(model_or_name, device, options)
        if input_data is not None:
            args, kwargs = inputs.given_inputs(input_data, device)
        else:
            shapes, parsed = inputs.sizes(input_size, default, name)
            chosen = inputs.dtypes_of(dtypes, len(shapes))
            args = [torch.zeros((batch_size, *s), dtype=given or written or dtype, device=device)
                    for s, given, written in zip(shapes, chosen, parsed)]
            kwargs = {}
        _materialise_lazy(model, args, kwargs)
        tensors = [t for t in [*args, *kwargs.values()] if isinstance(t, torch.Tensor)]
        with _inference_on(model, device) as runnable:
            graph = trace(model, args, call=runnable, kwargs=kwargs)
        dtype_name = str(dtype).replace("torch.", "")
        return summarise(graph, name, tuple(tuple(t.shape) for t in tensors), device, dtype_name, depth,
                         tuple(str(t.dtype).replace("torch.", "") for t in tensors))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one profile, and back on after it.

    A profile allocates a great many small objects (modules, records, shape tuples) that reference
    counting frees by itself; but each burst of allocations sets off the collector, whose full passes
    walk every object in the process, PyTorch's included: about a third of a zoo profile's time here.
    Any cycles made meanwhile are collected once the collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@functools.cache
def zoo_profile(name: str) -> ModelProfile:
    """A zoo model's profile at its standard input, computed once per process and shared by every
    part of a site build (profiles are frozen, so sharing is safe)."""
    return profile(name)


def _row_key(path: str, depth: int | None) -> str:
    if depth is None or not path:
        return path
    parts = path.split(".")
    return ".".join(parts[:depth])


def peak_activation_bytes(graph: Graph) -> int:
    """Largest total of live activation buffers at any point of the pass, from tensor lifetimes."""
    values = graph.values
    size: dict[int, int] = {}
    last_use: dict[int, int] = {}
    for v in values:
        if v.kind != "constant" and v.buffer not in size:
            size[v.buffer] = v.nbytes
    for op in graph.ops:
        for vid in op.inputs:
            last_use[values[vid].buffer] = op.index
    keep = {values[v].buffer for v in graph.outputs}
    live = sum(size[values[v].buffer] for v in graph.inputs)
    peak = live
    born: set[int] = {values[v].buffer for v in graph.inputs}
    for op in graph.ops:
        for vid in op.outputs:
            buffer = values[vid].buffer
            if buffer in size and buffer not in born:
                born.add(buffer)
                live += size[buffer]
        peak = max(peak, live)
        for vid in {*op.inputs, *op.outputs}:
            buffer = values[vid].buffer
            if buffer in size and buffer not in keep and last_use.get(buffer, op.index) <= op.index and buffer in born:
                live -= size[buffer]
                born.discard(buffer)
                size.pop(buffer)
    return peak


class _RowSums:
    """What one row gathers from its operations, in one pass over the graph."""

    __slots__ = ("macs", "flops", "activation_bytes", "bytes_moved", "ops", "last_outputs", "problem")

    def __init__(self) -> None:
        self.macs = self.activation_bytes = self.bytes_moved = 0
        self.flops: dict[str, int] = {}
        self.ops: dict[str, None] = {}
        self.last_outputs: tuple[int, ...] = ()
        self.problem: str | None = None


def summarise(graph: Graph, name: str, input_shape: tuple[Shape, ...], device: str, dtype: str,
              depth: int | None = None, input_dtypes: tuple[str, ...] = ()) -> ModelProfile:
    fields = receptive.propagate(graph)
    modules = {m.path: m for m in graph.modules}
    first_call = {}
    for call in graph.calls:
        first_call.setdefault(call.path, call)
    call_counts = Counter(call.path for call in graph.calls)
    allocated = _allocated_bytes(graph)

    sums: dict[str, _RowSums] = {}
    for op in graph.ops:
        key = _row_key(op.module, depth)
        row = sums.get(key)
        if row is None:
            row = sums[key] = _RowSums()
        row.macs += op.macs
        for cls, n in op.flops_by_class:
            row.flops[cls] = row.flops.get(cls, 0) + n
        row.activation_bytes += allocated.get(op.index, 0)
        row.bytes_moved += op.bytes_read + op.bytes_written
        row.ops[op.op] = None
        row.last_outputs = op.outputs
        if row.problem is None:
            row.problem = fields.problems.get(op.index)
    owners_of: dict[str, list] = defaultdict(list)
    for module in graph.modules:
        owners_of[_row_key(module.path, depth)].append(module)

    # Rows in the order their first operation ran; rows with parameters but no operation (a module
    # that was never called) after them.
    unrun = sorted(k for k, owners in owners_of.items() if k not in sums and any(m.params for m in owners))
    rows = []
    for key in [*sums, *unrun]:
        row = sums.get(key) or _RowSums()
        owners = owners_of.get(key, [])
        call = first_call.get(key)
        last = row.last_outputs
        field = fields.state.get(last[0]) if last else None
        context = fields.global_context.get(last[0]) if last else None
        module = modules.get(key)
        rows.append(LayerProfile(
            name=key,
            type=module.type if module else "",
            depth=len(key.split(".")) if key else 0,
            calls=call_counts[key] or (1 if row.ops else 0),
            input_shapes=call.input_shapes if call else (),
            output_shape=call.output_shapes[0] if call and call.output_shapes else
            (graph.values[last[0]].shape if last else ()),
            params=sum(m.params for m in owners),
            trainable_params=sum(m.trainable_params for m in owners),
            macs=row.macs,
            flops=sum(row.flops.values()),
            flops_by_class={c: row.flops[c] for c in OP_CLASSES if row.flops.get(c)},
            activation_bytes=row.activation_bytes,
            weight_bytes=sum(m.weight_bytes for m in owners),
            bytes_moved=row.bytes_moved,
            ops=tuple(row.ops),
            receptive_field=receptive.as_record(field, row.problem, context),
            sees_whole_input=field == receptive.GLOBAL,
        ))

    by_class_total: dict[str, int] = defaultdict(int)
    for row in rows:
        for cls, n in row.flops_by_class.items():
            by_class_total[cls] += n
    totals = Totals(
        params=sum(m.params for m in graph.modules),
        trainable_params=sum(m.trainable_params for m in graph.modules),
        macs=sum(r.macs for r in rows),
        flops=sum(r.flops for r in rows),
        flops_by_class={c: by_class_total[c] for c in OP_CLASSES if by_class_total.get(c)},
        activation_bytes=sum(allocated.values()),
        peak_activation_bytes=peak_activation_bytes(graph),
        weight_bytes=sum(m.weight_bytes for m in graph.modules),
        bytes_moved=sum(r.bytes_moved for r in rows),
    )
    spatial = [r for r in rows if r.receptive_field is not None]
    final = spatial[-1] if spatial else None
    uncounted = tuple(sorted({op.op for op in graph.ops if not op.counted}))
    return ModelProfile(name, input_shape, device, dtype, totals, tuple(rows), uncounted,
                        final.receptive_field if final else None, final.name if final else None, graph,
                        input_dtypes)


def _allocated_bytes(graph: Graph) -> dict[int, int]:
    """Bytes of new activation buffers each operation allocates (views and in-place ops: none)."""
    seen: set[int] = {graph.values[v].buffer for v in graph.inputs}
    out: dict[int, int] = {}
    for op in graph.ops:
        for vid in op.outputs:
            value = graph.values[vid]
            if value.kind != "constant" and value.buffer not in seen:
                seen.add(value.buffer)
                out[op.index] = out.get(op.index, 0) + value.nbytes
    return out


__all__ = ["ProfileInputError", "TraceError", "parse_dtype", "parse_input_size", "parse_inputs", "profile",
           "summarise", "zoo_profile"]
