"""Where a page lives and how one page links to another: the only place a page's path is built."""

from __future__ import annotations

import posixpath


def model_page(name: str) -> str:
    """A model's page, relative to the docs root."""
    return f"history/{name}.md"


def built_page(page: str) -> str:
    """The address mkdocs gives a docs page in the built site (history/x.md -> history/x.html)."""
    return page.removesuffix(".md") + ".html"


def relative(target: str, page: str) -> str:
    """A link from `page` to `target` (both relative to the docs root; `target` may carry an anchor)."""
    path, _, anchor = target.partition("#")
    return posixpath.relpath(path, posixpath.dirname(page) or ".") + (f"#{anchor}" if anchor else "")
