"""The warning pass: every lossy or surprising conversion MLflow made on an accepted body.

Runs once the body is accepted, comparing what was sent (the JSON value, or
the column pandas built from it before casting) with what the model receives.
Scalar columns are screened with numpy over the whole column, so the common
valid path costs a few array operations per column; only rows already known
to carry a conversion (and at most `WarningSink.per_key` of them per field and
code) are rendered one by one.  Nested values are compared cell by cell, as
MLflow enforces them.  Codes are listed in docs/mlflow-mode.md.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

from sig2jsonschema._payload.mlflow_json import render_json
from sig2jsonschema._payload.parsed import ConversionWarning
from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    SparkMLVector,
)
from sig2jsonschema.exceptions import to_pointer

from .parse import MISSING
from .tensor_warnings import tensor_warnings
from .warning_words import make_warning

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from sig2jsonschema._signature.types import ColType, Signature

    from .outcome import WarningSink
    from .parse import Parsed


_FRAME_FORMS = {"dataframe_split", "dataframe_records", "csv", "parquet"}
_NUMERIC = {DataType.integer, DataType.long, DataType.float, DataType.double}
_TEXT = {DataType.string, DataType.binary}
#: Types where null (NaN/NaT) is a canonical value of an optional column.
_NULLABLE = {DataType.float, DataType.double, DataType.datetime}
#: A time of day followed by a UTC offset (``T10:00:00+02:00``, ``T10:00Z``).
_OFFSET = re.compile(r"[T ]\d\d(?::?\d\d){0,2}(?:[.,]\d+)?\s*(?:[zZ]|[+-]\d\d(?::?\d\d)?)\s*$")
_INT32 = (-(2**31), 2**31 - 1)
_F32_MAX = float(np.finfo(np.float32).max)


@dataclass
class _Column:
    """One signature column, lined up row by row: sent versus received."""

    field: str
    label: Any
    col_type: ColType
    required: bool
    #: numpy path (``inputs``/``instances``/LLM) or pandas path (split/records/CSV/Parquet).
    frame_path: bool
    rows: int
    pointer: Callable[[int], str]
    sent_json: Callable[[int], Any]
    #: The sent values as one array (pre-cast Series or the JSON list), for screening.
    sent: Any
    #: The received column as a numpy array.
    final: np.ndarray[Any, Any]


def collect_warnings(  # noqa: PLR0917 - one call site, all arguments needed
    signature: Signature,
    parsed: Parsed,
    received: Any,
    dropped: list[Any],
    body: Any,
    sink: WarningSink,
) -> None:
    """Add a `ConversionWarning` for every lossy or surprising conversion."""
    for label in dropped:
        sink.add(
            ConversionWarning(
                parsed.column_pointer(label),
                "",
                "unknown-column-dropped",
                repr(label),
                "(dropped)",
                f"input {label!r} is not in the signature; MLflow drops it",
            )
        )
    schema = signature.inputs
    if schema is None:
        return
    if schema.is_tensor:
        tensor_warnings(schema, parsed, received, body, sink)
        return
    if not isinstance(received, pd.DataFrame):
        return
    if not _index_kept(parsed, sink):
        return  # the rows no longer line up with the body's: nothing more to compare
    for column in _columns(schema.columns, parsed, received, body):
        if isinstance(column.col_type, DataType):
            _scalar_column(column, sink)
        else:
            _nested_column(column, sink)


def _index_kept(parsed: Parsed, sink: WarningSink) -> bool:
    """Whether the rows reach the model with the index they were sent with; a warning if not.

    A release that builds array/object/map/any columns without the frame's
    index (`Release.complex_columns_drop_index`, 2.22) resets it, or
    misaligns the rows and pads them with NaN.
    """
    if parsed.index_change is None:
        return True
    before, after = parsed.index_change
    problem = (
        "the rows are misaligned and padded with NaN"
        if len(before) != len(after)
        else "the index is reset to 0, 1, ..."
    )
    split = parsed.envelope == "dataframe_split"
    sink.add(
        ConversionWarning(
            "/dataframe_split/index" if split else parsed.root,
            "",
            "index-not-kept",
            render_json(before),
            render_json(after),
            f"MLflow {parsed.release.line} builds array/object/map/any columns without the "
            f"frame's index: {problem}",
        )
    )
    return len(before) == len(after)


# --------------------------------------------------------------------------
# Lining columns up
# --------------------------------------------------------------------------
def json_at(body: Any, pointer: str) -> Any:
    """The JSON value at an RFC 6901 pointer, or `MISSING`."""
    if not pointer:
        return body
    value = body
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict):
            if token not in value:
                return MISSING
            value = value[token]
        elif isinstance(value, list):
            if not token.isdigit() or int(token) >= len(value):
                return MISSING
            value = value[int(token)]
        else:
            return MISSING
    return value


def _columns(
    specs: tuple[ColSpec, ...], parsed: Parsed, received: pd.DataFrame, body: Any
) -> Iterator[_Column]:
    frame_path = parsed.form in _FRAME_FORMS
    labels = list(received.columns)
    for index, spec in enumerate(specs):
        if spec.name is not None:
            label: Any = spec.name
            field = f"inputs[{spec.name!r}]"
        elif index < len(labels):
            label = labels[index]
            field = f"inputs[{index}]"
        else:
            continue
        if label not in received.columns or label not in parsed.sources:
            continue
        source = parsed.sources[label]
        final = received[label].to_numpy()
        rows = len(final)

        def pointer(i: int, _label: Any = label) -> str:
            return parsed.cell_pointer(_label, i)

        if parsed.form in {"csv", "parquet"}:
            sent = source.sent
            sent_json: Callable[[int], Any] = _series_value(sent)
        elif frame_path:
            sent = source.sent
            sent_json = source.value or _body_value(body, pointer)
        elif source.records is not None:
            key = label
            sent = [r.get(key, MISSING) if isinstance(r, dict) else MISSING for r in source.records]
            sent_json = sent.__getitem__
        elif source.cell is None:
            sent = [source.sent] * rows
            sent_json = sent.__getitem__
        else:
            sent = source.sent if isinstance(source.sent, list) else [source.sent] * rows
            sent_json = sent.__getitem__
        if sent is None or len(sent) != rows:
            continue
        yield _Column(
            field,
            label,
            spec.type,
            spec.is_required,
            frame_path,
            rows,
            pointer,
            sent_json,
            sent,
            final,
        )


def _series_value(series: Any) -> Callable[[int], Any]:
    def get(i: int) -> Any:
        value = series.iloc[i]
        return value.item() if isinstance(value, np.generic) else value

    return get


def _body_value(body: Any, pointer: Callable[[int], str]) -> Callable[[int], Any]:
    return lambda i: json_at(body, pointer(i))


# --------------------------------------------------------------------------
# Scalar columns
# --------------------------------------------------------------------------
def _sent_kind(sent: Any) -> str:
    """``int``, ``float``, ``num`` (both), ``bool``, ``str``, ``empty`` or ``object``."""
    if isinstance(sent, pd.Series):
        dtype = sent.dtype
        if isinstance(dtype, pd.StringDtype):
            return "str"
        kind = getattr(dtype, "kind", "O")
        if kind == "b":
            return "bool"
        if kind in "iu":
            return "int"
        if kind == "f":
            return "float"
        if kind == "M":
            return "datetime"
        sent = sent.to_numpy()
    inferred = infer_dtype(sent, skipna=False)
    return {
        "integer": "int",
        "floating": "float",
        "mixed-integer-float": "num",
        "boolean": "bool",
        "string": "str",
        "empty": "empty",
    }.get(inferred, "object")


def _numbers(sent: Any) -> np.ndarray[Any, Any]:
    array = sent.to_numpy() if isinstance(sent, pd.Series) else np.asarray(sent)
    if array.dtype.kind not in "iuf":
        return np.asarray(array, dtype=object)
    return array


def _null_rows(sent: Any) -> np.ndarray[Any, Any]:
    if isinstance(sent, pd.Series):
        return np.flatnonzero(sent.isna().to_numpy())
    return np.flatnonzero(pd.isna(np.asarray(sent, dtype=object)))


def _candidates(column: _Column, kind: str) -> Iterable[int] | None:
    """Rows that may carry a conversion (a vectorised screen); ``None``: every row."""
    target = column.col_type
    if kind == "empty":
        return ()
    if kind == "object" or (kind == "bool" and target is not DataType.boolean):
        return None
    if target is DataType.boolean:
        return () if kind == "bool" else None
    nulls = column.required or target not in _NULLABLE
    if kind in {"str", "datetime"}:
        if target is DataType.string or (target is DataType.datetime and column.frame_path):
            return _null_rows(column.sent) if nulls else ()
        if target is DataType.datetime and kind == "str":
            # pandas' own string dtype runs the regex vectorised where pyarrow is there.
            text = pd.Series(column.sent, dtype="str")
            found = text.str.contains(_OFFSET.pattern, regex=True, na=False)
            return np.flatnonzero(found.to_numpy(dtype=bool))
        return None
    # numbers
    if target in _TEXT or target is DataType.datetime:
        return None
    sent = _numbers(column.sent)
    if sent.dtype == object:
        return None
    final = column.final
    integers = sent.dtype.kind in "iu"
    with np.errstate(all="ignore"):
        as_float = sent.astype(np.float64)
        if target in {DataType.long, DataType.integer}:
            mask = as_float != final.astype(np.float64)
            if integers:
                mask |= sent != final
        elif target is DataType.float:
            exact = final.astype(np.float64)
            mask = (np.isfinite(as_float) & ~np.isfinite(exact)) | ((exact == 0) & (as_float != 0))
            mask |= (as_float == np.trunc(as_float)) & (exact != as_float)
            if integers:
                mask |= np.abs(as_float) > 2**24
        elif integers:
            mask = np.abs(as_float) >= 2**53
        else:
            mask = np.zeros(len(sent), dtype=bool)
        if nulls:
            mask |= np.isnan(as_float)
    return np.flatnonzero(mask)


def _has_nulls(sent: pd.Series[Any]) -> bool:
    """``sent.hasnans``, answered from the dtype alone where it can be (no mask built)."""
    dtype = sent.dtype
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iub":
            return False
        if dtype.kind == "f":
            return bool(np.isnan(sent.to_numpy()).any())
    return bool(sent.hasnans)


def _uniform_code(column: _Column, kind: str) -> str | None:
    """The code every row gets, when the sent kind alone decides it."""
    target = column.col_type
    if isinstance(column.sent, pd.Series) and _has_nulls(column.sent):
        return None
    if kind == "str":
        if target in _NUMERIC:
            return "string-parsed-as-number"
        if target is DataType.boolean:
            return "truthy-string"
        if target is DataType.binary and not column.frame_path:
            return "base64-not-decoded"
        return None
    if kind in {"int", "bool"}:
        if kind == "int" and target is DataType.boolean:
            return "truthy-number"
        if target is DataType.datetime:
            return "int-as-nanoseconds" if kind == "int" else "boolean-as-number"
        if kind == "bool" and target in _NUMERIC:
            return "boolean-as-number"
        if target in _TEXT:
            return "non-string-kept" if column.frame_path else "number-stringified"
    return None


def _scalar_column(column: _Column, sink: WarningSink) -> None:
    kind = _sent_kind(column.sent)
    uniform = _uniform_code(column, kind)
    if uniform is not None:
        room = sink.room(column.field, uniform)
        for i in range(min(room, column.rows)):
            sink.add(
                make_warning(
                    column.pointer(i), column.field, uniform, column.sent_json(i), column.final[i]
                )
            )
        sink.skip(column.field, uniform, max(0, column.rows - room))
        return
    candidates = _candidates(column, kind)
    rows: Iterable[int] = range(column.rows) if candidates is None else candidates
    for i in rows:
        sent = column.sent_json(i)
        final = column.final[i]
        code = scalar_code(sent, final, column.col_type, column.required, column.frame_path)  # type: ignore[arg-type]
        if code is None:
            continue
        if sink.room(column.field, code) == 0:
            sink.skip(column.field, code, 1)
            continue
        sink.add(make_warning(column.pointer(i), column.field, code, sent, final))


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def scalar_code(
    sent: Any, final: Any, target: DataType, required: bool, frame_path: bool
) -> str | None:
    """The warning code for one scalar value, or ``None`` when nothing noteworthy happened."""
    if isinstance(final, np.generic):
        final = final.item()
    if sent is MISSING:
        if target is DataType.boolean:
            return "missing-key-to-true" if final is True else None
        return "missing-key-to-nan" if required or target not in _NULLABLE else None
    if sent is None:
        if target is DataType.boolean:
            # A release that keeps the null (3.18) hands the model None: nothing altered.
            if final is False:
                return "null-to-false"
            return "null-to-true" if final is True else None
        if target in _TEXT:
            return "null-to-None-string" if final in {"None", b"None"} else None
        return "null-to-nan" if required and target in _NULLABLE else None
    if isinstance(sent, bool):
        if target is DataType.boolean:
            return None
        if target in _NUMERIC or target is DataType.datetime:
            return "boolean-as-number"
        return _text_code(final, frame_path)
    if isinstance(sent, (int, float)):
        return _number_code(sent, final, target, frame_path)
    if isinstance(sent, str):
        return _string_code(sent, final, target, frame_path)
    return None


def _text_code(final: Any, frame_path: bool) -> str | None:
    if frame_path:
        return "non-string-kept" if not isinstance(final, (str, bytes)) else None
    return "number-stringified"


def _number_code(sent: float, final: Any, target: DataType, frame_path: bool) -> str | None:
    if _is_nan(sent):
        # A NaN literal: already reported as ``nan-literal``, unless read as a boolean.
        return "truthy-number" if target is DataType.boolean else None
    if target is DataType.boolean:
        return "truthy-number"
    if target in _TEXT:
        return _text_code(final, frame_path)
    if target is DataType.datetime:
        return "int-as-nanoseconds"
    if target in {DataType.long, DataType.integer}:
        if isinstance(sent, float) and math.isfinite(sent) and math.trunc(sent) == final:
            return "float-truncated" if sent != final else None
        return "int-wrapped" if sent != final else None
    if not isinstance(final, float) or math.isnan(final):
        return None
    if target is DataType.float:
        if math.isinf(final) and math.isfinite(sent):
            return "float32-rounded"
        if final == 0 and sent != 0:
            return "float32-rounded"
        if float(sent).is_integer() and final != sent:
            return "float32-rounded"
        return None
    if isinstance(sent, int) and int(final) != sent:
        return "precision-lost"
    return None


def _string_code(sent: str, final: Any, target: DataType, frame_path: bool) -> str | None:
    if target is DataType.string:
        return None
    if target is DataType.boolean:
        return "truthy-string"
    if target in _NUMERIC:
        return "string-parsed-as-number"
    if target is DataType.binary:
        if not frame_path:
            return "base64-not-decoded"
        if isinstance(final, (bytes, bytearray)) and _lenient(sent, bytes(final)):
            return "base64-lenient"
        return None
    if target is DataType.datetime and not frame_path and _OFFSET.search(sent):
        return "timezone-converted"
    return None


def _lenient(text: str, decoded: bytes) -> bool:
    """Whether strict base64 decoding of ``text`` would not give ``decoded``."""
    try:
        strict = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return True
    return strict != decoded


# --------------------------------------------------------------------------
# Nested columns
# --------------------------------------------------------------------------
def _nested_column(column: _Column, sink: WarningSink) -> None:
    for i in range(column.rows):
        sent = column.sent_json(i)
        if sent is MISSING:
            continue
        for path, code, value, got in nested_changes(sent, column.final[i], column.col_type):
            pointer = column.pointer(i) + to_pointer(path)
            if sink.room(column.field, code) == 0:
                sink.skip(column.field, code, 1)
                continue
            sink.add(make_warning(pointer, column.field, code, value, got))


def nested_changes(
    sent: Any, final: Any, col_type: ColType, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], str, Any, Any]]:
    """Conversions inside one nested value: (path, code, sent, received)."""
    if isinstance(col_type, AnyType):
        return
    if isinstance(col_type, DataType):
        code = _nested_scalar_code(sent, final, col_type)
        if code is not None:
            yield path, code, sent, final
        return
    if isinstance(col_type, (Array, SparkMLVector)) and isinstance(sent, list):
        items = DataType.double if isinstance(col_type, SparkMLVector) else col_type.items
        finals = list(final) if isinstance(final, (list, np.ndarray)) else []
        if len(finals) != len(sent):
            return
        for i, (element, got) in enumerate(zip(sent, finals, strict=True)):
            yield from nested_changes(element, got, items, (*path, i))
        return
    if isinstance(col_type, (Object, Map)) and isinstance(sent, dict) and isinstance(final, dict):
        for key, element in sent.items():
            if key not in final:
                continue
            sub = (
                col_type.values  # noqa: PD011 - Map.values is our model, not pandas
                if isinstance(col_type, Map)
                else next(p.type for p in col_type.properties if p.name == key)
            )
            yield from nested_changes(element, final[key], sub, (*path, key))


def _nested_scalar_code(sent: Any, final: Any, target: DataType) -> str | None:
    if isinstance(final, np.generic):
        final = final.item()
    if sent is None:
        if target is DataType.boolean and final is False:
            return "null-to-false"
        if target in _TEXT and final is not None and not _is_nan(final):
            return "null-to-None-string"
        return None
    if isinstance(sent, str):
        if target is DataType.binary and isinstance(final, (bytes, bytearray)):
            return "base64-not-decoded"
        if target in _NUMERIC and isinstance(final, (int, float)):
            return "string-parsed-as-number"
        return None
    if isinstance(sent, bool):
        return "boolean-as-number" if target in _NUMERIC else None
    return None


__all__ = [
    "MISSING",
    "collect_warnings",
    "json_at",
    "nested_changes",
    "scalar_code",
]
