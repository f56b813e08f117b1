"""Where the project's files are: the repository root, computed once, and the folders under it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
HISTORY = ROOT / "analyzer" / "archs" / "history"
# The JSON Schemas of the documented files (profile and runtime JSON); the site publishes them.
SCHEMAS = ROOT / "analyzer" / "schemas"
HANDWRITTEN = ROOT / "site"
MKDOCS_CONFIG = ROOT / "mkdocs.yml"
# Measured runtimes, relative to the directory a command runs in (the repository root for make).
RUNTIME_DIR = Path("data/runtime")
