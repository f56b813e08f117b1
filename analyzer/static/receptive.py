"""Receptive fields on the traced graph, per axis, through branches and merges.

Each tensor gets, per spatial axis, the size of the input patch one of its units sees, the effective
stride between neighbouring units, and the effective padding: unit i sees input pixels
[i*stride - padding, i*stride - padding + size - 1] (Araujo, Norris and Sim, Distill 2019).

Walking the graph rather than the call order is what makes branching networks come out right: a
merge (a residual add, an Inception concatenation) keeps the largest field of its inputs and checks
that they are aligned (same stride, same centre); a misaligned merge is reported, not hidden.
Transposed convolutions and unpooling have fractional strides, kept exactly as fractions.

The two spatial axes are the last two dims of an NCHW map until an operation moves them: a permute
to NHWC (ConvNeXt's layer norm and pointwise linear layers), a view that folds them into rows (a
linear layer on a 4-D tensor) or into tokens (a ViT's patch sequence). Each axis is then tracked as
(dim, inner, size): `size` positions along tensor dim `dim`, `inner` elements of that dim apart, which
a reshape maps by place value in row-major order. An operation that mixes along some dims (a linear
layer, a layer norm, a softmax) leaves the field alone unless a spatial axis is among them; one that
mixes positions (attention, a matrix product of two activations) sees the whole input.

A channel gate (squeeze-and-excitation: x * sigmoid(fc(avgpool(x))), a (N, C, 1, 1) operand computed
through global pooling and broadcast over the map) modulates channels without widening the field of
the convolution path, as the literature counts it: the product keeps the field of x, and the record
notes where the network first drew on global context (`global_context_from`). Attention and global
pooling that feed the map itself stay global.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil, prod

from analyzer.static.records import Graph, OpNode, ReceptiveField, Window


@dataclass(frozen=True)
class Axis:
    # Integers until an upsampling makes them fractions (plain ints keep the common case fast).
    size: int | Fraction
    stride: int | Fraction
    padding: int | Fraction

    @property
    def centre(self) -> Fraction:
        # Input coordinate of the centre of unit 0's field; aligned branches agree on it.
        return Fraction(self.size - 1, 2) - self.padding

    def through(self, window: Window, i: int) -> Axis:
        k, s, p, d = window.kernel[i], window.stride[i], window.padding[i], window.dilation[i]
        extent = d * (k - 1) + 1
        if window.kind == "window":
            return Axis(self.size + (extent - 1) * self.stride, self.stride * s, self.padding + p * self.stride)
        if window.kind == "transposed":
            # Output o of a transposed convolution reads inputs (o + p - t*d) / s for taps t: in the
            # input's units a kernel (extent-1)/s + 1 wide, with stride 1/s.
            k_in = Fraction(extent - 1, s) + 1
            return Axis(self.size + (k_in - 1) * self.stride, Fraction(self.stride, s),
                        self.padding + Fraction(extent - 1 - p, s) * self.stride)
        if window.kind == "interpolate":
            # Output o samples input (o + 1/2) / s - 1/2 from k taps around it (align_corners=False).
            return Axis(self.size + (k - 1) * self.stride, Fraction(self.stride, s),
                        self.padding + (Fraction(k, 2) - Fraction(1, 2 * s)) * self.stride)
        # "upsample": output o copies input floor(o / factor).
        return Axis(self.size, Fraction(self.stride, s), self.padding)


# Where a spatial axis lives in a tensor: (dim, inner, size), see the module's docstring.
Place = tuple[int, int, int]
# (height, width), with their places as a third item only when they are not the last two dims.
Field = tuple[Axis, Axis] | tuple[Axis, Axis, tuple[Place, Place]]
# Markers for tensors that are not spatial maps: GLOBAL sees the whole input (global pooling, fully
# connected); FLAT is a flattened map whose next mixing layer will see everything; UNKNOWN comes
# from an operation the analyzer has no formula for.
GLOBAL, FLAT, UNKNOWN = "global", "flat", "unknown"
State = Field | str | None
_SPATIAL_WINDOWS = frozenset({"window", "transposed", "upsample", "interpolate"})


def _places(field: Field, shape: tuple[int, ...]) -> tuple[Place, Place]:
    if len(field) == 3:
        return field[2]  # type: ignore[misc]
    r = len(shape)
    return ((r - 2, 1, shape[-2]), (r - 1, 1, shape[-1]))


def _placed(field: Field, places: tuple[Place, Place] | None, shape: tuple[int, ...]) -> State:
    """`field` with its axes at `places` in a tensor of `shape` (FLAT where they were lost)."""
    if places is None:
        return FLAT
    (dh, ih, sh), (dw, iw, sw) = places
    r = len(shape)
    if dh == r - 2 and dw == r - 1 and ih == 1 and iw == 1 and sh == shape[-2] and sw == shape[-1]:
        return (field[0], field[1])
    return (field[0], field[1], places)


def _reshaped(places: tuple[Place, Place], src: tuple[int, ...], out: tuple[int, ...],
              batch: int) -> tuple[Place, Place] | None:
    """The axes' places after a reshape from `src` to `out` (same number of elements): by place value,
    the innermost output dim that holds each axis whole. None when an axis is split across dims, or
    when a dim holds anything besides the map's positions and the batch: a map flattened with its
    channels into one vector has lost its geometry (its next linear layer sees everything)."""
    found: list[Place] = []
    for dim, inner, size in places:
        place = inner * prod(src[dim + 1:])
        suffix = 1
        for j in range(len(out) - 1, -1, -1):
            span = suffix * out[j]
            if place % suffix == 0 and span % (place * size) == 0:
                found.append((j, place // suffix, size))
                break
            suffix = span
        else:
            return None
    for j in {d for d, _, _ in found}:
        axes = sorted((i, n) for d, i, n in found if d == j)
        inner = 1
        for i, n in axes:  # innermost first: each axis directly outside the previous one
            if i != inner:
                return None
            inner *= n
        if out[j] // inner not in (1, batch):
            return None
    return found[0], found[1]


def _moved(field: Field, window: Window, src: tuple[int, ...], out: tuple[int, ...], batch: int) -> State:
    """A field through the operations that move or mix dims rather than slide a window."""
    kind = window.kind
    if kind == "reshape" and len(field) == 2 and len(src) >= 3 and len(out) >= 3 and src[-2:] == out[-2:]:
        return field  # the common case: channels regrouped, the map untouched
    places = _places(field, src)
    if kind == "reshape":
        if prod(src) == prod(out):
            return _placed(field, _reshaped(places, src, out, batch), out)
        return _placed(field, places if len(src) == len(out) else None, out)
    if kind == "permute":
        order = window.dims
        return _placed(field, tuple((order.index(d), i, n) for d, i, n in places), out)  # type: ignore[arg-type]
    if kind == "reduce":
        hit = sum(1 for d, _, _ in places if d in window.dims)
        if hit:
            return GLOBAL if hit == 2 or places[0][0] == places[1][0] else FLAT
        return _placed(field, tuple((d - sum(1 for r in window.dims if r < d), i, n)  # type: ignore[arg-type]
                                    for d, i, n in places), out)
    # "mix", and element-wise operations that broadcast to a higher rank: dims aligned from the right.
    shift = len(out) - len(src)
    moved = tuple((d + shift, i, n) for d, i, n in places)
    if kind == "mix" and any(d in window.dims for d, _, _ in moved):
        return GLOBAL
    return _placed(field, moved, out)  # type: ignore[arg-type]


def _merge(fields: list[State], op: OpNode, problems: dict[int, str]) -> State:
    present = [f for f in fields if f is not None]
    if len(present) < 2:  # most operations: one input with a field, nothing to merge
        return present[0] if present else None
    for marker in (UNKNOWN, GLOBAL, FLAT):
        if marker in present:
            return marker
    spatial = [f for f in present if isinstance(f, tuple)]
    first = spatial[0]
    for other in spatial[1:]:
        for axis in (0, 1):
            a, b = first[axis], other[axis]
            # Twice the centre, size - 1 - 2 * padding, compared without building Fractions.
            if a.stride != b.stride or a.size - 2 * a.padding != b.size - 2 * b.padding:
                problems[op.index] = (f"{op.op} in {op.module or 'the model'}: branches differ in stride "
                                      f"({a.stride} vs {b.stride}) or centre ({a.centre} vs {b.centre})")
    widest = tuple(max((f[axis] for f in spatial), key=lambda x: x.size) for axis in (0, 1))
    return widest + first[2:]  # type: ignore[return-value]


_PRODUCTS = frozenset({"mul", "mul_"})


def _channel_gate(op: OpNode, fields: list[State], graph: Graph) -> int | None:
    """Position among `op.inputs` of a per-channel gate that multiplies a map, if `op` is such a product:
    the operand saw the whole input and is 1x1 over space, the other operand is a map with a field."""
    if op.op not in _PRODUCTS or len(op.inputs) != 2 or not any(isinstance(f, tuple) for f in fields):
        return None
    for at, f in enumerate(fields):
        shape = graph.values[op.inputs[at]].shape
        if f == GLOBAL and len(shape) >= 3 and shape[-2:] == (1, 1):
            return at
    return None


@dataclass
class Propagation:
    """What `propagate` finds: every value's field, the misaligned merges (by operation index), and
    for values downstream of a channel gate the module of the first gate on their path."""

    state: dict[int, State]
    problems: dict[int, str]
    global_context: dict[int, str]


def propagate(graph: Graph) -> Propagation:
    """Field of every value in the graph, the misaligned merges and the channel gates found on the way."""
    one = Axis(1, 1, 0)
    values = graph.values
    state: dict[int, State] = {vid: (one, one) if len(values[vid].shape) >= 2 else FLAT for vid in graph.inputs}
    batch = values[graph.inputs[0]].shape[0] if graph.inputs and values[graph.inputs[0]].shape else 1
    problems: dict[int, str] = {}
    context: dict[int, str] = {}
    for op in graph.ops:
        fields = [state.get(v) for v in op.inputs]
        entered = next((context[v] for v in op.inputs if v in context), None)
        gate = _channel_gate(op, fields, graph)
        if gate is not None:
            fields[gate] = None
            entered = entered or op.module or "the model"
        if entered is not None:
            for vid in op.outputs:
                context[vid] = entered
        merged = _merge(fields, op, problems)
        window = op.window
        kind = window.kind if window is not None else ""
        if merged is None:
            out: State = None
        elif not op.counted or window is None:
            out = UNKNOWN
        elif kind == "global":
            out = GLOBAL if merged != UNKNOWN else UNKNOWN
        elif kind == "flatten":
            out = FLAT if isinstance(merged, tuple) else merged
        elif not isinstance(merged, tuple):
            out = GLOBAL if kind in ("mix", "reduce") and merged == FLAT else merged
        elif kind in _SPATIAL_WINDOWS:
            out = FLAT if len(merged) == 3 else (merged[0].through(window, 0), merged[1].through(window, 1))
        elif kind in ("pointwise", "merge") and len(merged) == 2:
            out = merged
        else:
            # Dims move or mix: follow the axes from the input they came from to each output.
            src = values[next(v for v, f in zip(op.inputs, fields) if isinstance(f, tuple))].shape
            if kind == "merge":
                places = _places(merged, src)
                for vid in op.outputs:
                    shape = values[vid].shape
                    kept = len(shape) == len(src) and all(shape[d] == src[d] for d, _, _ in places)
                    state[vid] = merged if kept else FLAT
                continue
            for vid in op.outputs:
                state[vid] = _moved(merged, window, src, values[vid].shape, batch)
            continue
        for vid in op.outputs:
            state[vid] = out
    return Propagation(state, problems, context)


def as_record(state: State, problem: str | None = None, global_context_from: str | None = None
              ) -> ReceptiveField | None:
    if not isinstance(state, tuple):
        return None
    return ReceptiveField(
        size=(ceil(state[0].size), ceil(state[1].size)),
        stride=(_number(state[0].stride), _number(state[1].stride)),
        padding=(_number(state[0].padding), _number(state[1].padding)),
        misaligned=problem,
        global_context_from=global_context_from,
    )


def _number(x: int | Fraction) -> float:
    return int(x) if x.denominator == 1 else float(x)
