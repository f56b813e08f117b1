"""The zoo against its own metadata: parameter counts and output shapes."""

from __future__ import annotations

import pytest
import torch

import analyzer
from analyzer import registry

NAMES = analyzer.names()


def test_every_name_the_site_uses_is_registered():
    fixed = """lenet5 ciresan_mlp alexnet overfeat_fast overfeat_accurate vgg11 vgg13 vgg16 vgg19 nin
    googlenet bn_inception inception_v3 resnet18 resnet34 resnet50 resnet101 resnet152 inception_v4
    inception_resnet_v2 squeezenet1_0 squeezenet1_1 enet xception mobilenet_v1 fractalnet""".split()
    assert set(fixed) <= set(NAMES), sorted(set(fixed) - set(NAMES))


# Pairs in the order their papers appeared, from the arXiv listings' submission dates.
PUBLISHED_IN_ORDER = [
    ("vgg16", "googlenet"),  # 1409.1556 (4 Sep 2014), 1409.4842 (17 Sep 2014)
    ("inception_v3", "resnet50"),  # 1512.00567 (2 Dec 2015), 1512.03385 (10 Dec 2015)
    ("fractalnet", "densenet121"),  # May 2016, Aug 2016
    ("xception", "resnext50_32x4d"),  # Oct 2016, Nov 2016
    ("shufflenet_v1", "se_resnet50"),  # Jul 2017, Sep 2017
    ("mobilenet_v2", "shufflenet_v2_x1_0"),  # Jan 2018, 30 Jul 2018
    ("shufflenet_v2_x1_0", "mnasnet_a1"),  # 1807.11164, 1807.11626 (31 Jul 2018)
    ("regnety_400mf", "vit_b_16"),  # Mar 2020, Oct 2020
]


@pytest.mark.parametrize(("earlier", "later"), PUBLISHED_IN_ORDER)
def test_the_history_runs_in_order_of_publication(earlier, later):
    assert NAMES.index(earlier) < NAMES.index(later)


def test_variants_of_one_paper_keep_their_registration_order():
    resnets = [n for n in NAMES if analyzer.spec(n).paper == "arXiv:1512.03385"]
    assert resnets[:3] == ["resnet18", "resnet34", "resnet50"]
    assert resnets.index("resnet50") < resnets.index("resnet50_v1_5")


def test_registry_refuses_a_duplicate_name():
    spec = analyzer.spec("vgg16")
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(spec)(lambda: None)


def test_unknown_name_suggests_close_names():
    with pytest.raises(registry.UnknownModelError) as err:
        analyzer.spec("resnet5")
    assert "resnet50" in err.value.suggestions


def test_variants_name_a_registered_paper_model():
    for spec in analyzer.specs():
        if spec.variant_of is not None:
            assert spec.variant_of in NAMES and spec.differences, spec.name


@pytest.mark.parametrize("name", NAMES)
def test_parameter_count_matches_the_published_figure(name):
    spec = analyzer.spec(name)
    assert spec.params is not None, f"{name} has no published parameter figure"
    assert spec.params.confidence != "MU", "an unverified figure is no oracle"
    model = analyzer.build(name, device="meta")
    count = sum(p.numel() for p in model.parameters())
    if spec.params.tolerance == 0:
        assert count == spec.params.value
    else:
        assert count == pytest.approx(spec.params.value, rel=spec.params.tolerance), spec.params.why


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_at_the_standard_input(name):
    spec = analyzer.spec(name)
    model = analyzer.build(name, device="meta")
    with torch.no_grad():
        out = model(torch.empty(2, *spec.input_shape, device="meta"))
    assert tuple(out.shape) == (2, *spec.output_shape)


SMALL = [n for n in NAMES if analyzer.spec(n).params.value < 30e6]


@pytest.mark.slow
@pytest.mark.parametrize("name", SMALL)
def test_small_models_run_on_the_cpu(name):
    spec = analyzer.spec(name)
    torch.manual_seed(0)
    with torch.inference_mode():
        out = analyzer.build(name)(torch.randn(1, *spec.input_shape))
    assert tuple(out.shape) == (1, *spec.output_shape) and torch.isfinite(out).all()
