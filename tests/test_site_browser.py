"""The built site in a real browser: headless Chromium from Debian, driven by playwright.

The site is built once into a temporary directory and served on 127.0.0.1. Every page visited must
plot its charts, log no console error, and request nothing from any other host. Set SITE_SCREENSHOTS
to a directory to also save screenshots of the home, ResNet-50 and comparison pages in both schemes.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

import analyzer
from analyzer.site import build as site

playwright = pytest.importorskip("playwright.sync_api")

# One worker builds the site once for every test here.
pytestmark = pytest.mark.xdist_group("site")

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL = {"127.0.0.1", "localhost"}
ARCHITECTURES = ("resnet50", "vgg16", "googlenet", "vit_b_16", "convnext_tiny")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    site.build_site(out)
    return out


@pytest.fixture(scope="module")
def server(built: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (make setup does)")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class Visit:
    """One browser page that records console errors and every host it contacts."""

    def __init__(self, browser, server: str, scheme: str = "light") -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000}, color_scheme=scheme)
        self.page = self.context.new_page()
        self.server = server
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.hosts.add(urlparse(r.url).hostname or r.url))

    def open(self, path: str) -> None:
        self.page.goto(f"{self.server}/{path}")
        self.page.wait_for_load_state("networkidle")

    def wait_for_chart(self, ident: str) -> None:
        self.page.wait_for_function(
            f"document.getElementById('{ident}') && document.getElementById('{ident}').data"
        )

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.hosts <= LOCAL, self.hosts - LOCAL

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser, server):
    v = Visit(browser, server)
    yield v
    v.close()


def imagenet_accuracies() -> int:
    """Models whose headline accuracy is a published ImageNet top-1, straight from the registry."""
    return sum(
        1
        for s in analyzer.specs()
        if s.headline_accuracy
        and s.headline_accuracy.dataset == "ImageNet-1k val"
        and s.headline_accuracy.top1 is not None
    )


@pytest.mark.browser
def test_bubble_chart_has_a_point_per_model_with_imagenet_accuracy(visit):
    visit.open("comparison.html")
    visit.wait_for_chart("chart-bubble")
    points = visit.page.evaluate(
        "document.getElementById('chart-bubble').data.reduce((n, t) => n + t.x.length, 0)"
    )
    assert points == imagenet_accuracies() > 10
    visit.check_clean()


@pytest.mark.browser
def test_clicking_a_bubble_opens_the_models_page(visit):
    visit.open("comparison.html")
    visit.wait_for_chart("chart-bubble")
    visit.page.locator("#chart-bubble").scroll_into_view_if_needed()
    x, y, target = visit.page.evaluate("""() => {
        const gd = document.getElementById('chart-bubble'), layout = gd._fullLayout;
        const trace = gd.data.find(t => t.name === 'VGG'), box = gd.getBoundingClientRect();
        return [box.left + layout.xaxis._offset + layout.xaxis.d2p(trace.x[2]),
                box.top + layout.yaxis._offset + layout.yaxis.d2p(trace.y[2]), trace.customdata[2][0]]; }""")
    visit.page.mouse.move(x, y)
    visit.page.mouse.click(x, y)
    visit.page.wait_for_url(f"**/{target}")
    visit.check_clean()


@pytest.mark.browser
def test_palette_toggle_switches_the_scheme_and_restyles_the_charts(visit):
    visit.open("comparison.html")
    visit.wait_for_chart("chart-bubble")
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    font = "document.getElementById('chart-bubble').layout.font.color"
    before, colour = visit.page.evaluate(scheme), visit.page.evaluate(font)
    visit.page.locator("label[for^='__palette']:visible").first.click()
    visit.page.wait_for_function(f"{scheme} !== '{before}'")
    assert {before, visit.page.evaluate(scheme)} == {"default", "slate"}
    visit.page.wait_for_function(f"{font} !== '{colour}'")
    visit.check_clean()


@pytest.mark.browser
@pytest.mark.parametrize("name", ARCHITECTURES)
def test_architecture_page_shows_its_diagram_and_charts(visit, name):
    visit.open(f"history/{name}.html")
    diagram = visit.page.locator(".diagram svg").first
    assert diagram.is_visible()
    box = diagram.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    visit.wait_for_chart("chart-layers")
    visit.wait_for_chart("chart-receptive-field")
    heading = visit.page.locator("h1").first.inner_text().rstrip("¶")
    assert heading == analyzer.spec(name).display_name
    visit.check_clean()


@pytest.mark.browser
def test_comparison_table_sorts_by_a_column(visit):
    visit.open("comparison.html")
    header = visit.page.locator(".sortable th", has_text="parameters")
    header.click()
    column = visit.page.evaluate("""() => {
        const table = document.querySelector('.sortable table');
        const index = [...table.tHead.rows[0].cells].findIndex(c => c.textContent.trim() === 'parameters');
        return [...table.tBodies[0].rows].map(
            r => Number(r.cells[index].querySelector('[data-sort]').dataset.sort)); }""")
    assert len(column) == len(analyzer.names()) and column == sorted(column)
    header.click()
    again = visit.page.evaluate("[...document.querySelectorAll('.sortable tbody tr')].length")
    assert again == len(column)
    visit.check_clean()


@pytest.mark.browser
@pytest.mark.skipif(
    not os.environ.get("SITE_SCREENSHOTS"), reason="set SITE_SCREENSHOTS=DIR to save screenshots"
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(browser, server, scheme):
    out = Path(os.environ["SITE_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    v = Visit(browser, server, scheme)
    try:
        for path, chart in (
            ("timeline.html", "chart-timeline-accuracy"),
            ("history/resnet50.html", "chart-layers"),
            ("comparison.html", "chart-bubble"),
            ("compare.html?models=vgg16,resnet50", "chart-compare-layers"),
        ):
            v.open(path)
            v.wait_for_chart(chart)
            v.page.screenshot(path=str(out / f"{Path(path).stem}-{scheme}.png"), full_page=True)
        v.check_clean()
    finally:
        v.close()


@pytest.mark.slow
def test_two_builds_are_byte_identical(built, tmp_path):
    again = tmp_path / "again"
    site.build_site(again)
    first = {p.relative_to(built): p.read_bytes() for p in sorted(built.rglob("*")) if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in sorted(again.rglob("*")) if p.is_file()}
    assert first.keys() == second.keys()
    assert [p for p in first if first[p] != second[p]] == []


# Every page of the site's kinds: the compare page fetches JSON, the model pages load tablesort.
PAGES = (
    "index.html",
    "comparison.html",
    "timeline.html",
    "history/resnet50.html",
    "compare.html?models=vgg16,resnet50",
    "reference/devices.html",
    "ideas/index.html",
)


@pytest.mark.browser
def test_no_request_leaves_localhost_on_any_kind_of_page(visit):
    requests: list[str] = []
    visit.page.on("request", lambda r: requests.append(r.url))
    for path in PAGES:
        visit.open(path)
    assert len(requests) > len(PAGES)
    assert [u for u in requests if urlparse(u).hostname not in LOCAL] == []
    visit.check_clean()


@pytest.mark.browser
def test_no_toolbar_button_sends_data_or_links_away(visit):
    visit.open("comparison.html")
    visit.wait_for_chart("chart-bubble")
    visit.page.locator("#chart-bubble").hover()
    buttons = visit.page.evaluate(
        "[...document.querySelectorAll('#chart-bubble .modebar-btn')].map(b => b.dataset.title)"
    )
    assert "Zoom" in buttons and "Download plot as a PNG" in buttons
    assert not [b for b in buttons if "cloud" in b.lower() or "chart studio" in b.lower() or "share" in b.lower()]
    # No link out of the chart either (plotly's logo links to its site).
    assert visit.page.locator("#chart-bubble a[href^='http']").count() == 0
    visit.check_clean()


def _layer_rows(visit) -> list[str]:
    return visit.page.evaluate(
        "[...document.querySelector('.layer-table table').tBodies[0].rows].map(r => r.cells[0].textContent.trim())"
    )


@pytest.mark.browser
def test_clicking_a_diagram_node_highlights_its_row_and_hovering_a_row_its_node(visit):
    visit.open("history/resnet50.html")
    node = visit.page.locator(".diagram svg g.node[data-layer='conv1']").first
    # The tooltip names the layer and its numbers, not graphviz's internal id.
    title = node.locator("title").text_content()
    assert title.startswith("conv1 ·") and "9,536 params" in title
    node.click()
    row = visit.page.locator(".layer-table tr.layer-highlight").first
    assert row.locator("td").first.inner_text() == "conv1"
    assert row.is_visible()
    # A block highlights its own row, or where the tables have none, its enclosing block's.
    visit.page.locator(".diagram svg g.node[data-layer='conv4_x.0']").first.click()
    assert visit.page.locator(".layer-table tr.layer-highlight td").first.inner_text() in ("conv4_x", "conv4_x.0")
    visit.page.locator(".layer-table tr", has_text="conv3_x").first.hover()
    lit = visit.page.evaluate(
        "[...document.querySelectorAll('.diagram svg g.node.layer-highlight')].map(n => n.dataset.layer)"
    )
    assert lit and all(name.startswith("conv3_x.") for name in lit)
    visit.check_clean()


@pytest.mark.browser
def test_diagrams_are_labelled_images(visit):
    visit.open("history/vgg16.html")
    svg = visit.page.locator(".diagram svg").first
    assert svg.get_attribute("role") == "img"
    assert "VGG-16" in svg.get_attribute("aria-label")
    visit.check_clean()


@pytest.mark.browser
def test_tall_diagram_fits_the_window_and_opens_at_full_size(visit):
    visit.open("history/vgg16.html")
    svg = visit.page.locator(".diagram svg").first
    fitted = svg.bounding_box()["height"]
    assert fitted <= 1000
    visit.page.locator("button.diagram-toggle").first.click()
    assert svg.bounding_box()["height"] > fitted * 1.3
    visit.check_clean()


@pytest.mark.browser
def test_per_layer_table_sorts_by_macs(visit):
    visit.open("history/resnet50.html")
    visit.page.wait_for_function("document.querySelector('.layer-table table').dataset.sortable")
    header = visit.page.locator(".layer-table th", has_text="MACs").first
    header.click()
    values = visit.page.evaluate("""() => [...document.querySelector('.layer-table table').tBodies[0].rows]
        .map(r => r.cells[4].getAttribute('data-sort')).filter(v => v !== null).map(Number)""")
    expected = sorted(
        layer["macs"] for layer in analyzer.profile("resnet50", depth=1).to_dict()["layers"] if layer["macs"]
    )
    assert values in (expected, expected[::-1]) and len(values) > 5
    header.click()
    again = visit.page.evaluate("""() => [...document.querySelector('.layer-table table').tBodies[0].rows]
        .map(r => r.cells[4].getAttribute('data-sort')).filter(v => v !== null).map(Number)""")
    assert again == values[::-1]
    visit.check_clean()


@pytest.mark.browser
def test_compare_page_computes_the_ratios_of_the_models_in_the_url(visit):
    visit.open("compare.html?models=vgg16,resnet50")
    visit.page.wait_for_selector("#compare-table")
    cells = visit.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#compare-table tbody tr')]
        .map(r => [r.dataset.row, [...r.cells].map(c => c.textContent)]))""")
    vgg, resnet = (analyzer.profile(n).totals for n in ("vgg16", "resnet50"))
    assert cells["parameters"][3] == f"{resnet.params / vgg.params:.2f}x"
    assert cells["MACs"][3] == f"{resnet.macs / vgg.macs:.2f}x"
    assert visit.page.locator("select[name=model1]").input_value() == "vgg16"
    visit.wait_for_chart("chart-compare-layers")
    assert visit.page.locator(".compare-diagrams img").count() == 2
    # A third model joins the URL, so the link is shareable.
    visit.page.locator("select[name=model3]").select_option("googlenet")
    visit.page.wait_for_function("location.search.includes('googlenet')")
    assert visit.page.locator("#compare-table thead th").count() == 6
    visit.check_clean()


@pytest.mark.browser
def test_model_page_links_to_the_compare_page_with_itself_chosen(visit):
    visit.open("history/googlenet.html")
    visit.page.locator(".model-tools a", has_text="Compare").click()
    visit.page.wait_for_selector("#compare-table")
    assert visit.page.locator("select[name=model1]").input_value() == "googlenet"
    visit.check_clean()


@pytest.mark.browser
def test_downloaded_profile_is_json_that_validates_against_the_schema(visit):
    import json

    import jsonschema

    from analyzer.paths import SCHEMAS

    visit.open("history/resnet50.html")
    link = visit.page.locator(".model-tools a", has_text="JSON").first
    response = visit.page.request.get(link.evaluate("a => a.href"))
    assert response.ok
    profile = json.loads(response.text())
    jsonschema.validate(profile, json.loads((SCHEMAS / "profile.schema.json").read_text()))
    assert profile["totals"]["params"] == analyzer.profile("resnet50").totals.params
    visit.check_clean()


@pytest.mark.browser
def test_dark_scheme_recolours_the_diagrams(browser, server):
    filters = {}
    for scheme in ("light", "dark"):
        v = Visit(browser, server, scheme)
        try:
            v.open("history/resnet50.html")
            filters[scheme] = v.page.evaluate("getComputedStyle(document.querySelector('.diagram svg')).filter")
            background = v.page.evaluate("getComputedStyle(document.querySelector('.diagram')).backgroundColor")
            assert background == "rgba(0, 0, 0, 0)"
            v.check_clean()
        finally:
            v.close()
    assert filters["light"] == "none" and "invert" in filters["dark"]


@pytest.mark.browser
def test_charts_have_a_text_alternative_and_a_note_without_scripts(browser, server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server}/comparison.html")
        chart = page.locator("#chart-bubble")
        assert "against" in chart.get_attribute("aria-label")
        assert "needs JavaScript" in chart.inner_text()
        assert chart.bounding_box()["height"] < 200
        assert page.locator("details.chart-data table tbody tr").count() > 10
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize(
    ("query", "page"), [("resnet50", "history/resnet50.html"), ("bottleneck", "ideas/bottleneck.html")]
)
def test_search_ranks_the_expected_page_first(visit, query, page):
    visit.open("index.html")
    box = visit.page.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query, delay=20)
    first = visit.page.locator(".md-search-result__item a").first
    first.wait_for()
    visit.page.wait_for_function(
        f"document.querySelector('.md-search-result__item a').href.includes('{page}')", timeout=10000
    )


@pytest.mark.browser
def test_runtime_charts_start_readable_and_share_one_family_selection(visit):
    visit.open("comparison.html")
    visit.wait_for_chart("chart-latency-0")
    visit.wait_for_chart("chart-throughput-0")
    shown = "id => document.getElementById(id).data.filter(t => t.visible === true).map(t => t.legendgroup)"
    first = visit.page.evaluate(f"({shown})('chart-latency-0')")
    total = visit.page.evaluate("document.getElementById('chart-latency-0').data.length")
    # One line per family to start with, the others a legend click away.
    assert len(first) == len(set(first)) < total
    visit.page.locator(".family-picker input[value='VGG']").first.uncheck()
    for chart in ("chart-latency-0", "chart-throughput-0"):
        assert "VGG" not in visit.page.evaluate(f"({shown})('{chart}')")
    visit.check_clean()


@pytest.mark.browser
def test_comparison_table_keeps_the_name_in_view_and_hides_column_sets(visit):
    visit.open("comparison.html")
    first = visit.page.locator(".sortable table tbody tr td").first
    assert first.evaluate("c => getComputedStyle(c).position") == "sticky"
    before = visit.page.evaluate("document.querySelector('.sortable table').getBoundingClientRect().width")
    visit.page.locator(".column-toggles input[value='memory']").uncheck()
    hidden = visit.page.evaluate("[...document.querySelector('.sortable table').tHead.rows[0].cells]"
                                 ".filter(c => c.hidden).map(c => c.textContent.trim())")
    assert hidden and all("weights" in h or "activations" in h for h in hidden)
    assert visit.page.evaluate("document.querySelector('.sortable table').getBoundingClientRect().width") < before
    visit.check_clean()


@pytest.mark.browser
def test_bubble_chart_filters_by_year(visit):
    visit.open("comparison.html")
    visit.wait_for_chart("chart-bubble")
    count = "document.getElementById('chart-bubble').data.reduce((n, t) => n + t.x.length, 0)"
    visit.page.locator(".year-range select[name=from]").first.select_option("2015")
    later = sum(
        1 for s in analyzer.specs()
        if s.year >= 2015 and s.headline_accuracy and s.headline_accuracy.dataset == "ImageNet-1k val"
        and s.headline_accuracy.top1 is not None
    )
    visit.page.wait_for_function(f"{count} === {later}")
    visit.check_clean()
