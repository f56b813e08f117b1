"""The cost formulas against independent figures: published counts, hand computation and
`torch.utils.flop_counter.FlopCounterMode`."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

import analyzer
from analyzer.static.profiler import profile


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


def test_residual_additions_are_counted():
    report = profile("resnet50")
    merges = [op for op in report.graph.ops if op.op_class == "merge" and op.op.startswith("add")]
    assert len(merges) == 16  # one per bottleneck block: 3 + 4 + 6 + 3


def test_unknown_operations_are_listed_not_zeroed():
    class Odd(nn.Module):
        def forward(self, x):
            return torch.special.erfcx(x)

    report = profile(Odd(), input_size=(3, 4, 4))
    assert report.uncounted_ops == ("special_erfcx",)
    assert report.to_dict()["uncounted_ops"] == ["special_erfcx"]


@pytest.mark.parametrize("name", analyzer.names())
def test_zoo_totals_match_the_published_mult_adds(name):
    spec = analyzer.spec(name)
    report = profile(name)
    assert report.uncounted_ops == ()
    assert report.totals.params == sum(p.numel() for p in analyzer.build(name, device="meta").parameters())
    if spec.macs is not None:
        assert report.totals.macs == pytest.approx(spec.macs.value, rel=spec.macs.tolerance or 1e-9), spec.macs.why
