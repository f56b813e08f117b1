"""The profiler against independent figures: published counts, hand computation, FlopCounterMode."""

from __future__ import annotations

import gc

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer.static.profiler import ProfileInputError, peak_activation_bytes, profile
from analyzer.static.trace import modules_in_order


def test_vgg16_conv_and_linear_macs_are_exact():
    assert profile("vgg16").totals.macs == 15_470_264_320


def test_resnet50_v1_5_macs_are_exact():
    assert profile("resnet50_v1_5").totals.macs == 4_089_184_256


def test_paper_resnet50_is_about_3_86_g():
    # Moving the stride to the first 1x1 shrinks three 3x3 convolutions' inputs by four.
    assert profile("resnet50").totals.macs == pytest.approx(3.86e9, rel=0.002)


def test_mobilenet_v1_within_one_percent_of_the_paper():
    assert profile("mobilenet_v1").totals.macs == pytest.approx(569e6, rel=0.01)


@pytest.mark.parametrize("name", ["alexnet", "googlenet", "resnet18", "mobilenet_v1", "squeezenet1_1", "enet"])
def test_conv_and_linear_flops_equal_pytorch_flop_counter(name):
    spec = analyzer.spec(name)
    model = analyzer.build(name, device="meta")
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        model(torch.empty(1, *spec.input_shape, device="meta"))
    by_class = profile(name).totals.flops_by_class
    ours = by_class.get("conv", 0) + by_class.get("linear", 0) + by_class.get("matmul", 0)
    assert ours == counter.get_total_flops()


class FunctionalNet(nn.Module):
    """Functional ops, a residual add, a concatenation, grouped and depthwise convs, a reused module."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(4, 8, 3, padding=1, bias=False)
        self.grouped = nn.Conv2d(8, 8, 3, padding=1, groups=2, bias=False)
        self.depthwise = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=True)
        self.shared = nn.Conv2d(8, 8, 1, bias=False)
        self.fc = nn.Linear(16, 5)
        self.proj = nn.Parameter(torch.empty(5, 3))

    def forward(self, x):
        x = F.relu(self.stem(x))
        y = self.grouped(x) + x
        z = torch.cat([self.depthwise(y), y], dim=1)
        a, b = z.chunk(2, dim=1)
        a = self.shared(self.shared(a))
        pooled = torch.cat([a, b], 1).mean((2, 3))
        return self.fc(pooled) @ self.proj


def test_hand_computed_small_net():
    h = w = 6
    report = profile(FunctionalNet(), input_size=(4, h, w))
    positions = h * w
    stem = positions * 8 * 4 * 9
    grouped = positions * 8 * (8 // 2) * 9
    depthwise = positions * 8 * 1 * 9
    shared = positions * 8 * 8  # called twice
    fc = 16 * 5
    matmul = 5 * 3
    assert report.totals.macs == stem + grouped + depthwise + 2 * shared + fc + matmul
    by_class = report.totals.flops_by_class
    assert by_class["merge"] == positions * 8  # the residual add; concatenation costs nothing
    assert by_class["activation"] == positions * 8
    assert by_class["bias"] == positions * 8 + 5
    assert by_class["pool"] == positions * 16
    rows = {r.name: r for r in report.layers}
    assert rows["shared"].calls == 2 and rows["shared"].macs == 2 * shared
    # Ops written in forward belong to the model itself, the row named "".
    assert rows[""].flops_by_class["merge"] == positions * 8
    assert report.uncounted_ops == ()


def test_rows_partition_the_totals_at_every_depth():
    for depth in (None, 0, 1, 2):
        report = profile("resnet18", depth=depth)
        assert sum(r.macs for r in report.layers) == report.totals.macs
        assert sum(r.flops for r in report.layers) == report.totals.flops
        assert sum(r.params for r in report.layers) == report.totals.params == 11_689_512
    names = [r.name for r in profile("resnet18", depth=1).layers]
    assert all("." not in n for n in names) and "conv2_x" in names


def test_residual_additions_are_counted():
    report = profile("resnet50")
    merges = [op for op in report.graph.ops if op.op_class == "merge" and op.op.startswith("add")]
    assert len(merges) == 16  # one per bottleneck block: 3 + 4 + 6 + 3


def test_peak_activation_memory_of_a_chain_by_hand():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 2, 3, padding=1))
    report = profile(model, input_size=(1, 10, 10))
    f32 = 4
    inp, mid, out = 1 * 100 * f32, 4 * 100 * f32, 2 * 100 * f32
    # The ReLU is out of place, so the first conv's output and the ReLU's coexist; then the input
    # is already free when the second conv writes its output.
    assert report.totals.peak_activation_bytes == max(inp + mid, mid + mid, mid + out)
    assert report.totals.activation_bytes == mid + mid + out
    assert peak_activation_bytes(report.graph) == report.totals.peak_activation_bytes


def test_in_place_relu_allocates_nothing():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(inplace=True))
    report = profile(model, input_size=(1, 10, 10))
    assert report.totals.activation_bytes == 4 * 100 * 4


def test_unknown_operations_are_listed_not_zeroed():
    class Odd(nn.Module):
        def forward(self, x):
            return torch.special.erfcx(x)

    report = profile(Odd(), input_size=(3, 4, 4))
    assert report.uncounted_ops == ("special_erfcx",)
    assert report.to_dict()["uncounted_ops"] == ["special_erfcx"]


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


def test_json_has_the_documented_keys():
    d = profile("lenet5", batch_size=2).to_dict()
    assert d["schema"] == 1 and d["model"] == "lenet5" and d["input_shape"] == [2, 1, 32, 32]
    assert {"params", "trainable_params", "macs", "flops", "activation_bytes",
            "peak_activation_bytes"} <= set(d["totals"])
    assert {"name", "type", "output_shape", "params", "macs", "flops", "receptive_field"} <= set(d["layers"][0])


def test_bad_arguments_are_refused():
    with pytest.raises(ProfileInputError, match="batch size"):
        profile("vgg16", batch_size=0)
    with pytest.raises(ProfileInputError, match="positive"):
        profile("vgg16", input_size=(3, 0, 224))
    with pytest.raises(ProfileInputError, match="input size"):
        profile(nn.Linear(2, 2))


@pytest.mark.parametrize("name", analyzer.names())
def test_zoo_totals_match_the_published_mult_adds(name):
    spec = analyzer.spec(name)
    report = profile(name)
    assert report.uncounted_ops == ()
    assert report.totals.params == sum(p.numel() for p in analyzer.build(name, device="meta").parameters())
    if spec.macs is not None:
        assert report.totals.macs == pytest.approx(spec.macs.value, rel=spec.macs.tolerance or 1e-9), spec.macs.why
