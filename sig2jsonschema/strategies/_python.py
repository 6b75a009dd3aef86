"""`inputs()`: the Python objects a user hands ``model.predict`` directly.

A direct call skips the scoring server's parse stage, so only MLflow's
enforcement (spec 3.3) stands between the object and the model, and it is
strict about dtypes: int64 is no double, float64 no float.  The objects
built here carry exactly the dtype each MLflow type maps to (spec 6.4), so
enforcement accepts them unchanged.  Cell values reuse the JSON value
strategies: a JSON value is also a valid Python value of its type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from sig2jsonschema._signature.types import ColSpec, DataType, Signature

from . import _values as values

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn, SearchStrategy

#: numpy/pandas dtype of each scalar column type (spec 1.1; strings and bytes are object).
COLUMN_DTYPES: dict[DataType, str] = {
    DataType.boolean: "bool",
    DataType.integer: "int32",
    DataType.long: "int64",
    DataType.float: "float32",
    DataType.double: "float64",
    DataType.string: "object",
    DataType.binary: "object",
    DataType.datetime: "datetime64[ns]",
}


def _python_scalar(dtype: DataType) -> SearchStrategy[Any]:
    """A Python value of a scalar column type (bytes for binary, datetimes for datetime)."""
    if dtype is DataType.binary:
        return st.binary(max_size=32)
    if dtype is DataType.datetime:
        return st.datetimes(values.DATETIME_MIN, values.DATETIME_MAX)
    if dtype is DataType.float:
        return values.finite_floats(32)
    if dtype is DataType.double:
        return values.finite_floats()
    return values.column_scalar(dtype)


def _column_cells(spec: ColSpec, rows: int) -> SearchStrategy[list[Any]] | None:
    if isinstance(spec.type, DataType):
        element = _python_scalar(spec.type)
        if not spec.is_required and spec.type in values.NULLABLE_OPTIONAL:
            element = st.one_of(element, st.none())
        return st.lists(element, min_size=rows, max_size=rows)
    nested = values.nested_value(spec.type)
    if nested is None:
        return None
    return st.lists(nested, min_size=rows, max_size=rows)


def _series(spec: ColSpec, cells: list[Any]) -> Any:
    import pandas as pd

    if not isinstance(spec.type, DataType):
        return pd.Series(cells, dtype=object)
    dtype = COLUMN_DTYPES[spec.type]
    if spec.type is DataType.datetime:
        return pd.Series(pd.to_datetime(cells), dtype="datetime64[ns]")
    if spec.type in (DataType.float, DataType.double):
        return pd.Series([np.nan if c is None else c for c in cells], dtype=dtype)
    return pd.Series(cells, dtype=dtype)


@st.composite
def _frames(draw: DrawFn, sig: Signature) -> Any:
    import pandas as pd

    assert sig.inputs is not None
    rows = draw(st.integers(1, values.MAX_ROWS), label="rows")
    data: dict[Any, Any] = {}
    for index, spec in enumerate(sig.inputs.columns):
        label: Any = spec.name if spec.name is not None else index
        cells = _column_cells(spec, rows)
        if cells is None:
            if spec.is_required:
                msg = f"no value can be sent for required input {label!r} ({spec.type})"
                raise InvalidArgument(msg)
            continue
        if not spec.is_required and not draw(st.booleans(), label=f"send {label}"):
            continue
        data[label] = _series(spec, draw(cells, label=str(label)))
    return pd.DataFrame(data)


@st.composite
def _tensors(draw: DrawFn, sig: Signature) -> Any:
    from ._bodies import tensor_batch

    assert sig.inputs is not None
    batch = draw(tensor_batch(sig))
    arrays = {}
    for spec in sig.inputs.tensors:
        arrays[spec.name] = _ndarray(batch[spec.name], spec.dtype)
    if not sig.inputs.has_names:
        return arrays[None]
    return arrays


def _ndarray(value: Any, dtype: str) -> Any:
    kind = np.dtype(dtype).kind
    if kind == "O":
        array = np.empty(np.shape(value), dtype=object)
        array[...] = value if np.ndim(value) == 0 else np.array(value, dtype=object)
        return array
    return np.array(value, dtype=dtype)


def python_inputs(sig: Signature) -> SearchStrategy[Any]:
    """DataFrames, ndarrays or dicts of ndarrays that MLflow's enforcement accepts as they are."""
    if sig.inputs is None:

        def fail() -> SearchStrategy[Any]:
            raise InvalidArgument("the signature has no inputs")

        return st.deferred(fail)
    if sig.inputs.is_tensor:
        return _tensors(sig)
    return _frames(sig)


__all__ = ["COLUMN_DTYPES", "python_inputs"]
