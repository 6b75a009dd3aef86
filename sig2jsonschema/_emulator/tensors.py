"""Tensor signatures at enforcement (spec 3.8.2): shapes, dtypes, frames of tensors.

Over HTTP the parse stage has already cast every value to the spec's dtype, so
the checks that matter are the shape (``-1`` is a wildcard), the exact dtype
(no upcasting at all), MLflow's two escape hatches for ragged ``object``
inputs, and the reshaping of DataFrame columns when a tensor signature is fed
through ``dataframe_split``/``dataframe_records``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sig2jsonschema._payload.refusal import brief, enforcement_failed

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Schema, TensorSpec

    from .parse import Parsed


def _field(spec: TensorSpec) -> str:
    return f"inputs[{spec.name!r}]" if spec.name is not None else "inputs[0]"


def _clean(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """Strip string/bytes sizes (``<U5`` is ``str``), as MLflow compares them."""
    if dtype.char == "U":
        return np.dtype("str")
    if dtype.char == "S":
        return np.dtype("bytes")
    return dtype


def check_tensor(values: Any, spec: TensorSpec, pointer: str) -> Any:
    """``_enforce_tensor_spec``: shape with ``-1`` wildcards, then exact dtype.

    Raises:
        Rejection: 400 ``SCHEMA_ENFORCEMENT_FAILED``.
    """
    expected_shape = spec.shape
    expected_type = np.dtype(spec.dtype)
    actual_shape = values.shape
    actual_type = values.dtype if isinstance(values, np.ndarray) else values.data.dtype
    if len(expected_shape) == 1 and expected_shape[0] == -1 and expected_type == np.dtype("O"):
        return values
    if (
        len(expected_shape) > 1
        and -1 in expected_shape[1:]
        and len(actual_shape) == 1
        and actual_type == np.dtype("O")
    ):
        return values
    if len(expected_shape) != len(actual_shape) or any(
        e not in (-1, a) for e, a in zip(expected_shape, actual_shape, strict=False)
    ):
        raise enforcement_failed(
            f"expected a tensor of shape {_shape(expected_shape)}, got shape "
            f"{_shape(actual_shape)}",
            keyword="x-mlflow-shape",
            pointer=pointer,
            field=_field(spec),
        )
    if _clean(actual_type) != expected_type:
        raise enforcement_failed(
            f"expected a {spec.dtype} tensor, got {actual_type} values",
            keyword="type",
            pointer=pointer,
            field=_field(spec),
        )
    return values


def _shape(shape: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _reshape_column(
    series: pd.Series[Any], spec: TensorSpec, pointer: str, *, by_position: bool
) -> Any:
    """One DataFrame column feeding one tensor (``_reshape_and_cast_pandas_column_values``)."""
    shape = spec.shape
    if shape[0] != -1 or -1 in shape[1:]:
        raise enforcement_failed(
            f"a tensor fed through a DataFrame needs shape [-1, fixed...], the signature says "
            f"{_shape(shape)}",
            keyword="x-mlflow-shape",
            pointer=pointer,
            field=_field(spec),
        )
    dtype = np.dtype(spec.dtype)
    try:
        # MLflow reads the first cell by label 0, whatever the index, unless the
        # release reads it by position (`Release.tensor_first_value_by_position`).
        first = series.iloc[0] if by_position else series[0]
        if isinstance(first, list) and first:
            first[0]
    except (KeyError, IndexError):
        raise enforcement_failed(
            "MLflow looks at the first cell (index label 0) to reshape tensor cells; there is "
            "no such cell, or it is an empty list",
            keyword="x-mlflow-shape",
            pointer=pointer,
            field=_field(spec),
        ) from None
    if np.isscalar(first):
        if shape in {(-1,), (-1, 1)}:
            return check_tensor(np.array(series, dtype=dtype).reshape(shape), spec, pointer)
        raise enforcement_failed(
            f"scalar cells can only feed a tensor of shape [-1] or [-1, 1], not {_shape(shape)}",
            keyword="x-mlflow-shape",
            pointer=pointer,
            field=_field(spec),
        )
    if isinstance(first, list) and np.isscalar(first[0]):
        try:
            out = np.vstack(series.tolist()).reshape(shape).astype(dtype)
        except ValueError as exc:
            raise _reshape_failure(spec, pointer, exc) from None
    elif isinstance(first, np.ndarray):
        try:
            out = np.vstack(series.tolist()).reshape(shape)
        except ValueError as exc:
            raise _reshape_failure(spec, pointer, exc) from None
    else:
        raise enforcement_failed(
            "tensor cells must be scalars, lists of scalars or arrays",
            keyword="type",
            pointer=pointer,
            field=_field(spec),
        )
    if len(out) != len(series):
        raise _reshape_failure(spec, pointer, None)
    return out


def _reshape_failure(spec: TensorSpec, pointer: str, exc: Exception | None) -> Exception:
    why = f": {brief(exc)}" if exc is not None else ""
    return enforcement_failed(
        f"the cells cannot be stacked into a {spec.dtype} tensor of shape "
        f"{_shape(spec.shape)} row by row{why}",
        keyword="x-mlflow-shape",
        pointer=pointer,
        field=_field(spec),
    )


def enforce_tensors(parsed: Parsed, data: Any, schema: Schema) -> Any:
    """``_enforce_tensor_schema``: named tensors as a dict, or one unnamed tensor.

    Raises:
        Rejection: 400 ``SCHEMA_ENFORCEMENT_FAILED``.
    """
    root = parsed.root
    specs = schema.tensors
    if schema.has_names:
        if isinstance(data, dict):
            out = {}
            for spec in specs:
                value = data[spec.name]
                pointer = parsed.column_pointer(spec.name)
                if not isinstance(value, np.ndarray):
                    raise enforcement_failed(
                        f"named tensors need arrays, {spec.name!r} is a single "
                        f"{type(value).__name__}",
                        keyword="type",
                        pointer=pointer,
                        field=_field(spec),
                    )
                out[spec.name] = check_tensor(value, spec, pointer)
            return out
        if isinstance(data, pd.DataFrame):
            return {
                spec.name: _reshape_column(
                    data[spec.name],
                    spec,
                    parsed.column_pointer(spec.name),
                    by_position=parsed.release.tensor_first_value_by_position,
                )
                for spec in specs
            }
        raise enforcement_failed(
            f"named tensors need an object of arrays, got {type(data).__name__}",
            keyword="type",
            pointer=root,
        )
    spec = specs[0]
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise enforcement_failed(
                "the table is empty", keyword="x-mlflow-shape", pointer=root, field=_field(spec)
            )
        if len(data.columns) == 1:
            return _reshape_column(
                data[data.columns[0]],
                spec,
                root,
                by_position=parsed.release.tensor_first_value_by_position,
            )
        if spec.shape != (-1, len(data.columns)):
            raise enforcement_failed(
                f"a table of {len(data.columns)} columns feeds a tensor of shape "
                f"[-1, {len(data.columns)}] only, the signature says {_shape(spec.shape)}",
                keyword="x-mlflow-shape",
                pointer=root,
                field=_field(spec),
            )
        return check_tensor(data.to_numpy(), spec, root)
    if isinstance(data, np.ndarray):
        return check_tensor(data, spec, root)
    raise enforcement_failed(
        f"an unnamed tensor needs an array, got {type(data).__name__}",
        keyword="type",
        pointer=root,
        field=_field(spec),
    )


__all__ = ["check_tensor", "enforce_tensors"]
