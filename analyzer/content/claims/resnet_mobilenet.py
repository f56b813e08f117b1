"""The essay's claims about ResNet, Inception v4, SqueezeNet, ENet, Xception, MobileNets and
FractalNet (2015-2017)."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction
from functools import cache
from typing import Any

from torch import nn

import analyzer
from analyzer.archs.resnet import BasicBlock, make_stage
from analyzer.bench.machine import machine_label
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
    window_label,
)
from analyzer.static.graphwalk import (
    PathStats,
    arithmetic_ops,
    convolutions,
    in_scope,
    is_depthwise,
    kernel,
    path_stats,
)
from analyzer.static.profiler import zoo_profile
from analyzer.static.records import ModelProfile

# "Small by design": at least ten times fewer parameters than AlexNet, whose accuracy it matches.
SMALL_FACTOR = 10
# "Very few parameters": under a million, fewer than any ImageNet classifier of 2016 in the zoo.
FEW_PARAMS = 1_000_000
# A parameter cut worth the name: the separable blocks need at most half of what full convs need.
MEANINGFUL_CUT = 0.5
# A measured latency ratio agrees with one the essay printed when it is within this factor of it.
RATIO_BAND = 2
ESSAY_ENET_FP16_MB = 0.7
ESSAY_XCEPTION_LAYERS = 36
RESNET_DEEP, RESNET_DEEPEST = 100, 1000
# Batch-1 inference on a Titan Xp, in seconds, as the essay printed them.
ESSAY_TITAN_XP_S = {"resnet18": 0.002871, "alexnet": 0.001003, "vgg16": 0.001698,
                    "squeezenet1_0": 0.002725, "mobilenet_v1": 0.033251}
# ResNet-1202 on CIFAR-10: He et al. 2015, Section 4.2 and Table 6 (n = 200, 19.4 M parameters).
RESNET_1202_BLOCKS = 200
RESNET_1202_PUBLISHED_PARAMS = 19.4e6


def resnet_skip(profile: ModelProfile | None = None, scope: str = "conv2_x.0") -> Claim:
    block = path_stats(given_or_zoo(profile, "resnet18"), scope)
    return Claim(
        "resnet-skip", "ResNet",
        HOLDS if (block.paths, block.longest, block.shortest) == (2, 2, 0) else FAILS,
        (Measurement("paths through a ResNet-18 block", block.paths),
         Measurement("weighted layers on the long path", block.longest),
         Measurement("on the shortcut", block.shortest)),
        {"paths": block.paths, "longest": block.longest, "shortest": block.shortest}, ("resnet18",))


def resnet_bottleneck(profile: ModelProfile | None = None) -> Claim:
    layers = {row.name: row for row in given_or_zoo(profile, "resnet50").layers}
    ratios = [Fraction(row.output_shape[1], layers[name[:-1] + "3"].output_shape[1])
              for name, row in layers.items() if name.endswith(".conv2") and name[:-1] + "3" in layers]
    quarter = sum(1 for r in ratios if r == Fraction(1, 4))
    return Claim(
        "resnet-bottleneck", "ResNet", graded(quarter, len(ratios)),
        (Measurement("bottleneck blocks", len(ratios)),
         Measurement("inner width over output width", ", ".join(map(str, sorted(set(ratios)))))),
        {"blocks": len(ratios), "quarter": quarter}, ("resnet50",))


def resnet_hundred(profile: ModelProfile | None = None) -> Claim:
    deepest = path_stats(given_or_zoo(profile, "resnet152"))
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
    profile = given_or_zoo(profile, "resnet18")
    first = [op for op in profile.graph.ops if op.op_class in ("conv", "pool")][:2]
    if len(first) < 2:
        return Claim("resnet-stem", "ResNet", UNCHECKABLE, (), {"found": False}, ("resnet18",))
    simple = first[0].op_class == "conv" and first[0].window.kernel == (7, 7) and first[1].op_class == "pool"
    return Claim(
        "resnet-stem", "ResNet", HOLDS if simple else FAILS,
        (Measurement("first two layers", ", ".join(f"{op.op_class} {window_label(op)}" for op in first)),),
        {"found": True, "reduction": first[0].window.stride[0] * first[1].window.stride[0],
         "first": [f"{op.op_class} {window_label(op)}" for op in first]}, ("resnet18",))


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
    profile = given_or_zoo(profile, "inception_resnet_v2")
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
    squeeze, alexnet = given_or_zoo(squeeze, "squeezenet1_0"), given_or_zoo(alexnet, "alexnet")
    factor = alexnet.totals.params / squeeze.totals.params
    return Claim(
        "squeezenet-small", "SqueezeNet", HOLDS if factor >= SMALL_FACTOR else FAILS,
        (Measurement("SqueezeNet 1.0 parameters", squeeze.totals.params),
         Measurement("AlexNet parameters", alexnet.totals.params), Measurement("factor", factor, "x"),
         Measurement("SqueezeNet fp32 weights", squeeze.totals.weight_bytes / 1e6, "MB")),
        {"factor": factor, "small": SMALL_FACTOR}, ("squeezenet1_0", "alexnet"))


def enet_params(enet: ModelProfile | None = None, squeeze: ModelProfile | None = None) -> Claim:
    enet, squeeze = given_or_zoo(enet, "enet"), given_or_zoo(squeeze, "squeezenet1_0")
    params = enet.totals.params
    return Claim(
        "enet-params", "ENet", HOLDS if params < FEW_PARAMS else FAILS,
        (Measurement("ENet parameters", params),
         Measurement("SqueezeNet 1.0 parameters", squeeze.totals.params)),
        {"params": params, "few": FEW_PARAMS, "fewer_than_squeezenet": params < squeeze.totals.params},
        ("enet",))


def enet_size(profile: ModelProfile | None = None) -> Claim:
    megabytes = given_or_zoo(profile, "enet").totals.weight_bytes_fp16 / 1e6
    close = abs(megabytes / ESSAY_ENET_FP16_MB - 1) <= ROUNDING_TOLERANCE
    return Claim(
        "enet-size", "ENet", HOLDS if close else CORRECTED,
        (Measurement("parameters at 2 bytes each", megabytes, "MB"),),
        {"megabytes": megabytes, "essay": ESSAY_ENET_FP16_MB}, ("enet",))


def module_analysis() -> Claim:
    return Claim("module-analysis", "module analysis", UNCHECKABLE)


def xception_separable(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "xception")
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
    xception, resnet34 = given_or_zoo(xception, "xception"), given_or_zoo(resnet34, "resnet34")
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
    block = path_stats(given_or_zoo(fractal, "fractalnet"), scope)
    residual = path_stats(given_or_zoo(resnet, "resnet18"), resnet_scope)
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

