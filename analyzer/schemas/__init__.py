"""JSON Schemas of the files the analyzer documents: `profile.schema.json` (`analyzer profile
--format json`) and `runtime.schema.json` (`analyzer bench`). The site publishes both under
reference/schemas/, so users can validate their own files with any JSON Schema tool.

`jsonschema` is imported only when something is validated: `analyzer bench` writes without it, so
the GPU machine's bare Python needs nothing beyond torch.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from analyzer.paths import SCHEMAS

NAMES = ("profile", "runtime")


@cache
def schema(name: str) -> dict[str, Any]:
    """The schema `name` (one of `NAMES`) as a dict."""
    return json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(data: Any, name: str) -> list[str]:
    """Where `data` breaks schema `name`, as 'path: problem' lines in document order; empty when it fits."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(name))
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{e.json_path}: {e.message}" for e in errors]
