"""The parse stage for ``dataframe_split`` and ``dataframe_records`` (spec 2.4, 2.5, 3.2).

MLflow builds a DataFrame with pandas (``DataFrame(index=, columns=, data=)``
or ``DataFrame(list_of_records)``) and casts each signature column: binary is
base64-decoded (leniently), datetimes go through ``pd.to_datetime``, complex
columns through nested enforcement, everything else through ``astype``.  The
same calls run here, so pandas' wrap-arounds, truthiness and NaN fills come
out identical; any failure is a 400 ``BAD_REQUEST`` naming the column and,
where one cell alone fails, that cell.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sig2jsonschema._payload.refusal import Rejection, bad_request, brief, server_crash
from sig2jsonschema._signature.param_rules import json_kind
from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    SparkMLVector,
    TensorSpec,
)
from sig2jsonschema._signature.value_rules import (
    NestedValueError,
    enforce_array,
    enforce_map,
    enforce_object,
)
from sig2jsonschema.exceptions import escape_pointer_token, to_pointer

from .parse import (
    MISSING,
    ColumnSource,
    Parsed,
    spec_kind,
    spec_names,
    spec_type,
    value_options,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._releases.table import Release
    from sig2jsonschema._signature.types import Schema


# --------------------------------------------------------------------------
# dataframe_split / dataframe_records
# --------------------------------------------------------------------------
def parse_split(value: Any, schema: Schema | None, release: Release) -> Parsed:
    """``dataframe_split``: a DataFrame from columns/index/data, then cast.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` as MLflow answers.
    """
    if not isinstance(value, dict):
        raise bad_request(
            f"dataframe_split must be an object with 'columns' and 'data', got {json_kind(value)}",
            keyword="x-mlflow-envelope",
            pointer="/dataframe_split",
        )
    extra = sorted(set(value) - {"columns", "data", "index"})
    if "data" not in value or extra:
        problem = f"unknown key {extra[0]!r}" if extra else "no 'data' key"
        raise bad_request(
            f"dataframe_split takes 'data' and optionally 'columns' and 'index'; {problem}",
            keyword="x-mlflow-envelope",
            pointer=f"/dataframe_split/{extra[0]}" if extra else "/dataframe_split",
        )
    try:
        frame = pd.DataFrame(
            index=value.get("index"), columns=value.get("columns"), data=value["data"]
        )
    except Exception as exc:  # noqa: BLE001 - MLflow turns every pandas failure into a 400
        raise bad_request(
            f"dataframe_split is not a valid 'split' DataFrame: {brief(exc)}",
            keyword="x-mlflow-dataframe",
            pointer="/dataframe_split/data",
        ) from None
    labels = value.get("columns")
    if isinstance(labels, list):
        for j, label in enumerate(labels):
            if isinstance(label, (list, dict)):
                # pandas keeps such a label, and MLflow's enforcement then fails
                # hashing it: an unhandled error, plain-text 500 (checked on 3.17.2).
                raise server_crash(
                    "a column label that is an array or an object crashes MLflow (500)",
                    keyword="x-mlflow-column-label",
                    pointer=f"/dataframe_split/columns/{j}",
                )
    has_columns = labels is not None
    sources = {}
    for j, label in enumerate(frame.columns):
        sources[label] = ColumnSource(
            label,
            f"/dataframe_split/columns/{j}" if has_columns else "/dataframe_split/data",
            _split_cell(j),
            value=_split_value(value["data"], j),
        )
    parsed = Parsed(frame, "dataframe_split", "dataframe_split", sources, release)
    if schema is not None:
        cast_frame(parsed, schema)
    return parsed


def _split_cell(j: int) -> Callable[[int], str]:
    return lambda i: f"/dataframe_split/data/{i}/{j}"


def _split_value(data: Any, j: int) -> Callable[[int], Any]:
    def get(i: int) -> Any:
        row = data[i] if isinstance(data, list) and i < len(data) else MISSING
        if isinstance(row, list):
            return row[j] if j < len(row) else MISSING
        return row if j == 0 else MISSING

    return get


def _records_value(records: list[Any], key: Any) -> Callable[[int], Any]:
    def get(i: int) -> Any:
        record = records[i] if i < len(records) else MISSING
        return record.get(key, MISSING) if isinstance(record, dict) else MISSING

    return get


def parse_records(value: Any, schema: Schema | None, release: Release) -> Parsed:
    """``dataframe_records``: ``pandas.DataFrame(list_of_records)``, then cast.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` as MLflow answers.
    """
    if not isinstance(value, list):
        raise bad_request(
            f"dataframe_records must be an array of row objects, got {json_kind(value)}",
            keyword="x-mlflow-envelope",
            pointer="/dataframe_records",
        )
    try:
        frame = pd.DataFrame(data=value)
    except Exception as exc:  # noqa: BLE001 - MLflow turns every pandas failure into a 400
        raise bad_request(
            f"dataframe_records is not a valid 'records' DataFrame: {brief(exc)}",
            keyword="x-mlflow-dataframe",
            pointer="/dataframe_records",
        ) from None
    sources = {}
    for label in frame.columns:
        token = label if isinstance(label, str) else str(label)
        sources[label] = ColumnSource(
            label,
            f"/dataframe_records/0/{escape_pointer_token(token)}",
            _records_cell(token),
            records=value,
            value=_records_value(value, label),
        )
    parsed = Parsed(frame, "dataframe_records", "dataframe_records", sources, release)
    if schema is not None:
        cast_frame(parsed, schema)
    return parsed


def _records_cell(token: str) -> Callable[[int], str]:
    escaped = escape_pointer_token(token)
    return lambda i: f"/dataframe_records/{i}/{escaped}"


def _decode_base64(value: Any) -> bytes:
    return base64.decodebytes(bytes(value, "utf8"))


def _encode_text(value: Any) -> bytes:
    return bytes(value, "utf8")


def cast_frame(parsed: Parsed, schema: Schema) -> None:
    """Cast the columns of a split/records frame by the schema, in place.

    Mirrors the server's column loop: binary is base64-decoded, datetimes go
    through ``pd.to_datetime``, complex columns through nested enforcement,
    everything else through ``astype``; any failure is a 400.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` naming the column.
    """
    frame = parsed.data
    present = set(frame.columns)
    specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
    if schema.has_names:
        pairs: list[tuple[Any, ColSpec | TensorSpec]] = list(
            zip(spec_names(schema), specs, strict=False)
        )
    elif schema.is_tensor and len(specs) == 1:
        pairs = [(label, specs[0]) for label in present]
    else:
        n = min(len(specs), len(frame.columns))
        pairs = list(zip(frame.columns[:n], specs[:n], strict=False))
    required = {
        name for name, spec in zip(spec_names(schema), specs, strict=False) if _required(spec)
    }
    for label, spec in pairs:
        if label not in present:
            continue
        source = parsed.sources.get(label)
        if source is not None and source.sent is None:
            column = frame[label]
            source.sent = column
        try:
            _cast_column(
                frame, label, spec, schema, required=label in required, release=parsed.release
            )
        except Exception as exc:  # noqa: BLE001 - MLflow answers every cast failure with 400
            raise _cast_failure(parsed, label, spec, exc) from None


def _required(spec: ColSpec | TensorSpec) -> bool:
    return spec.is_required


def _cast_column(
    frame: pd.DataFrame,
    label: Any,
    spec: ColSpec | TensorSpec,
    schema: Schema,
    *,
    required: bool,
    release: Release,
) -> None:
    col_type = spec_type(spec)
    pandas_type = _pandas_type(col_type)
    if col_type is DataType.binary:
        frame[label] = frame[label].map(_decode_base64)
    elif pandas_type == np.dtype(bytes):
        frame[label] = frame[label].map(_encode_text)
    elif schema.is_tensor and isinstance(frame[label].iloc[0], list):
        # List cells of a tensor frame are reshaped at enforcement instead.
        pass
    elif isinstance(col_type, (Array, SparkMLVector)):
        options = value_options(release)
        frame[label] = frame[label].map(lambda x: enforce_array(x, col_type, required, **options))
    elif isinstance(col_type, Object):
        options = value_options(release)
        frame[label] = frame[label].map(lambda x: enforce_object(x, col_type, required, **options))
    elif isinstance(col_type, Map):
        options = value_options(release)
        frame[label] = frame[label].map(lambda x: enforce_map(x, col_type, required, **options))
    elif isinstance(col_type, AnyType):
        pass
    elif (
        release.frame_booleans_keep_nulls
        and col_type is DataType.boolean
        and frame[label].isna().any()
    ):
        column = frame[label]
        frame[label] = column.where(column.isna(), column.astype(bool))
    elif col_type is DataType.datetime and release.frame_datetime_cast == "to_datetime":
        parsed = pd.to_datetime(frame[label])
        if pd.api.types.is_datetime64_any_dtype(parsed) and parsed.dt.unit != "ns":
            parsed = parsed.dt.as_unit("ns")
        frame[label] = parsed
    else:
        text_target = pandas_type == object or (  # noqa: E721 - mirrors MLflow: dtype == object, not identity
            isinstance(pandas_type, np.dtype) and pandas_type.kind == "U"
        )
        if text_target and isinstance(frame[label].dtype, pd.StringDtype):
            return
        frame[label] = frame[label].astype(pandas_type)


def _pandas_type(spec_type: Any) -> Any:
    if isinstance(spec_type, DataType):
        from sig2jsonschema._signature.value_rules import PANDAS_TYPES

        return PANDAS_TYPES[spec_type]
    return spec_type


def _cast_failure(
    parsed: Parsed, label: Any, spec: ColSpec | TensorSpec, exc: Exception
) -> Rejection:
    pointer = parsed.column_pointer(label)
    field_text = _field(spec, label)
    if isinstance(exc, NestedValueError):
        pointer = _first_bad_cell(parsed, label, spec) or pointer
        return bad_request(
            f"column {label!r}: {exc}", keyword="x-mlflow-nested", pointer=pointer, field=field_text
        )
    kind = spec_kind(spec)
    row = _first_failing_row(parsed, label, spec)
    if row is not None:
        pointer = parsed.cell_pointer(label, row)
    return bad_request(
        f"column {label!r} cannot be converted to {kind}: {brief(exc)}",
        keyword="type",
        pointer=pointer,
        field=field_text,
    )


def _field(spec: ColSpec | TensorSpec, label: Any) -> str:
    if spec.name is not None:
        return f"inputs[{spec.name!r}]"
    return f"inputs[{label!r}]" if isinstance(label, int) else "inputs[0]"


def _first_bad_cell(parsed: Parsed, label: Any, spec: ColSpec | TensorSpec) -> str | None:
    source = parsed.sources.get(label)
    if source is None or not isinstance(spec, ColSpec) or source.sent is None:
        return None
    from sig2jsonschema._signature.value_rules import enforce_value

    for i, cell in enumerate(source.sent):
        try:
            enforce_value(cell, spec.type, spec.is_required, **value_options(parsed.release))
        except NestedValueError as exc:  # noqa: PERF203 - the failing element is the answer
            return parsed.cell_pointer(label, i) + to_pointer(exc.path)
        except Exception:  # noqa: BLE001 - any failure marks the cell
            return parsed.cell_pointer(label, i)
    return None


def _first_failing_row(parsed: Parsed, label: Any, spec: ColSpec | TensorSpec) -> int | None:
    """The first row at which the column's cast starts failing (for the pointer).

    Bisects on prefixes of the column, so it costs about two casts of the
    column whatever its length; a heuristic where the cast is not cell by cell
    (datetime format inference looks at the first value).
    """
    source = parsed.sources.get(label)
    if source is None or not isinstance(source.sent, pd.Series) or source.sent.empty:
        return None
    from sig2jsonschema._signature.types import Schema

    single = Schema((spec,))  # type: ignore[arg-type]
    column = source.sent.reset_index(drop=True)

    def fails(rows: int) -> bool:
        prefix = pd.DataFrame({label: column.iloc[:rows]})
        try:
            _cast_column(
                prefix, label, spec, single, required=spec.is_required, release=parsed.release
            )
        except Exception:  # noqa: BLE001 - any failure counts
            return True
        return False

    if not fails(len(column)):
        return None
    low, high = 0, len(column)  # the prefix of `high` rows fails, of `low` rows passes
    while high - low > 1:
        middle = (low + high) // 2
        if fails(middle):
            high = middle
        else:
            low = middle
    return high - 1


__all__ = ["cast_frame", "parse_records", "parse_split"]
