"""The inputs of a profile: per-sample sizes with optional dtypes (parsed from the command line's
`--input-size` or given in Python), and example data given as a tensor, a tuple or a dict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from analyzer.errors import ProfileInputError

Shape = tuple[int, ...]
# The dtypes an input may be given in, by the names torch prints them with (and the usual aliases).
DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32, "float": torch.float32, "float64": torch.float64, "double": torch.float64,
    "float16": torch.float16, "half": torch.float16, "bfloat16": torch.bfloat16,
    "int64": torch.int64, "long": torch.int64, "int32": torch.int32, "int": torch.int32,
    "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
    "complex64": torch.complex64,
}
_SIZE_HINT = "expected per-sample sizes like 3,224,224, each with an optional dtype: 3,224,224;16:int64"


def parse_dtype(text: str) -> torch.dtype:
    name = text.strip().removeprefix("torch.")
    if name not in DTYPES:
        raise ProfileInputError(f"unknown dtype {text!r}: expected one of {', '.join(DTYPES)}")
    return DTYPES[name]


def parse_inputs(text: str) -> tuple[tuple[Shape, ...], tuple[torch.dtype | None, ...]]:
    """'3,224,224' -> one input; '3,32,32;1,10' or '3,32,32 1,10' -> two; '16:int64' -> 16 integers
    per sample; '()' or ':int64' -> a scalar per sample. Returns the shapes and each one's dtype
    (None where none was given)."""
    shapes, dtypes = [], []
    for part in text.replace(";", " ").split():
        size, colon, dtype = part.partition(":")
        if colon and not dtype.strip():
            raise ProfileInputError(f"malformed input size {text!r}: a dtype must follow ':'; {_SIZE_HINT}")
        dims_text = size.strip().strip("()[]").strip()
        try:
            dims = tuple(int(d) for d in dims_text.split(",")) if dims_text else ()
        except ValueError:
            raise ProfileInputError(f"malformed input size {text!r}: {_SIZE_HINT}") from None
        shapes.append(dims)
        dtypes.append(parse_dtype(dtype) if colon else None)
    if not shapes:
        raise ProfileInputError(f"empty input size: {_SIZE_HINT}")
    check_shapes(shapes)
    return tuple(shapes), tuple(dtypes)


def parse_input_size(text: str) -> tuple[Shape, ...]:
    """The shapes of `parse_inputs`, without their dtypes."""
    return parse_inputs(text)[0]


def check_shapes(shapes: Sequence[Sequence[int]]) -> None:
    for shape in shapes:
        if any(int(d) < 1 for d in shape):
            raise ProfileInputError(
                f"input size {','.join(map(str, shape))} must be positive integers, like 3,224,224")


def sizes(input_size: Any, default: tuple[Shape, ...], name: str,
           ) -> tuple[tuple[Shape, ...], tuple[torch.dtype | None, ...]]:
    if input_size is None:
        if not default:
            raise ProfileInputError(
                f"{name} is not in the zoo, so it needs an input size such as --input-size 3,224,224")
        return default, (None,) * len(default)
    if isinstance(input_size, str):
        return parse_inputs(input_size)
    sizes = list(input_size)
    # One shape (ints, or empty: a scalar per sample) or a sequence of shapes.
    shapes = (tuple(sizes),) if not sizes or isinstance(sizes[0], int) else tuple(tuple(s) for s in sizes)
    check_shapes(shapes)
    return shapes, (None,) * len(shapes)


def dtypes_of(given: Any, count: int) -> tuple[torch.dtype | None, ...]:
    if given is None:
        return (None,) * count
    if isinstance(given, (str, torch.dtype)):
        given = [given]
    dtypes = tuple(parse_dtype(d) if isinstance(d, str) else d for d in given)
    if len(dtypes) != count or not all(isinstance(d, torch.dtype) for d in dtypes):
        raise ProfileInputError(f"dtypes must be one torch dtype or name per input: {count} input(s), "
                                f"got {given!r}")
    return dtypes


def given_inputs(input_data: Any, device: str) -> tuple[list[Any], dict[str, Any]]:
    """`input_data` as call arguments on `device`: a tensor, a tuple or list of arguments, or a dict of
    keyword arguments. Tensors move to the device (to meta without copying any data)."""

    def placed(value: Any) -> Any:
        return value.to(device) if isinstance(value, torch.Tensor) and value.device.type != device else value

    if isinstance(input_data, torch.Tensor):
        return [placed(input_data)], {}
    if isinstance(input_data, dict):
        if not all(isinstance(k, str) for k in input_data):
            raise ProfileInputError("input_data as a dict must map argument names to values")
        return [], {k: placed(v) for k, v in input_data.items()}
    if isinstance(input_data, (tuple, list)):
        return [placed(v) for v in input_data], {}
    raise ProfileInputError(f"input_data must be a tensor, a tuple of arguments or a dict of keyword arguments, "
                            f"got a {type(input_data).__name__}")
