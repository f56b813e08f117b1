"""Receptive fields on the traced graph, per axis, through branches and merges.

Each tensor gets, per spatial axis, the size of the input patch one of its units sees, the effective
stride between neighbouring units, and the effective padding: unit i sees input pixels
[i*stride - padding, i*stride - padding + size - 1] (Araujo, Norris and Sim, Distill 2019).

Walking the graph rather than the call order is what makes branching networks come out right: a
merge (a residual add, an Inception concatenation) keeps the largest field of its inputs and checks
that they are aligned (same stride, same centre); a misaligned merge is reported, not hidden.
Transposed convolutions and unpooling have fractional strides, kept exactly as fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import ceil

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
        # "upsample": output o copies input floor(o / factor).
        return Axis(self.size, Fraction(self.stride, s), self.padding)


Field = tuple[Axis, Axis]
# Markers for tensors that are not spatial maps: GLOBAL sees the whole input (global pooling, fully
# connected); FLAT is a flattened map whose next mixing layer will see everything; UNKNOWN comes
# from an operation the analyzer has no formula for.
GLOBAL, FLAT, UNKNOWN = "global", "flat", "unknown"
State = Field | str | None


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
    return tuple(max((f[axis] for f in spatial), key=lambda x: x.size) for axis in (0, 1))  # type: ignore[return-value]


def propagate(graph: Graph) -> tuple[dict[int, State], dict[int, str]]:
    """Field of every value in the graph, and the misaligned merges found on the way."""
    one = Axis(1, 1, 0)
    state: dict[int, State] = {vid: (one, one) for vid in graph.inputs}
    problems: dict[int, str] = {}
    for op in graph.ops:
        fields = [state.get(v) for v in op.inputs]
        merged = _merge(fields, op, problems)
        window = op.window
        if merged is None:
            out: State = None
        elif not op.counted or window is None:
            out = UNKNOWN
        elif window.kind in ("pointwise", "merge"):
            out = merged
        elif window.kind == "global":
            out = GLOBAL if merged != UNKNOWN else UNKNOWN
        elif window.kind == "flatten":
            out = FLAT if isinstance(merged, tuple) else merged
        elif isinstance(merged, tuple):
            out = (merged[0].through(window, 0), merged[1].through(window, 1))
        else:
            out = merged
        for vid in op.outputs:
            state[vid] = out
    return state, problems


def as_record(state: State, problem: str | None = None) -> ReceptiveField | None:
    if not isinstance(state, tuple):
        return None
    return ReceptiveField(
        size=(ceil(state[0].size), ceil(state[1].size)),
        stride=(_number(state[0].stride), _number(state[1].stride)),
        padding=(_number(state[0].padding), _number(state[1].padding)),
        misaligned=problem,
    )


def _number(x: int | Fraction) -> float:
    return int(x) if x.denominator == 1 else float(x)
