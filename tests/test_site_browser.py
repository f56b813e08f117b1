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
ARCHITECTURES = ("resnet50", "vgg16", "googlenet")


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
def test_home_bubble_chart_has_a_point_per_model_with_imagenet_accuracy(visit):
    visit.open("index.html")
    visit.wait_for_chart("chart-bubble")
    points = visit.page.evaluate(
        "document.getElementById('chart-bubble').data.reduce((n, t) => n + t.x.length, 0)"
    )
    assert points == imagenet_accuracies() > 10
    visit.check_clean()


@pytest.mark.browser
def test_clicking_a_bubble_opens_the_models_page(visit):
    visit.open("index.html")
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
    visit.open("index.html")
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
            ("index.html", "chart-bubble"),
            ("history/resnet50.html", "chart-layers"),
            ("comparison.html", "chart-bubble"),
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
