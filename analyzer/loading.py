"""Load a user's model from `package.module:attr` or `path/to/file.py:attr`."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

from torch import nn

from analyzer.errors import ModelLoadError


def is_user_reference(text: str) -> bool:
    return ":" in text


def load(reference: str) -> nn.Module:
    """Import the module, take the attribute, and return the `nn.Module` it is or makes."""
    location, _, attr = reference.rpartition(":")
    if not location or not attr:
        raise ModelLoadError(f"{reference!r}: expected package.module:attr or path/to/file.py:attr")
    try:
        if location.endswith(".py"):
            path = Path(location)
            if not path.is_file():
                raise ModelLoadError(f"{location}: no such file")
            name = f"_analyzer_user_{abs(hash(path.resolve()))}"
            spec_ = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec_)  # type: ignore[arg-type]
            sys.modules[name] = module
            spec_.loader.exec_module(module)  # type: ignore[union-attr]
        else:
            module = importlib.import_module(location)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"cannot import {location}: {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, attr):
        raise ModelLoadError(f"{location} has no attribute {attr!r}")
    obj = getattr(module, attr)
    if isinstance(obj, nn.Module):
        return obj
    if inspect.isclass(obj) and not issubclass(obj, nn.Module):
        raise ModelLoadError(f"{reference} is a class but not an nn.Module subclass")
    if not callable(obj):
        raise ModelLoadError(f"{reference} is a {type(obj).__name__}, not an nn.Module or a function returning one")
    try:
        made = obj()
    except Exception as exc:
        raise ModelLoadError(f"calling {reference}() failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(made, nn.Module):
        raise ModelLoadError(f"{reference}() returned a {type(made).__name__}, not an nn.Module")
    return made
