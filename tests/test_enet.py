"""ENet's decoder mirrors its encoder: full-resolution output, unpooling with the encoder's indices."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import analyzer


@pytest.mark.parametrize("size", [(512, 1024), (64, 96)])
def test_output_has_the_input_size(size):
    model = analyzer.build("enet", device="meta")
    out = model(torch.empty(1, 3, *size, device="meta"))
    assert tuple(out.shape) == (1, 19, *size)


def test_each_max_unpool_uses_the_indices_of_the_mirrored_downsampling():
    model = analyzer.build("enet", device="meta")
    pooled, unpooled = {}, {}
    for name, module in model.named_modules():
        if isinstance(module, nn.MaxPool2d) and module.return_indices:
            module.register_forward_hook(lambda m, i, o, name=name: pooled.__setitem__(name, o[1]))
        if isinstance(module, nn.MaxUnpool2d):
            module.register_forward_hook(lambda m, i, o, name=name: unpooled.__setitem__(name, i[1]))
    model(torch.empty(1, 3, 64, 128, device="meta"))
    assert len(pooled) == len(unpooled) == 2
    assert unpooled["bottleneck4_0.unpool"] is pooled["bottleneck2_0.pool"]
    assert unpooled["bottleneck5_0.unpool"] is pooled["bottleneck1_0.pool"]
