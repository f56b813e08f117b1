"""Render the design-idea pages and the claims page from their records: formatting only.

The templates format numbers with the `si` and `grouped` filters and with the macros of
templates/ideas/_format.jinja, so they render the same in this environment and in the site's.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from analyzer.render.numbers import grouped, si

if TYPE_CHECKING:
    from analyzer.claims import Claim
    from analyzer.ideas import Idea

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, autoescape=False)
    env.filters.update(grouped=grouped, si=si)
    return env


def render_idea(idea: Idea) -> str:
    """The Markdown page of one design idea (templates/ideas/<slug>.md.jinja)."""
    return environment().get_template(f"ideas/{idea.slug}.md.jinja").render(idea=idea)


def render_claims(claims: list[Claim]) -> str:
    """The Markdown page that checks the source article's claims (templates/claims.md.jinja)."""
    return environment().get_template("claims.md.jinja").render(claims=claims)
