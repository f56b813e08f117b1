"""The article's claims: allowed verdicts, the thresholds' decisions, and runtime data handled or missing."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from analyzer.bench.results import load_results
from analyzer.content import claims
from analyzer.render import pages
from analyzer.static.graphwalk import convolutions, groups
from analyzer.static.profiler import zoo_profile


@pytest.fixture(scope="module")
def static_claims() -> dict[str, claims.Claim]:
    return {c.slug: c for c in claims.all_claims([])}


# The rows of the source article's table (shared/seed/README.md) that state claims.
SECTIONS = {"LeNet5", "Dan Ciresan Net", "AlexNet", "VGG", "Network-in-Network", "GoogLeNet / Inception",
            "bottleneck layer", "Inception V2 / V3", "ResNet", "Inception V4", "SqueezeNet", "ENet",
            "module analysis", "Xception", "MobileNets"}


def test_every_row_with_a_claim_is_checked(static_claims):
    assert {c.section for c in static_claims.values()} == SECTIONS
    assert {"gpu-speedup", "mobilenet-latency"} <= set(static_claims)


def test_every_claim_has_an_allowed_verdict_and_one_sentence(static_claims):
    for claim in static_claims.values():
        assert claim.verdict in claims.VERDICTS
        assert claim.explanation.endswith(".") and ". " not in claim.explanation, claim.slug


def test_an_unknown_verdict_is_refused():
    with pytest.raises(ValueError, match="verdict"):
        claims.Claim("x", "s", "text", (), "mostly true", "Why.")


def test_graded_verdicts():
    assert [claims.graded(3, 3), claims.graded(1, 3), claims.graded(0, 3)] == [
        claims.HOLDS, claims.CORRECTED, claims.FAILS]


def test_decisions_on_the_zoo(static_claims):
    # 589,824 / 69,632 = 8.47, 15% short of the article's "almost 10x": exact counts, rounded factor off.
    assert static_claims["bottleneck-example"].verdict == claims.CORRECTED
    # The journal paper is from 1998, not 1994.
    assert static_claims["lenet-year"].verdict == claims.CORRECTED
    # Torchvision's Inception v3 keeps 5x5 convs in its three 35x35 modules.
    assert static_claims["inception-factorize"].verdict == claims.CORRECTED
    assert static_claims["xception-depth"].measured[0].value == 36  # Chollet 2016: 36 conv layers
    assert static_claims["resnet-100"].measured[0].value == 152
    assert static_claims["module-analysis"].verdict == claims.UNCHECKABLE


def test_alexnet_groups_follow_the_two_gpu_split():
    # Krizhevsky et al. 2012: conv2, conv4 and conv5 only see the maps on their own GPU.
    profile = zoo_profile("alexnet")
    assert [groups(profile, op) for op in convolutions(profile)] == [1, 2, 1, 2, 2]


def test_runtime_claims_say_not_measured_without_data(static_claims, tmp_path):
    assert load_results(tmp_path) == []
    for slug in ("gpu-speedup", "mobilenet-latency"):
        assert static_claims[slug].verdict == claims.UNCHECKABLE
        assert static_claims[slug].explanation.startswith("Not measured yet")


def _result(kind: str, latency: dict[str, float] | None = None, throughput: float | None = None):
    models = {name: SimpleNamespace(latency_ms={1: {"median": ms}}, throughput={1: 1000 / ms})
              for name, ms in (latency or {}).items()}
    if throughput is not None:
        models["alexnet"] = SimpleNamespace(latency_ms={}, throughput={1: throughput / 2, 64: throughput})
    return SimpleNamespace(device={"kind": kind, "name": f"a {kind}"}, models=models)


FAST = {"resnet18": 2.0, "alexnet": 1.0, "vgg16": 3.0, "squeezenet1_0": 2.5}


@pytest.mark.parametrize("mobilenet_ms, expected", [
    # Slower than all four rivals on both devices; than all four on one and only AlexNet on the other;
    # faster than every rival everywhere.
    ((9.0, 8.0), claims.HOLDS), ((9.0, 1.5), claims.CORRECTED), ((0.5, 0.5), claims.FAILS)])
def test_mobilenet_latency_verdict_per_device_and_rival(mobilenet_ms, expected):
    results = [_result(kind, {**FAST, "mobilenet_v1": ms}) for kind, ms in zip(("cpu", "cuda"), mobilenet_ms)]
    assert claims.mobilenet_latency(results).verdict == expected


def test_mobilenet_latency_counts_arithmetic_operations_by_hand():
    measured = {m.label: m.value for m in claims.mobilenet_latency([]).measured}
    # VGG-16: 13 convs and 15 ReLUs, 5 max pools, 3 linear layers (addmm) and AlexNet-style dropout
    # absent in eval: 36. MobileNet v1: 27 convs, each with batch norm and ReLU, the global mean and the
    # classifier's addmm: 83.
    assert measured["arithmetic operations per pass: vgg16"] == 13 + 15 + 5 + 3
    assert measured["arithmetic operations per pass: mobilenet_v1"] == 27 * 3 + 1 + 1


@pytest.mark.parametrize("gpu, expected", [(1500.0, claims.HOLDS), (5000.0, claims.CORRECTED),
                                           (300.0, claims.FAILS)])
def test_gpu_speedup_band(gpu, expected):
    # CPU at 100 images/s: 15x is within 10x / 2 .. 10x * 2, 50x above it, 3x below it.
    claim = claims.gpu_speedup([_result("cpu", throughput=100.0), _result("cuda", throughput=gpu)])
    assert claim.verdict == expected
    assert claim.measured[-1].value == pytest.approx(gpu / 100.0)


def test_claims_page_renders_every_claim(static_claims):
    # Rendered as the site renders it: the site's environment and text context.
    checked = list(static_claims.values())
    site = pages.Site({"models": [], "ratios": {}, "ideas": [], "idea_tags": [], "claims": checked}, {})
    page = pages.claims_page(pages.environment(), site)
    for claim in static_claims.values():
        assert f"{{ #{claim.slug} }}" in page and claim.verdict in page
    assert "589,824" in page and "8.47x" in page
