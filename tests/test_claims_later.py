"""The later papers' claims: ShuffleNet V2's guideline networks counted by hand, the timing comparison
on synthetic rounds, each check on both sides of its threshold, the committed timings' provenance."""

from __future__ import annotations

import dataclasses
import json

import pytest

import analyzer
from analyzer.content import claims
from analyzer.content.claims import guideline_modules as gm
from analyzer.content.claims import guidelines
from analyzer.render import pages
from analyzer.static.profiler import zoo_profile

H, C, F, U = claims.HOLDS, claims.CORRECTED, claims.FAILS, claims.UNCHECKABLE


def explanation(claim: claims.Claim) -> str:
    return str(pages.environment().get_template(claim.text).module.explanation(claim)).strip()


def sides(*pairs: tuple[claims.Claim, str]) -> None:
    for claim, verdict in pairs:
        assert claim.verdict == verdict, (claim.slug, claim.verdict, claim.facts)
    texts = {claim.verdict: explanation(claim) for claim, _ in pairs}
    assert len(set(texts.values())) == len(texts), texts
    for text in texts.values():
        assert text.endswith(".") and "\n" not in text and "{{" not in text


# --- the guideline networks, counted by hand ---------------------------------------------------------

def test_the_papers_widths():
    # Ma et al. 2018, Tables 1 and 2: c1/c2 = 128/128, 90/180, 52/312, 36/432; c = 128, 180, 256, 360.
    assert [v.channels for v in gm.BY_KEY["g1"].variants] == [128, 90, 52, 36]
    assert [v.channels for v in gm.BY_KEY["g2"].variants] == [128, 180, 256, 360]


def test_g1_macs_and_memory_by_hand():
    positions = gm.GRID * gm.GRID
    for ratio, variant in zip((1, 2, 6, 12), gm.BY_KEY["g1"].variants):
        c1, c2 = variant.channels, ratio * variant.channels
        totals = guidelines.variant_profiles("g1")[variant.label].totals
        assert totals.macs == gm.BLOCKS * 2 * positions * c1 * c2
        # Each conv reads its input and weights and writes its output, 4 bytes apiece.
        per_block = 4 * (2 * positions * (c1 + c2) + 2 * c1 * c2)
        assert totals.bytes_moved == gm.BLOCKS * per_block


def test_g2_memory_grows_with_the_groups_by_hand():
    positions = gm.GRID * gm.GRID
    for g, variant in zip((1, 2, 4, 8), gm.BY_KEY["g2"].variants):
        c = variant.channels
        totals = guidelines.variant_profiles("g2")[variant.label].totals
        assert totals.macs == gm.BLOCKS * positions * c * c // g
        assert totals.bytes_moved == gm.BLOCKS * 4 * (2 * positions * c + c * c // g)


def test_g3_and_g4_keep_the_flops():
    for key in ("g3", "g4"):
        macs = [p.totals.macs for p in guidelines.variant_profiles(key).values()]
        assert max(macs) / min(macs) - 1 < 0.02, key


def test_g4_elementwise_share_by_hand():
    profile = guidelines.variant_profiles("g4")["ReLU and shortcut"]
    flops, moved = guidelines.elementwise_share(profile)
    c, positions = 2 * gm.WIDTH, gm.GRID * gm.GRID
    # Per block: ReLU on the two inner maps and on the output, one addition: each one FLOP a value.
    elementwise_flops = gm.BLOCKS * positions * (c // 4 * 2 + c * 2)
    assert flops == pytest.approx(elementwise_flops / profile.totals.flops)
    assert moved > 10 * flops


# --- the timing comparison --------------------------------------------------------------------------

def test_the_median_interval_is_the_sign_tests():
    values = list(range(100))
    # n = 100: k = floor((100 - 1.96 * 10) / 2) = 40, the 41st and 60th of the ordered values.
    assert guidelines.median_interval(values) == (40, 59)


def test_paired_reads_the_noise():
    reference = [10.0, 12.0, 9.0, 15.0] * 10
    assert guidelines.paired("v", [t * 1.05 for t in reference], reference).outcome == "slower"
    assert guidelines.paired("v", [t * 0.95 for t in reference], reference).outcome == "faster"
    mixed = [t * (1.2 if i % 2 else 0.85) for i, t in enumerate(reference)]
    assert guidelines.paired("v", mixed, reference).outcome == "within noise"
    # Per MAC: twice the time for twice the MACs is no slower.
    assert guidelines.paired("v", [2 * t for t in reference], reference, macs_ratio=2).outcome == "within noise"


def rounds(key: str, per_mac: dict[str, float]) -> dict[str, list[float]]:
    """Synthetic rounds: a noisy reference, each variant `per_mac[label]` times its time per MAC."""
    guideline = gm.BY_KEY[key]
    profiles = guidelines.variant_profiles(key)
    base = [5.0 + (i % 7) * 0.4 for i in range(40)]
    ref_macs = profiles[guideline.reference].totals.macs
    return {v.label: [t * per_mac.get(v.label, 1.0) * profiles[v.label].totals.macs / ref_macs for t in base]
            for v in guideline.variants}


def times_for(key: str, slower: float, **overrides: float) -> guidelines.GuidelineTimes:
    guideline = gm.BY_KEY[key]
    factors = {v.label: slower for v in guideline.variants if v.label != guideline.reference} | overrides
    return guidelines.GuidelineTimes({"kind": "cpu", "name": "a cpu", "threads": 1}, {}, {key: rounds(key, factors)})


def labels(key: str) -> list[str]:
    return [v.label for v in gm.BY_KEY[key].variants if v.label != gm.BY_KEY[key].reference]


def swapped(key: str) -> dict:
    """The guideline's profiles with the reference's swapped for the heaviest variant's."""
    profiles = dict(guidelines.variant_profiles(key))
    heaviest = max(profiles, key=lambda label: profiles[label].totals.bytes_moved)
    reference = gm.BY_KEY[key].reference
    profiles[reference], profiles[heaviest] = profiles[heaviest], profiles[reference]
    return profiles


def test_g1_on_both_sides():
    check = guidelines.equal_widths
    sides((check(times_for("g1", 1.2)), H), (check(times_for("g1", 1.2, **{"1:2": 0.8, "1:6": 0.8})), C),
          (check(times_for("g1", 0.8), swapped("g1")), F), (check(None), U))


def test_g2_on_both_sides():
    check = guidelines.grouped_convolutions
    sides((check(times_for("g2", 1.2)), H), (check(times_for("g2", 0.8)), C),
          (check(times_for("g2", 0.8), swapped("g2")), F), (check(None), U))


def test_g3_on_both_sides():
    check = guidelines.fragmentation
    first, *rest = labels("g3")
    sides((check(times_for("g3", 1.2)), H), (check(times_for("g3", 1.2, **{first: 1.0})), C),
          (check(times_for("g3", 1.0)), F), (check(None), U))


def test_g4_on_both_sides():
    check = guidelines.elementwise_operations
    profiles = guidelines.variant_profiles("g4")
    light = {**profiles, "ReLU and shortcut": profiles["neither"]}
    sides((check(times_for("g4", 1.2)), H), (check(times_for("g4", 0.9)), C),
          (check(times_for("g4", 1.0), light), F), (check(None), U))


def test_without_the_timing_file_nothing_is_checked(tmp_path):
    found = claims.guideline_claims(tmp_path / "missing.json")
    assert {c.verdict for c in found} == {U}
    assert all(explanation(c).count("Not measured yet") == 1 for c in found)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"schema": 99}))
    with pytest.raises(ValueError, match="not a guideline timing file"):
        claims.guideline_claims(bad)


def test_the_committed_timings_say_how_they_were_made():
    times = guidelines.load_times()
    assert times is not None, "data/guidelines/cpu.json is committed"
    assert {"torch", "threads", "date", "name", "load_average_start", "load_average_end"} <= set(times.machine)
    assert {"rounds", "runs_per_round", "threads", "batch_size"} <= set(times.settings)
    for key, guideline in gm.BY_KEY.items():
        assert set(times.rounds[key]) == {v.label for v in guideline.variants}
        assert {len(ts) for ts in times.rounds[key].values()} == {times.settings["rounds"]}


# --- cost against accuracy ----------------------------------------------------------------------

def accuracy(top1: float) -> analyzer.registry.Accuracy:
    return analyzer.registry.Accuracy(top1, None, "a protocol", "a source", "VS")


def test_mobilenet_v2_against_v1():
    v1, v2 = zoo_profile("mobilenet_v1"), zoo_profile("mobilenet_v2")
    check = claims.mobilenet_v2_against_v1
    sides((check(), H), (check(accuracies=(accuracy(70.8), accuracy(70.6))), C),
          (check(v2=v1, v1=v2, accuracies=(accuracy(70.0), accuracy(70.6))), F))
    # Sandler et al. 2018, Table 4: 300 M multiply-adds against MobileNet v1's 575 M.
    assert check().facts["macs_ratio"] == pytest.approx(300 / 575, rel=0.02)


def test_densenet_efficiency():
    check = claims.densenet_efficiency
    resnet = zoo_profile("resnet101_v1_5")
    sides((check(), H), (check(accuracies=(accuracy(75.0), accuracy(77.4))), C),
          (check(dense=resnet, accuracies=(accuracy(75.0), accuracy(77.4))), F))
    # Huang et al. 2016, Section 4.4: 20 M parameters against more than 40 M.
    assert check().measured[0].value == pytest.approx(20e6, rel=0.01)


def test_efficientnet_cost():
    check = claims.efficientnet_cost
    b0 = zoo_profile("efficientnet_b0")
    claim = check()
    # Tan and Le 2019, Table 2: 4.9x the parameters and 11x the FLOPs.
    assert claim.facts["params_factor"] == pytest.approx(4.9, rel=0.05)
    assert claim.facts["macs_factor"] == pytest.approx(11, rel=0.05)
    sides((claim, H), (check(accuracies=(accuracy(70.0), accuracy(76.1))), C),
          (check(resnet=b0, accuracies=(accuracy(70.0), accuracy(76.1))), F))


def test_convnext_cost():
    names = ("convnext_tiny", "resnet50_v1_5", "vit_b_16")
    profiles = {n: zoo_profile(n) for n in names}
    check = claims.convnext_cost
    behind = {"convnext_tiny": accuracy(70.0), "resnet50_v1_5": accuracy(76.1), "vit_b_16": accuracy(81.1)}
    sides((check([]), H), (check([], accuracies=behind), C),
          (check([], {**profiles, "convnext_tiny": profiles["vit_b_16"]}, behind), F))
    assert check([]).facts["timed"] is False
    assert "cannot be checked here" in explanation(check([]))


def test_convnext_speed_when_timed():
    from types import SimpleNamespace

    def run(ms: dict[str, float]):
        models = {n: SimpleNamespace(latency_ms={1: {"median": t, "p10": 0.95 * t, "p90": 1.05 * t}})
                  for n, t in ms.items()}
        return SimpleNamespace(device={"kind": "cpu", "name": "a cpu", "dtype": "float32", "threads": 1},
                               models=models)

    fast = claims.convnext_cost([run({"convnext_tiny": 100, "resnet50_v1_5": 90, "vit_b_16": 400})])
    slow = claims.convnext_cost([run({"convnext_tiny": 500, "resnet50_v1_5": 90, "vit_b_16": 400})])
    assert (fast.facts["time_verdict"], slow.facts["time_verdict"]) == (H, F)
    assert (fast.verdict, slow.verdict) == (H, C)
    assert explanation(fast) != explanation(slow)


def test_later_claims_cite_their_papers():
    for claim in claims.later_claims([]):
        assert claim.paper.startswith("arXiv:") and claim.paper_url.startswith("https://arxiv.org/abs/")
        assert dataclasses.replace(claim, paper="").paper_url == ""
