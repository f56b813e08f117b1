"""The source article's claims, each checked against what the analyzer measures.

Every claim carries the figures measured for it and a verdict decided by the code below, with the
thresholds written out as named constants. Latency and speed-up claims read the benchmark results of
`analyzer bench` (data/runtime/*.json); while there are none they say "not measured yet".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import analyzer
from analyzer.bench.machine import machine_label
from analyzer.content import ideas
from analyzer.static.graphwalk import (
    arithmetic_ops,
    convolutions,
    groups,
    head_params,
    in_channels,
    is_depthwise,
    kernel,
    out_channels,
    path_stats,
    source,
    top_level_type,
)
from analyzer.static.profiler import zoo_profile
from analyzer.static.records import OpNode

HOLDS, CORRECTED, FAILS, UNCHECKABLE = VERDICTS = (
    "holds", "holds with a correction", "does not hold", "cannot be checked here")

# A rounded figure in the article holds when the measured one is within 10% of it.
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
# The article's GPU training speed-up; it holds for a measured factor within SPEEDUP_BAND times of it.
GPU_SPEEDUP = 10
SPEEDUP_BAND = 2

# Figures the article states (quoted, not measured).
ARTICLE_LENET_YEAR = 1994
ARTICLE_DIRECT_MACS = 589_824
ARTICLE_BOTTLENECK_MACS = 69_632
ARTICLE_ENET_FP16_MB = 0.7
XCEPTION_LAYERS = 36
RESNET_DEEP, RESNET_DEEPEST = 100, 1000
# Batch-1 inference on a Titan Xp, in seconds, as the article printed them.
ARTICLE_TITAN_XP_S = {"resnet18": 0.002871, "alexnet": 0.001003, "vgg16": 0.001698,
                      "squeezenet1_0": 0.002725, "mobilenet_v1": 0.033251}
NOT_MEASURED = "Not measured yet: data/runtime holds no benchmark results for these models."


@dataclass(frozen=True)
class Measurement:
    label: str
    value: int | float | str
    # "" (a count), "x" (a factor), "%" (a fraction shown as a percentage), "ms", "MB", "px", "year".
    unit: str = ""


@dataclass(frozen=True)
class Claim:
    slug: str
    section: str
    claim: str
    measured: tuple[Measurement, ...]
    verdict: str
    explanation: str
    models: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"{self.slug}: verdict {self.verdict!r} is not one of {VERDICTS}")


def graded(passed: int, total: int) -> str:
    """All cases pass: holds; some: holds with a correction; none: does not hold."""
    return HOLDS if passed == total else CORRECTED if passed else FAILS


def _ops(name: str, op_class: str) -> list[OpNode]:
    graph = zoo_profile(name).graph
    assert graph is not None
    return [op for op in graph.ops if op.op_class == op_class]


# --- LeNet-5 and the deep MLP -----------------------------------------------------------------------

def lenet_year() -> Claim:
    year = analyzer.spec("lenet5").year
    return Claim(
        "lenet-year", "LeNet5", f"LeNet-5 dates from {ARTICLE_LENET_YEAR}.",
        (Measurement("year of the LeNet-5 journal paper", year, "year"),),
        HOLDS if year == ARTICLE_LENET_YEAR else CORRECTED,
        "Convolutional networks for digits go back to the late 1980s, but the network named LeNet-5 "
        f"was published in the {year} journal paper.", ("lenet5",))


def lenet_unit() -> Claim:
    classes = [op.op_class for op in zoo_profile("lenet5").graph.ops
               if op.op_class in ("conv", "pool", "activation")]
    order = [c for i, c in enumerate(classes) if i == 0 or c != classes[i - 1]][:4]
    pools = sorted({op.op for op in _ops("lenet5", "pool")})
    average = pools == ["avg_pool2d"]
    unit = order[:3] == ["conv", "pool", "activation"]
    return Claim(
        "lenet-unit", "LeNet5",
        "The basic unit is a convolution, then pooling, then a non-linearity; subsampling averages.",
        (Measurement("order of the first operations", " → ".join(order)),
         Measurement("pooling operations", ", ".join(pools))),
        HOLDS if unit and average else CORRECTED if average else FAILS,
        "Subsampling is indeed an average (scaled and biased per map), but each convolution also has "
        "its own squashing function, so the unit is conv, non-linearity, pool, non-linearity.", ("lenet5",))


def lenet_activations() -> Claim:
    names = sorted({op.op for op in _ops("lenet5", "activation")})
    return Claim(
        "lenet-activations", "LeNet5", "The non-linearities are tanh or sigmoid functions.",
        (Measurement("activation operations", ", ".join(names)),),
        HOLDS if set(names) <= {"tanh", "sigmoid"} else FAILS,
        "Every non-linearity is a scaled hyperbolic tangent; ReLU came much later.", ("lenet5",))


def lenet_sparse() -> Claim:
    profile = zoo_profile("lenet5")
    layers = {row.name: row for row in profile.layers}
    c3 = [row for name, row in layers.items() if name.startswith("c3.0.maps.")]
    height, width = c3[0].output_shape[-2:]
    sparse_macs = sum(row.macs for row in c3) // (height * width)
    # The same layer with every C3 map reading all of S2's maps.
    cin = layers["s2.0"].output_shape[1]
    dense = ideas.measure(ideas.conv(cin, len(c3), 5, bias=True), (cin, height, width))
    return Claim(
        "lenet-sparse", "LeNet5", "A sparse table of connections between S2 and C3 saves computation.",
        (Measurement("C3 parameters, sparse table", sum(row.params for row in c3)),
         Measurement("C3 parameters, all maps connected", dense.params),
         Measurement("C3 MACs per position, sparse", sparse_macs),
         Measurement("C3 MACs per position, all connected", dense.macs_per_position)),
        HOLDS if sparse_macs < dense.macs_per_position else FAILS,
        f"Each C3 map reads only some of the {cin} S2 maps, which saves work and, as the paper also "
        "argued, forces different maps to learn different features.", ("lenet5",))


def lenet_classifier() -> Claim:
    profile = zoo_profile("lenet5")
    types = [row.type for row in profile.layers if row.sees_whole_input]
    return Claim(
        "lenet-classifier", "LeNet5", "A multi-layer perceptron classifies the features.",
        (Measurement("layers that see the whole image", ", ".join(types)),
         Measurement("their parameters", head_params(profile))),
        HOLDS if "Linear" in types else FAILS,
        "After C5, whose kernels cover its whole input map, come a fully connected layer and a layer "
        "of Euclidean RBF units: a small perceptron on top of the convolutions.", ("lenet5",))


def ciresan_mlp() -> Claim:
    convs, linears = len(_ops("ciresan_mlp", "conv")), len(_ops("ciresan_mlp", "linear"))
    return Claim(
        "ciresan-mlp", "Dan Ciresan Net", "Ciresan's 2010 network is a deep MLP, not a CNN.",
        (Measurement("convolutions", convs), Measurement("fully connected layers", linears)),
        HOLDS if convs == 0 and linears else FAILS,
        "Every layer is fully connected; what was new was training so deep a network on a GPU.",
        ("ciresan_mlp",))


def ciresan_gpu() -> Claim:
    profile = zoo_profile("ciresan_mlp")
    return Claim(
        "ciresan-gpu", "Dan Ciresan Net",
        "It was one of the first networks trained forward and backward on a GPU (a GTX 280).",
        (Measurement("parameters", profile.totals.params),
         Measurement("MACs per digit", profile.totals.macs)),
        UNCHECKABLE,
        "The analyzer counts what a network computes, not where it was once trained.", ("ciresan_mlp",))


# --- AlexNet ----------------------------------------------------------------------------------------

def alexnet_relu() -> Claim:
    names = sorted({op.op for op in _ops("alexnet", "activation")})
    return Claim(
        "alexnet-relu", "AlexNet", "AlexNet uses ReLU non-linearities.",
        (Measurement("activation operations", ", ".join(names)),),
        HOLDS if all(n.startswith("relu") for n in names) else FAILS,
        "Every activation is a rectified linear unit.", ("alexnet",))


def alexnet_dropout() -> Claim:
    graph = zoo_profile("alexnet").graph
    count = sum(1 for m in graph.modules if m.type == "Dropout")
    return Claim(
        "alexnet-dropout", "AlexNet", "AlexNet uses dropout.",
        (Measurement("dropout layers", count),),
        HOLDS if count else FAILS,
        "Both hidden fully connected layers are followed by dropout, which acts only in training and "
        "so adds nothing to the inference counts.", ("alexnet",))


def alexnet_pooling() -> Claim:
    pools = [op for op in _ops("alexnet", "pool") if op.op.startswith("max_pool")]
    overlapping = sum(1 for op in pools if op.window.kernel[0] > op.window.stride[0])
    windows = sorted({f"{op.window.kernel[0]}x{op.window.kernel[1]} stride {op.window.stride[0]}"
                      for op in pools})
    return Claim(
        "alexnet-pooling", "AlexNet", "AlexNet's max pooling windows overlap.",
        (Measurement("max-pooling layers", len(pools)), Measurement("overlapping ones", overlapping),
         Measurement("windows", ", ".join(windows))),
        graded(overlapping, len(pools)),
        "Each pooling window is wider than its stride, so neighbouring windows share a row and a column.",
        ("alexnet",))


def alexnet_two_gpus() -> Claim:
    profile = zoo_profile("alexnet")
    split = [groups(profile, op) for op in convolutions(profile)]
    return Claim(
        "alexnet-two-gpus", "AlexNet", "AlexNet was split across two GTX 580 GPUs.",
        (Measurement("groups of each convolution", ", ".join(map(str, split))),),
        HOLDS if 2 in split else FAILS,
        "The hardware is history, but its footprint is measurable: the convolutions that only see their "
        "own GPU's maps are two-group convolutions.", ("alexnet",))


def _best_throughput(results: list[Any], kind: str, name: str) -> tuple[str, float] | None:
    """The device of `kind` with the highest images/s for `name` (at its best batch size)."""
    found = [(machine_label(r.device), max(r.models[name].throughput.values())) for r in results
             if r.device.get("kind") == kind and name in r.models and r.models[name].throughput]
    return max(found, key=lambda f: f[1], default=None)


def gpu_speedup(results: list[Any]) -> Claim:
    cpu, gpu = _best_throughput(results, "cpu", "alexnet"), _best_throughput(results, "cuda", "alexnet")
    text, models = "GPUs made training about ten times faster.", ("alexnet",)
    if cpu is None or gpu is None:
        reason = NOT_MEASURED if not results else "It needs AlexNet timed on both a CPU and a GPU."
        return Claim("gpu-speedup", "AlexNet", text, (), UNCHECKABLE, reason, models)
    factor = gpu[1] / cpu[1]
    verdict = (FAILS if factor < GPU_SPEEDUP / SPEEDUP_BAND else
               HOLDS if factor <= GPU_SPEEDUP * SPEEDUP_BAND else CORRECTED)
    return Claim(
        "gpu-speedup", "AlexNet", text,
        (Measurement(f"AlexNet images/s on {cpu[0]}", cpu[1]),
         Measurement(f"AlexNet images/s on {gpu[0]}", gpu[1]),
         Measurement("GPU over CPU", factor, "x")),
        verdict,
        f"The GPU runs AlexNet {factor:.0f} times faster here, but this is inference on today's "
        "hardware, not the 2012 training the article meant.", models)


# --- VGG and Network-in-Network ---------------------------------------------------------------------

def vgg_stacks() -> Claim:
    rows = ideas.small_filters(depths=(2, 3)).rows
    same = all(r.alternative.receptive_field == r.reference.receptive_field for r in rows)
    cheaper = all(r.params_ratio < 1 for r in rows)
    measured = tuple(m for r in rows for m in (
        Measurement(f"field of {len(r.alternative.layers)} stacked 3x3 convs",
                    r.alternative.receptive_field[0], "px"),
        Measurement(f"their parameters against one {r.reference.receptive_field[0]}x"
                    f"{r.reference.receptive_field[1]} conv", float(r.params_ratio), "%")))
    return Claim(
        "vgg-stacks", "VGG",
        "Two stacked 3x3 convs see what one 5x5 sees, three see 7x7, with fewer weights.",
        measured, HOLDS if same and cheaper else FAILS,
        f"The receptive fields match exactly and the stacks need {rows[0].params_ratio} and "
        f"{rows[1].params_ratio} of the weights, with a non-linearity between each pair of layers.",
        ("vgg16",))


def _convs_per_block(name: str) -> list[int]:
    """Convolutions between successive pooling layers."""
    counts = [0]
    for op in zoo_profile(name).graph.ops:
        if op.op_class == "conv":
            counts[-1] += 1
        elif op.op_class == "pool":
            counts.append(0)
    return [c for c in counts if c]


def vgg_e_blocks() -> Claim:
    blocks = _convs_per_block("vgg19")
    return Claim(
        "vgg-e-blocks", "VGG", "VGG-E (VGG-19) stacks four 3x3 convs in each of its blocks 3 to 5.",
        (Measurement("3x3 convs per block", ", ".join(map(str, blocks))),),
        HOLDS if blocks[2:5] == [4, 4, 4] else FAILS,
        f"Blocks 3 to 5 hold {', '.join(map(str, blocks[2:5]))} 3x3 convolutions, so each of them sees a "
        f"window {2 * blocks[2] + 1} pixels wide of its input map.",
        ("vgg19",))


def vgg_cost() -> Claim:
    vgg = zoo_profile("vgg16")
    graph = vgg.graph
    large = sum(op.macs for op in convolutions(vgg) if graph.values[op.outputs[0]].shape[-1] >= LARGE_MAP)
    share, factor = large / vgg.totals.macs, vgg.totals.macs / zoo_profile("alexnet").totals.macs
    return Claim(
        "vgg-cost", "VGG", "VGG's large feature maps make inference costly.",
        (Measurement("VGG-16 MACs", vgg.totals.macs), Measurement("against AlexNet", factor, "x"),
         Measurement(f"share on maps {LARGE_MAP} px or wider", share, "%")),
        HOLDS if factor >= COSTLY_FACTOR and share >= LARGE_MAP_SHARE else FAILS,
        f"Most of VGG-16's work is done on maps {LARGE_MAP} px or wider, where every 3x3 conv is repeated "
        "at thousands to tens of thousands of positions.", ("vgg16", "alexnet"))


def nin_cheap_1x1() -> Claim:
    data = ideas.one_by_one()
    layer_share = data.nin_pointwise_layers / data.nin_conv_layers
    return Claim(
        "nin-1x1", "Network-in-Network", "1x1 convolutions combine features cheaply.",
        (Measurement("1x1 conv cost against a 3x3 with the same channels",
                     float(data.comparison.macs_ratio), "%"),
         Measurement("NiN's 1x1 convs, share of its conv layers", layer_share, "%"),
         Measurement("NiN's 1x1 convs, share of its MACs", data.nin_pointwise_macs_share, "%")),
        HOLDS if data.nin_pointwise_macs_share < layer_share else FAILS,
        f"A 1x1 conv costs {data.comparison.macs_ratio} of a 3x3 one with the same channels, so NiN's "
        "many 1x1 layers carry a small part of its work.", ("nin",))


def nin_gap() -> Claim:
    nin, vgg = ideas.head("nin"), ideas.head("vgg16")
    return Claim(
        "nin-gap", "Network-in-Network", "Global average pooling replaces the fully connected classifier.",
        (Measurement("NiN classifier parameters", nin.head_params),
         Measurement("VGG-16 classifier parameters", vgg.head_params)),
        HOLDS if nin.head_params == 0 else FAILS,
        "NiN's last layer makes one map per class and averages it, so nothing after the convolutions "
        "has weights.", ("nin", "vgg16"))


# --- GoogLeNet and the bottleneck ------------------------------------------------------------------

def _inception_convs() -> list[OpNode]:
    profile = zoo_profile("googlenet")
    return [op for op in convolutions(profile) if top_level_type(profile, op) == "Inception"]


def googlenet_branches() -> Claim:
    kernels = sorted({kernel(op)[0] for op in _inception_convs()})
    cats = [op for op in _ops("googlenet", "merge") if op.op == "cat"]
    branches = sorted({len(op.inputs) for op in cats})
    return Claim(
        "googlenet-branches", "GoogLeNet / Inception",
        "Inception modules run 1x1, 3x3 and 5x5 branches in parallel.",
        (Measurement("inception modules", len(cats)),
         Measurement("branches per module", ", ".join(map(str, branches))),
         Measurement("kernel sizes inside them", ", ".join(map(str, kernels)))),
        HOLDS if {1, 3, 5} <= set(kernels) else FAILS,
        "Each module concatenates four branches: 1x1, 3x3 and 5x5 convolutions and a pooled path.",
        ("googlenet",))


def googlenet_reductions() -> Claim:
    profile = zoo_profile("googlenet")
    wide = [op for op in _inception_convs() if kernel(op) != (1, 1)]
    reduced = [op for op in wide if (s := source(profile, op)) is not None and s.op_class == "conv"
               and kernel(s) == (1, 1) and out_channels(profile, s) < in_channels(profile, s)]
    return Claim(
        "googlenet-reductions", "GoogLeNet / Inception",
        "1x1 convolutions shrink the channels before the expensive 3x3 and 5x5 convolutions.",
        (Measurement("3x3 and 5x5 convs in inception modules", len(wide)),
         Measurement("reading a narrowing 1x1 conv", len(reduced))),
        graded(len(reduced), len(wide)),
        "Every large kernel in an inception module reads a 1x1 conv with fewer channels than the "
        "module's input.", ("googlenet",))


def googlenet_head() -> Claim:
    heads = {name: ideas.head(name) for name in ("googlenet", "alexnet", "vgg16")}
    google = heads["googlenet"]
    tiny = google.head_params <= TINY_HEAD * min(heads["alexnet"].head_params, heads["vgg16"].head_params)
    return Claim(
        "googlenet-head", "GoogLeNet / Inception",
        "GoogLeNet's classifier is tiny (average pooling and softmax) next to AlexNet's and VGG's.",
        tuple(Measurement(f"{h.display_name} classifier parameters", h.head_params) for h in heads.values()),
        (CORRECTED if google.head_params else HOLDS) if tiny else FAILS,
        "It is tiny next to theirs, but after the average pooling there is still one fully connected "
        "layer before the softmax.", tuple(heads))


def bottleneck_example() -> Claim:
    data = ideas.bottleneck()
    exact = (data.comparison.reference.macs_per_position == ARTICLE_DIRECT_MACS
             and data.comparison.alternative.macs_per_position == ARTICLE_BOTTLENECK_MACS)
    close = abs(data.comparison.macs_factor / data.article_factor - 1) <= ROUNDING_TOLERANCE
    return Claim(
        "bottleneck-example", "bottleneck layer",
        f"A {data.channels}-channel 3x3 conv costs {ARTICLE_DIRECT_MACS:,} MACs per position, the "
        f"1x1-3x3-1x1 bottleneck {ARTICLE_BOTTLENECK_MACS:,}: almost {data.article_factor} times fewer.",
        (Measurement("3x3 conv, MACs per position", data.comparison.reference.macs_per_position),
         Measurement("bottleneck, MACs per position", data.comparison.alternative.macs_per_position),
         Measurement("factor", data.comparison.macs_factor, "x")),
        (HOLDS if close else CORRECTED) if exact else FAILS,
        f"Both counts are exact, but they differ by a factor of {data.comparison.macs_factor:.2f}, not "
        f"almost {data.article_factor}.", ("resnet50",))


# --- Inception v2/v3, ResNet, Inception v4 ----------------------------------------------------------

def inception_bn() -> Claim:
    convs = _ops("bn_inception", "conv")
    normalised = {v for op in _ops("bn_inception", "norm") for v in op.inputs}
    followed = sum(1 for op in convs if op.outputs[0] in normalised)
    return Claim(
        "inception-bn", "Inception V2 / V3", "BN-Inception adds batch normalisation.",
        (Measurement("convolutions", len(convs)), Measurement("whose output is batch-normalised", followed)),
        graded(followed, len(convs)),
        "Batch normalisation sits between each convolution and its non-linearity.", ("bn_inception",))


def inception_factorize() -> Claim:
    convs = convolutions(zoo_profile("inception_v3"))
    kernels = Counter(kernel(op) for op in convs)
    asymmetric = sum(n for (h, w), n in kernels.items() if h != w)
    large = sum(n for (h, w), n in kernels.items() if h == w and h > 3)
    keeping = sorted({op.module.split(".")[0] for op in convs if kernel(op)[0] == kernel(op)[1] > 3})
    return Claim(
        "inception-factorize", "Inception V2 / V3",
        "Inception v3 factors 5x5 and 7x7 filters into 3x3 ones and into 1xn + nx1 pairs.",
        (Measurement("1xn and nx1 convs", asymmetric), Measurement("square convs wider than 3x3", large),
         Measurement("receptive field of 1x7 then 7x1",
                     "x".join(map(str, ideas.factorized().rows[2].alternative.receptive_field)))),
        (HOLDS if not large else CORRECTED) if asymmetric else FAILS,
        "Later modules use 1xn + nx1 pairs, but the network as released (and built here) keeps "
        f"{large} square convs wider than 3x3, in {', '.join(keeping)}.",
        ("inception_v3",))


def inception_widen() -> Claim:
    rows = [r for r in analyzer.profile("inception_v3", depth=1).layers
            if len(r.output_shape) == 4 and not r.sees_whole_input]
    widths = [r.output_shape[1] for r in rows]
    # A grid reduction halves the map (a valid 3x3 conv that trims a border is not one).
    reductions = [r for r in rows if 2 * r.output_shape[-1] <= r.input_shapes[0][-1]]
    widened = sum(1 for r in reductions if r.output_shape[1] > r.input_shapes[0][1])
    growing = widths == sorted(widths)
    return Claim(
        "inception-widen", "Inception V2 / V3",
        "Inception v3 widens the network where it shrinks the grid, and widths grow with depth.",
        (Measurement("widths along the network", ", ".join(map(str, widths))),
         Measurement("grid reductions", len(reductions)), Measurement("that also widen", widened)),
        graded(widened, len(reductions)) if growing else FAILS,
        "Widths never shrink and the inception modules that reduce the grid widen it, but the stem's "
        "max pools halve the grid without adding channels.", ("inception_v3",))


def resnet_skip() -> Claim:
    block = path_stats(zoo_profile("resnet18"), "conv2_x.0")
    return Claim(
        "resnet-skip", "ResNet", "A shortcut connection skips over two layers.",
        (Measurement("paths through a ResNet-18 block", block.paths),
         Measurement("weighted layers on the long path", block.longest),
         Measurement("on the shortcut", block.shortest)),
        HOLDS if (block.paths, block.longest, block.shortest) == (2, 2, 0) else FAILS,
        "A basic block adds its input to the output of two 3x3 convolutions.", ("resnet18",))


def resnet_bottleneck() -> Claim:
    layers = {row.name: row for row in zoo_profile("resnet50").layers}
    ratios = {Fraction(row.output_shape[1], layers[name[:-1] + "3"].output_shape[1])
              for name, row in layers.items() if name.endswith(".conv2")}
    return Claim(
        "resnet-bottleneck", "ResNet", "Deep ResNets use bottleneck blocks a quarter as wide inside.",
        (Measurement("inner width over output width", ", ".join(map(str, sorted(ratios)))),),
        HOLDS if ratios == {Fraction(1, 4)} else FAILS,
        "In every ResNet-50 block the 3x3 conv has a quarter of the block's output channels.", ("resnet50",))


def resnet_hundred() -> Claim:
    deepest = path_stats(zoo_profile("resnet152"))
    return Claim(
        "resnet-100", "ResNet", f"Residual networks train at more than {RESNET_DEEP} layers.",
        (Measurement("weighted layers on ResNet-152's longest path", deepest.longest),
         Measurement("on its shortest path", deepest.shortest)),
        HOLDS if deepest.longest >= RESNET_DEEP else FAILS,
        f"ResNet-152's longest path holds {deepest.longest} weighted layers, convolutions and the "
        "final fully connected layer.", ("resnet152",))


def resnet_thousand() -> Claim:
    deepest = path_stats(zoo_profile("resnet152"))
    return Claim(
        "resnet-1000", "ResNet", f"Residual networks were trained with {RESNET_DEEPEST} layers.",
        (Measurement("deepest ResNet in the zoo, weighted layers", deepest.longest),),
        UNCHECKABLE,
        "The 1202-layer network of the ResNet paper is a CIFAR-10 model that the zoo does not hold.",
        ("resnet152",))


def resnet_stem() -> Claim:
    graph = zoo_profile("resnet18").graph
    first = [op for op in graph.ops if op.op_class in ("conv", "pool")][:2]
    windows = [f"{op.op_class} {op.window.kernel[0]}x{op.window.kernel[1]} stride {op.window.stride[0]}"
               for op in first]
    simple = first[0].window.kernel == (7, 7) and first[1].op_class == "pool"
    reduction = first[0].window.stride[0] * first[1].window.stride[0]
    return Claim(
        "resnet-stem", "ResNet", "ResNet starts with a simple 7x7 convolution and a pooling layer.",
        (Measurement("first two layers", ", ".join(windows)),),
        HOLDS if simple else FAILS,
        f"One strided 7x7 conv and one strided max pool bring the image down to 1/{reduction} of its "
        "width before the residual stages.", ("resnet18",))


def inception_v4_elegance() -> Claim:
    measured = tuple(m for name in ("inception_v4", "resnet50") for m in (
        Measurement(f"{analyzer.spec(name).display_name}: distinct kernel shapes",
                    len({kernel(op) for op in convolutions(zoo_profile(name))})),
        Measurement(f"{analyzer.spec(name).display_name}: distinct module types",
                    len({m.type for m in zoo_profile(name).graph.modules}))))
    return Claim(
        "inception-v4-elegance", "Inception V4", "Inception v4 is less elegant than ResNet.", measured,
        UNCHECKABLE,
        "Elegance is a matter of taste; the counts only show that Inception v4 is built from more kinds "
        "of parts.", ("inception_v4", "resnet50"))


# --- SqueezeNet, ENet, module analysis, Xception, MobileNets ----------------------------------------

def squeezenet_small() -> Claim:
    squeeze, alex = zoo_profile("squeezenet1_0"), zoo_profile("alexnet")
    factor = alex.totals.params / squeeze.totals.params
    return Claim(
        "squeezenet-small", "SqueezeNet", "SqueezeNet is small by design, not by compression.",
        (Measurement("SqueezeNet 1.0 parameters", squeeze.totals.params),
         Measurement("AlexNet parameters", alex.totals.params), Measurement("factor", factor, "x"),
         Measurement("SqueezeNet fp32 weights", squeeze.totals.weight_bytes / 1e6, "MB")),
        HOLDS if factor >= SMALL_FACTOR else FAILS,
        f"Uncompressed 32-bit weights already make it {factor:.0f} times smaller than AlexNet; "
        "its paper's sub-megabyte figure needed compression on top.", ("squeezenet1_0", "alexnet"))


def enet_params() -> Claim:
    params = zoo_profile("enet").totals.params
    return Claim(
        "enet-params", "ENet", "ENet has very few parameters.",
        (Measurement("ENet parameters", params),
         Measurement("SqueezeNet 1.0 parameters", zoo_profile("squeezenet1_0").totals.params)),
        HOLDS if params < FEW_PARAMS else FAILS,
        "The whole encoder-decoder has fewer parameters than SqueezeNet.", ("enet",))


def enet_size() -> Claim:
    megabytes = zoo_profile("enet").totals.weight_bytes_fp16 / 1e6
    return Claim(
        "enet-size", "ENet", f"Encoder and decoder take {ARTICLE_ENET_FP16_MB} MB in 16-bit floats.",
        (Measurement("parameters at 2 bytes each", megabytes, "MB"),),
        HOLDS if abs(megabytes / ARTICLE_ENET_FP16_MB - 1) <= ROUNDING_TOLERANCE else CORRECTED,
        "Two bytes per parameter give the article's figure in decimal megabytes.", ("enet",))


def module_analysis() -> Claim:
    return Claim(
        "module-analysis", "module analysis",
        "Mishkin et al.'s study of design choices favours ELU without batch norm, a learned colour "
        "transform, linear learning-rate decay, summed average and max pooling, batches of 128 to 256, "
        "fully connected layers run as convolutions with averaged predictions, and clean data over "
        "more data.",
        (), UNCHECKABLE,
        "These are findings about training and accuracy, which a static count cannot reproduce.")


def xception_separable() -> Claim:
    profile = zoo_profile("xception")
    convs = convolutions(profile)
    depthwise = [i for i, op in enumerate(convs) if is_depthwise(profile, op)]
    paired = sum(1 for i in depthwise if kernel(convs[i + 1]) == (1, 1))
    return Claim(
        "xception-separable", "Xception", "Xception is built from depthwise-separable convolutions.",
        (Measurement("convolutions", len(convs)), Measurement("depthwise ones", len(depthwise)),
         Measurement("followed by a 1x1 conv", paired)),
        graded(paired, len(depthwise)) if depthwise else FAILS,
        "Every depthwise 3x3 conv is followed by a 1x1 conv; only the two stem convs and the shortcut "
        "projections are ordinary convolutions.", ("xception",))


def xception_depth() -> Claim:
    xception = zoo_profile("xception")
    # A separable pair is one layer, as the paper counts: its depthwise half adds no length.
    layers = path_stats(xception, "",
                        lambda op: int(op.op_class == "conv" and not is_depthwise(xception, op)))
    resnet34 = path_stats(zoo_profile("resnet34"), "", lambda op: int(op.op_class == "conv"))
    return Claim(
        "xception-depth", "Xception",
        f"Xception has {XCEPTION_LAYERS} convolutional layers, as simple as ResNet-34.",
        (Measurement("Xception: convs on the longest path, a separable pair counted once", layers.longest),
         Measurement("ResNet-34: convs on the longest path", resnet34.longest)),
        HOLDS if layers.longest == XCEPTION_LAYERS else FAILS,
        f"Counting each separable pair as one layer, the longest path holds {layers.longest} convolutions "
        f"against ResNet-34's {resnet34.longest}, with shortcuts around most modules.",
        ("xception", "resnet34"))


def mobilenet_params() -> Claim:
    data = ideas.depthwise_separable()
    ratio = data.separable_params / data.standard_params
    return Claim(
        "mobilenet-params", "MobileNets", "Separable convolutions cut MobileNet's parameters.",
        (Measurement(f"{len(data.rows)} blocks as full 3x3 convs, parameters", data.standard_params),
         Measurement("as depthwise-separable pairs", data.separable_params),
         Measurement("ratio", ratio, "%")),
        HOLDS if ratio <= MEANINGFUL_CUT else FAILS,
        f"Each block needs 1/C_out + 1/{data.kernel ** 2} of a full convolution's weights and MACs.",
        ("mobilenet_v1",))


LATENCY_MODELS = ("mobilenet_v1", "resnet18", "alexnet", "vgg16", "squeezenet1_0")


def _latencies(result: Any) -> dict[str, float] | None:
    """Median batch-1 latency (ms) of the five models on one device, or None when one is missing."""
    found = {n: result.models[n].latency_ms.get(1) for n in LATENCY_MODELS if n in result.models}
    if len(found) < len(LATENCY_MODELS) or None in found.values():
        return None
    return {n: timing["median"] for n, timing in found.items()}


def mobilenet_latency(results: list[Any]) -> Claim:
    context = tuple(Measurement(f"article, Titan Xp: {n}", s * 1000, "ms")
                    for n, s in ARTICLE_TITAN_XP_S.items())
    context += tuple(Measurement(f"MACs per image: {n}", zoo_profile(n).totals.macs) for n in LATENCY_MODELS)
    launches = {n: arithmetic_ops(zoo_profile(n)) for n in LATENCY_MODELS}
    context += tuple(Measurement(f"arithmetic operations per pass: {n}", k) for n, k in launches.items())
    fewer = sum(1 for n, k in launches.items() if k < launches["mobilenet_v1"])
    devices = [(machine_label(r.device), t) for r in results if (t := _latencies(r))]
    measured = tuple(Measurement(f"{device}: {n}", ms, "ms") for device, t in devices for n, ms in t.items())
    # One comparison per device and rival: is MobileNet the slower of the two?
    pairs = [t["mobilenet_v1"] > v for _, t in devices for n, v in t.items() if n != "mobilenet_v1"]
    text = "At batch size 1 MobileNet is slower than ResNet-18, AlexNet, VGG-16 and SqueezeNet."
    if not devices:
        return Claim("mobilenet-latency", "MobileNets", text, context, UNCHECKABLE, NOT_MEASURED,
                     LATENCY_MODELS)
    return Claim(
        "mobilenet-latency", "MobileNets", text, context + measured, graded(sum(pairs), len(pairs)),
        f"MobileNet was the slower one in {sum(pairs)} of {len(pairs)} comparisons with a rival on a device "
        "timed here. It has the fewest MACs of the five, so on a CPU, which is busy with arithmetic, it "
        "tends to win; on a GPU at batch 1 the host's kernel launches set the pace, and MobileNet runs "
        + ("the most arithmetic operations of the five." if fewer == len(launches) - 1 else
           f"more arithmetic operations than {fewer} of the other four."),
        LATENCY_MODELS)


def all_claims(runtime_results: list[Any]) -> list[Claim]:
    """Every claim of the source article, in the article's order, with its verdict."""
    return [
        lenet_year(), lenet_unit(), lenet_activations(), lenet_sparse(), lenet_classifier(),
        ciresan_mlp(), ciresan_gpu(),
        alexnet_relu(), alexnet_dropout(), alexnet_pooling(), alexnet_two_gpus(),
        gpu_speedup(runtime_results),
        vgg_stacks(), vgg_e_blocks(), vgg_cost(), nin_cheap_1x1(), nin_gap(),
        googlenet_branches(), googlenet_reductions(), googlenet_head(), bottleneck_example(),
        inception_bn(), inception_factorize(), inception_widen(),
        resnet_skip(), resnet_bottleneck(), resnet_hundred(), resnet_thousand(), resnet_stem(),
        inception_v4_elegance(), squeezenet_small(), enet_params(), enet_size(), module_analysis(),
        xception_separable(), xception_depth(), mobilenet_params(), mobilenet_latency(runtime_results),
    ]
