"""The zoo's registry: typed metadata beside each builder, one dict, duplicates refused.

A family module declares an `ArchSpec` for each network and decorates the builder with
`@register(spec)`. Nothing is discovered by name or by scanning: `analyzer.archs` imports its family
modules explicitly, and that import is what fills the registry.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analyzer.errors import UnknownModelError

if TYPE_CHECKING:
    from torch import nn

# The confidence mark kept with every published figure, so a test knows whether it may use the figure
# as an oracle (MU never is). What each means is written once, on the site's methodology page.
CONFIDENCE = ("VS", "V2", "CH", "MU")

# The design ideas a network can introduce; tags outside this list are refused so the site's
# idea pages and filters never meet a misspelt tag.
IDEAS = (
    "convolution",
    "subsampling",
    "sparse-connections",
    "gpu-training",
    "relu",
    "dropout",
    "lrn",
    "overlapping-pooling",
    "grouped-conv",
    "localization",
    "small-filters",
    "1x1-conv",
    "global-avg-pool",
    "inception-module",
    "bottleneck",
    "batch-norm",
    "factorized-conv",
    "residual",
    "fire-module",
    "encoder-decoder",
    "depthwise-separable",
    "width-multiplier",
    "fractal",
    "drop-path",
    # 2016-2022
    "cardinality",
    "dense-connectivity",
    "channel-shuffle",
    "squeeze-excitation",
    "inverted-residual",
    "linear-bottleneck",
    "practical-guidelines",
    "architecture-search",
    "hard-swish",
    "compound-scaling",
    "design-space",
    "patch-embedding",
    "self-attention",
    "layer-norm",
    "large-kernel",
)


@dataclass(frozen=True)
class Figure:
    """One published number, where it was published, and how far a test may trust it."""

    value: float
    source: str
    confidence: str
    # Relative tolerance a test allows between this figure and the analyzer's count; `why` must say
    # where the slack comes from whenever it is not zero.
    tolerance: float = 0.0
    why: str = ""

    def __post_init__(self) -> None:
        if self.confidence not in CONFIDENCE:
            raise ValueError(f"unknown confidence mark {self.confidence!r}")
        if self.tolerance and not self.why:
            raise ValueError("a non-zero tolerance needs a reason")


@dataclass(frozen=True)
class Accuracy:
    """A published top-1/top-5 accuracy in percent, with the evaluation that produced it."""

    top1: float | None
    top5: float | None
    protocol: str
    source: str
    confidence: str
    dataset: str = "ImageNet-1k val"


@dataclass(frozen=True)
class ArchSpec:
    name: str
    display_name: str
    family: str
    year: int
    authors: tuple[str, ...]
    title: str
    # "arXiv:1409.1556" or "doi:10.1109/5.726791".
    paper: str
    input_shape: tuple[int, ...]
    # The output of one sample at `input_shape` (no batch dimension): (1000,) for an ImageNet
    # classifier, (19, 512, 1024) for ENet's Cityscapes maps. Tests check the model against it.
    output_shape: tuple[int, ...]
    task: str
    ideas: tuple[str, ...]
    params: Figure | None = None
    macs: Figure | None = None
    # Published accuracies; the first is the headline the charts use. For comparability across the
    # site it is a single-centre-crop ImageNet-val figure wherever one was published.
    accuracy: tuple[Accuracy, ...] = ()
    # For a popular implementation registered beside the paper's network: the paper's name, and
    # what differs from it.
    variant_of: str | None = None
    differences: str = ""
    # The registered networks this one was built from, nearest first (ResNet-50 v1.5 <- ResNet-50;
    # VGG-16 <- VGG-13, AlexNet): what the model page compares it with. Empty for the first of a line.
    predecessors: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.ideas) - set(IDEAS)
        if unknown:
            raise ValueError(f"{self.name}: unknown design ideas {sorted(unknown)}")
        if not (self.paper.startswith("arXiv:") or self.paper.startswith("doi:")):
            raise ValueError(f"{self.name}: paper must be 'arXiv:ID' or 'doi:DOI', got {self.paper!r}")
        for figure in (self.params, self.macs):
            if figure is not None and figure.confidence == "MU":
                raise ValueError(f"{self.name}: an unverified (MU) figure cannot be registered as an oracle")

    @property
    def headline_accuracy(self) -> Accuracy | None:
        return self.accuracy[0] if self.accuracy else None

    @property
    def paper_url(self) -> str:
        kind, ident = self.paper.split(":", 1)
        return f"https://arxiv.org/abs/{ident}" if kind == "arXiv" else f"https://doi.org/{ident}"


@dataclass(frozen=True)
class Entry:
    spec: ArchSpec
    builder: Callable[..., nn.Module]


_ENTRIES: dict[str, Entry] = {}


def register(spec: ArchSpec) -> Callable[[Callable[..., nn.Module]], Callable[..., nn.Module]]:
    def decorate(builder: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        if spec.name in _ENTRIES:
            raise ValueError(f"model {spec.name!r} is registered twice")
        _ENTRIES[spec.name] = Entry(spec, builder)
        return builder

    return decorate


def _loaded() -> dict[str, Entry]:
    # Importing the families is what registers them; done on first use so that `import analyzer`
    # stays cheap for commands that never touch the zoo.
    import analyzer.archs  # noqa: F401

    return _ENTRIES


def names() -> list[str]:
    """Registered names, in the order of the history: by year, then by arXiv identifier (yymm then
    the month's sequence number, so the order of submission) where the paper is on arXiv, then in
    registration order (a paper's variants as their module lists them). Within a year a paper
    without an arXiv identifier comes first: its month is not recorded."""
    entries = _loaded()
    order = {name: i for i, name in enumerate(entries)}
    return sorted(entries, key=lambda n: (entries[n].spec.year, _arxiv_key(entries[n].spec.paper), order[n]))


def _arxiv_key(paper: str) -> tuple[int, ...]:
    """(yymm, number) of "arXiv:1807.11626"; () for a DOI or an old-style arXiv identifier."""
    kind, ident = paper.split(":", 1)
    head, _, tail = ident.partition(".")
    if kind != "arXiv" or not (head.isdigit() and tail.split("v")[0].isdigit()):
        return ()
    return int(head), int(tail.split("v")[0])


def entry(name: str) -> Entry:
    entries = _loaded()
    if name not in entries:
        raise UnknownModelError(name, difflib.get_close_matches(name, list(entries), n=3, cutoff=0.5))
    return entries[name]


def spec(name: str) -> ArchSpec:
    return entry(name).spec


def specs() -> list[ArchSpec]:
    return [entry(n).spec for n in names()]
