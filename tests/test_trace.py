"""The tracer: it sees every dispatched operation, attributes it to the module that ran it, and
leaves the model and the interpreter as it found them."""

from __future__ import annotations

import gc

import pytest
import torch
from torch import nn

import analyzer
from analyzer.static.profiler import ProfileInputError, profile
from analyzer.static.trace import modules_in_order


def test_profile_leaves_the_users_model_as_it_was():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4)).train()
    weight = model[0].weight
    before = {k: v.clone() for k, v in model.state_dict().items()}
    profile(model, input_size=(3, 8, 8))
    assert model.training and all(m.training for m in model.modules())
    assert model[0].weight is weight and weight.device.type == "cpu"
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in model.modules())
    assert not any("forward" in vars(m) for m in model.modules())


def test_a_forward_the_user_set_on_an_instance_is_traced_and_put_back():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    conv = model[0]

    def doubled(x):  # an instance-level override, as some users patch a layer
        return nn.Conv2d.forward(conv, x) * 2

    conv.forward = doubled
    report = profile(model, input_size=(3, 8, 8))
    assert vars(conv)["forward"] is doubled and "forward" not in vars(model[1])
    # The override's multiplication ran inside the conv: attributed to it, one FLOP per output.
    row = next(r for r in report.layers if r.name == "0")
    assert row.flops_by_class.get("elementwise") == 4 * 6 * 6


def test_modules_in_order_is_named_modules():
    shared = nn.Linear(2, 2)
    odd = nn.Sequential(nn.Sequential(shared, nn.ReLU()), shared, nn.Sequential(nn.Identity(), nn.Sequential()))
    odd.register_module("missing", None)
    for model in [odd, *(analyzer.build(n, device="meta") for n in ("googlenet", "enet", "inception_resnet_v2"))]:
        assert [(p, id(m)) for p, m in modules_in_order(model)] == [(p, id(m)) for p, m in model.named_modules()]


def test_the_garbage_collector_is_back_as_it_was_after_a_profile():
    seen = []

    class Spy(nn.Module):
        def forward(self, x):
            seen.append(gc.isenabled())
            return x * 2

    assert gc.isenabled()
    profile(Spy(), input_size=(3, 4, 4))
    assert seen == [False] and gc.isenabled()
    with pytest.raises(ProfileInputError):
        profile(Spy(), input_size=(3, 0, 4))
    assert gc.isenabled()
    gc.disable()
    try:
        profile(Spy(), input_size=(3, 4, 4))
        assert not gc.isenabled()  # a caller's choice stays
    finally:
        gc.enable()


def test_wrappers_are_removed_when_the_forward_raises():
    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = nn.Linear(3, 3)

        def forward(self, x):
            return self.inner(x.flatten(1))

    model = Broken()
    with pytest.raises(Exception) as err:
        profile(model, input_size=(3, 4, 4))
    assert err.value.layer == "inner"
    assert not any("forward" in vars(m) for m in model.modules())


@pytest.mark.parametrize("name", ["squeezenet1_1", "resnet18"])
def test_cpu_and_meta_give_the_same_counts(name):
    # ResNet-18's batch norms: in inference the CPU kernel allocates no saved statistics, and neither
    # may the meta trace count them as activation memory.
    meta, cpu = profile(name), profile(name, device="cpu")
    assert meta.totals == cpu.totals
    assert [r.activation_bytes for r in meta.layers] == [r.activation_bytes for r in cpu.layers]
