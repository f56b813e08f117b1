"""`python -m analyzer.site build --output DIR`: the documentation site, built all or nothing.

The hand-written pages of `site/` and the pages rendered from `templates/` are assembled into a
temporary docs directory, mkdocs builds it with the committed `mkdocs.yml` in strict mode, and only
then does the result replace DIR. A build that fails at any step leaves the previous site as it was.
Two builds of the same tree are byte-for-byte identical.
"""

from __future__ import annotations

import argparse
import importlib.resources
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzer.paths import HANDWRITTEN, MKDOCS_CONFIG, ROOT, RUNTIME_DIR, SCHEMAS

# site/assets/charts.js loads plotly.js from this path, relative to the site root.
PLOTLY_TARGET = "assets/vendor/plotly.min.js"
# The JSON Schemas are published here (site/reference/*-json.md link them), for users to validate with.
SCHEMA_TARGET = "reference/schemas"
# Sortable tables: tablesort from its npm package, fetched once with `npm pack` into a git-ignored cache
# and served from the site itself (site/assets/tables.js loads it).
TABLESORT = "tablesort@5.7.1"
TABLESORT_FILES = ("dist/tablesort.min.js", "dist/sorts/tablesort.number.min.js", "LICENCE")
VENDOR_CACHE = ROOT / "build" / "vendor"
TABLESORT_TARGET = "assets/vendor/tablesort"
# The compare page, rendered from templates/compare.md.jinja; it reads downloads.COMPARE_DATA.
COMPARE_PAGE = "compare.md"


class SiteBuildError(Exception):
    """A build that cannot complete; the message says which step and why."""


def tablesort(cache: Path = VENDOR_CACHE) -> Path:
    """The unpacked tablesort package, fetched with `npm pack` the first time."""
    unpacked = cache / TABLESORT.replace("@", "-")
    if (unpacked / "package" / TABLESORT_FILES[0]).is_file():
        return unpacked / "package"
    npm = shutil.which("npm")
    if npm is None:
        raise SiteBuildError(f"npm is missing: install it (apt-get install npm) to vendor {TABLESORT}")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        done = subprocess.run([npm, "pack", TABLESORT, "--silent", "--pack-destination", tmp],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise SiteBuildError(f"npm pack {TABLESORT} failed: {lines[-1] if lines else done.returncode}")
        with tarfile.open(next(Path(tmp).glob("*.tgz"))) as archive:
            archive.extractall(Path(tmp) / "out", filter="data")
        shutil.rmtree(unpacked, ignore_errors=True)
        (Path(tmp) / "out").rename(unpacked)
    return unpacked / "package"


def search_tags(slug: str) -> str:
    """Front matter tagging an idea page with its name ("bottleneck", "depthwise separable"): the search
    ranks a tag match above any title or text, so the idea's name finds the page that explains it."""
    return f"---\ntags:\n  - {slug.replace('-', ' ')}\n---\n"


def handwritten_pages(source: Path = HANDWRITTEN) -> tuple[str, ...]:
    return tuple(sorted(p.relative_to(source).as_posix() for p in source.rglob("*.md")))


def assemble(docs: Path, pages: dict[str, str], source: Path = HANDWRITTEN) -> None:
    """The docs directory: hand-written files, generated pages, the JSON Schemas and
    the local copy of plotly.js."""
    shutil.copytree(source, docs)
    for page, text in sorted(pages.items()):
        target = docs / page
        if target.exists():
            raise SiteBuildError(f"generated page {page} would overwrite the hand-written site/{page}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (docs / SCHEMA_TARGET).mkdir(parents=True, exist_ok=True)
    for schema in sorted(SCHEMAS.glob("*.schema.json")):
        shutil.copyfile(schema, docs / SCHEMA_TARGET / schema.name)
    plotly = importlib.resources.files("plotly") / "package_data" / "plotly.min.js"
    (docs / PLOTLY_TARGET).parent.mkdir(parents=True, exist_ok=True)
    (docs / PLOTLY_TARGET).write_bytes(plotly.read_bytes())
    package = tablesort()
    for name in TABLESORT_FILES:
        target = docs / TABLESORT_TARGET / Path(name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(package / name, target)


def run_mkdocs(docs: Path, out: Path, nav: list[Any], config: Path = MKDOCS_CONFIG) -> None:
    """`mkdocs build --strict` of `docs` into `out`, with the generated navigation."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    try:
        build(load_config(str(config), docs_dir=str(docs), site_dir=str(out), nav=nav, strict=True))
    except MkDocsException as exc:
        raise SiteBuildError(f"mkdocs build failed: {exc}") from exc
    # Without a site_url the sitemap lists no addresses, only the build date (which would also make two
    # builds differ): it is dropped rather than shipped half-empty.
    for name in ("sitemap.xml", "sitemap.xml.gz"):
        (out / name).unlink(missing_ok=True)


def replace_dir(new: Path, target: Path) -> None:
    """Put `new` where `target` is with two renames; the old tree is deleted only after the swap."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old)


def build_site(
    output: Path,
    keep_docs: Path | None = None,
    runtime_dir: Path = RUNTIME_DIR,
    templates: Path | None = None,
) -> int:
    """Collect, render, build and swap in; returns the number of pages."""
    from analyzer.render import diagram
    from analyzer.render import pages as render
    from analyzer.site import data as sitedata
    from analyzer.site import downloads

    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.build-", dir=output.parent))
    handwritten = handwritten_pages()
    try:
        data = sitedata.collect(runtime_dir)
        rendered = render.render_site(data, templates=templates or render.TEMPLATES, handwritten=handwritten)
        env = render.environment(templates or render.TEMPLATES)
        rendered.pages[COMPARE_PAGE] = env.get_template("compare.md.jinja").render(
            models=data["models"], data=downloads.COMPARE_DATA
        )
        rendered.nav.insert(-3, {"Compare two models": COMPARE_PAGE})
        for idea in data["ideas"]:
            page = f"ideas/{idea.slug}.md"
            if page in rendered.pages and not rendered.pages[page].startswith("---"):
                rendered.pages[page] = search_tags(idea.slug) + rendered.pages[page]
        docs, built = work / "docs", work / "site"
        assemble(docs, rendered.pages)
        diagrams = {m["name"]: diagram.svg(m["diagram"], title=m["display_name"]) for m in data["models"]}
        downloads.write(docs, data, sorted(Path(runtime_dir).glob("*.json")), diagrams)
        run_mkdocs(docs, built, rendered.nav)
        if keep_docs is not None:
            Path(keep_docs).resolve().parent.mkdir(parents=True, exist_ok=True)
            replace_dir(docs, Path(keep_docs).resolve())
        replace_dir(built, output)
        return len(rendered.pages) + len(handwritten)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analyzer.site", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="build the static site into a directory, replacing it only on success")
    p.add_argument("--output", required=True, type=Path, help="directory the built site replaces")
    p.add_argument("--keep-docs", type=Path, help="also keep the generated Markdown docs in this directory")
    p.add_argument(
        "--runtime-dir",
        type=Path,
        default=RUNTIME_DIR,
        help="measured runtimes to show (default: data/runtime)",
    )
    sub.add_parser("vendor", help=f"fetch {TABLESORT} with npm into {VENDOR_CACHE.relative_to(ROOT)} (once)")
    args = parser.parse_args(argv)
    if args.command == "vendor":
        try:
            sys.stdout.write(f"{TABLESORT}: {tablesort()}\n")
        except SiteBuildError as exc:
            sys.stderr.write(f"analyzer.site: error: {exc}\n")
            return 2
        return 0
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    start = time.monotonic()
    try:
        count = build_site(args.output, args.keep_docs, args.runtime_dir)
    # ValueError: a page that does not render (PageError) or a runtime file that breaks its schema.
    except (SiteBuildError, ValueError) as exc:
        sys.stderr.write(f"analyzer.site: error: {exc}; the previous site in {args.output} is untouched\n")
        return 2
    sys.stdout.write(f"site: {count} pages in {args.output} ({time.monotonic() - start:.1f} s)\n")
    return 0
