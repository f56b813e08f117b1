"""The zoo: one module per architecture family, imported explicitly (importing registers)."""

from analyzer.archs import (  # noqa: F401
    alexnet,
    ciresan,
    densenet,
    enet,
    fractalnet,
    googlenet,
    inception,
    inception_v4,
    lenet,
    mobilenet,
    nin,
    overfeat,
    regnet,
    resnet,
    resnext,
    senet,
    shufflenet,
    squeezenet,
    vgg,
    xception,
)
