"""The network-level ideas after 2017: the shuffle's memory traffic, search, scaling rules, design spaces.

These ideas are about where a whole network spends its budget, so most are read off the zoo's
profiles: per stage for the searched networks, per variant for EfficientNet's scaling, per block for
RegNet's width rule. The shuffle units and the scaled EfficientNets are built here on the meta device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import analyzer
from analyzer.archs import efficientnet, regnet
from analyzer.archs.shufflenet import ShuffleUnitV1, ShuffleUnitV2
from analyzer.static.profiler import zoo_profile
from analyzer.static.records import ModelProfile

# --- the channel shuffle and the split block --------------------------------------------------------


@dataclass(frozen=True)
class UnitCost:
    name: str
    params: int
    macs: int
    activation_bytes: int  # bytes of the tensors the unit writes
    weight_bytes: int
    bytes_moved: int  # every read and write of its operations
    shuffle_macs: int
    shuffle_bytes_moved: int  # the channel shuffle's reshape, transpose and copy


@dataclass(frozen=True)
class ChannelShuffle:
    channels: int
    size: int
    groups: int
    v1: UnitCost  # ShuffleNet v1's grouped unit
    v2: UnitCost  # ShuffleNet V2's split unit


def _unit(name: str, module, input_size: tuple[int, int, int]) -> UnitCost:
    profile = analyzer.profile(module.to("meta"), input_size=input_size)
    assert profile.graph is not None
    shuffle = [op for op in profile.graph.ops if op.op_class == "reshape"]
    t = profile.totals
    return UnitCost(name, t.params, t.macs, t.activation_bytes, t.weight_bytes, t.bytes_moved,
                    sum(op.macs for op in shuffle), sum(op.bytes_read + op.bytes_written for op in shuffle))


def channel_shuffle(channels: int = 240, size: int = 28, groups: int = 3) -> ChannelShuffle:
    shape = (channels, size, size)
    v1 = _unit("ShuffleNet v1 unit", ShuffleUnitV1(channels, channels, groups, 1), shape)
    v2 = _unit("ShuffleNet V2 unit", ShuffleUnitV2(channels, channels, 1), shape)
    return ChannelShuffle(channels, size, groups, v1, v2)


# --- search under a latency budget ------------------------------------------------------------------

@dataclass(frozen=True)
class StageShare:
    """A run of consecutive blocks at one output resolution (the classifier is a run of its own)."""

    first: str
    last: str
    blocks: int
    resolution: int  # output height and width; 1 for the classifier
    channels: int  # output channels of the run's last block
    params: int
    macs: int
    macs_share: float
    params_share: float


@dataclass(frozen=True)
class SearchedNetwork:
    model: str
    display_name: str
    params: int
    macs: int
    stages: tuple[StageShare, ...]


SEARCHED = ("mnasnet_a1", "mobilenet_v3_large", "efficientnet_b0")


def stage_shares(profile: ModelProfile, model: str) -> SearchedNetwork:
    """The model's cost per resolution, over its second-level modules (`features.stage3`) in order."""
    blocks: dict[str, list] = {}
    for row in profile.layers:
        if "." in row.name:
            blocks.setdefault(".".join(row.name.split(".")[:2]), []).append(row)
    runs: list[list[tuple[str, list]]] = []
    for name, rows in blocks.items():
        if runs and _resolution(_block_output(*runs[-1][-1])) == _resolution(_block_output(name, rows)):
            runs[-1].append((name, rows))
        else:
            runs.append([(name, rows)])
    t = profile.totals
    stages = []
    for run in runs:
        rows = [r for _, block in run for r in block]
        params, macs = sum(r.params for r in rows), sum(r.macs for r in rows)
        shape = _block_output(*run[-1])
        stages.append(StageShare(run[0][0], run[-1][0], len(run), _resolution(shape), shape[1],
                                 params, macs, macs / t.macs, params / t.params))
    return SearchedNetwork(model, analyzer.spec(model).display_name, t.params, t.macs, tuple(stages))


def _resolution(shape: tuple[int, ...]) -> int:
    return shape[-1] if len(shape) == 4 else 1


def _block_output(name: str, rows: list) -> tuple[int, ...]:
    """The block's output shape: its own row's where it has one (a container), else its last layer's."""
    own = [r for r in rows if r.name == name]
    return tuple((own or rows)[-1].output_shape)


def search() -> tuple[SearchedNetwork, ...]:
    return tuple(stage_shares(zoo_profile(m), m) for m in SEARCHED)


# --- compound scaling -------------------------------------------------------------------------------

# The paper's grid-searched coefficients (Tan and Le 2019, Section 3.3): depth alpha, width beta,
# resolution gamma, chosen so that alpha * beta^2 * gamma^2 is about 2 (FLOPs double per unit of phi).
ALPHA, BETA, GAMMA = 1.2, 1.1, 1.15


@dataclass(frozen=True)
class ScaledRow:
    label: str
    width: float
    depth: float
    resolution: int
    blocks: int
    params: int
    macs: int
    macs_factor: float  # against B0


@dataclass(frozen=True)
class CompoundScaling:
    alpha: float
    beta: float
    gamma: float
    # B0, then each dimension alone to about twice B0's MACs, then phi = 1 by the paper's rule.
    built: tuple[ScaledRow, ...]
    # B0..B7 as registered, at their own resolutions.
    zoo: tuple[ScaledRow, ...]


def _scaled(label: str, width: float, depth: float, resolution: int, base_macs: int | None) -> ScaledRow:
    net = efficientnet.EfficientNet(width, depth).to("meta")
    t = analyzer.profile(net, input_size=(3, resolution, resolution)).totals
    blocks = sum(s.repeats for s in efficientnet.scaled_stages(width, depth))
    return ScaledRow(label, width, depth, resolution, blocks, t.params, t.macs, t.macs / (base_macs or t.macs))


def compound_scaling() -> CompoundScaling:
    b0 = _scaled("B0", 1.0, 1.0, 224, None)
    root2 = math.sqrt(2)
    built = (b0, _scaled("depth only", 1.0, 2.0, 224, b0.macs),
             _scaled("width only", root2, 1.0, 224, b0.macs),
             _scaled("resolution only", 1.0, 1.0, round(224 * root2), b0.macs),
             _scaled("compound, phi = 1", BETA, ALPHA, round(224 * GAMMA), b0.macs))
    zoo = []
    for v in efficientnet.VARIANTS.values():
        t = zoo_profile(f"efficientnet_{v.name}").totals
        zoo.append(ScaledRow(v.name.upper(), v.width, v.depth, v.resolution,
                             sum(s.repeats for s in efficientnet.scaled_stages(v.width, v.depth)),
                             t.params, t.macs, t.macs / b0.macs))
    return CompoundScaling(ALPHA, BETA, GAMMA, built, tuple(zoo))


# --- design spaces ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class WidthRow:
    block: int
    linear: float  # u_j = w0 + wa * j
    step: int  # s_j = round(log(u_j / w0) / log(wm))
    unrounded: float  # w0 * wm^s_j
    width: int  # to a multiple of 8


@dataclass(frozen=True)
class DesignSpace:
    model: str
    depth: int
    w0: int
    wa: float
    wm: float
    group_width: int
    quantum: int
    rows: tuple[WidthRow, ...]
    stages: tuple[tuple[int, int, int], ...]  # (width, blocks, groups) after the group-width rounding
    stage_macs: tuple[int, ...]  # measured in the zoo model, per stage s1..s4


def design_space(model: str = "regnetx_400mf", p: regnet.DesignParams = regnet.X_400MF) -> DesignSpace:
    rows = []
    for j, width in enumerate(regnet.block_widths(p)):
        linear = p.w0 + p.wa * j
        step = round(math.log(linear / p.w0) / math.log(p.wm))
        rows.append(WidthRow(j, linear, step, p.w0 * p.wm ** step, width))
    profile = zoo_profile(model)
    stages = tuple((s.width, s.depth, s.groups) for s in regnet.stages(p))
    macs = tuple(sum(r.macs for r in profile.layers if r.name.startswith(f"s{i}.")) for i in range(1, len(stages) + 1))
    return DesignSpace(model, p.depth, p.w0, p.wa, p.wm, p.group_width, regnet.QUANTUM, tuple(rows), stages, macs)
