"""ResNeXt (Xie, Girshick, Dollár, Tu and He, 2016): aggregated residual transformations.

Registers ResNeXt-50 (32x4d) of the paper's Table 1: ResNet-50's stages and stem, with each
bottleneck's 3x3 split into 32 groups (cardinality) of 4 channels per group at the first stage's
base width, so the inner widths are 128, 256, 512 and 1024 against ResNet-50's 64 to 512. The block
is ResNet's own bottleneck with groups (analyzer/archs/resnet.py); it has a family and paper of its
own, hence this file. The paper's code base (fb.resnet.torch) strides in the 3x3 of a downsampling
block, as torchvision does, so torchvision's model is the paper's network and no variant is needed.
"""

from __future__ import annotations

from functools import partial

from analyzer.archs.resnet import Bottleneck, ResNet
from analyzer.archs.sources import TORCHVISION, TORCHVISION_OPS, TORCHVISION_OPS_WHY, centre_crop
from analyzer.registry import Accuracy, ArchSpec, Figure, register

CARDINALITY = 32
WIDTH_PER_GROUP = 4

_MACS = 4.230e9


@register(ArchSpec(
    name="resnext50_32x4d",
    display_name="ResNeXt-50 (32x4d)",
    predecessors=("resnet50", "inception_v3"),
    family="ResNeXt",
    year=2016,
    authors=("Saining Xie", "Ross Girshick", "Piotr Dollár", "Zhuowen Tu", "Kaiming He"),
    title="Aggregated Residual Transformations for Deep Neural Networks",
    paper="arXiv:1611.05431",
    input_shape=(3, 224, 224),
    output_shape=(1000,),
    task="ImageNet classification",
    ideas=("cardinality", "grouped-conv"),
    # The paper prints 25.0 x 10^6 (Table 1); torchvision's count is exact for the same layout.
    params=Figure(25_028_904, TORCHVISION, "VS"),
    # The paper's 4.2 x 10^9 (Table 1) is checked in tests/test_resnext.py.
    macs=Figure(_MACS, TORCHVISION_OPS, "VS", 0.0005e9 / _MACS, TORCHVISION_OPS_WHY),
    accuracy=(
        Accuracy(77.618, 93.698, centre_crop(), f"{TORCHVISION} IMAGENET1K_V1 (torchvision's re-training)", "VS"),
        Accuracy(77.8, None, "single centre crop 224 of a 256 resize (shorter side), ImageNet-1k val; top-1 "
                 "error 22.2, no top-5 printed", "Xie et al. 2016, Table 3", "VS"),
    ),
))
def resnext50_32x4d(num_classes: int = 1000) -> ResNet:
    block = partial(Bottleneck, stride_in_1x1=False, groups=CARDINALITY, width_per_group=WIDTH_PER_GROUP)
    return ResNet(block, [3, 4, 6, 3], num_classes)
