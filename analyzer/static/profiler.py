"""Build a `ModelProfile` from a traced graph: per-layer rows, totals, peak memory, receptive fields."""

from __future__ import annotations

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
from analyzer.static import receptive
from analyzer.static.records import DEVICES, OP_CLASSES, Graph, LayerProfile, ModelProfile, Totals
from analyzer.static.trace import modules_in_order, trace

Shape = tuple[int, ...]


def parse_input_size(text: str) -> tuple[Shape, ...]:
    """'3,224,224' -> ((3, 224, 224),); '3,32,32;1,10' or '3,32,32 1,10' -> two inputs."""
    shapes = []
    for part in text.replace(";", " ").split():
        try:
            dims = tuple(int(d) for d in part.strip("()[]").split(","))
        except ValueError:
            raise ProfileInputError(
                f"malformed input size {text!r}: expected positive integers like 3,224,224") from None
        shapes.append(dims)
    if not shapes:
        raise ProfileInputError("empty input size: expected positive integers like 3,224,224")
    check_shapes(shapes)
    return tuple(shapes)


def check_shapes(shapes: Sequence[Sequence[int]]) -> None:
    for shape in shapes:
        if not shape or any(int(d) < 1 for d in shape):
            raise ProfileInputError(
                f"input size {','.join(map(str, shape))} must be positive integers, like 3,224,224")


def resolve(model_or_name: Any, input_size: Any, device: str,
            options: dict[str, Any] | None = None) -> tuple[nn.Module, str, tuple[Shape, ...]]:
    """The module to profile, its display name and its per-sample input shapes."""
    if isinstance(model_or_name, str):
        spec = registry.spec(model_or_name)
        from analyzer import build

        model = build(model_or_name, device=device, **(options or {}))
        name = model_or_name
        default: tuple[Shape, ...] = (spec.input_shape,)
    elif isinstance(model_or_name, nn.Module):
        model, name, default = model_or_name, type(model_or_name).__name__, ()
    else:
        raise ProfileInputError(f"cannot profile a {type(model_or_name).__name__}: give a model name or an nn.Module")
    if input_size is None:
        if not default:
            raise ProfileInputError(
                f"{name} is not in the zoo, so it needs an input size such as --input-size 3,224,224")
        shapes = default
    elif isinstance(input_size, str):
        shapes = parse_input_size(input_size)
    else:
        shapes = (tuple(input_size),) if isinstance(input_size[0], int) else tuple(tuple(s) for s in input_size)
        check_shapes(shapes)
    return model, name, shapes


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

    def __call__(self, *args: Any) -> Any:
        return torch.func.functional_call(self.model, self.tensors, args)


def profile(model_or_name: Any, input_size: Any = None, batch_size: int = 1, device: str = "meta",
            depth: int | None = None, dtype: torch.dtype = torch.float32,
            options: dict[str, Any] | None = None) -> ModelProfile:
    """Trace one forward pass and count it, layer by layer.

    `model_or_name` is a zoo name or any `nn.Module`; `input_size` is one per-sample shape (C, H, W)
    or several; `depth` folds modules deeper than it into their ancestor at that depth.
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
        model, name, shapes = resolve(model_or_name, input_size, device, options)
        inputs = [torch.zeros((batch_size, *s), dtype=dtype, device=device) for s in shapes]
        with _inference_on(model, device) as runnable:
            graph = trace(model, inputs, call=runnable)
        dtype_name = str(dtype).replace("torch.", "")
        return summarise(graph, name, tuple((batch_size, *s) for s in shapes), device, dtype_name, depth)


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
              depth: int | None = None) -> ModelProfile:
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
                        final.receptive_field if final else None, final.name if final else None, graph)


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


__all__ = ["ProfileInputError", "TraceError", "parse_input_size", "profile", "summarise", "zoo_profile"]
