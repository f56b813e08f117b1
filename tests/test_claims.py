"""The essay's claims: each check fed a measurement on each side of its threshold (small modules,
edited records), its verdict and its sentence; nothing measured never holds; the page agrees."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
import torch
from torch import nn

import analyzer
from analyzer.archs.resnet import Bottleneck
from analyzer.bench.results import load_results
from analyzer.content import claims, ideas
from analyzer.render import pages
from analyzer.static.graphwalk import convolutions, groups
from analyzer.static.profiler import zoo_profile

H, C, F, U = claims.HOLDS, claims.CORRECTED, claims.FAILS, claims.UNCHECKABLE


def explanation(claim: claims.Claim) -> str:
    return str(pages.environment().get_template(claim.text).module.explanation(claim)).strip()


def statement(claim: claims.Claim) -> str:
    return str(pages.environment().get_template(claim.text).module.statement(claim)).strip()


def prof(module: nn.Module, size: tuple[int, int, int] = (3, 32, 32), depth: int | None = None):
    return analyzer.profile(module.eval(), input_size=size, depth=depth)


def sides(*pairs: tuple[claims.Claim, str]) -> None:
    """Each claim has its expected verdict, and the sentences differ between verdicts."""
    for claim, verdict in pairs:
        assert claim.verdict == verdict, (claim.slug, claim.verdict, claim.facts)
    texts = {claim.verdict: explanation(claim) for claim, _ in pairs}
    assert len(set(texts.values())) == len(texts), texts


@pytest.fixture(scope="module")
def static_claims() -> dict[str, claims.Claim]:
    return {c.slug: c for c in claims.all_claims([])}


# --- the verdict rules ------------------------------------------------------------------------------

def test_the_majority_rule():
    assert [claims.graded(n, 10) for n in (10, 6, 5, 1, 0)] == [H, C, F, F, F]
    assert claims.graded(0, 0) == U


def test_parts_combine():
    assert claims.combined(H, H) == H and claims.combined(H, F) == C and claims.combined(F, F) == F
    assert claims.combined(U, H) == H and claims.combined(U, U) == U


def test_an_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="verdict"):
        claims.Claim("x", "s", "mostly true")


class Doubling(nn.Module):
    def forward(self, x):
        return x * 2


NOTHING = (claims.lenet_unit, claims.lenet_activations, claims.lenet_sparse, claims.lenet_classifier,
           claims.ciresan_mlp, claims.ciresan_depth, claims.alexnet_relu, claims.alexnet_dropout,
           claims.alexnet_pooling, claims.alexnet_two_gpus, claims.alexnet_kernels, claims.vgg_e_blocks,
           claims.nin_after_each, claims.googlenet_branches, claims.googlenet_reductions, claims.inception_bn,
           claims.inception_factorize, claims.inception_widen, claims.inception_grid_reduction,
           claims.resnet_bottleneck, claims.resnet_stem, claims.inception_resnet, claims.xception_separable)


@pytest.mark.parametrize("check", NOTHING, ids=lambda c: c.__name__)
def test_nothing_to_measure_never_holds(check):
    claim = check(prof(Doubling()))
    assert claim.verdict in (U, F), (claim.slug, claim.verdict)
    assert explanation(claim)


# --- dates ------------------------------------------------------------------------------------------

def test_dates_against_the_registry():
    def spec(year, paper):
        return SimpleNamespace(year=year, paper=paper, display_name="Net")

    sides((claims.essay_date("d", "s", "Net", "", 2015, 12, spec(2015, "arXiv:1512.03385")), H),
          (claims.essay_date("d", "s", "Net", "", 2015, 2, spec(2015, "arXiv:1512.03385")), C),
          (claims.essay_date("d", "s", "Net", "", 2014, 12, spec(2015, "arXiv:1512.03385")), F))
    assert claims.essay_date("d", "s", "Net", "", 1994, None, spec(1998, "doi:10.1109/5.726791")).verdict == C


def test_the_essays_dates_hold_except_lenet(static_claims):
    assert static_claims["lenet-year"].verdict == C  # the journal paper is from 1998
    for slug in ("overfeat-date", "bn-inception-date", "inception-v3-date", "resnet-date", "mobilenet-date"):
        assert static_claims[slug].verdict == H, slug


# --- LeNet-5, Ciresan -------------------------------------------------------------------------------

def test_lenet_unit():
    ordered = nn.Sequential(nn.Conv2d(1, 2, 5), nn.AvgPool2d(2), nn.Tanh())
    squashed = nn.Sequential(nn.Conv2d(1, 2, 5), nn.Tanh(), nn.AvgPool2d(2), nn.Tanh())
    neither = nn.Sequential(nn.Conv2d(1, 2, 5), nn.ReLU(), nn.MaxPool2d(2), nn.ReLU())
    sides((claims.lenet_unit(prof(ordered, (1, 32, 32))), H), (claims.lenet_unit(prof(squashed, (1, 32, 32))), C),
          (claims.lenet_unit(prof(neither, (1, 32, 32))), F))
    assert claims.lenet_unit().verdict == C


def test_lenet_activations():
    sides((claims.lenet_activations(prof(nn.Sequential(nn.Conv2d(3, 2, 3), nn.Tanh()))), H),
          (claims.lenet_activations(prof(nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU()))), F))


class TableC3(nn.Module):
    """C3 with every map reading all six S2 maps: the table saves nothing."""

    def __init__(self):
        super().__init__()
        self.maps = nn.ModuleList(nn.Conv2d(6, 1, 5) for _ in range(16))

    def forward(self, x):
        return torch.cat([m(x) for m in self.maps], 1)


def test_lenet_sparse():
    dense = nn.Sequential()
    dense.add_module("s2", nn.Sequential(nn.AvgPool2d(2)))
    dense.add_module("c3", nn.Sequential(TableC3()))
    sides((claims.lenet_sparse(), H), (claims.lenet_sparse(prof(dense, (6, 28, 28))), F))
    # LeCun et al. 1998, Section II.B: C3 has 1,516 trainable parameters against 2,416 fully connected.
    measured = [m.value for m in claims.lenet_sparse().measured]
    assert measured[:2] == [1516, 6 * 16 * 25 + 16]


def test_lenet_classifier_needs_two_layers():
    two = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 30 * 30, 8), nn.ReLU(), nn.Linear(8, 2))
    one = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 30 * 30, 2))
    sides((claims.lenet_classifier(prof(two)), H), (claims.lenet_classifier(prof(one)), F),
          (claims.lenet_classifier(prof(nn.Sequential(nn.Conv2d(3, 4, 3)))), U))
    # LeNet-5: C5 (a 5x5 conv on a 5x5 map) and F6, then the fixed RBF output.
    assert claims.lenet_classifier().facts["types"] == ["Conv2d", "Linear"]


def mlp(depth: int) -> nn.Sequential:
    return nn.Sequential(nn.Flatten(), *(nn.Linear(16, 16) for _ in range(depth)))


def test_ciresan_mlp_and_depth():
    convnet = nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(4, 2), nn.Linear(2, 2))
    sides((claims.ciresan_mlp(prof(mlp(3), (1, 4, 4))), H), (claims.ciresan_mlp(prof(convnet, (1, 4, 4))), F))
    sides((claims.ciresan_depth(prof(mlp(9), (1, 4, 4))), H), (claims.ciresan_depth(prof(mlp(10), (1, 4, 4))), F))
    # 2500-2000-1500-1000-500-10: five hidden layers and the output.
    assert claims.ciresan_depth().facts["depth"] == 6


# --- AlexNet ----------------------------------------------------------------------------------------

def test_alexnet_relu():
    sides((claims.alexnet_relu(prof(nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU()))), H),
          (claims.alexnet_relu(prof(nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU(), nn.Tanh()))), F))


def test_alexnet_dropout_follows_the_hidden_layers():
    # Krizhevsky et al. 2012, Section 4.2: the outputs of the first two fully connected layers are
    # dropped. Torchvision drops their inputs, which leaves fc7's output undropped.
    sides((claims.alexnet_dropout(), H), (claims.alexnet_dropout(zoo_profile("alexnet_torchvision")), F))
    assert zoo_profile("alexnet").totals.params == 60_965_224  # the order changes no count


def test_alexnet_pooling():
    sides((claims.alexnet_pooling(prof(nn.Sequential(nn.MaxPool2d(3, 2)))), H),
          (claims.alexnet_pooling(prof(nn.Sequential(nn.MaxPool2d(3, 2), nn.MaxPool2d(2, 2),
                                                     nn.MaxPool2d(2, 2)))), F),
          (claims.alexnet_pooling(prof(nn.Sequential(nn.MaxPool2d(3, 2), nn.MaxPool2d(3, 2),
                                                     nn.MaxPool2d(2, 2)))), C))


def test_alexnet_groups_follow_the_two_gpu_split():
    # Krizhevsky et al. 2012: conv2, conv4 and conv5 only see the maps on their own GPU.
    profile = zoo_profile("alexnet")
    assert [groups(profile, op) for op in convolutions(profile)] == [1, 2, 1, 2, 2]
    sides((claims.alexnet_two_gpus(), H),
          (claims.alexnet_two_gpus(prof(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3)))), F))


def test_alexnet_has_no_9x9_filter():
    both = nn.Sequential(nn.Conv2d(3, 4, 11), nn.Conv2d(4, 4, 9))
    sides((claims.alexnet_kernels(prof(both, (3, 64, 64))), H), (claims.alexnet_kernels(), F))
    assert claims.alexnet_kernels().facts["sizes"] == [11, 5, 3]  # the paper's Figure 2


def _result(kind: str, latency: dict[str, tuple[float, float, float]] | None = None,
            throughput: float | None = None, dtype: str = "float32", **device):
    models = {name: SimpleNamespace(latency_ms={1: dict(zip(("p10", "median", "p90"), ms))},
                                    throughput={1: 1000 / ms[1]})
              for name, ms in (latency or {}).items()}
    if throughput is not None:
        models["alexnet"] = SimpleNamespace(latency_ms={}, throughput={1: throughput / 2, 64: throughput})
    return SimpleNamespace(device={"kind": kind, "name": f"a {kind}", "dtype": dtype, **device}, models=models)


def test_gpu_speedup_is_context_only():
    timed = claims.gpu_speedup([_result("cpu", throughput=100.0, threads=1, cpu_count=2),
                                _result("cuda", throughput=5000.0, allow_tf32_conv=True),
                                _result("cuda", throughput=9000.0, dtype="bfloat16")])
    untimed = claims.gpu_speedup([])
    assert timed.verdict == untimed.verdict == U
    # Like for like: the float32 GPU run, not the faster bfloat16 one.
    assert timed.measured[-1].value == pytest.approx(50.0)
    assert "float32 (TF32 convolutions)" in timed.measured[1].label
    assert "50 times" in explanation(timed) and explanation(timed) != explanation(untimed)


# --- VGG, NiN ---------------------------------------------------------------------------------------

def test_vgg_stacks():
    rows = ideas.small_filters(depths=(2, 3)).rows
    wider = dataclasses.replace(rows[0], params_ratio=rows[0].params_ratio * 2)
    sides((claims.vgg_stacks(rows), H), (claims.vgg_stacks((wider, rows[1])), F))


def vgg_like(kernels: list[list[int]]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for block in kernels:
        layers += [nn.Conv2d(4, 4, k, padding=k // 2) for k in block] + [nn.MaxPool2d(2)]
    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.MaxPool2d(2), *layers)


def test_vgg_e_blocks_checks_the_kernels():
    sides((claims.vgg_e_blocks(prof(vgg_like([[3], [3, 3, 3, 3], [3, 3, 3, 3], [3, 3, 3, 3]]), (3, 64, 64))), H),
          (claims.vgg_e_blocks(prof(vgg_like([[3], [3, 3, 3, 5], [3, 3, 3, 3], [3, 3, 3, 3]]), (3, 64, 64))), F))
    assert claims.vgg_e_blocks().facts["three"] == [2, 2, 4, 4, 4]  # Simonyan and Zisserman, Table 1 E


def test_vgg_cost():
    alexnet = zoo_profile("alexnet")
    sides((claims.vgg_cost(), H), (claims.vgg_cost(vgg=alexnet, alexnet=alexnet), F))


def test_nin_1x1():
    data = ideas.one_by_one()
    sides((claims.nin_cheap_1x1(data), H),
          (claims.nin_cheap_1x1(dataclasses.replace(data, nin_pointwise_macs_share=0.9)), F))


def test_nin_1x1_after_each_convolution():
    nin = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 1))
    plain = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 3), nn.Conv2d(4, 4, 1))
    sides((claims.nin_after_each(prof(nin)), H), (claims.nin_after_each(prof(plain)), F))
    assert claims.nin_after_each().facts == {"spatial": 4, "followed": 4, "pointwise": 8}


def test_nin_gap():
    nin = ideas.head("nin")
    sides((claims.nin_gap(nin), H), (claims.nin_gap(dataclasses.replace(nin, head_params=1000)), F))


# --- GoogLeNet, the bottleneck ----------------------------------------------------------------------

class Inception(nn.Module):
    """A small Inception module (the class name is what the checks look for)."""

    def __init__(self, kernels=(1, 3, 5), pool=True, reduce=True):
        super().__init__()
        self.branches = nn.ModuleList(
            nn.Sequential(nn.Conv2d(8, 2, 1), nn.Conv2d(2, 2, k, padding=k // 2)) if k > 1 and reduce
            else nn.Conv2d(8, 2, k, padding=k // 2) for k in kernels)
        self.pool = nn.Sequential(nn.MaxPool2d(3, 1, 1), nn.Conv2d(8, 2, 1)) if pool else None

    def forward(self, x):
        outs = [b(x) for b in self.branches] + ([self.pool(x)] if self.pool is not None else [])
        return torch.cat(outs + [x[:, : 8 - 2 * len(outs)]], 1)


def googlenet_like(*modules: Inception) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, 8, 1), *modules)


def test_googlenet_branches_per_module():
    full, no5 = Inception(), Inception(kernels=(1, 3))
    sides((claims.googlenet_branches(prof(googlenet_like(Inception(), Inception()))), H),
          (claims.googlenet_branches(prof(googlenet_like(Inception(), Inception(), no5))), C),
          (claims.googlenet_branches(prof(googlenet_like(full, Inception(pool=False)))), F))


def test_googlenet_reductions():
    sides((claims.googlenet_reductions(prof(googlenet_like(Inception()))), H),
          (claims.googlenet_reductions(prof(googlenet_like(Inception(reduce=False)))), F))


def test_googlenet_head():
    heads = {name: ideas.head(name) for name in ("googlenet", "alexnet", "vgg16")}
    sides((claims.googlenet_head({**heads, "googlenet": dataclasses.replace(heads["googlenet"], head_params=0)}), H),
          (claims.googlenet_head(heads), C),
          (claims.googlenet_head({**heads, "googlenet": heads["vgg16"]}), F))


def test_bottleneck_example_tests_the_essays_rounded_figures():
    exact = ideas.bottleneck()
    # 589,824 and 16,384 + 36,864 + 16,384 = 69,632 by hand: 256*256*9, 256*64, 64*64*9, 64*256.
    claim = claims.bottleneck_example(exact)
    assert (claim.facts["direct"], claim.facts["terms"]) == (256 * 256 * 9, (256 * 64, 64 * 64 * 9, 64 * 256))
    assert claim.facts["off"] == ["factor"]  # 8.47 is not "almost 10"
    nearer = dataclasses.replace(exact, comparison=dataclasses.replace(exact.comparison, macs_factor=9.5))
    sides((claims.bottleneck_example(nearer), H), (claim, C),
          (claims.bottleneck_example(ideas.bottleneck(channels=128, reduced=32)), F))


# --- Inception v2/v3, ResNet, Inception v4 ----------------------------------------------------------

def test_inception_bn():
    bn = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Conv2d(4, 4, 3), nn.BatchNorm2d(4))
    half = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Conv2d(4, 4, 3), nn.ReLU())
    sides((claims.inception_bn(prof(bn)), H), (claims.inception_bn(prof(half)), F))


def test_inception_factorize():
    factored = nn.Sequential(nn.Conv2d(3, 4, (1, 7), padding=(0, 3)), nn.Conv2d(4, 4, (7, 1), padding=(3, 0)))
    sides((claims.inception_factorize(prof(factored)), H),
          (claims.inception_factorize(prof(nn.Sequential(factored, nn.Conv2d(4, 4, 5)))), C),
          (claims.inception_factorize(prof(nn.Sequential(nn.Conv2d(3, 4, 5)))), F))


def widths(*channels: int) -> nn.Sequential:
    layers: list[nn.Module] = []
    cin = 3
    for c in channels:
        layers += [nn.Conv2d(cin, c, 3, padding=1), nn.MaxPool2d(2)]
        cin = c
    return nn.Sequential(*layers)


def test_inception_widen_compares_each_reduction_with_the_previous():
    sides((claims.inception_widen(prof(widths(8, 16, 32), depth=1)), H),
          (claims.inception_widen(prof(widths(8, 16, 32, 16, 64), depth=1)), C),
          (claims.inception_widen(prof(widths(32, 16, 8), depth=1)), F))
    # Szegedy et al. 2015 (Inception v3), Figure 5-7 and Table 1: 64 before pool1, 192 before pool2,
    # 288 into the 17x17 grid, 768 into the 8x8 one.
    assert claims.inception_widen().facts["entering"][1:] == [64, 192, 288, 768]


class Reduction(nn.Module):
    def __init__(self, pool: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, stride=2, padding=1)
        self.other = nn.MaxPool2d(3, 2, 1) if pool else nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x):
        return torch.cat([self.conv(x), self.other(x)], 1)


def test_inception_grid_reduction():
    def check(*modules):
        net = nn.Sequential(nn.Conv2d(3, 4, 1), *modules)
        return claims.inception_grid_reduction(prof(net, depth=1), prof(net))

    sides((check(Reduction()), H), (check(Reduction(pool=False)), F))
    assert claims.inception_grid_reduction().facts["modules"] == ["mixed6a", "mixed7a"]


class TwoConvs(nn.Module):
    def __init__(self, shortcut: bool):
        super().__init__()
        self.shortcut = shortcut
        self.a, self.b = nn.Conv2d(4, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        out = self.b(self.a(x))
        return out + x if self.shortcut else out


def test_resnet_skip():
    plain = nn.Sequential(nn.Conv2d(3, 4, 1), TwoConvs(shortcut=False))
    sides((claims.resnet_skip(), H), (claims.resnet_skip(prof(plain), "1"), F))


class Uneven(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv2, self.conv3 = nn.Conv2d(4, 8, 1), nn.Conv2d(8, 16, 1)

    def forward(self, x):
        return self.conv3(self.conv2(x))


def test_resnet_bottleneck():
    quarter = nn.Sequential(nn.Conv2d(3, 64, 1), Bottleneck(64, 16))
    sides((claims.resnet_bottleneck(prof(quarter)), H),
          (claims.resnet_bottleneck(prof(nn.Sequential(nn.Conv2d(3, 4, 1), Uneven()))), F))


def test_resnet_depths():
    sides((claims.resnet_hundred(), H), (claims.resnet_hundred(zoo_profile("resnet18")), F))
    small = claims.CifarResNet(blocks=3)
    sides((claims.resnet_thousand(), H), (claims.resnet_thousand(prof(small)), F))
    assert claims.resnet_thousand(prof(small)).facts["longest"] == 6 * 3 + 2  # ResNet-20


def test_resnet_1202_is_the_papers_network():
    deep = claims.resnet_1202()
    assert claims.resnet_thousand(deep).facts["longest"] == 6 * 200 + 2
    # He et al. 2015, Table 6: 19.4 M parameters (printed to 0.1 M).
    assert deep.totals.params == pytest.approx(19.4e6, abs=0.05e6)


def test_resnet_stem():
    sides((claims.resnet_stem(), H), (claims.resnet_stem(prof(nn.Sequential(nn.Conv2d(3, 4, 3), nn.MaxPool2d(2)))), F))


def test_inception_resnet():
    sides((claims.inception_resnet(), H), (claims.inception_resnet(zoo_profile("inception_v4")), F))
    # Szegedy et al. 2016 as built by timm: 10 + 20 + 10 residual Inception blocks on 35, 17 and 8.
    assert claims.inception_resnet().facts == {"modules": 40, "grids": [35, 17, 8]}


# --- SqueezeNet, ENet, Xception, MobileNets, FractalNet ---------------------------------------------

def test_small_networks():
    alexnet = zoo_profile("alexnet")
    sides((claims.squeezenet_small(), H), (claims.squeezenet_small(squeeze=alexnet), F))
    sides((claims.enet_params(), H), (claims.enet_params(enet=alexnet), F))
    sides((claims.enet_size(), H), (claims.enet_size(alexnet), C))


def separable(pointwise: bool) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(3, 8, 1), nn.Conv2d(8, 8, 3, groups=8),
                         nn.Conv2d(8, 8, 1) if pointwise else nn.Conv2d(8, 8, 3))


def test_xception():
    sides((claims.xception_separable(prof(separable(True))), H),
          (claims.xception_separable(prof(separable(False))), F))
    sides((claims.xception_depth(), H), (claims.xception_depth(xception=zoo_profile("resnet34")), F))
    # Chollet 2016: 36 convolutional layers.
    assert claims.xception_depth().facts["layers"] == 36


def test_mobilenet_params():
    data = ideas.depthwise_separable()
    sides((claims.mobilenet_params(data), H),
          (claims.mobilenet_params(dataclasses.replace(data, separable_params=data.standard_params)), F))


FAST = {"resnet18": (1.8, 2.0, 2.2), "alexnet": (0.9, 1.0, 1.1), "vgg16": (2.8, 3.0, 3.2),
        "squeezenet1_0": (2.3, 2.5, 2.7)}


@pytest.mark.parametrize("mobilenet, expected", [
    # 13-40x slower, far beyond the spread and within a factor of 2 of each ratio the essay printed.
    ((36.0, 40.0, 44.0), H),
    # Slower beyond the spread, by 2-8x: the direction holds, the essay's 12-33x does not.
    ((7.5, 8.0, 8.5), C),
    # Within the spread of the slower half (VGG-16, SqueezeNet): not shown.
    ((2.6, 2.9, 3.3), F),
])
def test_mobilenet_latency_with_a_noise_margin(mobilenet, expected):
    results = [_result("cuda", {**FAST, "mobilenet_v1": mobilenet}),
               _result("cpu", {**FAST, "mobilenet_v1": (0.1,) * 3})]
    claim = claims.mobilenet_latency(results)
    assert claim.verdict == expected
    assert claim.facts["comparisons"] == 4  # the CPU run is not what the claim is about


def test_mobilenet_latency_sentences_follow_the_verdict():
    sides(*((claims.mobilenet_latency([_result("cuda", {**FAST, "mobilenet_v1": ms})]), verdict)
            for ms, verdict in (((36.0, 40.0, 44.0), H), ((7.5, 8.0, 8.5), C), ((2.6, 2.9, 3.3), F))),
          (claims.mobilenet_latency([]), U))


def test_mobilenet_latency_counts_arithmetic_operations_by_hand():
    measured = {m.label: m.value for m in claims.mobilenet_latency([]).measured}
    # VGG-16: 13 convs and 15 ReLUs, 5 max pools, 3 linear layers (dropout is idle in eval): 36.
    # MobileNet v1: 27 convs, each with batch norm and ReLU, the global mean and the classifier: 83.
    assert measured["arithmetic operations per pass: vgg16"] == 13 + 15 + 5 + 3
    assert measured["arithmetic operations per pass: mobilenet_v1"] == 27 * 3 + 1 + 1


class ThreePaths(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = (nn.Conv2d(4, 4, 3, padding=1) for _ in range(3))

    def forward(self, x):
        return x + self.a(x) + self.c(self.b(x))


def test_fractalnet_against_resnet():
    plain = nn.Sequential(nn.Conv2d(3, 4, 1), TwoConvs(shortcut=False))
    sides((claims.fractalnet_generalises(prof(nn.Sequential(nn.Conv2d(3, 4, 1), ThreePaths())), scope="1"), H),
          (claims.fractalnet_generalises(), C),
          (claims.fractalnet_generalises(prof(plain), scope="1"), F))
    # Larsson et al. 2016, Figure 1: f_{C+1} joins one conv with f_C twice in a row, so a block of
    # C = 3 columns has 1 + (1 + 1^2)^2 = 5 paths, of 1 to 2^(C-1) = 4 convs.
    facts = claims.fractalnet_generalises().facts
    assert (facts["paths"], facts["shortest"], facts["longest"]) == (5, 1, 4)


# --- the page ---------------------------------------------------------------------------------------

def test_every_claim_renders_one_statement_and_one_sentence(static_claims):
    for claim in static_claims.values():
        assert claim.verdict in claims.VERDICTS
        assert statement(claim).endswith(".") and explanation(claim).endswith("."), claim.slug
        assert "{{" not in explanation(claim) and "\n" not in explanation(claim), claim.slug


def test_runtime_claims_say_not_measured_without_data(static_claims, tmp_path):
    assert load_results(tmp_path) == []
    assert static_claims["mobilenet-latency"].verdict == U
    assert explanation(static_claims["mobilenet-latency"]).startswith("Not measured yet")
    assert "no benchmark results" in explanation(static_claims["gpu-speedup"])


def test_the_summary_agrees_with_the_verdicts(static_claims):
    # Rendered as the site renders it: the site's environment and text context.
    checked = list(static_claims.values())
    site = pages.Site({"models": [], "ratios": {}, "ideas": [], "idea_tags": [], "claims": checked}, {})
    page = pages.claims_page(pages.environment(), site)
    essay, later = page.split("## The later papers' claims { #later-papers }", 1)
    parts = ((essay.split("## Summary", 1)[1].split("\n## ", 1)[0], [c for c in checked if not c.paper]),
             (later.split("\n## ", 1)[0], [c for c in checked if c.paper]))
    for summary, group in parts:
        assert group
        for verdict in claims.VERDICTS:
            n = sum(1 for c in group if c.verdict == verdict)
            assert (f"- **{verdict}**: {n} of the {len(group)} statements" in summary) == bool(n)
        for claim in group:
            assert f"(#{claim.slug}) | {claim.verdict} |" in summary
    for claim in checked:
        cited = f" · [{claim.paper}]({claim.paper_url})" if claim.paper else ""
        assert f"{{ #{claim.slug} }}\n\n*{claim.section}*{cited} · **{claim.verdict}**" in page
        assert explanation(claim) in page
    assert "Eugenio Culurciello" in page and "source essay" not in page
    assert "(#later-papers)" in essay
