"""Every fast shape rule against PyTorch's own meta kernel, including the errors it must raise."""

from __future__ import annotations

import pytest
import torch

from analyzer.static.shapes import SHAPE_RULES

aten = torch.ops.aten


def meta(*shape, dtype=torch.float32):
    return torch.empty(shape, device="meta", dtype=dtype)


CASES = [
    (aten.convolution.default, (meta(2, 6, 17, 13), meta(8, 3, 3, 5), None, [2, 1], [1, 2], [1, 2], False, [0, 0], 2)),
    (aten.convolution.default, (meta(1, 8, 7, 7), meta(8, 4, 3, 3), None, [2, 2], [1, 1], [1, 1], True, [1, 1], 1)),
    (aten.max_pool2d_with_indices.default, (meta(1, 3, 13, 13), [3, 3], [2, 2], [0, 0], [1, 1], True)),
    (aten.max_pool2d_with_indices.default, (meta(1, 3, 14, 14), [3, 3], [2, 2], [1, 1], [1, 1], False)),
    (aten.max_pool2d_with_indices.default, (meta(1, 3, 8, 8), [2, 2])),
    (aten.native_batch_norm.default, (meta(2, 4, 5, 5), meta(4), meta(4), meta(4), meta(4), False, 0.1, 1e-5)),
    (aten.native_batch_norm.default, (meta(2, 4, 5, 5), meta(4), meta(4), meta(4), meta(4), True, 0.1, 1e-5)),
    (aten.relu.default, (meta(2, 3),)),
    (aten.add.Tensor, (meta(2, 3, 4, 4), meta(3, 1, 1))),
    (aten.mul.Tensor, (meta(2, 3), 0.5)),
    (aten.cat.default, ([meta(1, 2, 4, 4), meta(1, 3, 4, 4)], 1)),
    (aten.addmm.default, (meta(5), meta(3, 7), meta(7, 5))),
    (aten.mean.dim, (meta(2, 8, 4, 4), [-1, -2], True)),
    (aten.mean.dim, (meta(2, 8, 4, 4), [2, 3])),
    (aten.stack.default, ([meta(1, 2, 4), meta(1, 2, 4), meta(1, 2, 4)], 0)),
    (aten.stack.default, ([meta(1, 2, 4), meta(1, 2, 4)], -1)),
    (aten.avg_pool2d.default, (meta(1, 3, 13, 13), [3, 3], [2, 2], [1, 1], True)),
    (aten.avg_pool2d.default, (meta(2, 3, 8, 7), [2, 3])),
    (aten.avg_pool2d.default, (meta(1, 3, 14, 14), [5, 5], [3, 3], [0, 0], False, True, None)),
    (aten._prelu_kernel.default, (meta(2, 16, 5, 5), meta(16, 1, 1))),
    (aten._prelu_kernel.default, (meta(2, 16, 5, 5), meta(1))),
    (aten.native_layer_norm.default, (meta(2, 7, 16), [16], meta(16), meta(16), 1e-5)),
    (aten.native_layer_norm.default, (meta(2, 3, 5, 6), [5, 6], None, None, 1e-6)),
    (aten.native_layer_norm.default, (meta(2, 7, 16, dtype=torch.bfloat16), [16], None, None, 1e-5)),
    (aten.native_group_norm.default, (meta(2, 8, 5, 5), meta(8), meta(8), 2, 8, 25, 4, 1e-5)),
    (aten.gelu.default, (meta(2, 3, 4),)),
    (aten.silu.default, (meta(2, 3),)),
    (aten.sigmoid.default, (meta(2, 3),)),
    (aten.hardswish.default, (meta(2, 3),)),
    (aten.hardsigmoid.default, (meta(2, 3),)),
    (aten._softmax.default, (meta(2, 3, 5), -1, False)),
    (aten._softmax.default, (meta(2, 3, 5, dtype=torch.float16), 1, True)),
    (aten._safe_softmax.default, (meta(2, 3, 5), -1)),
    (aten._safe_softmax.default, (meta(2, 3, 5), -1, torch.float64)),
]


def on_cpu(args):
    return [torch.zeros(a.shape, dtype=a.dtype) if isinstance(a, torch.Tensor) else a for a in args]


# Where the meta kernel differs from the kernels that really run, the rule follows the CPU kernel.
LIKE_CPU = {aten.native_batch_norm.default}


@pytest.mark.parametrize("op,args", CASES, ids=[f"{op}-{i}" for i, (op, _) in enumerate(CASES)])
def test_rule_matches_the_meta_kernel(op, args):
    expected = op(*(on_cpu(args) if op in LIKE_CPU else args))
    got = SHAPE_RULES[op](args, {})
    expected = expected if isinstance(expected, tuple) else (expected,)
    got = got if isinstance(got, tuple) else (got,)
    assert [(t.shape, t.dtype) for t in got] == [(t.shape, t.dtype) for t in expected]


BAD = [
    (aten.convolution.default, (meta(1, 5, 8, 8), meta(8, 3, 3, 3), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)),
    (aten.convolution.default, (meta(1, 3, 2, 2), meta(8, 3, 3, 3), None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)),
    (aten.addmm.default, (meta(5), meta(3, 6), meta(7, 5))),
    (aten.cat.default, ([meta(1, 2, 4, 4), meta(1, 3, 5, 4)], 1)),
    (aten.native_batch_norm.default, (meta(2, 3, 5, 5), meta(4), meta(4), meta(4), meta(4), False, 0.1, 1e-5)),
    (aten.stack.default, ([meta(1, 2, 4), meta(1, 3, 4)], 0)),
    (aten.avg_pool2d.default, (meta(1, 3, 2, 2), [3, 3])),
    (aten.avg_pool2d.default, (meta(1, 3, 8, 8), [3, 3], [1, 1], [2, 2])),
    (aten.max_pool2d_with_indices.default, (meta(1, 3, 8, 8), [3, 3], [1, 1], [2, 2])),
]


@pytest.mark.parametrize("op,args", BAD, ids=[f"{op}-{i}" for i, (op, _) in enumerate(BAD)])
def test_rule_refuses_what_the_kernel_refuses(op, args):
    with pytest.raises(RuntimeError):
        op(*args)
    with pytest.raises(RuntimeError):
        SHAPE_RULES[op](args, {})


def test_empty_is_the_factory_on_the_device_asked_for():
    for kwargs in ({"dtype": torch.uint8, "device": torch.device("meta")}, {"dtype": torch.float16, "device": "cpu"},
                   {"device": "meta", "memory_format": torch.channels_last}):
        expected = aten.empty.memory_format([2, 3, 4, 5], **kwargs)
        got = SHAPE_RULES[aten.empty.memory_format](([2, 3, 4, 5],), kwargs)
        assert (got.shape, got.dtype, got.device, got.stride()) == (
            expected.shape, expected.dtype, expected.device, expected.stride())


def test_every_rule_is_covered():
    assert {op for op, _ in CASES} == set(SHAPE_RULES) - {
        aten.relu_.default, aten.add_.Tensor, aten.empty.memory_format}
