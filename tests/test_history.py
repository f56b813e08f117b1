"""The history texts: one per registered model, numbers only through template variables."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import analyzer

HISTORY = Path(analyzer.__file__).parent / "archs" / "history"

# A figure the analyzer computes, written by hand: "138 million parameters", "15.5 GFLOPs", "60M",
# "0.7 MB", "a receptive field of 212". Jinja expressions are removed before the scan, so numbers
# that come through variables never match.
HAND_WRITTEN = [
    re.compile(r"\b\d[\d,.]*\s*(?:million|billion|thousand|[KMGT])\s*(?:parameters|params|weights|MACs|"
               r"mult-adds|multiply-adds|multiply-accumulates|FLOPs|operations)", re.I),
    re.compile(r"\b\d[\d,.]*\s*[KMGT]?(?:FLOPs|MACs|B\b|iB\b)", re.I),
    re.compile(r"\b\d[\d,.]*\s*[KMG]\b(?!-)"),
    re.compile(r"receptive field (?:of|is|reaches|grows to|spans)\s+\d", re.I),
    re.compile(r"\b\d+\s*(?:px|pixels) (?:receptive|field)", re.I),
]
JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


@pytest.mark.parametrize("name", analyzer.names())
def test_every_model_has_its_history(name):
    text = (HISTORY / f"{name}.md").read_text()
    words = len(JINJA.sub(" x ", text).split())
    assert words >= 300, f"{name}: {words} words, the floor is 300"


def hand_written_figures(text: str) -> list[str]:
    prose = JINJA.sub(" ", text)
    return [m.group(0) for pattern in HAND_WRITTEN for m in pattern.finditer(prose)]


def test_the_scanner_catches_hand_written_figures():
    assert hand_written_figures("It has 138 million parameters and 15.5 GFLOPs, or 60M weights.")
    assert hand_written_figures("a receptive field of 212 pixels")
    assert not hand_written_figures("It has {{ m.params }} parameters and {{ m.macs }} MACs in 16 layers.")


@pytest.mark.parametrize("path", sorted(HISTORY.rglob("*.md")), ids=lambda p: p.stem)
def test_no_hand_written_figures(path):
    assert hand_written_figures(path.read_text()) == []


def test_spelling_of_every_page_source():
    root = HISTORY.parents[2]
    sources = [str(HISTORY), str(root / "templates"), str(root / "site"), str(root / "README.md")]
    result = subprocess.run([sys.executable, "-m", "codespell_lib", *sources], capture_output=True, text=True,
                            cwd=root)
    assert result.returncode == 0, result.stdout
