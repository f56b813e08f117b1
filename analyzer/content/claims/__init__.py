"""The claims of Eugenio Culurciello's "Neural Network Architectures" (2017), each checked against
what the analyzer measures.

A check measures, decides a verdict from the measurement with the thresholds written out as named
constants beside it, and returns a `Claim`: the verdict, the measured values (a table) and the facts
its sentences quote, all plain data. The sentences themselves, one text per outcome, are in
templates/claims/<slug>.md.jinja. Each check takes what it measures as arguments (a profile, a spec,
runtime results), defaulting to the zoo's, so that a test can hand it a small module on either side
of its threshold. A check that finds nothing to measure says "cannot be checked here", never "holds".

Beside the essay's, the claims of later papers (2016-2022), checked the same way and shown as the
page's second part: cost against accuracy (`later_papers`) and ShuffleNet V2's guidelines on small
networks timed on this machine (`guidelines`, `guideline_modules`).

`verdicts` holds the claim record and the rules; one module per era of the essay holds its checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzer.content.claims.guidelines import (
    GUIDELINES_FILE,
    elementwise_operations,
    equal_widths,
    fragmentation,
    grouped_convolutions,
    guideline_claims,
    load_times,
)
from analyzer.content.claims.later_papers import (
    convnext_cost,
    densenet_efficiency,
    efficientnet_cost,
    mobilenet_v2_against_v1,
    published,
)
from analyzer.content.claims.lenet_alexnet import (
    alexnet_dropout,
    alexnet_kernels,
    alexnet_pooling,
    alexnet_relu,
    alexnet_two_gpus,
    ciresan_depth,
    ciresan_gpu,
    ciresan_mlp,
    fully_connected,
    gpu_speedup,
    lenet_activations,
    lenet_classifier,
    lenet_sparse,
    lenet_unit,
)
from analyzer.content.claims.paper_dates import MONTHS, dates, essay_date, paper_month
from analyzer.content.claims.resnet_mobilenet import (
    LATENCY_MODELS,
    RIVALS,
    CifarResNet,
    enet_params,
    enet_size,
    fractalnet_generalises,
    inception_resnet,
    inception_v4_elegance,
    latency_comparison,
    mobilenet_latency,
    mobilenet_params,
    module_analysis,
    residual_modules,
    resnet_1202,
    resnet_bottleneck,
    resnet_hundred,
    resnet_skip,
    resnet_stem,
    resnet_thousand,
    squeezenet_small,
    xception_depth,
    xception_separable,
)
from analyzer.content.claims.verdicts import (
    CORRECTED,
    FAILS,
    HOLDS,
    MAJORITY,
    ROUNDING_TOLERANCE,
    UNCHECKABLE,
    VERDICTS,
    Claim,
    Measurement,
    combined,
    graded,
)
from analyzer.content.claims.vgg_inception import (
    bottleneck_example,
    googlenet_branches,
    googlenet_head,
    googlenet_reductions,
    inception_bn,
    inception_factorize,
    inception_grid_reduction,
    inception_widen,
    nin_after_each,
    nin_cheap_1x1,
    nin_gap,
    vgg_cost,
    vgg_e_blocks,
    vgg_stacks,
)

__all__ = [
    "GUIDELINES_FILE", "convnext_cost", "densenet_efficiency", "efficientnet_cost", "elementwise_operations",
    "equal_widths", "fragmentation", "grouped_convolutions", "guideline_claims", "later_claims", "load_times",
    "mobilenet_v2_against_v1", "published",
    "CORRECTED", "FAILS", "HOLDS", "LATENCY_MODELS", "MAJORITY", "MONTHS", "RIVALS", "ROUNDING_TOLERANCE",
    "UNCHECKABLE", "VERDICTS", "CifarResNet", "Claim", "Measurement", "all_claims", "essay_claims", "alexnet_dropout",
    "alexnet_kernels", "alexnet_pooling", "alexnet_relu", "alexnet_two_gpus", "bottleneck_example",
    "ciresan_depth", "ciresan_gpu", "ciresan_mlp", "combined", "dates", "enet_params",
    "enet_size", "essay_date", "fractalnet_generalises", "fully_connected", "googlenet_branches",
    "googlenet_head", "googlenet_reductions", "gpu_speedup", "graded", "inception_bn",
    "inception_factorize", "inception_grid_reduction", "inception_resnet", "inception_v4_elegance",
    "inception_widen", "latency_comparison", "lenet_activations", "lenet_classifier", "lenet_sparse",
    "lenet_unit", "mobilenet_latency", "mobilenet_params", "module_analysis", "nin_after_each",
    "nin_cheap_1x1", "nin_gap", "paper_month", "residual_modules", "resnet_1202",
    "resnet_bottleneck", "resnet_hundred", "resnet_skip", "resnet_stem", "resnet_thousand",
    "squeezenet_small", "vgg_cost", "vgg_e_blocks", "vgg_stacks", "xception_depth", "xception_separable",
]


def all_claims(runtime_results: list[Any], guidelines_file: Path = GUIDELINES_FILE) -> list[Claim]:
    """Every claim of the essay, in the essay's order, then those of the later papers."""
    return essay_claims(runtime_results) + later_claims(runtime_results, guidelines_file)


def later_claims(runtime_results: list[Any], guidelines_file: Path = GUIDELINES_FILE) -> list[Claim]:
    """The later papers' claims, in the order of the papers."""
    return [densenet_efficiency(), mobilenet_v2_against_v1(), *guideline_claims(guidelines_file),
            efficientnet_cost(), convnext_cost(runtime_results)]


def essay_claims(runtime_results: list[Any]) -> list[Claim]:
    """Every claim of the essay, in the essay's order, with its verdict."""
    lenet_year, overfeat, bn_date, v3_date, resnet_date, mobilenet_date = dates()
    return [
        lenet_year, lenet_unit(), lenet_activations(), lenet_sparse(), lenet_classifier(),
        ciresan_mlp(), ciresan_depth(), ciresan_gpu(),
        alexnet_relu(), alexnet_dropout(), alexnet_pooling(), alexnet_two_gpus(),
        gpu_speedup(runtime_results), overfeat,
        alexnet_kernels(), vgg_stacks(), vgg_e_blocks(), vgg_cost(), nin_cheap_1x1(), nin_after_each(),
        nin_gap(), googlenet_branches(), googlenet_reductions(), googlenet_head(), bottleneck_example(),
        bn_date, inception_bn(), v3_date, inception_factorize(), inception_widen(),
        inception_grid_reduction(),
        resnet_date, resnet_skip(), resnet_bottleneck(), resnet_hundred(), resnet_thousand(), resnet_stem(),
        inception_v4_elegance(), inception_resnet(), squeezenet_small(), enet_params(), enet_size(),
        module_analysis(), xception_separable(), xception_depth(), mobilenet_date, mobilenet_params(),
        mobilenet_latency(runtime_results), fractalnet_generalises(),
    ]
