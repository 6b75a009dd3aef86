"""MLflow's rules for one inference parameter value (spec section 3.9).

The same function checks a ParamSpec's ``default`` when a signature is read
and a request's ``params`` when a body is validated in ``mlflow`` mode, as
MLflow itself does (``ParamSpec.validate_type_and_shape``).
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .types import DataType, Object

if TYPE_CHECKING:
    from collections.abc import Callable

    from .types import ParamSpec


class ParamValueError(ValueError):
    """A param value breaks its spec; ``expected`` says what the spec wants."""

    def __init__(self, expected: str, got: Any) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"expected {expected}, got {describe_json(got)}")


def describe_json(value: Any) -> str:
    """``3.5 (number)``-style rendering of a JSON value for messages."""
    kind = json_kind(value)
    text = repr(value) if isinstance(value, str) else _short(value)
    return f"{text} ({kind})"


def json_kind(value: Any) -> str:
    """The JSON type name of a parsed value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    text = repr(value) if not isinstance(value, (list, dict)) else _json_text(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_text(value: Any) -> str:
    import json

    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def parse_datetime_text(text: str) -> _dt.date | _dt.datetime | None:
    """Parse a datetime param the way MLflow does (``np.datetime64(text).item()``).

    Offsets are converted to UTC and dropped; a date-only text stays a date;
    ``"NaT"`` and ``""`` give ``None``.

    Raises:
        ValueError: numpy cannot parse the text, or its precision is finer than a
            microsecond (``.item()`` then gives an integer, which MLflow refuses).
    """
    with warnings.catch_warnings():
        # numpy deprecates offsets in datetime64 text but still converts them
        # to UTC, which is exactly what MLflow relies on.
        warnings.simplefilter("ignore")
        value = np.datetime64(text).item()
    if value is None or isinstance(value, _dt.date):
        return value
    msg = f"{text!r} is more precise than a microsecond"
    raise ValueError(msg)


def check_scalar(dtype: DataType, value: Any) -> bool | int | float | str | _dt.date | None:
    """Validate one scalar param value; return what ``predict`` receives.

    Raises:
        ParamValueError: the value's exact JSON type is not allowed for ``dtype``.
    """
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise ParamValueError(f"a scalar {dtype}", value)
    if dtype is DataType.boolean:
        if isinstance(value, bool):
            return value
    elif dtype in {DataType.integer, DataType.long}:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif dtype in {DataType.float, DataType.double}:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                raise ParamValueError(f"a {dtype} number", value) from None
    elif dtype is DataType.string:
        if isinstance(value, str):
            return value
    elif dtype is DataType.datetime and isinstance(value, str):
        try:
            return parse_datetime_text(value)
        except ValueError:
            raise ParamValueError("an ISO 8601 date or datetime", value) from None
    raise ParamValueError(_EXPECTED[dtype], value)


_EXPECTED = {
    DataType.boolean: "a boolean",
    DataType.integer: "an integer",
    DataType.long: "an integer",
    DataType.float: "a number",
    DataType.double: "a number",
    DataType.string: "a string",
    DataType.binary: "binary (not allowed for params)",
    DataType.datetime: "an ISO 8601 date or datetime string",
}


def check_param(
    spec: ParamSpec,
    value: Any,
    object_checker: Callable[[Object, Any], None] | None = None,
) -> Any:
    """Validate a param value against its spec; return what ``predict`` receives.

    ``object_checker`` enforces an object param's nested rules (MLflow's
    ``_enforce_object``); without one, only the value's kind is checked.

    Raises:
        ParamValueError: the value does not fit the spec.
    """
    if isinstance(spec.type, Object):
        if not isinstance(value, dict):
            raise ParamValueError(f"an object {spec.type}", value)
        if object_checker is not None:
            object_checker(spec.type, value)
        return value
    if spec.shape is None:
        return check_scalar(spec.type, value)
    if not isinstance(value, list) or any(isinstance(v, (list, dict)) for v in value):
        raise ParamValueError(f"a 1-D list of {spec.type} (shape [-1])", value)
    return [check_scalar(spec.type, v) for v in value]


def to_json_value(value: Any) -> Any:
    """Serialize a normalized param value back to JSON (datetimes as ISO text)."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    return value


__all__ = [
    "ParamValueError",
    "check_param",
    "check_scalar",
    "describe_json",
    "json_kind",
    "parse_datetime_text",
    "to_json_value",
]
