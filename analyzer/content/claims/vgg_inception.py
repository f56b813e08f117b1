"""The essay's claims about VGG, Network-in-Network, GoogLeNet, the bottleneck layer and
Inception v2/v3 (2014-2015)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import analyzer
from analyzer.content import ideas
from analyzer.content.claims.verdicts import (
    CORRECTED,
    FAILS,
    HOLDS,
    ROUNDING_TOLERANCE,
    UNCHECKABLE,
    Claim,
    Measurement,
    combined,
    given_or_zoo,
    graded,
    ops_of_class,
)
from analyzer.static.graphwalk import (
    convolutions,
    in_channels,
    in_scope,
    kernel,
    out_channels,
    source,
    top_level_type,
)
from analyzer.static.records import ModelProfile, OpNode

# "Costly to run": at least ten times AlexNet's multiply-accumulates for one image.
COSTLY_FACTOR = 10
# Feature maps at least this wide count as "large" (VGG's first three blocks at a 224 input), and
# they make a network costly when they take at least this share of its MACs ("most of the work").
LARGE_MAP = 56
LARGE_MAP_SHARE = 0.5
# A "tiny" classifier has at most a tenth of the parameters of AlexNet's and VGG-16's.
TINY_HEAD = 0.1
# The worked bottleneck example as the essay rounds it: the direct 3x3 conv, the three layers of the
# bottleneck, their sum, and the factor between the two.
ESSAY_DIRECT_MACS = 589_000
ESSAY_BOTTLENECK_TERMS = (16_000, 36_000, 16_000)
ESSAY_BOTTLENECK_MACS = 70_000
ESSAY_BOTTLENECK_FACTOR = 10


# --- VGG and Network-in-Network ---------------------------------------------------------------------

def vgg_stacks(rows: tuple[Any, ...] | None = None) -> Claim:
    rows = rows if rows is not None else ideas.small_filters(depths=(2, 3)).rows
    same = sum(1 for r in rows if r.alternative.receptive_field == r.reference.receptive_field)
    cheaper = sum(1 for r in rows if r.params_ratio < 1)
    measured = tuple(m for r in rows for m in (
        Measurement(f"field of {len(r.alternative.layers)} stacked 3x3 convs",
                    r.alternative.receptive_field[0], "px"),
        Measurement(f"their parameters against one {r.reference.receptive_field[0]}x"
                    f"{r.reference.receptive_field[1]} conv", float(r.params_ratio), "%")))
    return Claim(
        "vgg-stacks", "VGG", graded(min(same, cheaper), len(rows)), measured,
        {"same": same == len(rows), "cheaper": cheaper == len(rows),
         "ratios": [str(r.params_ratio) for r in rows],
         "fields": [r.alternative.receptive_field[0] for r in rows]}, ("vgg16",))


def _blocks(profile: ModelProfile) -> list[list[OpNode]]:
    """The convolutions between successive pooling layers."""
    blocks: list[list[OpNode]] = [[]]
    for op in profile.graph.ops:
        if op.op_class == "conv":
            blocks[-1].append(op)
        elif op.op_class == "pool":
            blocks.append([])
    return [b for b in blocks if b]


def vgg_e_blocks(profile: ModelProfile | None = None) -> Claim:
    blocks = _blocks(given_or_zoo(profile, "vgg19"))
    counts = [len(b) for b in blocks]
    three = [sum(1 for op in b if kernel(op) == (3, 3)) for b in blocks]
    later = three[2:5]
    return Claim(
        "vgg-e-blocks", "VGG",
        UNCHECKABLE if not blocks else HOLDS if later == [4, 4, 4] and counts[2:5] == later else FAILS,
        (Measurement("convs per block", ", ".join(map(str, counts))),
         Measurement("of which 3x3", ", ".join(map(str, three)))),
        # Four stacked 3x3 convs see 2 * 4 + 1 pixels of the block's input.
        {"counts": counts, "three": three, "later": later, "blocks": len(blocks),
         "window": 2 * later[0] + 1 if later else 0}, ("vgg19",))


def vgg_cost(vgg: ModelProfile | None = None, alexnet: ModelProfile | None = None) -> Claim:
    vgg, alexnet = given_or_zoo(vgg, "vgg16"), given_or_zoo(alexnet, "alexnet")
    graph = vgg.graph
    large = sum(op.macs for op in convolutions(vgg) if graph.values[op.outputs[0]].shape[-1] >= LARGE_MAP)
    share, factor = large / vgg.totals.macs, vgg.totals.macs / alexnet.totals.macs
    return Claim(
        "vgg-cost", "VGG",
        combined(HOLDS if factor >= COSTLY_FACTOR else FAILS, HOLDS if share >= LARGE_MAP_SHARE else FAILS),
        (Measurement("VGG-16 MACs", vgg.totals.macs), Measurement("against AlexNet", factor, "x"),
         Measurement(f"share on maps {LARGE_MAP} px or wider", share, "%")),
        {"factor": factor, "share": share, "costly": factor >= COSTLY_FACTOR,
         "large": share >= LARGE_MAP_SHARE, "map": LARGE_MAP, "costly_factor": COSTLY_FACTOR},
        ("vgg16", "alexnet"))


def nin_cheap_1x1(data: ideas.OneByOne | None = None) -> Claim:
    data = data or ideas.one_by_one()
    layer_share = data.nin_pointwise_layers / data.nin_conv_layers if data.nin_conv_layers else 0
    return Claim(
        "nin-1x1", "Network-in-Network",
        UNCHECKABLE if not data.nin_pointwise_layers else
        HOLDS if data.nin_pointwise_macs_share < layer_share else FAILS,
        (Measurement("1x1 conv cost against a 3x3 with the same channels",
                     float(data.comparison.macs_ratio), "%"),
         Measurement("NiN's 1x1 convs, share of its conv layers", layer_share, "%"),
         Measurement("NiN's 1x1 convs, share of its MACs", data.nin_pointwise_macs_share, "%")),
        {"ratio": str(data.comparison.macs_ratio), "layer_share": layer_share,
         "macs_share": data.nin_pointwise_macs_share}, ("nin",))


def nin_after_each(profile: ModelProfile | None = None) -> Claim:
    """NiN's mlpconv: every spatial convolution is followed by 1x1 convolutions (a small MLP at
    each position) before the next spatial one."""
    convs = convolutions(given_or_zoo(profile, "nin"))
    spatial = [i for i, op in enumerate(convs) if kernel(op) != (1, 1)]
    followed = sum(1 for i in spatial if i + 1 < len(convs) and kernel(convs[i + 1]) == (1, 1))
    return Claim(
        "nin-after-each", "Network-in-Network", graded(followed, len(spatial)),
        (Measurement("convolutions wider than 1x1", len(spatial)),
         Measurement("followed by a 1x1 conv", followed),
         Measurement("1x1 convs", len(convs) - len(spatial))),
        {"spatial": len(spatial), "followed": followed, "pointwise": len(convs) - len(spatial)}, ("nin",))


def nin_gap(nin: ideas.Head | None = None, vgg: ideas.Head | None = None) -> Claim:
    nin, vgg = nin or ideas.head("nin"), vgg or ideas.head("vgg16")
    return Claim(
        "nin-gap", "Network-in-Network", HOLDS if nin.head_params == 0 else FAILS,
        (Measurement("NiN classifier parameters", nin.head_params),
         Measurement("VGG-16 classifier parameters", vgg.head_params)),
        {"params": nin.head_params}, ("nin", "vgg16"))


# --- GoogLeNet and the bottleneck ------------------------------------------------------------------

def _inception_modules(profile: ModelProfile) -> dict[str, list[OpNode]]:
    """The ops of each of GoogLeNet's Inception modules (the model's children of type Inception)."""
    modules: dict[str, list[OpNode]] = {}
    for op in profile.graph.ops:
        if top_level_type(profile, op) == "Inception":
            modules.setdefault(op.module.split(".")[0], []).append(op)
    return modules


def googlenet_branches(profile: ModelProfile | None = None) -> Claim:
    """Each module must hold 1x1, 3x3 and 5x5 convolutions and a pooling branch, concatenated."""
    profile = given_or_zoo(profile, "googlenet")
    modules = _inception_modules(profile)
    complete, missing = 0, Counter()
    for ops in modules.values():
        parts = {f"{k}x{k}" for op in ops if op.op_class == "conv" for k in [kernel(op)[0]]}
        parts |= {"pooling" for op in ops if op.op_class == "pool"}
        lacking = {"1x1", "3x3", "5x5", "pooling"} - parts
        missing.update(lacking)
        complete += not lacking and any(op.op == "cat" for op in ops)
    return Claim(
        "googlenet-branches", "GoogLeNet / Inception", graded(complete, len(modules)),
        (Measurement("inception modules", len(modules)),
         Measurement("with 1x1, 3x3, 5x5 and pooling branches concatenated", complete)),
        {"modules": len(modules), "complete": complete, "missing": sorted(missing)}, ("googlenet",))


def googlenet_reductions(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "googlenet")
    wide = [op for ops in _inception_modules(profile).values() for op in ops
            if op.op_class == "conv" and kernel(op) != (1, 1)]
    reduced = [op for op in wide if (s := source(profile, op)) is not None and s.op_class == "conv"
               and kernel(s) == (1, 1) and out_channels(profile, s) < in_channels(profile, s)]
    return Claim(
        "googlenet-reductions", "GoogLeNet / Inception", graded(len(reduced), len(wide)),
        (Measurement("3x3 and 5x5 convs in inception modules", len(wide)),
         Measurement("reading a narrowing 1x1 conv", len(reduced))),
        {"wide": len(wide), "reduced": len(reduced)}, ("googlenet",))


def googlenet_head(heads: dict[str, ideas.Head] | None = None) -> Claim:
    heads = heads or {name: ideas.head(name) for name in ("googlenet", "alexnet", "vgg16")}
    google = heads["googlenet"]
    tiny = google.head_params <= TINY_HEAD * min(heads["alexnet"].head_params, heads["vgg16"].head_params)
    return Claim(
        "googlenet-head", "GoogLeNet / Inception",
        (CORRECTED if google.head_params else HOLDS) if tiny else FAILS,
        tuple(Measurement(f"{h.display_name} classifier parameters", h.head_params) for h in heads.values()),
        {"tiny": tiny, "params": google.head_params,
         "share": google.head_params / min(heads["alexnet"].head_params, heads["vgg16"].head_params)},
        tuple(heads))


def bottleneck_example(data: ideas.Bottleneck | None = None) -> Claim:
    """The essay's rounded figures, each tested against the exact count it rounds."""
    data = data or ideas.bottleneck()
    terms = tuple(layer.macs_per_position for layer in data.comparison.alternative.layers)
    direct = data.comparison.reference.macs_per_position
    bottleneck = data.comparison.alternative.macs_per_position
    pairs = [("3x3 conv", ESSAY_DIRECT_MACS, direct),
             *((f"bottleneck layer {i + 1}", e, t) for i, (e, t) in enumerate(zip(ESSAY_BOTTLENECK_TERMS, terms))),
             ("bottleneck, all three", ESSAY_BOTTLENECK_MACS, bottleneck),
             ("factor", ESSAY_BOTTLENECK_FACTOR, data.comparison.macs_factor)]
    close = [abs(essay / exact - 1) <= ROUNDING_TOLERANCE for _, essay, exact in pairs]
    return Claim(
        "bottleneck-example", "bottleneck layer", graded(sum(close), len(pairs)),
        tuple(Measurement(f"{label}: the essay's figure, the exact count", f"{essay:,} / {exact:,.4g}"
                          if isinstance(exact, float) else f"{essay:,} / {exact:,}")
              for label, essay, exact in pairs),
        {"channels": data.channels, "reduced": data.reduced, "direct": direct, "bottleneck": bottleneck,
         "terms": terms, "factor": data.comparison.macs_factor, "close": sum(close), "figures": len(pairs),
         "off": [label for (label, _, _), ok in zip(pairs, close) if not ok],
         "essay_direct": ESSAY_DIRECT_MACS, "essay_terms": ESSAY_BOTTLENECK_TERMS,
         "essay_bottleneck": ESSAY_BOTTLENECK_MACS, "essay_factor": ESSAY_BOTTLENECK_FACTOR,
         "tolerance": ROUNDING_TOLERANCE}, ("resnet50",))


# --- Inception v2/v3, ResNet, Inception v4 ----------------------------------------------------------

def inception_bn(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "bn_inception")
    convs = ops_of_class(profile, "conv")
    normalised = {v for op in ops_of_class(profile, "norm") for v in op.inputs}
    followed = sum(1 for op in convs if op.outputs[0] in normalised)
    return Claim(
        "inception-bn", "Inception V2 / V3", graded(followed, len(convs)),
        (Measurement("convolutions", len(convs)), Measurement("whose output is batch-normalised", followed)),
        {"convs": len(convs), "followed": followed}, ("bn_inception",))


def inception_factorize(profile: ModelProfile | None = None) -> Claim:
    convs = convolutions(given_or_zoo(profile, "inception_v3"))
    kernels = Counter(kernel(op) for op in convs)
    asymmetric = sum(n for (h, w), n in kernels.items() if h != w)
    large = sum(n for (h, w), n in kernels.items() if h == w and h > 3)
    keeping = sorted({op.module.split(".")[0] for op in convs if kernel(op)[0] == kernel(op)[1] > 3})
    return Claim(
        "inception-factorize", "Inception V2 / V3",
        UNCHECKABLE if not convs else (HOLDS if not large else CORRECTED) if asymmetric else FAILS,
        (Measurement("1xn and nx1 convs", asymmetric), Measurement("square convs wider than 3x3", large),
         Measurement("receptive field of 1x7 then 7x1",
                     "x".join(map(str, ideas.factorized().rows[2].alternative.receptive_field)))),
        {"asymmetric": asymmetric, "large": large, "keeping": keeping}, ("inception_v3",))


def _grid_rows(profile: ModelProfile) -> list[Any]:
    return [r for r in profile.layers if len(r.output_shape) == 4 and not r.sees_whole_input]


def _reductions(rows: list[Any]) -> list[Any]:
    # A grid reduction halves the map (a valid 3x3 conv that trims a border is not one).
    return [r for r in rows if 2 * r.output_shape[-1] <= r.input_shapes[0][-1]]


def inception_widen(profile: ModelProfile | None = None) -> Claim:
    """Widen before each pooling step: the width entering each grid reduction against the width
    entering the previous one; and widths never shrink along the network."""
    profile = profile if profile is not None else analyzer.profile("inception_v3", depth=1)
    rows = _grid_rows(profile)
    widths = [r.output_shape[1] for r in rows]
    entering = [r.input_shapes[0][1] for r in _reductions(rows)]
    widened = sum(1 for then, now in zip(entering, entering[1:]) if now > then)
    growing = widths == sorted(widths)
    # With fewer than two reductions there is no step to compare, and the claim has nothing to say.
    verdict = (combined(graded(widened, len(entering) - 1), HOLDS if growing else FAILS)
               if len(entering) >= 2 else UNCHECKABLE)
    return Claim(
        "inception-widen", "Inception V2 / V3", verdict,
        (Measurement("widths along the network", ", ".join(map(str, widths))),
         Measurement("width entering each grid reduction", ", ".join(map(str, entering))),
         Measurement("reductions entered wider than the previous one", widened)),
        {"entering": entering, "widened": widened, "steps": max(len(entering) - 1, 0),
         "growing": growing, "shrinks": [(a, b) for a, b in zip(widths, widths[1:]) if b < a]},
        ("inception_v3",))


def inception_grid_reduction(modules: ModelProfile | None = None, ops: ModelProfile | None = None) -> Claim:
    """The modules that reduce the grid (not the stem's bare pools) run a stride-2 convolution and a
    stride-2 pooling in parallel and concatenate them. `modules` is a profile folded to the model's
    children (depth 1), `ops` the same model's full one."""
    depth1 = analyzer.profile("inception_v3", depth=1) if modules is None else modules
    full = given_or_zoo(ops if ops is not None else modules, "inception_v3")
    reducing, parallel = [], 0
    for row in _reductions(_grid_rows(depth1)):
        inside = [op for op in full.graph.ops if in_scope(op, row.name)]
        if any(op.op == "cat" for op in inside):
            reducing.append(row.name)
            strided = {op.op_class for op in inside if op.window is not None and op.window.stride[0] > 1}
            parallel += {"conv", "pool"} <= strided
    return Claim(
        "inception-grid-reduction", "Inception V2 / V3", graded(parallel, len(reducing)),
        (Measurement("inception modules that reduce the grid", len(reducing)),
         Measurement("with a strided conv and a strided pool in parallel", parallel)),
        {"modules": reducing, "parallel": parallel}, ("inception_v3",))

