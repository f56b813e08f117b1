"""The essay's claims about LeNet-5, Ciresan's deep MLP and AlexNet (1998-2012)."""

from __future__ import annotations

from typing import Any

from analyzer.bench.machine import machine_label, precision
from analyzer.content import ideas
from analyzer.content.claims.verdicts import (
    FAILS,
    HOLDS,
    UNCHECKABLE,
    Claim,
    Measurement,
    combined,
    given_or_zoo,
    graded,
    map_width,
    ops_of_class,
    window_label,
)
from analyzer.static.graphwalk import (
    convolutions,
    groups,
    kernel,
    path_stats,
)
from analyzer.static.records import ModelProfile

# A multi-layer perceptron has at least two fully connected layers.
MLP_LAYERS = 2
# Figures the essay states (quoted, not measured).
ESSAY_CIRESAN_LAYERS = 9
ESSAY_ALEXNET_KERNELS = (9, 11)


# --- LeNet-5 and the deep MLP -----------------------------------------------------------------------

def lenet_unit(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "lenet5")
    classes = [op.op_class for op in profile.graph.ops if op.op_class in ("conv", "pool", "activation")]
    order = [c for i, c in enumerate(classes) if i == 0 or c != classes[i - 1]][:4]
    pools = sorted({op.op for op in ops_of_class(profile, "pool")})
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
    names = sorted({op.op for op in ops_of_class(given_or_zoo(profile, "lenet5"), "activation")})
    others = [n for n in names if n not in ("tanh", "sigmoid")]
    return Claim(
        "lenet-activations", "LeNet5",
        UNCHECKABLE if not names else FAILS if others else HOLDS,
        (Measurement("activation operations", ", ".join(names)),),
        {"names": names, "others": others}, ("lenet5",))


def lenet_sparse(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "lenet5")
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
            if row.macs and row.ops and map_width(row.output_shape) == 1
            and any(op in ("linear", "conv") for op in _op_classes(profile, row.name))]


def _op_classes(profile: ModelProfile, module: str) -> set[str]:
    return {op.op_class for op in profile.graph.ops if op.module == module}


def lenet_classifier(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "lenet5")
    layers = fully_connected(profile)
    return Claim(
        "lenet-classifier", "LeNet5",
        UNCHECKABLE if not layers else HOLDS if len(layers) >= MLP_LAYERS else FAILS,
        (Measurement("fully connected layers on top of the features", len(layers)),
         Measurement("their types", ", ".join(layers))),
        {"layers": len(layers), "types": layers, "needed": MLP_LAYERS}, ("lenet5",))


def ciresan_mlp(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "ciresan_mlp")
    convs, linears = len(ops_of_class(profile, "conv")), len(ops_of_class(profile, "linear"))
    return Claim(
        "ciresan-mlp", "Dan Ciresan Net",
        UNCHECKABLE if not convs + linears else HOLDS if convs == 0 and linears >= MLP_LAYERS else FAILS,
        (Measurement("convolutions", convs), Measurement("fully connected layers", linears)),
        {"convs": convs, "linears": linears}, ("ciresan_mlp",))


def ciresan_depth(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "ciresan_mlp")
    depth = path_stats(profile).longest if profile.graph.ops else 0
    return Claim(
        "ciresan-depth", "Dan Ciresan Net",
        UNCHECKABLE if not depth else HOLDS if depth <= ESSAY_CIRESAN_LAYERS else FAILS,
        (Measurement("weighted layers of the zoo's network (the paper's best)", depth),),
        {"depth": depth, "essay": ESSAY_CIRESAN_LAYERS}, ("ciresan_mlp",))


def ciresan_gpu(profile: ModelProfile | None = None) -> Claim:
    profile = given_or_zoo(profile, "ciresan_mlp")
    return Claim(
        "ciresan-gpu", "Dan Ciresan Net", UNCHECKABLE,
        (Measurement("parameters", profile.totals.params),
         Measurement("MACs per digit", profile.totals.macs)), {}, ("ciresan_mlp",))


# --- AlexNet ----------------------------------------------------------------------------------------

def alexnet_relu(profile: ModelProfile | None = None) -> Claim:
    names = sorted({op.op for op in ops_of_class(given_or_zoo(profile, "alexnet"), "activation")})
    others = [n for n in names if not n.startswith("relu")]
    return Claim(
        "alexnet-relu", "AlexNet", UNCHECKABLE if not names else FAILS if others else HOLDS,
        (Measurement("activation operations", ", ".join(names)),),
        {"names": names, "others": others}, ("alexnet",))


def alexnet_dropout(profile: ModelProfile | None = None) -> Claim:
    """The paper drops the outputs of the two hidden fully connected layers: after each hidden
    linear layer (and its activation), the next module must be a dropout."""
    profile = given_or_zoo(profile, "alexnet")
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
    pools = [op for op in ops_of_class(given_or_zoo(profile, "alexnet"), "pool") if op.op.startswith("max_pool")]
    overlapping = sum(1 for op in pools if op.window.kernel[0] > op.window.stride[0])
    return Claim(
        "alexnet-pooling", "AlexNet", graded(overlapping, len(pools)),
        (Measurement("max-pooling layers", len(pools)), Measurement("overlapping ones", overlapping),
         Measurement("windows", ", ".join(sorted({window_label(op) for op in pools})))),
        {"pools": len(pools), "overlapping": overlapping}, ("alexnet",))


def alexnet_two_gpus(profile: ModelProfile | None = None) -> Claim:
    """Only the split is measurable: convolutions that read half of the maps are two-group ones."""
    profile = given_or_zoo(profile, "alexnet")
    split = [groups(profile, op) for op in convolutions(profile)]
    return Claim(
        "alexnet-two-gpus", "AlexNet",
        UNCHECKABLE if not split else HOLDS if 2 in split and set(split) <= {1, 2} else FAILS,
        (Measurement("groups of each convolution", ", ".join(map(str, split))),),
        {"split": split, "two": split.count(2), "convs": len(split)}, ("alexnet",))


def alexnet_kernels(profile: ModelProfile | None = None) -> Claim:
    sizes = sorted({kernel(op)[0] for op in convolutions(given_or_zoo(profile, "alexnet"))}, reverse=True)
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

