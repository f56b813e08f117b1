"""Xception against the structure its paper states: 36 convolution layers in 14 modules."""

from __future__ import annotations

from torch import nn

import analyzer
from analyzer.archs.xception import SeparableConv2d, XceptionModule


def _modules(model: nn.Module) -> list[nn.Module]:
    return [*model.entry_flow, *model.middle_flow, *model.exit_flow]


def test_xception_has_36_convolution_layers():
    # A separable convolution is one layer; the 1x1 shortcut projections are not counted.
    model = analyzer.build("xception", device="meta")
    separable = [m for m in model.modules() if isinstance(m, SeparableConv2d)]
    inside = {id(conv) for m in separable for conv in m.children()}
    shortcuts = {id(m) for name, m in model.named_modules() if ".shortcut." in f"{name}."}
    plain = [m for m in model.modules()
             if isinstance(m, nn.Conv2d) and id(m) not in inside and id(m) not in shortcuts]
    assert len(separable) == 34 and len(plain) == 2
    assert len(separable) + len(plain) == 36


def test_xception_has_14_modules_with_linear_residuals_inside():
    modules = _modules(analyzer.build("xception", device="meta"))
    assert len(modules) == 14
    assert not isinstance(modules[0], XceptionModule) and not isinstance(modules[-1], XceptionModule)
    for module in modules[1:-1]:
        assert isinstance(module, XceptionModule)
        # Linear: nothing non-linear on the shortcut path.
        assert not any(isinstance(m, nn.ReLU) for m in module.shortcut.modules())


def test_xception_middle_flow_repeats_one_module_eight_times():
    model = analyzer.build("xception", device="meta")
    assert len(model.middle_flow) == 8
    for module in model.middle_flow:
        assert isinstance(module.shortcut, nn.Identity)
        assert sum(isinstance(m, SeparableConv2d) for m in module.residual) == 3
