"""Building blocks that several families of the later zoo share, written once.

The pre-2017 families each keep their own small helpers (the papers differ in every detail); from
MobileNetV2 on, the same pieces recur: a convolution with batch norm and an activation, the
squeeze-and-excitation gate of Hu et al., and torchvision's channel rounding.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from torch import nn

Activation = Callable[[], nn.Module]


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round `value` to the nearest multiple of `divisor`, never more than 10% below it.

    The rule of the TF-slim MobileNet code, which MobileNetV2/V3, MnasNet and EfficientNet's channel
    counts follow (and torchvision with them): round half up, then add one step back if that lost
    more than a tenth.
    """
    floor = divisor if min_value is None else min_value
    rounded = max(floor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class ConvNormActivation(nn.Sequential):
    """Convolution without bias, batch norm, then an activation (none for a linear projection)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 groups: int = 1, activation: Activation | None = nn.ReLU, dilation: int = 1) -> None:
        padding = (kernel_size - 1) // 2 * dilation
        layers: list[nn.Module] = [
            nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation=dilation, groups=groups,
                      bias=False),
            nn.BatchNorm2d(out_channels),
        ]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)
        self.out_channels = out_channels


class SqueezeExcitation(nn.Module):
    """Hu et al.'s channel gate: global average pool, a bottleneck of two 1x1 layers, a gate per channel.

    The fully connected layers are 1x1 convolutions (same parameters and MACs as linear layers on a
    pooled vector) so that the block keeps its NCHW shape, as the reference implementations do.
    """

    def __init__(self, channels: int, squeeze_channels: int, activation: Activation = nn.ReLU,
                 gate: Activation = nn.Sigmoid) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.activation = activation()
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.gate = gate()

    def forward(self, x):
        scale = self.gate(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return x * scale


class StochasticDepth(nn.Module):
    """Drop a residual branch per sample with probability `p` in training (Huang et al., 2016).

    In inference it is the identity and dispatches nothing, so it costs nothing in the counts.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep

    def extra_repr(self) -> str:
        return f"p={self.p}"


class InvertedResidual(nn.Module):
    """The inverted residual of MobileNetV2, as MnasNet, MobileNetV3 and EfficientNet (MBConv) reuse it.

    A 1x1 expansion to `expanded_channels` (left out when that equals `in_channels`), a depthwise
    kxk convolution that carries the stride, an optional squeeze-and-excitation gate on the
    expanded tensor, and a linear 1x1 projection: no activation after it, since the thin output
    would lose information to a ReLU (Sandler et al., Section 3.2). The shortcut joins the thin
    tensors when the shape allows it.
    """

    def __init__(self, in_channels: int, out_channels: int, expanded_channels: int, kernel_size: int = 3,
                 stride: int = 1, activation: Activation = nn.ReLU6, se_channels: int | None = None,
                 se_activation: Activation = nn.ReLU, se_gate: Activation = nn.Sigmoid,
                 drop_path: float = 0.0) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if expanded_channels != in_channels:
            layers.append(ConvNormActivation(in_channels, expanded_channels, 1, activation=activation))
        layers.append(ConvNormActivation(expanded_channels, expanded_channels, kernel_size, stride,
                                         groups=expanded_channels, activation=activation))
        if se_channels is not None:
            layers.append(SqueezeExcitation(expanded_channels, se_channels, se_activation, se_gate))
        layers.append(ConvNormActivation(expanded_channels, out_channels, 1, activation=None))
        self.block = nn.Sequential(*layers)
        self.use_shortcut = stride == 1 and in_channels == out_channels
        self.drop_path = StochasticDepth(drop_path) if self.use_shortcut and drop_path else None
        self.out_channels = out_channels

    def forward(self, x):
        out = self.block(x)
        if not self.use_shortcut:
            return out
        if self.drop_path is not None:
            out = self.drop_path(out)
        return out + x


def pooled_classifier(channels: int, num_classes: int, dropout: float | None = None) -> nn.Sequential:
    """The head most networks since Network in Network end with: global average pooling, then one fully
    connected layer (with dropout before it where the paper has it)."""
    layers: dict[str, nn.Module] = {"avgpool": nn.AdaptiveAvgPool2d(1), "flatten": nn.Flatten()}
    if dropout is not None:
        layers["dropout"] = nn.Dropout(dropout)
    layers["fc"] = nn.Linear(channels, num_classes)
    return nn.Sequential(OrderedDict(layers))
