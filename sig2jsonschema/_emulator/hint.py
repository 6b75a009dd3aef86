"""Models whose signature came from a ``predict`` type hint (spec 2.3).

The server passes the raw ``inputs`` value to the model, which validates it
against its Python type hint.  Only the signature is known here, so the hint
is rebuilt from it the way MLflow derives signatures from hints: one unnamed
column of type ``T`` is ``list[T]`` (``long`` is ``int``, ``double`` is
``float``, ``Array(T)`` is ``list[T]``, ``Map(T)`` is ``dict[str, T]``,
``any`` is ``Any``).  Objects (pydantic models in the hint) are only checked to
be objects: pydantic's own coercions are out of reach.  Any other signature
shape is not checked.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from typing import TYPE_CHECKING, Any

from sig2jsonschema._payload.refusal import invalid_parameter
from sig2jsonschema._signature.param_rules import describe_json
from sig2jsonschema._signature.types import AnyType, Array, ColSpec, DataType, Map, Object

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import ColType, Signature

_PYTHON = {
    DataType.long: int,
    DataType.integer: int,
    DataType.string: str,
    DataType.boolean: bool,
    DataType.double: float,
    DataType.float: float,
    DataType.binary: bytes,
    DataType.datetime: _dt.datetime,
}


class _HintError(ValueError):
    pass


def check_type_hint(signature: Signature, data: Any) -> Any:
    """Validate ``data`` against the type hint behind ``signature``; return what the model gets.

    Raises:
        Rejection: 400 ``INVALID_PARAMETER_VALUE``.
    """
    schema = signature.inputs
    if schema is None or schema.is_tensor or len(schema.specs) != 1:
        return data
    spec = schema.specs[0]
    if not isinstance(spec, ColSpec) or spec.name is not None:
        return data
    try:
        return _check(Array(spec.type), data)
    except _HintError as exc:
        raise invalid_parameter(
            f"the model's type hint list[{spec.type}] refuses the inputs: {exc}",
            keyword="x-mlflow-type-hint",
            pointer="/inputs",
            field="inputs[0]",
        ) from None


def _check(hint: ColType, data: Any) -> Any:
    if isinstance(hint, AnyType):
        return data
    if isinstance(hint, Array):
        if not isinstance(data, list):
            raise _HintError(f"expected an array, got {describe_json(data)}")
        return [_check(hint.items, item) for item in data]
    if isinstance(hint, Map):
        if not isinstance(data, dict):
            raise _HintError(f"expected an object, got {describe_json(data)}")
        return {k: _check(hint.values, v) for k, v in data.items()}
    if isinstance(hint, Object):
        if not isinstance(data, dict):
            raise _HintError(f"expected an object, got {describe_json(data)}")
        return data
    if not isinstance(hint, DataType):
        return data
    python = _PYTHON[hint]
    if python is bytes and isinstance(data, str):
        try:
            data = base64.decodebytes(bytes(data, "utf8"))
        except (binascii.Error, ValueError) as exc:
            raise _HintError(f"{data!r} is not base64 ({exc})") from None
    elif python is _dt.datetime and isinstance(data, str):
        try:
            data = _dt.datetime.fromisoformat(data)
        except ValueError as exc:
            raise _HintError(str(exc)) from None
    if not isinstance(data, python):
        raise _HintError(f"expected {python.__name__}, got {describe_json(data)}")
    return data


__all__ = ["check_type_hint"]
