"""The design ideas of the history, each measured on small modules built for its page and on the zoo.

`kit` builds and profiles the modules; `classic` holds the ideas of the source article (to 2017),
`blocks` and `networks` those that came after, to 2022. The site renders `all_ideas()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.content.ideas.blocks import (
    attention,
    cardinality,
    dense_connectivity,
    inverted_residual,
    modernising,
    squeeze_excitation,
)
from analyzer.content.ideas.classic import (
    Bottleneck,
    DepthwiseSeparable,
    Head,
    OneByOne,
    bottleneck,
    depthwise_separable,
    factorized,
    fire_modules,
    head,
    one_by_one,
    residual_fractal,
    small_filters,
)
from analyzer.content.ideas.kit import Comparison, Layer, Variant, compare, conv, measure, stack
from analyzer.content.ideas.networks import channel_shuffle, compound_scaling, design_space, search

__all__ = ["Bottleneck", "Comparison", "DepthwiseSeparable", "Head", "Idea", "Layer", "OneByOne", "Variant",
           "all_ideas", "attention", "bottleneck", "cardinality", "channel_shuffle", "compare", "compound_scaling",
           "conv", "dense_connectivity", "depthwise_separable", "design_space", "factorized", "fire_modules", "head",
           "inverted_residual", "measure", "modernising", "one_by_one", "residual_fractal", "search", "small_filters",
           "squeeze_excitation", "stack"]


@dataclass(frozen=True)
class Idea:
    slug: str
    title: str
    summary: str
    # The registry's idea tags this page explains (models carrying them link here).
    tags: tuple[str, ...]
    data: Any


def all_ideas() -> list[Idea]:
    """The design ideas in the order the history introduced them."""
    return [
        Idea("one-by-one", "1x1 convolutions and global average pooling",
             "A 1x1 convolution mixes channels at each position without looking at neighbours, and "
             "averaging each final map replaces a heavy fully connected classifier.",
             ("1x1-conv", "global-avg-pool"), one_by_one()),
        Idea("small-filters", "Stacks of small filters",
             "Several 3x3 convolutions in a row see as far as one large filter while costing less and "
             "adding non-linearities.", ("small-filters",), small_filters()),
        Idea("bottleneck", "Bottleneck layers",
             "Shrinking the channels with a 1x1 convolution before an expensive convolution, and growing "
             "them back after it, cuts the cost of a layer several times over.",
             ("bottleneck",), bottleneck()),
        Idea("factorized", "Factorised convolutions",
             "A large square filter can be replaced by smaller or one-dimensional filters in sequence "
             "that cover the same window for fewer weights.", ("factorized-conv",), factorized()),
        Idea("residual-fractal", "Residual and fractal paths",
             "Shortcuts and parallel columns give a deep network many paths of different lengths, "
             "so signals and gradients always have a short way through.",
             ("residual", "fractal"), residual_fractal()),
        Idea("fire-module", "Fire modules",
             "SqueezeNet squeezes the channels with 1x1 filters and expands them again with a mix of "
             "1x1 and 3x3 filters, keeping parameters to a minimum.", ("fire-module",), fire_modules()),
        Idea("depthwise-separable", "Depthwise-separable convolutions",
             "Filtering each channel on its own and then mixing channels with a 1x1 convolution does the "
             "work of a full convolution for a fraction of its cost.",
             ("depthwise-separable",), depthwise_separable()),
        Idea("cardinality", "Cardinality and grouped convolution",
             "Splitting a bottleneck's 3x3 convolution into many narrow groups lets the block be wider for "
             "the same cost; ResNeXt calls the number of groups the cardinality.",
             ("cardinality", "grouped-conv"), cardinality()),
        Idea("dense-connectivity", "Dense connectivity",
             "Each layer of a dense block reads the maps of every layer before it and adds a few of its "
             "own, so the block's width grows by a fixed rate per layer.",
             ("dense-connectivity",), dense_connectivity()),
        Idea("squeeze-excitation", "Squeeze-and-excitation",
             "A small gate pools each channel to one number, passes the vector through a bottleneck and "
             "rescales the channels by the result, for a sliver of the block's arithmetic.",
             ("squeeze-excitation",), squeeze_excitation()),
        Idea("channel-shuffle", "The channel shuffle and ShuffleNet V2's guidelines",
             "Grouped 1x1 convolutions need a shuffle to let information cross groups; ShuffleNet V2 "
             "argued that memory traffic, not multiply-accumulates, decides the speed, and split the "
             "channels instead.", ("channel-shuffle", "practical-guidelines"), channel_shuffle()),
        Idea("inverted-residual", "Inverted residuals and linear bottlenecks",
             "MobileNetV2 turns the bottleneck inside out: thin tensors at the ends and on the shortcut, a "
             "wide depthwise layer in the middle, and no activation after the last projection.",
             ("inverted-residual", "linear-bottleneck"), inverted_residual()),
        Idea("architecture-search", "Search under a latency budget",
             "MnasNet, MobileNetV3 and EfficientNet-B0 were found by a search that rewards accuracy and "
             "penalises measured latency; what the searched networks spend where shows its choices.",
             ("architecture-search",), search()),
        Idea("compound-scaling", "Compound scaling",
             "EfficientNet grows a network in depth, width and input resolution together, by fixed "
             "ratios, rather than in one dimension alone.", ("compound-scaling",), compound_scaling()),
        Idea("design-space", "Design spaces",
             "RegNet replaces a searched network with a rule: block widths on a line, quantized to a few "
             "stage widths, found by studying populations of networks.", ("design-space",), design_space()),
        Idea("modernising-resnet", "Modernising a ResNet",
             "ConvNeXt walks from ResNet-50 to a network that matches Transformers of its cost, one change "
             "at a time: stage ratio, patchify stem, depthwise convolution, inverted block, large kernel, "
             "and the Transformer's normalisation and activation.", ("layer-norm", "large-kernel"), modernising()),
        Idea("patches-attention", "Patches and attention",
             "The Vision Transformer cuts the image into patches with one strided convolution and lets "
             "every patch attend to every other, at a cost that grows with the square of their number.",
             ("patch-embedding", "self-attention"), attention()),
    ]
