"""ATen argument parsing: what PyTorch actually dispatches for a pool reads back as the window the
caller asked for, whichever trailing defaults the dispatcher leaves out."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from analyzer.static.aten import PoolArgs, pair, pool_args

POOLS = {torch.ops.aten.max_pool2d_with_indices.default, torch.ops.aten.avg_pool2d.default}


class _Capture(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.args: list[tuple] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in POOLS:
            self.args.append(tuple(args))
        return func(*args, **(kwargs or {}))


def dispatched(call: Callable[[torch.Tensor], torch.Tensor]) -> tuple:
    with _Capture() as capture:
        call(torch.zeros(1, 2, 9, 9))
    (args,) = capture.args
    return args


@pytest.mark.parametrize("call, expected", [
    (lambda x: F.max_pool2d(x, 3), PoolArgs((3, 3), (3, 3), (0, 0), (1, 1), False)),
    (lambda x: F.max_pool2d(x, 3, 2, 1, ceil_mode=True), PoolArgs((3, 3), (2, 2), (1, 1), (1, 1), True)),
    (lambda x: F.max_pool2d(x, (3, 2), (1, 2), dilation=2), PoolArgs((3, 2), (1, 2), (0, 0), (2, 2), False)),
    (lambda x: F.avg_pool2d(x, 3), PoolArgs((3, 3), (3, 3), (0, 0), (1, 1), False)),
    (lambda x: F.avg_pool2d(x, 2, 1, 1, ceil_mode=True), PoolArgs((2, 2), (1, 1), (1, 1), (1, 1), True)),
    (lambda x: F.avg_pool2d(x, (3, 1), padding=(1, 0), count_include_pad=False),
     PoolArgs((3, 1), (3, 1), (1, 0), (1, 1), False)),
])
def test_pool_arguments_read_back_as_called(call, expected):
    assert pool_args(dispatched(call)) == expected


def test_pair_takes_the_last_two_axes_and_defaults():
    assert pair(3, 0) == (3, 3) and pair([2], 0) == (2, 2) and pair([1, 2, 3], 0) == (2, 3)
    assert pair(None, 1) == pair([], 1) == (1, 1)
