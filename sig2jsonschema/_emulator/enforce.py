"""The enforcement stage: ``PyFuncModel.predict`` checking the parsed input (spec 3.3-3.8).

After the parse stage, MLflow's ``_enforce_schema`` turns whatever it got into
a DataFrame (column signatures) or checks arrays (tensor signatures), checks
names, drops extra columns, reorders, and enforces every column.  Its result
is what the model receives.  Every failure here, MLflow's own or a stray
pandas exception, is answered with 400 ``SCHEMA_ENFORCEMENT_FAILED``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sig2jsonschema._payload.refusal import Rejection, brief, enforcement_failed
from sig2jsonschema._signature.types import (
    Array,
    ColSpec,
    DataType,
    Object,
    SparkMLVector,
    TensorSpec,
)
from sig2jsonschema._signature.value_rules import NestedValueError, enforce_series, enforce_value
from sig2jsonschema.exceptions import to_pointer

from .parse import value_options

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Schema

    from .parse import Parsed


def _names(schema: Schema) -> list[Any]:
    specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
    return [s.name or i for i, s in enumerate(specs)]


def _field(spec: ColSpec | TensorSpec, index: int) -> str:
    return f"inputs[{spec.name!r}]" if spec.name is not None else f"inputs[{index}]"


def enforce_input(parsed: Parsed, schema: Schema) -> tuple[Any, list[Any]]:
    """Run ``_enforce_schema``; return what the model gets and the dropped columns.

    Raises:
        Rejection: 400 ``SCHEMA_ENFORCEMENT_FAILED``.
    """
    try:
        return _enforce(parsed, schema)
    except Rejection:
        raise
    except Exception as exc:  # noqa: BLE001 - MLflow wraps every enforcement failure
        raise enforcement_failed(
            f"MLflow cannot use the parsed input: {brief(exc)}",
            keyword="x-mlflow-enforce",
            pointer=parsed.root,
        ) from None


def _enforce(parsed: Parsed, schema: Schema) -> tuple[Any, list[Any]]:
    data = parsed.data
    if isinstance(data, pd.Series):
        data = pd.DataFrame(data)
    if not schema.is_tensor:
        data = _to_frame(parsed, data, schema)
    extra: list[Any] = []
    if schema.has_names:
        specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
        required = [s.name for s in specs if s.is_required]
        optional = {s.name for s in specs if not s.is_required}
        present: list[Any] = []
        if len(set(required)) == 1 and isinstance(data, np.ndarray):
            data = {required[0]: data}
            present = list(required)
        elif isinstance(data, pd.DataFrame):
            present = list(data.columns)
        elif isinstance(data, dict):
            present = list(data)
        missing = [n for n in required if n not in set(present)]
        extra = [c for c in dict.fromkeys(present) if c not in set(required) | optional]
        if missing:
            index = next(i for i, s in enumerate(specs) if s.name == missing[0])
            note = f"; the body has unknown inputs {_show(extra)}" if extra else ""
            raise enforcement_failed(
                f"required input {missing[0]!r} is missing (missing: {_show(missing)}){note}",
                keyword="required",
                pointer=parsed.root,
                field=_field(specs[index], index),
            )
    elif not schema.is_tensor:
        declared = len(schema.specs)
        if len(data.columns) < declared:
            raise enforcement_failed(
                f"the signature declares {declared} unnamed inputs but the body gives "
                f"{len(data.columns)}",
                keyword="x-mlflow-count",
                pointer=parsed.root,
            )
        extra = list(data.columns[declared:])
    if schema.is_tensor:
        from .tensors import enforce_tensors

        return enforce_tensors(parsed, data, schema), extra
    if schema.has_names:
        return _named_columns(parsed, data, schema), extra
    return _unnamed_columns(parsed, data, schema), extra


def _show(labels: list[Any]) -> str:
    return "[" + ", ".join(repr(x) for x in labels) + "]"


def _is_scalar(value: Any) -> bool:
    return bool(np.isscalar(value)) or value is None


def _to_frame(parsed: Parsed, data: Any, schema: Schema) -> pd.DataFrame:
    """Turn the parse result into a DataFrame the way ``_enforce_schema`` does (3.4.1)."""
    if isinstance(data, pd.DataFrame):
        return data
    if np.isscalar(data):
        return pd.DataFrame([data])
    if isinstance(data, dict):
        # The form names are the hazard table's (docs/strict-contract.md): an object is
        # ``/row`` for a signature with an array/object column, else ``/columnar`` (one
        # row when every value is single, MLflow's own one-row reading, spec 3.4.1).
        row_signature = any(
            isinstance(s.type, (Array, Object, SparkMLVector)) for s in schema.columns
        )
        one_row = row_signature or all(
            _is_scalar(v) or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in data.values()
        )
        if one_row:
            _one_row(parsed, row_signature)
            return pd.DataFrame([data])
        try:
            if all(
                isinstance(v, np.ndarray)
                and v.dtype.type == np.str_
                and v.size == 1
                and v.shape == ()
                for v in data.values()
            ):
                _one_row(parsed, row_signature)
                return pd.DataFrame([data])
            if any(isinstance(v, np.ndarray) and v.ndim > 1 for v in data.values()):
                return pd.DataFrame(
                    {
                        k: v.tolist() if isinstance(v, np.ndarray) and v.ndim > 1 else v
                        for k, v in data.items()
                    }
                )
            return pd.DataFrame(data)
        except Exception as exc:  # noqa: BLE001 - MLflow reports every construction failure
            raise enforcement_failed(
                f"the columns cannot form one table: {brief(exc)}",
                keyword="x-mlflow-shape",
                pointer=parsed.root,
            ) from None
    if isinstance(data, (list, np.ndarray)):
        return pd.DataFrame(data)
    raise enforcement_failed(
        f"a column signature needs a table, got {type(data).__name__}",
        keyword="type",
        pointer=parsed.root,
    )


def _one_row(parsed: Parsed, row_signature: bool) -> None:
    """MLflow reads the object as one row: every value is a cell of row 0."""
    if parsed.form.endswith("/columnar"):
        if row_signature:
            parsed.form = f"{parsed.envelope}/row"
        for source in parsed.sources.values():
            source.cell = None


def _column_failure(
    parsed: Parsed, label: Any, spec: ColSpec, index: int, exc: NestedValueError
) -> Rejection:
    return enforcement_failed(
        f"column {label!r} ({spec.type}): {exc}",
        keyword="type",
        pointer=parsed.column_pointer(label),
        field=_field(spec, index),
    )


def _enforce_cells(
    parsed: Parsed, frame: pd.DataFrame, label: Any, spec: ColSpec, index: int, *, required: bool
) -> pd.Series[Any]:
    options = value_options(parsed.release)
    out = []
    for row, cell in enumerate(frame[label]):
        try:
            out.append(enforce_value(cell, spec.type, required, **options))
        except NestedValueError as exc:  # noqa: PERF203 - the failing element is the answer
            raise enforcement_failed(
                f"column {label!r} ({spec.type}): {exc}",
                keyword="x-mlflow-nested",
                pointer=parsed.cell_pointer(label, row) + to_pointer(exc.path),
                field=_field(spec, index),
            ) from None
    if parsed.release.complex_columns_drop_index:
        # Built without the frame's index: pandas then aligns it with the other
        # columns by label (`Release.complex_columns_drop_index`).
        return pd.Series(out, name=label)
    return pd.Series(out, index=frame.index, name=label)


def _named_columns(parsed: Parsed, frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    columns: dict[Any, pd.Series[Any]] = {}
    for index, spec in enumerate(schema.columns):
        name = spec.name
        if name not in frame:
            continue
        if isinstance(spec.type, DataType):
            try:
                columns[name] = enforce_series(frame[name], spec.type)
            except NestedValueError as exc:
                raise _column_failure(parsed, name, spec, index, exc) from None
        else:
            columns[name] = _enforce_cells(
                parsed, frame, name, spec, index, required=spec.is_required
            )
    return _assembled(parsed, frame, columns)


def _unnamed_columns(parsed: Parsed, frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    columns: dict[Any, pd.Series[Any]] = {}
    labels = frame.columns[: len(schema.specs)]
    for index, (label, spec) in enumerate(zip(labels, schema.columns, strict=False)):
        if isinstance(spec.type, DataType):
            try:
                columns[label] = enforce_series(frame[label], spec.type)
            except NestedValueError as exc:
                raise _column_failure(parsed, label, spec, index, exc) from None
        else:
            columns[label] = _enforce_cells(parsed, frame, label, spec, index, required=True)
    return _assembled(parsed, frame, columns)


def _assembled(
    parsed: Parsed, frame: pd.DataFrame, columns: dict[Any, pd.Series[Any]]
) -> pd.DataFrame:
    """The enforced frame; an index the release lost is noted on ``parsed`` for the warnings."""
    index = _shared_index(columns)
    # The same frame either way; naming the index skips pandas' union of the
    # columns' indexes, most of the cost of a small body.
    out = pd.DataFrame(columns) if index is None else pd.DataFrame(columns, index=index)
    if parsed.release.complex_columns_drop_index and columns:
        before, after = list(frame.index), list(out.index)
        if before != after:
            parsed.index_change = (before, after)
    return out


def _shared_index(columns: dict[Any, pd.Series[Any]]) -> pd.RangeIndex | None:
    """The `RangeIndex` every column carries (equal ranges and names), if they agree."""
    values = list(columns.values())
    if not values or not isinstance(values[0], pd.Series):
        return None
    index = values[0].index
    if not isinstance(index, pd.RangeIndex):
        return None
    if all(_same_range(v, index) for v in values):
        return index
    return None


def _same_range(column: Any, index: pd.RangeIndex) -> bool:
    if not isinstance(column, pd.Series):
        return False
    other = column.index
    return isinstance(other, pd.RangeIndex) and other.equals(index) and other.name == index.name


__all__ = ["enforce_input"]
