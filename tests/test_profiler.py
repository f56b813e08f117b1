"""The profiler's rows, memory and arguments: rows partition the totals, peak activation memory by
hand, the JSON's keys, and bad input refused."""

from __future__ import annotations

import pytest
from torch import nn

from analyzer.static.profiler import ProfileInputError, peak_activation_bytes, profile


def test_rows_partition_the_totals_at_every_depth():
    for depth in (None, 0, 1, 2):
        report = profile("resnet18", depth=depth)
        assert sum(r.macs for r in report.layers) == report.totals.macs
        assert sum(r.flops for r in report.layers) == report.totals.flops
        assert sum(r.params for r in report.layers) == report.totals.params == 11_689_512
    names = [r.name for r in profile("resnet18", depth=1).layers]
    assert all("." not in n for n in names) and "conv2_x" in names


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
