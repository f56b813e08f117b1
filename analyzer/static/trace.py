"""Trace a forward pass at the level of the operations PyTorch dispatches.

Forward hooks see modules, not the functional operations between them, so a residual `x + y`, a
`torch.cat` or an `F.relu` would be invisible to them. Here a `TorchDispatchMode` sees every ATen
operation that actually runs, and a wrapper around each module's `forward` (set on this model's
module instances only, for the call, and removed afterwards) keeps a stack of module paths so each
operation is attributed to the innermost module that ran it. Nothing global is patched, and the
model is left exactly as it was found.

Wrappers rather than forward hooks: registering two hooks per module and running PyTorch's hooked
call path costs about as much as the recording itself, a plain function on the instance about a
third of that.

On the meta device the common operations get their output shapes from small Python rules instead
of PyTorch's meta kernels, which are several times slower; every other operation runs for real.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from analyzer.errors import TraceError
from analyzer.static import counts
from analyzer.static.records import Graph, ModuleCall, ModuleInfo, OpNode, Value
from analyzer.static.shapes import SHAPE_RULES

_TOO_SMALL = ("too small", "Output size is too small", "non-positive", "negative dimension",
              "size of the input", "smaller than kernel", "output size", "Kernel size can't be greater")


def _tensors(obj: Any) -> list[torch.Tensor]:
    """The tensors in an argument list, nested lists included. Runs for every operation: lists of
    ints (sizes, strides, paddings) are skipped by their first item rather than scanned."""
    if isinstance(obj, torch.Tensor):
        return [obj]
    found: list[torch.Tensor] = []
    if isinstance(obj, (list, tuple)):
        for item in obj:
            if isinstance(item, torch.Tensor):
                found.append(item)
            elif type(item) in (list, tuple) and item and not isinstance(item[0], int):
                found.extend(_tensors(item))
    return found


@functools.cache
def _op_facts(func: Any) -> tuple[str, bool, bool, counts.Formula | None]:
    """Name, whether the result aliases an input, whether in place, and the cost formula of an op."""
    name = func._schema.name.split("::", 1)[-1]
    aliases = name in counts.ALIASING or any(r.alias_info is not None for r in func._schema.returns)
    return name, aliases, aliases and name.endswith("_"), counts.FORMULAS.get(name)


class _Recorder(TorchDispatchMode):
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # Otherwise PyTorch wraps our handler in a dynamo guard whose first call imports
        # torch._dynamo, which takes seconds; tracing never runs under torch.compile, so no guard is needed.
        return False

    def __init__(self, fast_shapes: bool) -> None:
        super().__init__()
        self.fast_shapes = fast_shapes
        self.values: list[Value] = []
        self.ops: list[OpNode] = []
        self.stack: list[str] = []
        self.value_of: dict[int, int] = {}
        self._next_buffer = 0
        # Meta tensors cost nothing to keep alive until the trace ends, which keeps their ids unique;
        # real tensors are instead forgotten when they die (a finalizer per tensor, slower).
        self._alive: list[torch.Tensor] | None = [] if fast_shapes else None

    def add_value(self, tensor: torch.Tensor, kind: str, buffer: int | None = None,
                  shape: tuple[int, ...] | None = None) -> int:
        vid = len(self.values)
        if buffer is None:
            buffer = self._next_buffer
            self._next_buffer += 1
        self.values.append(Value(vid, tuple(tensor.shape) if shape is None else shape, tensor.element_size(),
                                 kind, buffer))
        key = id(tensor)
        if self._alive is not None:
            self._alive.append(tensor)
        elif key not in self.value_of:
            # Forget the tensor when it dies, so a new tensor at the same address is not mistaken for it.
            weakref.finalize(tensor, self.value_of.pop, key, None)
        self.value_of[key] = vid
        return vid

    def __torch_dispatch__(self, func: Any, types: Any, args: Sequence[Any] = (), kwargs: Any = None) -> Any:
        # Runs once per operation of the pass: plain loops and lists, each shape read once.
        kwargs = kwargs or {}
        rule = SHAPE_RULES.get(func) if self.fast_shapes else None
        out = rule(args, kwargs) if rule is not None else func(*args, **kwargs)

        name, aliases, in_place, formula = _op_facts(func)
        inputs = _tensors(args) + (_tensors(list(kwargs.values())) if kwargs else [])
        outputs = _tensors(out)
        values, value_of = self.values, self.value_of
        in_ids = []
        activation_ids = []
        activation_at = []
        for at, t in enumerate(inputs):
            vid = value_of.get(id(t))
            if vid is not None:
                in_ids.append(vid)
                if values[vid].kind != "constant":
                    activation_ids.append(vid)
                    activation_at.append(at)

        kind = "activation" if activation_ids or not inputs else "constant"
        source_buffer = values[activation_ids[0]].buffer if (aliases and activation_ids) else None
        in_shapes = tuple([tuple(t.shape) for t in inputs])
        out_shapes = tuple([tuple(t.shape) for t in outputs])
        out_ids = tuple([self.add_value(t, kind, source_buffer, shape) for t, shape in zip(outputs, out_shapes)])

        cost = (formula(args, counts.OpContext(in_shapes, out_shapes, len(activation_ids), tuple(activation_at),
                                               kwargs))
                if formula is not None else counts.Cost("other"))
        moves = not aliases or in_place
        read = sum([t.numel() * t.element_size() for t in inputs]) if moves and cost.flops else 0
        written = sum([t.numel() * t.element_size() for t in outputs]) if moves else 0
        if cost.op_class == "reshape" and not aliases:
            read = written  # a copy reads what it writes
        self.ops.append(OpNode(
            index=len(self.ops), op=name, op_class=cost.op_class,
            module=self.stack[-1] if self.stack else "",
            inputs=tuple(in_ids), outputs=out_ids,
            macs=cost.macs, flops_by_class=cost.flops, bytes_read=read, bytes_written=written,
            window=cost.window, counted=formula is not None,
        ))
        return out


def modules_in_order(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(path, module) for `model` and every submodule, as `named_modules()` gives them (pre-order,
    each module once, at its first path) but several times faster on deep models: no generators."""
    found: list[tuple[str, nn.Module]] = []
    seen: set[int] = set()
    pending: list[tuple[str, nn.Module]] = [("", model)]
    while pending:
        path, module = pending.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        found.append((path, module))
        children = [(f"{path}.{name}" if path else name, child)
                    for name, child in module._modules.items() if child is not None]
        pending.extend(reversed(children))
    return found


def _module_infos(model: nn.Module) -> tuple[tuple[ModuleInfo, ...], dict[nn.Module, str]]:
    """Each module's own parameters (a parameter shared with an earlier module counts there only)."""
    infos = []
    paths: dict[nn.Module, str] = {}
    seen: set[int] = set()
    for path, module in modules_in_order(model):
        paths[module] = path
        # The registries themselves, not `parameters(recurse=False)`: its generator machinery costs
        # more than the count, and these dicts are what it reads.
        if not module._parameters and not module._buffers:
            infos.append(ModuleInfo(path, type(module).__name__, 0, 0, 0))
            continue
        own = [p for p in module._parameters.values() if p is not None and id(p) not in seen]
        seen.update(id(p) for p in own)
        buffers = [b for b in module._buffers.values() if b is not None]
        infos.append(ModuleInfo(
            path=path,
            type=type(module).__name__,
            params=sum(p.numel() for p in own),
            trainable_params=sum(p.numel() for p in own if p.requires_grad),
            weight_bytes=sum(t.numel() * t.element_size() for t in own + buffers),
        ))
    return tuple(infos), paths


def _shapes(obj: Any) -> tuple[tuple[int, ...], ...]:
    if type(obj) is tuple and len(obj) == 1 and isinstance(obj[0], torch.Tensor):  # most module calls
        return (tuple(obj[0].shape),)
    return tuple([tuple(t.shape) for t in _tensors(obj if not isinstance(obj, dict) else list(obj.values()))])


def _traced_forward(forward: Callable[..., Any], path: str, type_name: str, stack: list[str],
                    calls: list[ModuleCall]) -> Callable[..., Any]:
    """`forward` with the module's path on `stack` while it runs. On an exception the path stays on
    the stack, so the error can name the innermost module that was running."""

    def traced(*args: Any, **kwargs: Any) -> Any:
        stack.append(path)
        output = forward(*args, **kwargs)
        calls.append(ModuleCall(path, type_name, _shapes(args), _shapes(output)))
        stack.pop()
        return output

    return traced


@contextmanager
def _attributed(paths: dict[nn.Module, str], stack: list[str], calls: list[ModuleCall]) -> Iterator[None]:
    """Wrap each module's `forward` on its instance for the duration, then put back what was there
    (usually nothing: the class's method shows through again)."""
    saved = []
    try:
        for module, path in paths.items():
            own = module.__dict__.get("forward", _ABSENT)
            saved.append((module, own))
            module.__dict__["forward"] = _traced_forward(module.forward, path, type(module).__name__, stack, calls)
        yield
    finally:
        for module, own in saved:
            if own is _ABSENT:
                del module.__dict__["forward"]
            else:
                module.__dict__["forward"] = own


_ABSENT = object()


def trace(model: nn.Module, inputs: Sequence[Any], call: Callable[..., Any] | None = None,
          kwargs: dict[str, Any] | None = None) -> Graph:
    """Run `model(*inputs, **kwargs)` once (or `call(...)`, which must run `model`) and return what it
    did. The tensors among the arguments are the graph's inputs; other arguments pass through.

    Raises `TraceError` naming the innermost running module when the forward pass fails.
    """
    kwargs = kwargs or {}
    modules, paths = _module_infos(model)
    tensors = _tensors(list(inputs)) + _tensors(list(kwargs.values()))
    # Without tensor inputs, the model's own tensors say where the pass runs.
    where = tensors or [t for m in paths for t in m._parameters.values() if t is not None][:1]
    fast = all(t.device.type == "meta" for t in where)
    recorder = _Recorder(fast_shapes=fast)
    calls: list[ModuleCall] = []
    stack = recorder.stack
    input_ids = tuple(recorder.add_value(t, "input") for t in tensors)
    try:
        with torch.no_grad(), _attributed(paths, stack, calls), recorder:
            output = (call or model)(*inputs, **kwargs)
    except TraceError:
        raise
    except Exception as exc:  # the user's forward may raise anything; name where it happened
        layer = stack[-1] if stack else ""
        layer_type = next((m.type for m in modules if m.path == layer), type(model).__name__)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        too_small = isinstance(exc, RuntimeError) and any(s in str(exc) for s in _TOO_SMALL)
        raise TraceError(message, layer, layer_type, too_small) from exc
    output_ids = tuple(recorder.value_of[id(t)] for t in _tensors(output if not isinstance(output, dict)
                                                                  else list(output.values()))
                       if id(t) in recorder.value_of)
    return Graph(tuple(recorder.values), tuple(recorder.ops), tuple(calls), modules, input_ids, output_ids)
