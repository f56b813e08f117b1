"""The zoo: one module per architecture family, imported explicitly (importing registers)."""

from analyzer.archs import (  # noqa: F401
    alexnet,
    ciresan,
    enet,
    fractalnet,
    googlenet,
    inception,
    inception_v4,
    lenet,
    mnasnet,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nin,
    overfeat,
    resnet,
    squeezenet,
    vgg,
    xception,
)
