"""The claims of Eugenio Culurciello's "Neural Network Architectures" (2017), each checked against
what the analyzer measures.

A check measures, decides a verdict from the measurement with the thresholds written out below as
named constants, and returns a `Claim`: the verdict, the measured values (a table) and the facts its
sentences quote, all plain data. The sentences themselves, one text per outcome, are in
templates/claims/<slug>.md.jinja. Each check takes what it measures as arguments (a profile, a spec,
runtime results), defaulting to the zoo's, so that a test can hand it a small module on either side
of its threshold. A check that finds nothing to measure says "cannot be checked here", never "holds".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

from torch import nn

import analyzer
from analyzer.archs.resnet import BasicBlock, make_stage
from analyzer.bench.machine import machine_label, precision
from analyzer.content import ideas
from analyzer.registry import ArchSpec
from analyzer.static.graphwalk import (
    PathStats,
    arithmetic_ops,
    convolutions,
    groups,
    in_channels,
    in_scope,
    is_depthwise,
    kernel,
    out_channels,
    path_stats,
    source,
    top_level_type,
)
from analyzer.static.profiler import zoo_profile
from analyzer.static.records import ModelProfile, OpNode

HOLDS, CORRECTED, FAILS, UNCHECKABLE = VERDICTS = (
    "holds", "holds with a correction", "does not hold", "cannot be checked here")

# A claim about many cases (every module, every convolution) holds when all pass, holds with a
# correction when more than this share pass, and does not hold otherwise.
MAJORITY = 0.5
# A rounded figure in the essay holds when the exact one is within 10% of it.
ROUNDING_TOLERANCE = 0.10
# "Costly to run": at least ten times AlexNet's multiply-accumulates for one image.
COSTLY_FACTOR = 10
# Feature maps at least this wide count as "large" (VGG's first three blocks at a 224 input), and
# they make a network costly when they take at least this share of its MACs ("most of the work").
LARGE_MAP = 56
LARGE_MAP_SHARE = 0.5
# A "tiny" classifier has at most a tenth of the parameters of AlexNet's and VGG-16's.
TINY_HEAD = 0.1
# "Small by design": at least ten times fewer parameters than AlexNet, whose accuracy it matches.
SMALL_FACTOR = 10
# "Very few parameters": under a million, fewer than any ImageNet classifier of 2016 in the zoo.
FEW_PARAMS = 1_000_000
# A parameter cut worth the name: the separable blocks need at most half of what full convs need.
MEANINGFUL_CUT = 0.5
# A measured latency ratio agrees with one the essay printed when it is within this factor of it.
RATIO_BAND = 2
# A multi-layer perceptron has at least two fully connected layers.
MLP_LAYERS = 2

# Figures the essay states (quoted, not measured).
ESSAY_LENET_YEAR = 1994
ESSAY_CIRESAN_LAYERS = 9
ESSAY_ALEXNET_KERNELS = (9, 11)
# The worked bottleneck example as the essay rounds it: the direct 3x3 conv, the three layers of the
# bottleneck, their sum, and the factor between the two.
ESSAY_DIRECT_MACS = 589_000
ESSAY_BOTTLENECK_TERMS = (16_000, 36_000, 16_000)
ESSAY_BOTTLENECK_MACS = 70_000
ESSAY_BOTTLENECK_FACTOR = 10
ESSAY_ENET_FP16_MB = 0.7
ESSAY_XCEPTION_LAYERS = 36
RESNET_DEEP, RESNET_DEEPEST = 100, 1000
# Batch-1 inference on a Titan Xp, in seconds, as the essay printed them.
ESSAY_TITAN_XP_S = {"resnet18": 0.002871, "alexnet": 0.001003, "vgg16": 0.001698,
                    "squeezenet1_0": 0.002725, "mobilenet_v1": 0.033251}
# ResNet-1202 on CIFAR-10: He et al. 2015, Section 4.2 and Table 6 (n = 200, 19.4 M parameters).
RESNET_1202_BLOCKS = 200
RESNET_1202_PUBLISHED_PARAMS = 19.4e6


@dataclass(frozen=True)
class Measurement:
    label: str
    value: int | float | str
    # "" (a count), "x" (a factor), "%" (a fraction shown as a percentage), "ms", "MB", "px", "year".
    unit: str = ""


@dataclass(frozen=True)
class Claim:
    """One statement of the essay, checked. Its sentences are rendered from `text` (a template
    under templates/, with a `statement(c)` and an `explanation(c)` macro) out of the verdict and
    the `facts`; `measured` is the table shown beside them."""

    slug: str
    section: str
    verdict: str
    measured: tuple[Measurement, ...] = ()
    facts: dict[str, Any] = field(default_factory=dict)
    models: tuple[str, ...] = ()
    # The template's name under templates/claims/, when several claims share one (the dates).
    template: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"{self.slug}: verdict {self.verdict!r} is not one of {VERDICTS}")

    @property
    def text(self) -> str:
        return f"claims/{self.template or self.slug}.md.jinja"


def graded(passed: int, total: int) -> str:
    """The majority rule: every case passes, holds; more than MAJORITY of them, holds with a
    correction; fewer, does not hold; no case at all, cannot be checked."""
    if not total:
        return UNCHECKABLE
    return HOLDS if passed == total else CORRECTED if passed > MAJORITY * total else FAILS


def combined(*verdicts: str) -> str:
    """Parts of one statement: all hold, holds; some hold or hold with a correction, holds with a
    correction; none, does not hold. A part that could not be checked leaves the others to decide."""
    checked = [v for v in verdicts if v != UNCHECKABLE]
    if not checked:
        return UNCHECKABLE
    if all(v == HOLDS for v in checked):
        return HOLDS
    return FAILS if all(v == FAILS for v in checked) else CORRECTED


def _profile(profile: ModelProfile | None, name: str) -> ModelProfile:
    return profile if profile is not None else zoo_profile(name)


def _ops(profile: ModelProfile, op_class: str) -> list[OpNode]:
    assert profile.graph is not None
    return [op for op in profile.graph.ops if op.op_class == op_class]


def _window(op: OpNode) -> str:
    assert op.window is not None
    (kh, kw), stride = op.window.kernel, op.window.stride[0]
    return f"{kh}x{kw} stride {stride}"


def _spatial(shape: tuple[int, ...]) -> int:
    """The width of a map, 1 for a flat vector."""
    return shape[-1] if len(shape) == 4 else 1


# --- the essay's dates ------------------------------------------------------------------------------

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def paper_month(spec: ArchSpec) -> int | None:
    """The month an arXiv paper was first posted (its id is YYMM.NNNNN); None for a DOI."""
    kind, ident = spec.paper.split(":", 1)
    return int(ident[2:4]) if kind == "arXiv" else None


def essay_date(slug: str, section: str, subject: str, model: str, year: int, month: int | None = None,
               spec: ArchSpec | None = None) -> Claim:
    """The essay dates `subject` (the paper of zoo model `model`) to `month` of `year`; the registry
    has the paper's year and arXiv id."""
    spec = spec or analyzer.spec(model)
    found = paper_month(spec)
    if spec.year != year:
        verdict = CORRECTED if month is None or found is None else FAILS
    elif month is None or found is None:
        verdict = HOLDS if month is None else UNCHECKABLE
    else:
        verdict = HOLDS if found == month else CORRECTED
    measured = [Measurement("year in the registry", spec.year, "year")]
    if found is not None:
        measured.append(Measurement(f"month of first posting ({spec.paper})", MONTHS[found - 1]))
    return Claim(slug, section, verdict, tuple(measured),
                 {"name": subject, "year": year, "month": MONTHS[month - 1] if month else "",
                  "found_year": spec.year, "found_month": MONTHS[found - 1] if found else "",
                  "paper": spec.paper},
                 (model,), template="date")


def dates() -> list[Claim]:
    return [
        essay_date("lenet-year", "LeNet5", "LeNet-5", "lenet5", ESSAY_LENET_YEAR),
        essay_date("overfeat-date", "OverFeat", "OverFeat", "overfeat_fast", 2013, 12),
        essay_date("bn-inception-date", "Inception V2 / V3", "BN-Inception", "bn_inception", 2015, 2),
        essay_date("inception-v3-date", "Inception V2 / V3", "Inception v3", "inception_v3", 2015, 12),
        essay_date("resnet-date", "ResNet", "ResNet", "resnet50", 2015, 12),
        essay_date("mobilenet-date", "MobileNets", "MobileNets", "mobilenet_v1", 2017, 4),
    ]


# --- LeNet-5 and the deep MLP -----------------------------------------------------------------------

def lenet_unit(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "lenet5")
    classes = [op.op_class for op in profile.graph.ops if op.op_class in ("conv", "pool", "activation")]
    order = [c for i, c in enumerate(classes) if i == 0 or c != classes[i - 1]][:4]
    pools = sorted({op.op for op in _ops(profile, "pool")})
    unit = combined(UNCHECKABLE if len(order) < 3 else HOLDS if order[:3] == ["conv", "pool", "activation"]
                    else FAILS,
                    UNCHECKABLE if not pools else HOLDS if pools == ["avg_pool2d"] else FAILS)
    return Claim(
        "lenet-unit", "LeNet5", unit,
        (Measurement("order of the first operations", " → ".join(order)),
         Measurement("pooling operations", ", ".join(pools))),
        {"order": order, "average": pools == ["avg_pool2d"], "pools": pools,
         "unit": order[:3] == ["conv", "pool", "activation"]}, ("lenet5",))


def lenet_activations(profile: ModelProfile | None = None) -> Claim:
    names = sorted({op.op for op in _ops(_profile(profile, "lenet5"), "activation")})
    others = [n for n in names if n not in ("tanh", "sigmoid")]
    return Claim(
        "lenet-activations", "LeNet5",
        UNCHECKABLE if not names else FAILS if others else HOLDS,
        (Measurement("activation operations", ", ".join(names)),),
        {"names": names, "others": others}, ("lenet5",))


def lenet_sparse(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "lenet5")
    layers = {row.name: row for row in profile.layers}
    c3 = [row for name, row in layers.items() if name.startswith("c3.0.maps.")]
    if not c3 or "s2.0" not in layers:
        return Claim("lenet-sparse", "LeNet5", UNCHECKABLE, (), {"found": False}, ("lenet5",))
    height, width = c3[0].output_shape[-2:]
    sparse_macs = sum(row.macs for row in c3) // (height * width)
    # The same layer with every C3 map reading all of S2's maps.
    cin = layers["s2.0"].output_shape[1]
    dense = ideas.measure(ideas.conv(cin, len(c3), 5, bias=True), (cin, height, width))
    return Claim(
        "lenet-sparse", "LeNet5", HOLDS if sparse_macs < dense.macs_per_position else FAILS,
        (Measurement("C3 parameters, sparse table", sum(row.params for row in c3)),
         Measurement("C3 parameters, all maps connected", dense.params),
         Measurement("C3 MACs per position, sparse", sparse_macs),
         Measurement("C3 MACs per position, all connected", dense.macs_per_position)),
        {"found": True, "inputs": cin, "maps": len(c3),
         "saving": 1 - sparse_macs / dense.macs_per_position}, ("lenet5",))


def fully_connected(profile: ModelProfile) -> list[str]:
    """The weighted layers on top of the features: each output unit reads the layer's whole input
    (a linear layer, or a convolution whose output map is one position wide)."""
    return [row.type for row in profile.layers
            if row.macs and row.ops and _spatial(row.output_shape) == 1
            and any(op in ("linear", "conv") for op in _op_classes(profile, row.name))]


def _op_classes(profile: ModelProfile, module: str) -> set[str]:
    return {op.op_class for op in profile.graph.ops if op.module == module}


def lenet_classifier(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "lenet5")
    layers = fully_connected(profile)
    return Claim(
        "lenet-classifier", "LeNet5",
        UNCHECKABLE if not layers else HOLDS if len(layers) >= MLP_LAYERS else FAILS,
        (Measurement("fully connected layers on top of the features", len(layers)),
         Measurement("their types", ", ".join(layers))),
        {"layers": len(layers), "types": layers, "needed": MLP_LAYERS}, ("lenet5",))


def ciresan_mlp(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "ciresan_mlp")
    convs, linears = len(_ops(profile, "conv")), len(_ops(profile, "linear"))
    return Claim(
        "ciresan-mlp", "Dan Ciresan Net",
        UNCHECKABLE if not convs + linears else HOLDS if convs == 0 and linears >= MLP_LAYERS else FAILS,
        (Measurement("convolutions", convs), Measurement("fully connected layers", linears)),
        {"convs": convs, "linears": linears}, ("ciresan_mlp",))


def ciresan_depth(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "ciresan_mlp")
    depth = path_stats(profile).longest if profile.graph.ops else 0
    return Claim(
        "ciresan-depth", "Dan Ciresan Net",
        UNCHECKABLE if not depth else HOLDS if depth <= ESSAY_CIRESAN_LAYERS else FAILS,
        (Measurement("weighted layers of the zoo's network (the paper's best)", depth),),
        {"depth": depth, "essay": ESSAY_CIRESAN_LAYERS}, ("ciresan_mlp",))


def ciresan_gpu(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "ciresan_mlp")
    return Claim(
        "ciresan-gpu", "Dan Ciresan Net", UNCHECKABLE,
        (Measurement("parameters", profile.totals.params),
         Measurement("MACs per digit", profile.totals.macs)), {}, ("ciresan_mlp",))


# --- AlexNet ----------------------------------------------------------------------------------------

def alexnet_relu(profile: ModelProfile | None = None) -> Claim:
    names = sorted({op.op for op in _ops(_profile(profile, "alexnet"), "activation")})
    others = [n for n in names if not n.startswith("relu")]
    return Claim(
        "alexnet-relu", "AlexNet", UNCHECKABLE if not names else FAILS if others else HOLDS,
        (Measurement("activation operations", ", ".join(names)),),
        {"names": names, "others": others}, ("alexnet",))


def alexnet_dropout(profile: ModelProfile | None = None) -> Claim:
    """The paper drops the outputs of the two hidden fully connected layers: after each hidden
    linear layer (and its activation), the next module must be a dropout."""
    profile = _profile(profile, "alexnet")
    order = [m for m in profile.graph.modules if m.path]
    linears = [i for i, m in enumerate(order) if m.type == "Linear"]
    hidden = linears[:-1]
    followed = sum(1 for i in hidden if _next_type(order, i) == "Dropout")
    dropouts = sum(1 for m in order if m.type == "Dropout")
    return Claim(
        "alexnet-dropout", "AlexNet", graded(followed, len(hidden)),
        (Measurement("hidden fully connected layers", len(hidden)),
         Measurement("whose output goes through dropout", followed),
         Measurement("dropout layers", dropouts)),
        {"hidden": len(hidden), "followed": followed, "dropouts": dropouts}, ("alexnet",))


def _next_type(order: list[Any], i: int) -> str:
    """The type of the first module after order[i] that is not an activation."""
    rest = [m.type for m in order[i + 1:] if m.type not in ("ReLU", "Tanh", "Sigmoid")]
    return rest[0] if rest else ""


def alexnet_pooling(profile: ModelProfile | None = None) -> Claim:
    pools = [op for op in _ops(_profile(profile, "alexnet"), "pool") if op.op.startswith("max_pool")]
    overlapping = sum(1 for op in pools if op.window.kernel[0] > op.window.stride[0])
    return Claim(
        "alexnet-pooling", "AlexNet", graded(overlapping, len(pools)),
        (Measurement("max-pooling layers", len(pools)), Measurement("overlapping ones", overlapping),
         Measurement("windows", ", ".join(sorted({_window(op) for op in pools})))),
        {"pools": len(pools), "overlapping": overlapping}, ("alexnet",))


def alexnet_two_gpus(profile: ModelProfile | None = None) -> Claim:
    """Only the split is measurable: convolutions that read half of the maps are two-group ones."""
    profile = _profile(profile, "alexnet")
    split = [groups(profile, op) for op in convolutions(profile)]
    return Claim(
        "alexnet-two-gpus", "AlexNet",
        UNCHECKABLE if not split else HOLDS if 2 in split and set(split) <= {1, 2} else FAILS,
        (Measurement("groups of each convolution", ", ".join(map(str, split))),),
        {"split": split, "two": split.count(2), "convs": len(split)}, ("alexnet",))


def alexnet_kernels(profile: ModelProfile | None = None) -> Claim:
    sizes = sorted({kernel(op)[0] for op in convolutions(_profile(profile, "alexnet"))}, reverse=True)
    present = [k for k in ESSAY_ALEXNET_KERNELS if k in sizes]
    missing = [k for k in ESSAY_ALEXNET_KERNELS if k not in sizes]
    return Claim(
        "alexnet-kernels", "VGG",
        UNCHECKABLE if not sizes else graded(len(present), len(ESSAY_ALEXNET_KERNELS)),
        (Measurement("AlexNet's kernel sizes", ", ".join(f"{k}x{k}" for k in sizes)),),
        {"sizes": sizes, "present": present, "missing": missing, "essay": ESSAY_ALEXNET_KERNELS},
        ("alexnet",))


def _best_throughput(results: list[Any], kind: str, name: str, dtype: str) -> tuple[Any, float] | None:
    """The result of `kind` in `dtype` with the highest images/s for `name` (at its best batch)."""
    found = [(r, max(r.models[name].throughput.values())) for r in results
             if r.device.get("kind") == kind and r.device.get("dtype", "float32") == dtype
             and name in r.models and r.models[name].throughput]
    return max(found, key=lambda f: f[1], default=None)


def gpu_speedup(results: list[Any]) -> Claim:
    """The essay's factor is about training in 2012, which nothing here measures; today's inference
    ratio, both devices in float32, is context."""
    cpu = _best_throughput(results, "cpu", "alexnet", "float32")
    gpu = _best_throughput(results, "cuda", "alexnet", "float32")
    if cpu is None or gpu is None:
        return Claim("gpu-speedup", "AlexNet", UNCHECKABLE, (), {"timed": False, "any": bool(results)},
                     ("alexnet",))
    threads, cores = cpu[0].device.get("threads", 1), cpu[0].device.get("cpu_count") or 1
    return Claim(
        "gpu-speedup", "AlexNet", UNCHECKABLE,
        (Measurement(f"AlexNet images/s, {machine_label(cpu[0].device)}", round(cpu[1])),
         Measurement(f"AlexNet images/s, {machine_label(gpu[0].device)}", round(gpu[1])),
         Measurement("GPU over CPU", gpu[1] / cpu[1], "x")),
        {"timed": True, "any": True, "factor": gpu[1] / cpu[1], "threads": threads, "cores": cores,
         "gpu_precision": precision(gpu[0].device), "cpu": machine_label(cpu[0].device),
         "gpu": machine_label(gpu[0].device)}, ("alexnet",))


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
    blocks = _blocks(_profile(profile, "vgg19"))
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
    vgg, alexnet = _profile(vgg, "vgg16"), _profile(alexnet, "alexnet")
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
    convs = convolutions(_profile(profile, "nin"))
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
    profile = _profile(profile, "googlenet")
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
    profile = _profile(profile, "googlenet")
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
    profile = _profile(profile, "bn_inception")
    convs = _ops(profile, "conv")
    normalised = {v for op in _ops(profile, "norm") for v in op.inputs}
    followed = sum(1 for op in convs if op.outputs[0] in normalised)
    return Claim(
        "inception-bn", "Inception V2 / V3", graded(followed, len(convs)),
        (Measurement("convolutions", len(convs)), Measurement("whose output is batch-normalised", followed)),
        {"convs": len(convs), "followed": followed}, ("bn_inception",))


def inception_factorize(profile: ModelProfile | None = None) -> Claim:
    convs = convolutions(_profile(profile, "inception_v3"))
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
    full = _profile(ops if ops is not None else modules, "inception_v3")
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


def resnet_skip(profile: ModelProfile | None = None, scope: str = "conv2_x.0") -> Claim:
    block = path_stats(_profile(profile, "resnet18"), scope)
    return Claim(
        "resnet-skip", "ResNet",
        HOLDS if (block.paths, block.longest, block.shortest) == (2, 2, 0) else FAILS,
        (Measurement("paths through a ResNet-18 block", block.paths),
         Measurement("weighted layers on the long path", block.longest),
         Measurement("on the shortcut", block.shortest)),
        {"paths": block.paths, "longest": block.longest, "shortest": block.shortest}, ("resnet18",))


def resnet_bottleneck(profile: ModelProfile | None = None) -> Claim:
    layers = {row.name: row for row in _profile(profile, "resnet50").layers}
    ratios = [Fraction(row.output_shape[1], layers[name[:-1] + "3"].output_shape[1])
              for name, row in layers.items() if name.endswith(".conv2") and name[:-1] + "3" in layers]
    quarter = sum(1 for r in ratios if r == Fraction(1, 4))
    return Claim(
        "resnet-bottleneck", "ResNet", graded(quarter, len(ratios)),
        (Measurement("bottleneck blocks", len(ratios)),
         Measurement("inner width over output width", ", ".join(map(str, sorted(set(ratios)))))),
        {"blocks": len(ratios), "quarter": quarter}, ("resnet50",))


def resnet_hundred(profile: ModelProfile | None = None) -> Claim:
    deepest = path_stats(_profile(profile, "resnet152"))
    return Claim(
        "resnet-100", "ResNet", HOLDS if deepest.longest >= RESNET_DEEP else FAILS,
        (Measurement("weighted layers on ResNet-152's longest path", deepest.longest),
         Measurement("on its shortest path", deepest.shortest)),
        {"longest": deepest.longest, "deep": RESNET_DEEP}, ("resnet152",))


class CifarResNet(nn.Module):
    """He et al. 2015, Section 4.2: 6n+2 weighted layers on 32x32 CIFAR-10 images, three stages of
    n basic blocks with 16, 32 and 64 maps. The paper's CIFAR nets use parameter-free (zero-padding)
    shortcuts where the width changes; `BasicBlock` projects there instead, which adds two 1x1 convs
    (2,560 weights) to the 19.4 M and no layer to the longest path."""

    def __init__(self, blocks: int, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, kernel_size=3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.stage1 = make_stage(BasicBlock, 16, 16, blocks, 1)
        self.stage2 = make_stage(BasicBlock, 16, 32, blocks, 2)
        self.stage3 = make_stage(BasicBlock, 32, 64, blocks, 2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))

    def forward(self, x):
        return self.head(self.stage3(self.stage2(self.stage1(self.stem(x)))))


@cache
def resnet_1202() -> ModelProfile:
    """ResNet-1202 built on the meta device and profiled at 3x32x32."""
    from analyzer.construct import MetaConstruction

    with MetaConstruction():
        model = CifarResNet(RESNET_1202_BLOCKS).eval()
    return analyzer.profile(model, input_size=(3, 32, 32))


def resnet_thousand(profile: ModelProfile | None = None) -> Claim:
    profile = profile if profile is not None else resnet_1202()
    deepest: PathStats = path_stats(profile)
    return Claim(
        "resnet-1000", "ResNet", HOLDS if deepest.longest >= RESNET_DEEPEST else FAILS,
        (Measurement("ResNet-1202 (CIFAR-10): weighted layers on the longest path", deepest.longest),
         Measurement("its parameters", profile.totals.params),
         Measurement("its parameters, published", RESNET_1202_PUBLISHED_PARAMS / 1e6, "M")),
        {"longest": deepest.longest, "deepest": RESNET_DEEPEST, "params": profile.totals.params,
         "published": RESNET_1202_PUBLISHED_PARAMS, "blocks": RESNET_1202_BLOCKS}, ())


def resnet_stem(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "resnet18")
    first = [op for op in profile.graph.ops if op.op_class in ("conv", "pool")][:2]
    if len(first) < 2:
        return Claim("resnet-stem", "ResNet", UNCHECKABLE, (), {"found": False}, ("resnet18",))
    simple = first[0].op_class == "conv" and first[0].window.kernel == (7, 7) and first[1].op_class == "pool"
    return Claim(
        "resnet-stem", "ResNet", HOLDS if simple else FAILS,
        (Measurement("first two layers", ", ".join(f"{op.op_class} {_window(op)}" for op in first)),),
        {"found": True, "reduction": first[0].window.stride[0] * first[1].window.stride[0],
         "first": [f"{op.op_class} {_window(op)}" for op in first]}, ("resnet18",))


def inception_v4_elegance() -> Claim:
    measured = tuple(m for name in ("inception_v4", "resnet50") for m in (
        Measurement(f"{analyzer.spec(name).display_name}: distinct kernel shapes",
                    len({kernel(op) for op in convolutions(zoo_profile(name))})),
        Measurement(f"{analyzer.spec(name).display_name}: distinct module types",
                    len({m.type for m in zoo_profile(name).graph.modules}))))
    return Claim("inception-v4-elegance", "Inception V4", UNCHECKABLE, measured, {},
                 ("inception_v4", "resnet50"))


def residual_modules(profile: ModelProfile, depth: int = 2) -> list[PathStats]:
    """Modules down to `depth` that add their own input to the output of parallel branches (an
    identity shortcut and at least two other paths); of nested ones, the innermost."""
    found = []
    for module in profile.graph.modules:
        ops = [op for op in profile.graph.ops if in_scope(op, module.path)] if module.path else []
        if not ops or module.path.count(".") >= depth:
            continue
        produced = {v for op in ops for v in op.outputs}
        shortcut = any(op.op.startswith("add") and any(v not in produced for v in op.inputs
                                                       if profile.graph.values[v].kind != "constant")
                       for op in ops)
        if shortcut and (stats := path_stats(profile, module.path)).paths >= 3:
            found.append(stats)
    return [s for s in found if not any(t.scope.startswith(s.scope + ".") for t in found)]


def inception_resnet(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "inception_resnet_v2")
    modules = residual_modules(profile)
    grids = sorted({profile.graph.values[_last_output(profile, s.scope)].shape[-1] for s in modules},
                   reverse=True)
    return Claim(
        "inception-resnet", "Inception V4",
        UNCHECKABLE if not profile.graph.ops else HOLDS if modules else FAILS,
        (Measurement("Inception-ResNet-v2 modules with an identity shortcut around parallel branches",
                     len(modules)),
         Measurement("paths through each", ", ".join(sorted({str(s.paths) for s in modules}))),
         Measurement("their grids", ", ".join(f"{g}x{g}" for g in grids))),
        {"modules": len(modules), "grids": grids}, ("inception_resnet_v2",))


def _last_output(profile: ModelProfile, scope: str) -> int:
    return [op for op in profile.graph.ops if in_scope(op, scope)][-1].outputs[0]


# --- SqueezeNet, ENet, module analysis, Xception, MobileNets, FractalNet ----------------------------

def squeezenet_small(squeeze: ModelProfile | None = None, alexnet: ModelProfile | None = None) -> Claim:
    squeeze, alexnet = _profile(squeeze, "squeezenet1_0"), _profile(alexnet, "alexnet")
    factor = alexnet.totals.params / squeeze.totals.params
    return Claim(
        "squeezenet-small", "SqueezeNet", HOLDS if factor >= SMALL_FACTOR else FAILS,
        (Measurement("SqueezeNet 1.0 parameters", squeeze.totals.params),
         Measurement("AlexNet parameters", alexnet.totals.params), Measurement("factor", factor, "x"),
         Measurement("SqueezeNet fp32 weights", squeeze.totals.weight_bytes / 1e6, "MB")),
        {"factor": factor, "small": SMALL_FACTOR}, ("squeezenet1_0", "alexnet"))


def enet_params(enet: ModelProfile | None = None, squeeze: ModelProfile | None = None) -> Claim:
    enet, squeeze = _profile(enet, "enet"), _profile(squeeze, "squeezenet1_0")
    params = enet.totals.params
    return Claim(
        "enet-params", "ENet", HOLDS if params < FEW_PARAMS else FAILS,
        (Measurement("ENet parameters", params),
         Measurement("SqueezeNet 1.0 parameters", squeeze.totals.params)),
        {"params": params, "few": FEW_PARAMS, "fewer_than_squeezenet": params < squeeze.totals.params},
        ("enet",))


def enet_size(profile: ModelProfile | None = None) -> Claim:
    megabytes = _profile(profile, "enet").totals.weight_bytes_fp16 / 1e6
    close = abs(megabytes / ESSAY_ENET_FP16_MB - 1) <= ROUNDING_TOLERANCE
    return Claim(
        "enet-size", "ENet", HOLDS if close else CORRECTED,
        (Measurement("parameters at 2 bytes each", megabytes, "MB"),),
        {"megabytes": megabytes, "essay": ESSAY_ENET_FP16_MB}, ("enet",))


def module_analysis() -> Claim:
    return Claim("module-analysis", "module analysis", UNCHECKABLE)


def xception_separable(profile: ModelProfile | None = None) -> Claim:
    profile = _profile(profile, "xception")
    convs = convolutions(profile)
    depthwise = [i for i, op in enumerate(convs) if is_depthwise(profile, op)]
    paired = sum(1 for i in depthwise if i + 1 < len(convs) and kernel(convs[i + 1]) == (1, 1))
    return Claim(
        "xception-separable", "Xception", graded(paired, len(depthwise)) if convs else UNCHECKABLE,
        (Measurement("convolutions", len(convs)), Measurement("depthwise ones", len(depthwise)),
         Measurement("followed by a 1x1 conv", paired)),
        {"convs": len(convs), "depthwise": len(depthwise), "paired": paired,
         "ordinary": len(convs) - 2 * paired}, ("xception",))


def xception_depth(xception: ModelProfile | None = None, resnet34: ModelProfile | None = None) -> Claim:
    """Only the 36 layers are measured; ResNet-34's depth is context for "as simple as"."""
    xception, resnet34 = _profile(xception, "xception"), _profile(resnet34, "resnet34")
    # A separable pair is one layer, as the paper counts: its depthwise half adds no length.
    layers = path_stats(xception, "", lambda op: int(op.op_class == "conv" and not is_depthwise(xception, op)))
    resnet = path_stats(resnet34, "", lambda op: int(op.op_class == "conv"))
    return Claim(
        "xception-depth", "Xception", HOLDS if layers.longest == ESSAY_XCEPTION_LAYERS else FAILS,
        (Measurement("Xception: convs on the longest path, a separable pair counted once", layers.longest),
         Measurement("ResNet-34: convs on the longest path (context)", resnet.longest)),
        {"layers": layers.longest, "essay": ESSAY_XCEPTION_LAYERS, "resnet34": resnet.longest},
        ("xception", "resnet34"))


def mobilenet_params(data: ideas.DepthwiseSeparable | None = None) -> Claim:
    data = data or ideas.depthwise_separable()
    ratio = data.separable_params / data.standard_params if data.standard_params else 0
    return Claim(
        "mobilenet-params", "MobileNets",
        UNCHECKABLE if not data.rows else HOLDS if ratio <= MEANINGFUL_CUT else FAILS,
        (Measurement(f"{len(data.rows)} blocks as full 3x3 convs, parameters", data.standard_params),
         Measurement("as depthwise-separable pairs", data.separable_params),
         Measurement("ratio", ratio, "%")),
        {"ratio": ratio, "kernel": data.kernel, "cut": MEANINGFUL_CUT}, ("mobilenet_v1",))


LATENCY_MODELS = ("mobilenet_v1", "resnet18", "alexnet", "vgg16", "squeezenet1_0")
RIVALS = LATENCY_MODELS[1:]


def _latencies(result: Any) -> dict[str, dict[str, float]] | None:
    """Batch-1 latency (median, p10, p90 in ms) of the five models on one device, or None when one
    is missing."""
    found = {n: result.models[n].latency_ms.get(1) for n in LATENCY_MODELS if n in result.models}
    if len(found) < len(LATENCY_MODELS) or None in found.values():
        return None
    return found


def latency_comparison(mobilenet: dict[str, float], rival: dict[str, float]) -> str:
    """'slower', 'faster' or 'within noise': MobileNet is slower beyond the run-to-run spread when
    its 10th percentile lies above the rival's 90th, faster when its 90th lies below the rival's 10th."""
    if mobilenet["p10"] > rival["p90"]:
        return "slower"
    return "faster" if mobilenet["p90"] < rival["p10"] else "within noise"


def mobilenet_latency(results: list[Any]) -> Claim:
    """The essay timed a Titan Xp at batch 1: the GPU runs are the ones that measure the claim. Each
    GPU and rival gives a comparison with a noise margin, and its ratio is set against the essay's."""
    essay = {n: ESSAY_TITAN_XP_S["mobilenet_v1"] / ESSAY_TITAN_XP_S[n] for n in RIVALS}
    context = tuple(Measurement(f"essay, Titan Xp: {n}", s * 1000, "ms") for n, s in ESSAY_TITAN_XP_S.items())
    launches = {n: arithmetic_ops(zoo_profile(n)) for n in LATENCY_MODELS}
    context += tuple(Measurement(f"arithmetic operations per pass: {n}", k) for n, k in launches.items())
    most_ops = all(launches["mobilenet_v1"] > k for n, k in launches.items() if n != "mobilenet_v1")
    gpus = [(machine_label(r.device), t) for r in results if r.device.get("kind") == "cuda" and (t := _latencies(r))]
    facts: dict[str, Any] = {"gpus": len(gpus), "any": bool(results), "most_ops": most_ops,
                             "essay_low": min(essay.values()), "essay_high": max(essay.values())}
    if not gpus:
        return Claim("mobilenet-latency", "MobileNets", UNCHECKABLE, context, facts, LATENCY_MODELS)
    rows = [(device, n, t["mobilenet_v1"]["median"] / t[n]["median"], latency_comparison(t["mobilenet_v1"], t[n]))
            for device, t in gpus for n in RIVALS]
    outcomes = Counter(outcome for *_, outcome in rows)
    as_printed = sum(1 for _, n, ratio, outcome in rows
                     if outcome == "slower" and essay[n] / RATIO_BAND <= ratio <= essay[n] * RATIO_BAND)
    direction = graded(outcomes["slower"], len(rows))
    verdict = direction if direction != HOLDS else HOLDS if as_printed == len(rows) else CORRECTED
    measured = tuple(Measurement(f"{device}: MobileNet over {n} (ratio of medians)", ratio, "x")
                     for device, n, ratio, _ in rows)
    measured += tuple(Measurement(f"{device}: {n} median (p10-p90)",
                                  f"{t[n]['median']:.2f} ms ({t[n]['p10']:.2f}-{t[n]['p90']:.2f})")
                      for device, t in gpus for n in LATENCY_MODELS)
    facts.update(comparisons=len(rows), slower=outcomes["slower"], faster=outcomes["faster"],
                 noise=outcomes["within noise"], as_printed=as_printed,
                 low=min(r[2] for r in rows), high=max(r[2] for r in rows),
                 within_noise=sorted({f"{n} on {device}" for device, n, _, o in rows if o == "within noise"}),
                 devices=[device for device, _ in gpus])
    return Claim("mobilenet-latency", "MobileNets", verdict, measured + context, facts, LATENCY_MODELS)


def fractalnet_generalises(fractal: ModelProfile | None = None, resnet: ModelProfile | None = None,
                           scope: str = "block1", resnet_scope: str = "conv2_x.0") -> Claim:
    """A generalisation of ResNet would have ResNet's block as a case: several paths of different
    lengths through a block, one of them the identity."""
    block = path_stats(_profile(fractal, "fractalnet"), scope)
    residual = path_stats(_profile(resnet, "resnet18"), resnet_scope)
    many = block.paths > 2 and block.longest > block.shortest
    identity = block.shortest == 0
    return Claim(
        "fractalnet-resnet", "FractalNet", combined(HOLDS if many else FAILS, HOLDS if identity else FAILS),
        (Measurement("paths through a FractalNet block", block.paths),
         Measurement("their lengths, longest and shortest", f"{block.longest}, {block.shortest}"),
         Measurement("paths through a ResNet-18 block", residual.paths),
         Measurement("their lengths, longest and shortest", f"{residual.longest}, {residual.shortest}")),
        {"paths": block.paths, "longest": block.longest, "shortest": block.shortest, "many": many,
         "identity": identity, "resnet_paths": residual.paths}, ("fractalnet", "resnet18"))


def all_claims(runtime_results: list[Any]) -> list[Claim]:
    """Every claim of the essay, in the essay's order, with its verdict."""
    lenet_year, overfeat, bn_date, v3_date, resnet_date, mobilenet_date = dates()
    return [
        lenet_year, lenet_unit(), lenet_activations(), lenet_sparse(), lenet_classifier(),
        ciresan_mlp(), ciresan_depth(), ciresan_gpu(),
        alexnet_relu(), alexnet_dropout(), alexnet_pooling(), alexnet_two_gpus(),
        gpu_speedup(runtime_results), overfeat,
        alexnet_kernels(), vgg_stacks(), vgg_e_blocks(), vgg_cost(), nin_cheap_1x1(), nin_after_each(),
        nin_gap(), googlenet_branches(), googlenet_reductions(), googlenet_head(), bottleneck_example(),
        bn_date, inception_bn(), v3_date, inception_factorize(), inception_widen(),
        inception_grid_reduction(),
        resnet_date, resnet_skip(), resnet_bottleneck(), resnet_hundred(), resnet_thousand(), resnet_stem(),
        inception_v4_elegance(), inception_resnet(), squeezenet_small(), enet_params(), enet_size(),
        module_analysis(), xception_separable(), xception_depth(), mobilenet_date, mobilenet_params(),
        mobilenet_latency(runtime_results), fractalnet_generalises(),
    ]
