"""The package's layout as rules a change can break: who may import whom, and how long a module is."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "analyzer"
SOURCES = sorted(p for p in [*PACKAGE.rglob("*.py"), *(ROOT / "scripts").glob("*.py")] if "history" not in p.parts)
# The collect side produces plain data; it never draws.
COLLECT = ("static", "bench", "content", "archs")
# What a renderer may import from the package: other renderers, the plain records, errors and paths.
RENDER_MAY_IMPORT = ("analyzer.render", "analyzer.static.records", "analyzer.errors", "analyzer.paths")
# Long modules a reader would accept: one algorithm in order, or one table of checks.
LONG_MODULES: set[str] = set()
MAX_LINES = 400


def imports(path: Path, runtime_only: bool = False) -> set[str]:
    """Every `analyzer...` module `path` imports (with `from analyzer import x` as analyzer.x)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped |= {id(n) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return {name for name in found if name == "analyzer" or name.startswith("analyzer.")}


def relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix() if PACKAGE in path.parents else path.relative_to(ROOT).as_posix()


def test_the_scan_sees_imports_of_every_form(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import analyzer.cli\nfrom analyzer import cli\nfrom analyzer.cli import main\n")
    assert {"analyzer.cli", "analyzer.cli.main"} <= imports(source)


@pytest.mark.parametrize("path", SOURCES, ids=relative)
def test_only_the_entry_points_import_the_cli(path):
    if relative(path) in ("cli.py", "__main__.py"):
        return
    assert not {name for name in imports(path) if name == "analyzer.cli" or name.startswith("analyzer.cli.")}


@pytest.mark.parametrize("path", [p for p in SOURCES if relative(p).split("/")[0] in COLLECT], ids=relative)
def test_collect_never_imports_a_renderer(path):
    assert not {name for name in imports(path) if name.startswith("analyzer.render")}


@pytest.mark.parametrize("path", sorted((PACKAGE / "render").glob("*.py")), ids=relative)
def test_renderers_import_only_plain_data(path):
    outside = {name for name in imports(path, runtime_only=True)
               if not name.startswith(RENDER_MAY_IMPORT) and name != "analyzer.render"}
    assert not outside


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=relative)
def test_modules_stay_short(path):
    if relative(path) in LONG_MODULES:
        return
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
