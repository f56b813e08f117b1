"""SENet (Hu, Shen, Albanie, Sun and Wu, 2017): squeeze-and-excitation, a learned gate per channel.

Registers SE-ResNet-50 of the paper's Table 1: ResNet-50 with a squeeze-and-excitation module on the
residual branch of every bottleneck, after its last batch norm and before the addition, reducing
the channels by r = 16 between its two fully connected layers (which carry biases, as in the
authors' Caffe models). Those models stride in a downsampling bottleneck's first 1x1 convolution,
as the ResNet paper's own do, and so does this one: the paper's 3.87 G MACs are for that layout.
torchvision has no SE-ResNet, so no variant is registered.
"""

from __future__ import annotations

from functools import partial

from torch import nn

from analyzer.archs.layers import SqueezeExcitation
from analyzer.archs.resnet import Bottleneck, ResNet
from analyzer.archs.sources import TIMM, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

REDUCTION = 16


def squeeze_excitation(channels: int, reduction: int = REDUCTION) -> nn.Module:
    """The SE module of Figure 3: pool, FC to channels/r, ReLU, FC back, sigmoid, scale."""
    return SqueezeExcitation(channels, channels // reduction)


_MACS = 3.87e9
_PAPER_T2 = "Hu et al. 2017, Table 2"


@register(ArchSpec(
    name="se_resnet50",
    display_name="SE-ResNet-50",
    predecessors=("resnet50",),
    family="SENet",
    year=2017,
    authors=("Jie Hu", "Li Shen", "Samuel Albanie", "Gang Sun", "Enhua Wu"),
    title="Squeeze-and-Excitation Networks",
    paper="arXiv:1709.01507",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("squeeze-excitation",),
    # The paper says only "~2.5 million additional parameters" (Section 4) over ResNet-50; timm's
    # legacy_seresnet50 has this layout: ResNet-50's count plus eq. 5's SE weights and their biases.
    params=Figure(28_088_024, f"{TIMM} legacy_seresnet50, instantiated", "CH"),
    macs=Figure(_MACS, _PAPER_T2, "VS", 0.003,
                "printed to 0.01 G, and 0.25% above this count (3.861 G, of which the SE layers' fully "
                "connected products are 2.5 M): the paper's 0.26% increase over ResNet-50's 3.86 G also "
                "counts the gates' pooling or channel scaling (5.5 M operations each), which are not "
                "multiply-accumulates of a conv or linear layer and are left out here, as torchvision "
                "leaves them out of its GFLOPS figure"),
    accuracy=(
        Accuracy(76.71, 93.38, "single centre crop 224 of a 256 resize (shorter side), ImageNet-1k val; "
                 "the authors' re-training (top-1 error 23.29, top-5 6.62)", _PAPER_T2, "VS"),
        Accuracy(77.63, 93.64, f"{centre_crop()}; the released Caffe model (top-1 error 22.37, top-5 6.36)",
                 "hujie-frank/SENet README (the authors' released models)", "VS"),
    ),
))
def se_resnet50(num_classes: int = 1000) -> ResNet:
    return ResNet(partial(Bottleneck, gate=squeeze_excitation), [3, 4, 6, 3], num_classes)
