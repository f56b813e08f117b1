"""Load a user's model from `package.module:attr` or `path/to/file.py:attr`."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torch import nn

from analyzer.errors import ModelLoadError


def is_user_reference(text: str) -> bool:
    return ":" in text


def load(reference: str, kwargs: dict[str, Any] | None = None, device: str = "meta") -> nn.Module:
    """Import the module, take the attribute, and return the `nn.Module` it is or makes.

    A class or factory is called with `kwargs`, built the way the zoo is built: on the meta device
    without running initialisers, so a model of any size costs only its graph (a constructor that
    needs real values, reading a weight back say, is built again the ordinary way). On another device
    it is built there.
    """
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
        if kwargs:
            raise ModelLoadError(f"{reference} is an nn.Module already built; model arguments apply to a class "
                                 "or a function that builds one")
        return obj
    if inspect.isclass(obj) and not issubclass(obj, nn.Module):
        raise ModelLoadError(f"{reference} is a class but not an nn.Module subclass")
    if not callable(obj):
        raise ModelLoadError(f"{reference} is a {type(obj).__name__}, not an nn.Module or a function returning one")
    kwargs = kwargs or {}
    try:
        inspect.signature(obj).bind(**kwargs)
    except TypeError as exc:
        raise ModelLoadError(f"{reference} does not take these arguments: {exc}") from None
    except ValueError:  # no signature to check (a builtin): the call itself will say
        pass
    made = _build(obj, reference, kwargs, device)
    if not isinstance(made, nn.Module):
        raise ModelLoadError(f"{reference}() returned a {type(made).__name__}, not an nn.Module")
    return made


def _build(obj: Callable[..., Any], reference: str, kwargs: dict[str, Any], device: str) -> Any:
    import torch

    if torch.device(device).type == "meta":
        from analyzer.construct import MetaConstruction

        try:
            with torch.no_grad(), MetaConstruction():
                return obj(**kwargs)
        except Exception:  # noqa: S110 - built again below, where a real error is reported
            pass
    try:
        with torch.device(device if torch.device(device).type != "meta" else "cpu"):
            return obj(**kwargs)
    except Exception as exc:
        raise ModelLoadError(f"calling {reference}() failed: {type(exc).__name__}: {exc}") from exc
