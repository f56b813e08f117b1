"""The zoo: one module per architecture family, imported explicitly (importing registers)."""

from analyzer.archs import (  # noqa: F401
    alexnet,
    ciresan,
    efficientnet,
    enet,
    fractalnet,
    googlenet,
    inception,
    inception_v4,
    lenet,
    mobilenet,
    nasnet,
    nin,
    overfeat,
    resnet,
    squeezenet,
    vgg,
    xception,
)
