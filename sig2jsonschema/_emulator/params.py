"""Params at predict time (spec 3.9): defaults, unknown names, value rules.

The value rules are `sig2jsonschema._signature.param_rules.check_param` (shared with the
signature reader); this module adds what only happens on a request: a model
without a params schema ignores params, unknown names are dropped, absent
names take their default, an explicit ``null`` stays ``None``, and every bad
value is reported together.  Two corners follow MLflow rather than the shared
rules: datetime texts go through ``numpy.datetime64(...).item()`` exactly
(``"NaT"`` is ``None``; nanosecond texts are refused), and a ragged list for a
``[-1]`` param crashes numpy outside MLflow's error handling (400
``BAD_REQUEST``).
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._payload.mlflow_json import render_json
from sig2jsonschema._payload.parsed import ConversionWarning
from sig2jsonschema._payload.refusal import bad_request, invalid_parameter
from sig2jsonschema._signature.param_rules import ParamValueError, check_param, describe_json
from sig2jsonschema._signature.types import DataType
from sig2jsonschema._signature.value_rules import check_object_param
from sig2jsonschema.exceptions import escape_pointer_token

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import ParamSchema, ParamSpec

    from .outcome import WarningSink


def _field(name: str) -> str:
    return f"params[{name!r}]"


def _datetime_value(value: Any) -> Any:
    """One datetime param value, the way MLflow converts it."""
    if value is None:
        return None
    if isinstance(value, (list, dict, bool)) or not isinstance(value, str):
        raise ParamValueError("an ISO 8601 date or datetime string", value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = np.datetime64(value).item()
    except (ValueError, TypeError, OverflowError):
        raise ParamValueError("an ISO 8601 date or datetime string", value) from None
    if isinstance(converted, int):
        raise ParamValueError("a datetime numpy can hold at microsecond precision", value)
    return converted


def _check(spec: ParamSpec, value: Any) -> Any:
    if spec.type is DataType.datetime:
        if spec.shape is None:
            return _datetime_value(value)
        if not isinstance(value, list) or any(isinstance(v, (list, dict)) for v in value):
            raise ParamValueError("a 1-D list of datetime (shape [-1])", value)
        return [_datetime_value(v) for v in value]
    return check_param(spec, value, check_object_param)


def default_value(spec: ParamSpec) -> Any:
    """What the model gets for an absent param (the default, as MLflow holds it)."""
    try:
        return _check(spec, spec.default)
    except ValueError:  # pragma: no cover - signatures are checked when read
        return spec.default


def _is_ragged(value: Any) -> bool:
    """Whether ``numpy.array(value)`` fails (MLflow calls it outside its try)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.array(value)
    except (ValueError, TypeError, OverflowError):
        return True
    return False


def enforce_params(
    params: Any,
    schema: ParamSchema | None,
    *,
    pointer: str,
    sink: WarningSink,
    from_body: bool,
) -> dict[str, Any] | None:
    """``_enforce_params_schema``: the params dict the model receives.

    ``pointer`` locates the params object in the body (``/params``, or "" for
    the LLM form where params are top-level keys).

    Raises:
        Rejection: 400 ``INVALID_PARAMETER_VALUE`` (or ``BAD_REQUEST`` for a
            ragged list value).
    """
    if schema is None or not schema.params:
        if params is None or (isinstance(params, dict) and not params):
            return params
        if isinstance(params, dict):
            for key, value in params.items():
                _drop(sink, pointer, key, value, "the model has no params schema")
        elif from_body:
            sink.add(
                ConversionWarning(
                    pointer,
                    "params",
                    "unknown-param-dropped",
                    render_json(params),
                    "{}",
                    "the model declares no params, so MLflow ignores them and passes {}",
                )
            )
        return {}
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise invalid_parameter(
            f"params must be an object, got {describe_json(params)}",
            keyword="type",
            pointer=pointer,
            field="params",
        )
    declared = {p.name for p in schema.params}
    kept = {}
    for key, value in params.items():
        if key in declared:
            kept[key] = value
        else:
            _drop(sink, pointer, key, value, "it is not declared in the params schema")
    failures: list[tuple[str, str]] = []
    for spec in schema.params:
        if spec.name not in kept:
            kept[spec.name] = default_value(spec)
            continue
        value = kept[spec.name]
        if spec.shape is not None and isinstance(value, list) and _is_ragged(value):
            raise bad_request(
                f"params[{spec.name!r}] must be a 1-D list; numpy cannot even build an array "
                f"from {render_json(value)} and MLflow crashes",
                keyword="x-mlflow-param",
                pointer=f"{pointer}/{escape_pointer_token(spec.name)}",
                field=_field(spec.name),
            )
        try:
            kept[spec.name] = _check(spec, value)
        except Exception as exc:  # noqa: BLE001 - MLflow reports any failure as a bad param
            failures.append((spec.name, str(exc)))
    if failures:
        name, problem = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        raise invalid_parameter(
            f"params[{name!r}]: {problem}{more}",
            keyword="x-mlflow-param",
            pointer=f"{pointer}/{escape_pointer_token(name)}",
            field=_field(name),
        )
    return kept


def _drop(sink: WarningSink, pointer: str, key: str, value: Any, why: str) -> None:
    sink.add(
        ConversionWarning(
            f"{pointer}/{escape_pointer_token(key)}",
            _field(key),
            "unknown-param-dropped",
            render_json(value),
            "(dropped)",
            f"param {key!r} is dropped: {why}",
        )
    )


def render_param(value: Any) -> str:
    """A param value as the model gets it, for warning texts."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return render_json(value)


__all__ = ["default_value", "enforce_params", "render_param"]
