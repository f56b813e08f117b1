"""The built site read as its readers read it: every number labelled with what it measures, nothing
written for the developers, each thing said once.

The oracles are the registry's metadata (datasets, predecessors, published figures and their reasons)
and the analyzer's own counts, never the pages under test.
"""

from __future__ import annotations

import collections
import html
import re
from pathlib import Path

import pytest

from analyzer import registry
from analyzer.paths import RUNTIME_DIR
from analyzer.site import build as site
from analyzer.site.data import IMAGENET
from analyzer.static.profiler import zoo_profile

pytestmark = pytest.mark.xdist_group("site")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the HTML site, the Markdown it was built from)."""
    root = tmp_path_factory.mktemp("built")
    site.build_site(root / "site", keep_docs=root / "docs")
    return root / "site", root / "docs"


def visible_text(page: Path) -> str:
    """A built page's text as a reader sees it: no scripts (chart data), no tags."""
    text = re.sub(r"<script.*?</script>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def paragraphs(page: Path) -> set[str]:
    text = re.sub(r"<script.*?</script>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return {" ".join(html.unescape(re.sub(r"<[^>]+>", "", p)).split()) for p in re.findall(r"<p>(.*?)</p>", text, re.S)}


def table(markdown: str, first_heading: str) -> tuple[list[str], list[list[str]]]:
    """The Markdown table whose first heading cell is `first_heading`: its headings and rows of cells."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_heading} |"))
    split = lambda line: [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]  # noqa: E731
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(split(line))
    return split(lines[start]), rows


def model_link_name(cell: str) -> str:
    return re.search(r"\(history/([a-z0-9_]+)\.md\)", cell).group(1)


# --- nothing written for the developers ---------------------------------------------------------------

# The developers' reference notes: their file names, their note ids (N4, N11) and the field names of
# the registry that once leaked into protocol strings.
INTERNAL = re.compile(r"published-figures|after-2017|reference file|stored as top1|\(N\d{1,2}\)|\bN\d{1,2}\b")


def test_no_page_shows_the_developers_notes(built):
    html_site, _ = built
    leaks = {p.relative_to(html_site).as_posix(): INTERNAL.findall(visible_text(p)) for p in html_site.rglob("*.html")}
    assert {page: found for page, found in leaks.items() if found} == {}


def test_the_essay_is_named_and_every_runtime_reference_is_a_link(built):
    html_site, _ = built
    for page in html_site.rglob("*.html"):
        text = visible_text(page)
        assert "source essay" not in text.replace("The source essay", "") and "source article" not in text, page
        assert "runtime page" not in text, page
    methodology = (html_site / "methodology.html").read_text(encoding="utf-8")
    assert "Eugenio Culurciello" in methodology and "https://arxiv.org/abs/1605.07678" in methodology


def test_no_long_paragraph_is_repeated_on_more_than_three_pages(built):
    html_site, _ = built
    seen = collections.Counter()
    for page in html_site.rglob("*.html"):
        seen.update(p for p in paragraphs(page) if len(p.split()) > 20)
    assert [p for p, n in seen.items() if n > 3] == []


def test_idea_tags_show_their_titles_not_their_slugs(built):
    _, docs = built
    for s in registry.specs():
        card = (docs / "history" / f"{s.name}.md").read_text(encoding="utf-8")
        row = next((line for line in card.splitlines() if line.startswith("| Introduced |")), "")
        shown = re.findall(r"\[([^\]]+)\]\(", row)
        assert len(shown) == len(s.ideas), s.name
        assert not set(shown) & set(registry.IDEAS), f"{s.name} shows tag slugs {shown}"


# --- one metric per column ----------------------------------------------------------------------------


def test_the_imagenet_column_holds_imagenet_figures_only(built):
    _, docs = built
    headings, rows = table((docs / "comparison.md").read_text(encoding="utf-8"), "network")
    column = headings.index("ImageNet top-1 (%)")
    other = headings.index("other task")
    for row in rows:
        head = registry.spec(model_link_name(row[0])).headline_accuracy
        imagenet = head is not None and head.dataset == IMAGENET and head.top1 is not None
        assert bool(row[column]) == imagenet, row[0]
        if imagenet:
            assert float(re.search(r'data-sort="([\d.]+)"', row[column]).group(1)) == head.top1
        elif head is not None and head.top1 is not None:
            # The other metric names itself: "99.0% MNIST test accuracy", "58.3% Cityscapes test mIoU".
            assert f"{head.top1:.1f}%" in row[other] and head.dataset.split()[0] in row[other], row[0]


def test_sorting_by_imagenet_top1_starts_with_an_imagenet_model(built):
    _, docs = built
    headings, rows = table((docs / "comparison.md").read_text(encoding="utf-8"), "network")
    column = headings.index("ImageNet top-1 (%)")
    cells = [(re.search(r'data-sort="([\d.]+)"', r[column]), model_link_name(r[0])) for r in rows]
    sortable = [(float(found.group(1)), name) for found, name in cells if found]
    best = max(sortable)[1]
    assert registry.spec(best).headline_accuracy.dataset == IMAGENET and best != "lenet5"


def test_a_segmentation_model_is_not_labelled_top1(built):
    _, docs = built
    card = (docs / "history" / "enet.md").read_text(encoding="utf-8").split("</div>")[0]
    assert "Top-1" not in card and "top-1" not in card and "Cityscapes test mIoU" in card


def test_the_imagenet_axis_uses_torchvision_figures_where_they_exist():
    # One evaluation per axis: a model with a torchvision ImageNet figure puts it first (the headline
    # the charts plot); VGG-11 to VGG-19 therefore come from one source.
    for s in registry.specs():
        torchvision = [a for a in s.accuracy if a.dataset == IMAGENET and a.source.startswith("torchvision")]
        if torchvision:
            assert s.accuracy[0] is torchvision[0], s.name
    assert {registry.spec(f"vgg{d}").accuracy[0].source for d in (11, 13, 16, 19)} == {
        registry.spec("vgg11").accuracy[0].source
    }


# --- published beside published, gaps explained -------------------------------------------------------


def test_every_gap_over_one_percent_carries_its_reason(built):
    _, docs = built
    for s in registry.specs():
        card = " ".join((docs / "history" / f"{s.name}.md").read_text(encoding="utf-8").split("</div>")[0].split())
        totals = zoo_profile(s.name).totals
        for figure, measured in ((s.params, totals.params), (s.macs, totals.macs)):
            if figure is None:
                continue
            word = "computed" if figure.confidence == "CH" else "published"
            assert f"; {word} " in card, s.name
            if abs(measured / figure.value - 1) > 0.01:
                assert figure.why, f"{s.name}: a gap over 1% needs its reason in the arch file"
                assert " ".join(figure.why.split()) in card, s.name


def test_computed_figures_are_not_called_published(built):
    _, docs = built
    for name in ("alexnet", "overfeat_fast", "overfeat_accurate"):
        card = (docs / "history" / f"{name}.md").read_text(encoding="utf-8").split("</div>")[0]
        params_row = next(line for line in card.splitlines() if line.startswith("| Parameters |"))
        assert "; computed " in params_row and "published" not in params_row, name


def test_what_changed_compares_with_the_declared_predecessor(built):
    _, docs = built
    names = {s.display_name: s.name for s in registry.specs()}
    for s in registry.specs():
        text = (docs / "history" / f"{s.name}.md").read_text(encoding="utf-8")
        found = re.findall(r"^## What changed from (.+)$", text, re.M)
        assert [names[f] for f in found] == list(s.predecessors[:1]), s.name


# --- runtimes -------------------------------------------------------------------------------------------


def test_runtime_headlines_throughput_and_names_tf32(built):
    html_site, docs = built
    comparison = (docs / "comparison.md").read_text(encoding="utf-8")
    headings, _ = table(comparison, "network")
    runtime = [h for h in headings if "images/s" in h or "(ms)" in h]
    assert runtime and all("images/s at the largest batch" in h for h in runtime)
    assert "### Latency at batch 1" in comparison
    devices = (docs / "reference" / "devices.md").read_text(encoding="utf-8")
    for result in sorted(RUNTIME_DIR.glob("*.json")):
        assert f"(../downloads/runtime/{result.name})" in devices
        assert (html_site / "downloads" / "runtime" / result.name).read_bytes() == result.read_bytes()
        if '"allow_tf32_conv": true' in result.read_text() and '"dtype": "float32"' in result.read_text():
            assert "float32 (TF32 convolutions)" in devices
    assert "| slug |" not in devices and "flush_denormal" not in devices


def test_each_measured_device_gets_its_own_runtime_table_on_the_model_page(built):
    html_site, _ = built
    page = (html_site / "history" / "googlenet.html").read_text(encoding="utf-8")
    measured = [r for r in sorted(RUNTIME_DIR.glob("*.json")) if '"googlenet"' in r.read_text()]
    assert page.count("roofline bound (ms)</th>") == len(measured) > 0
