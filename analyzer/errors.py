"""Every error a user can cause, one class each; the message is one line that says what to change.

All derive from `UserError`, which the command line turns into that line on stderr and exit status
2; each also derives from the built-in exception it refines, so library callers can catch either.
This module imports nothing, so any layer may raise these without importing another.
"""

from __future__ import annotations


def either(names: tuple[str, ...] | list[str]) -> str:
    """('cpu', 'cuda') -> 'cpu or cuda'; three or more -> 'a, b or c': the choices a message offers."""
    names = list(names)
    return " or ".join(filter(None, (", ".join(names[:-1]), names[-1])))


class UserError(Exception):
    """An error the user can fix; printed as one line."""


class UsageError(UserError):
    """A command-line argument that cannot be used as given."""


class UnknownModelError(UserError, KeyError):
    """A model name the registry does not hold; the message suggests the nearest names."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown model {name!r}{hint} (`analyzer list` shows them all)")

    def __str__(self) -> str:
        return str(self.args[0])


class ModelLoadError(UserError, ValueError):
    """A user model reference (package.module:attr, path/to/file.py:attr) that does not load."""


class ProfileInputError(UserError, ValueError):
    """Bad input to `profile`: the message says what was wrong and what would be right."""


class TraceError(UserError, RuntimeError):
    """The forward pass failed; `layer` names the module that was running."""

    def __init__(self, message: str, layer: str, layer_type: str, too_small: bool = False) -> None:
        super().__init__(message)
        self.layer = layer
        self.layer_type = layer_type
        self.too_small = too_small


class OutputError(UserError, OSError):
    """A file that cannot be written where the user asked for it."""


class DotNotFound(UsageError):
    """graphviz is not installed."""
