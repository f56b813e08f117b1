"""The deep MLP of Cireșan, Meier, Gambardella and Schmidhuber (2010), trained on a GPU.

`ciresan_mlp` is their best network: five hidden layers of 2500-2000-1500-1000-500 scaled tanh units
and ten outputs, 0.35% error on MNIST. The input is 1x29x29 rather than MNIST's 28x28 because the
paper's 12.11 million weights only add up with 841 inputs (12,115,010 with biases, 12,107,500
without; 784 inputs give 11.97 million), and the same group fed 29x29 digits to its later MNIST
networks. The paper's own description of the input could not be read to confirm this.
"""

from __future__ import annotations

from torch import nn

from analyzer.archs.lenet import ScaledTanh
from analyzer.registry import Accuracy, ArchSpec, Figure, register

HIDDEN = [2500, 2000, 1500, 1000, 500]


class CiresanMLP(nn.Module):
    def __init__(self, hidden: list[int], in_features: int = 29 * 29, num_classes: int = 10) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        layers: list[nn.Module] = []
        for width in hidden:
            layers += [nn.Linear(in_features, width), ScaledTanh()]
            in_features = width
        self.hidden = nn.Sequential(*layers)
        self.output = nn.Linear(in_features, num_classes)

    def forward(self, x):
        return self.output(self.hidden(self.flatten(x)))


@register(ArchSpec(
    name="ciresan_mlp",
    display_name="Cireșan deep MLP",
    predecessors=("lenet5",),
    family="Cireșan",
    year=2010,
    authors=("Dan Claudiu Cireșan", "Ueli Meier", "Luca Maria Gambardella", "Jürgen Schmidhuber"),
    title="Deep Big Simple Neural Nets Excel on Handwritten Digit Recognition",
    paper="arXiv:1003.0358",
    input_shape=(1, 29, 29),
    output_shape=(10,),
    task="MNIST digit classification",
    ideas=("gpu-training",),
    params=Figure(12.11e6, "Cireșan et al. 2010, '12.11 million' weights (as quoted in a paper summary)",
                  "V2", 0.001, "printed in millions to two decimals; the exact count is 12,115,010 with "
                  "biases or 12,107,500 without, both within 0.05% of 12.11 M"),
    accuracy=(
        Accuracy(99.65, None, "MNIST test accuracy (100 - 0.35% error), trained on elastically deformed "
                 "images", "Cireșan et al. 2010, as listed on the MNIST results page (verbatim copies)",
                 "V2", dataset="MNIST test"),
    ),
))
def ciresan_mlp(num_classes: int = 10) -> CiresanMLP:
    return CiresanMLP(HIDDEN, num_classes=num_classes)
