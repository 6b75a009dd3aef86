"""The scoring server's parse stage: one envelope value to pandas/numpy objects.

MLflow turns the value of ``dataframe_split``/``dataframe_records`` into a
DataFrame and casts its columns with pandas (spec 2.4, 2.5, 3.2), and turns the
value of ``inputs``/``instances`` into numpy arrays value by value (2.6, 2.7,
3.8.1).  This module runs the same pandas and numpy operations in the same
order, so every numpy/pandas quirk (wrap-around, truthiness, ``"None"``
strings) comes out the same; it never copies or mutates the body.

Alongside the data it records, per column, where the column's values sit in
the body (`ColumnSource`), so later stages can point at a failing cell and the
warning pass can compare what was sent with what the model gets.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._emulate_json import value_depth
from ._emulate_types import Rejection, bad_request
from ._nested import NestedValueError, enforce_array, enforce_map, enforce_object
from ._types import AnyType, Array, ColSpec, DataType, Map, Object, SparkMLVector, TensorSpec
from .exceptions import to_pointer

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._types import Schema

#: ``copy.deepcopy`` of the ``inputs`` value exhausts the server's recursion at
#: this many nested calls (measured: 494 levels pass, 495 fail with a 400).
DEEPCOPY_DEPTH_LIMIT = 495

ENVELOPE_KEYS = ("dataframe_split", "dataframe_records", "instances", "inputs")


@dataclass
class ColumnSource:
    """Where one column of the parse result comes from in the body."""

    #: The column label (or input name) in the parse result.
    label: Any
    #: Pointer of the column as a whole (its key, or its header in ``columns``).
    pointer: str
    #: Pointer of the value of row ``i`` (``None``: the column is a single value).
    cell: Callable[[int], str] | None
    #: The values before casting: a pandas Series, a JSON list or a JSON scalar.
    sent: Any = None
    #: For records forms: the row objects, to tell a missing key from a null.
    records: list[Any] | None = None
    #: The JSON value sent for row ``i`` (split/records), ``MISSING`` if absent.
    value: Callable[[int], Any] | None = None


@dataclass
class Parsed:
    """The parse stage's result: what ``predict`` is called with, and provenance."""

    data: Any
    form: str
    envelope: str
    sources: dict[Any, ColumnSource] = field(default_factory=dict)

    def cell_pointer(self, label: Any, row: int) -> str:
        """Best-effort pointer to one value of a column."""
        source = self.sources.get(label)
        if source is None:
            return "/" + self.envelope
        if source.cell is None:
            return source.pointer
        return source.cell(row)

    def column_pointer(self, label: Any) -> str:
        """Best-effort pointer to a column."""
        source = self.sources.get(label)
        return source.pointer if source is not None else "/" + self.envelope


def _spec_type(spec: ColSpec | TensorSpec) -> Any:
    return spec.type if isinstance(spec, ColSpec) else np.dtype(spec.dtype)


def _is_datatype(spec: ColSpec | TensorSpec) -> bool:
    return isinstance(spec, ColSpec) and isinstance(spec.type, DataType)


def _spec_names(schema: Schema) -> list[Any]:
    """``Schema.input_names()``: names, or positions for unnamed specs."""
    specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
    return [s.name or i for i, s in enumerate(specs)]


# --------------------------------------------------------------------------
# dataframe_split / dataframe_records
# --------------------------------------------------------------------------
def parse_split(value: Any, schema: Schema | None) -> Parsed:
    """``dataframe_split``: a DataFrame from columns/index/data, then cast.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` as MLflow answers.
    """
    if not isinstance(value, dict):
        raise bad_request(
            f"dataframe_split must be an object with 'columns' and 'data', got {_kind(value)}",
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
            f"dataframe_split is not a valid 'split' DataFrame: {exc}",
            keyword="x-mlflow-dataframe",
            pointer="/dataframe_split/data",
        ) from None
    has_columns = value.get("columns") is not None
    sources = {}
    for j, label in enumerate(frame.columns):
        sources[label] = ColumnSource(
            label,
            f"/dataframe_split/columns/{j}" if has_columns else "/dataframe_split/data",
            _split_cell(j),
            value=_split_value(value["data"], j),
        )
    parsed = Parsed(frame, "dataframe_split", "dataframe_split", sources)
    if schema is not None:
        cast_frame(parsed, schema)
    return parsed


def _split_cell(j: int) -> Callable[[int], str]:
    return lambda i: f"/dataframe_split/data/{i}/{j}"


#: What a record lacks (pandas fills NaN there).
MISSING: Any = type("Missing", (), {"__repr__": lambda _: "(missing)"})()


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


def parse_records(value: Any, schema: Schema | None) -> Parsed:
    """``dataframe_records``: ``pandas.DataFrame(list_of_records)``, then cast.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` as MLflow answers.
    """
    if not isinstance(value, list):
        raise bad_request(
            f"dataframe_records must be an array of row objects, got {_kind(value)}",
            keyword="x-mlflow-envelope",
            pointer="/dataframe_records",
        )
    try:
        frame = pd.DataFrame(data=value)
    except Exception as exc:  # noqa: BLE001 - MLflow turns every pandas failure into a 400
        raise bad_request(
            f"dataframe_records is not a valid 'records' DataFrame: {exc}",
            keyword="x-mlflow-dataframe",
            pointer="/dataframe_records",
        ) from None
    sources = {}
    for label in frame.columns:
        token = label if isinstance(label, str) else str(label)
        sources[label] = ColumnSource(
            label,
            f"/dataframe_records/0/{_escape(token)}",
            _records_cell(token),
            records=value,
            value=_records_value(value, label),
        )
    parsed = Parsed(frame, "dataframe_records", "dataframe_records", sources)
    if schema is not None:
        cast_frame(parsed, schema)
    return parsed


def _records_cell(token: str) -> Callable[[int], str]:
    escaped = _escape(token)
    return lambda i: f"/dataframe_records/{i}/{escaped}"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


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
            zip(_spec_names(schema), specs, strict=False)
        )
    elif schema.is_tensor and len(specs) == 1:
        pairs = [(label, specs[0]) for label in present]
    else:
        n = min(len(specs), len(frame.columns))
        pairs = list(zip(frame.columns[:n], specs[:n], strict=False))
    required = {
        name for name, spec in zip(_spec_names(schema), specs, strict=False) if _required(spec)
    }
    for label, spec in pairs:
        if label not in present:
            continue
        source = parsed.sources.get(label)
        if source is not None and source.sent is None:
            column = frame[label]
            source.sent = column
        try:
            _cast_column(frame, label, spec, schema, required=label in required)
        except Exception as exc:  # noqa: BLE001 - MLflow answers every cast failure with 400
            raise _cast_failure(parsed, label, spec, exc) from None


def _required(spec: ColSpec | TensorSpec) -> bool:
    return spec.is_required


def _cast_column(
    frame: pd.DataFrame, label: Any, spec: ColSpec | TensorSpec, schema: Schema, *, required: bool
) -> None:
    spec_type = _spec_type(spec)
    pandas_type = _pandas_type(spec_type)
    if spec_type is DataType.binary:
        frame[label] = frame[label].map(_decode_base64)
    elif pandas_type == np.dtype(bytes):
        frame[label] = frame[label].map(_encode_text)
    elif schema.is_tensor and isinstance(frame[label].iloc[0], list):
        # List cells of a tensor frame are reshaped at enforcement instead.
        pass
    elif isinstance(spec_type, (Array, SparkMLVector)):
        frame[label] = frame[label].map(lambda x: enforce_array(x, spec_type, required))
    elif isinstance(spec_type, Object):
        frame[label] = frame[label].map(lambda x: enforce_object(x, spec_type, required))
    elif isinstance(spec_type, Map):
        frame[label] = frame[label].map(lambda x: enforce_map(x, spec_type, required))
    elif isinstance(spec_type, AnyType):
        pass
    elif spec_type is DataType.datetime:
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
        from ._nested import PANDAS_TYPES

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
    kind = _spec_kind(spec)
    row = _first_failing_row(parsed, label, spec)
    if row is not None:
        pointer = parsed.cell_pointer(label, row)
    return bad_request(
        f"column {label!r} cannot be converted to {kind}: {type(exc).__name__}: {exc}",
        keyword="type",
        pointer=pointer,
        field=field_text,
    )


def _spec_kind(spec: ColSpec | TensorSpec) -> str:
    if isinstance(spec, TensorSpec):
        return f"a {spec.dtype} tensor"
    return str(spec.type)


def _field(spec: ColSpec | TensorSpec, label: Any) -> str:
    if spec.name is not None:
        return f"inputs[{spec.name!r}]"
    return f"inputs[{label!r}]" if isinstance(label, int) else "inputs[0]"


def _first_bad_cell(parsed: Parsed, label: Any, spec: ColSpec | TensorSpec) -> str | None:
    source = parsed.sources.get(label)
    if source is None or not isinstance(spec, ColSpec) or source.sent is None:
        return None
    from ._nested import enforce_value

    for i, cell in enumerate(source.sent):
        try:
            enforce_value(cell, spec.type, spec.is_required)
        except NestedValueError as exc:  # noqa: PERF203 - the failing element is the answer
            return parsed.cell_pointer(label, i) + to_pointer(exc.path)
        except Exception:  # noqa: BLE001 - any failure marks the cell
            return parsed.cell_pointer(label, i)
    return None


def _first_failing_row(parsed: Parsed, label: Any, spec: ColSpec | TensorSpec) -> int | None:
    """The first row whose value alone fails the cast (heuristic, for the pointer)."""
    source = parsed.sources.get(label)
    if source is None or source.sent is None or not isinstance(source.sent, pd.Series):
        return None
    from ._types import Schema

    single = Schema((spec,))  # type: ignore[arg-type]
    for i in range(min(len(source.sent), 1000)):
        one = pd.DataFrame({label: source.sent.iloc[i : i + 1].reset_index(drop=True)})
        try:
            _cast_column(one, label, spec, single, required=spec.is_required)
        except Exception:  # noqa: BLE001 - the first failing cell is the answer
            return i
    return None


# --------------------------------------------------------------------------
# inputs / instances
# --------------------------------------------------------------------------
def _kind(value: Any) -> str:
    from ._params import json_kind

    return json_kind(value)


def convert_value(value: Any, spec: ColSpec | TensorSpec | None) -> Any:
    """The per-value converter of the ``inputs`` path (``convert_data_type``).

    Raises:
        Exception: whatever numpy or nested enforcement raises (callers map it).
    """
    if spec is None:
        return np.array(value)
    if isinstance(spec, TensorSpec):
        return np.array(value, dtype=np.dtype(spec.dtype))
    col_type = spec.type
    if isinstance(col_type, DataType):
        from ._nested import NUMPY_TYPES

        dtype = NUMPY_TYPES[col_type]
        if isinstance(value, (list, np.ndarray)):
            return np.array(value, dtype)
        return np.array([value], dtype)[0]
    if isinstance(col_type, (Array, SparkMLVector)):
        return np.array(enforce_array(value, col_type, spec.is_required))
    if isinstance(col_type, Object):
        return enforce_object(value, col_type, spec.is_required)
    if isinstance(col_type, Map):
        return enforce_map(value, col_type, spec.is_required)
    return value


def _convert(value: Any, spec: ColSpec | TensorSpec | None, pointer: str, field_text: str) -> Any:
    try:
        return convert_value(value, spec)
    except NestedValueError as exc:
        raise bad_request(
            f"{field_text or 'value'}: {exc}",
            keyword="x-mlflow-nested",
            pointer=pointer + to_pointer(exc.path),
            field=field_text,
        ) from None
    except Exception as exc:  # noqa: BLE001 - MLflow answers every conversion failure with 400
        kind = _spec_kind(spec) if spec is not None else "an array"
        raise bad_request(
            f"cannot convert to {kind}: {type(exc).__name__}: {exc}",
            keyword="type",
            pointer=pointer,
            field=field_text,
        ) from None


def _names(schema: Schema | None) -> dict[str, ColSpec | TensorSpec]:
    if schema is None or not schema.has_names:
        return {}
    specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
    return {s.name: s for s in specs if s.name is not None}


def _first_spec(schema: Schema | None) -> ColSpec | TensorSpec | None:
    return schema.specs[0] if schema is not None else None


def parse_tf(
    value: Any, envelope: str, schema: Schema | None, depth_bound: int | None = None
) -> Parsed:
    """``inputs`` / ``instances``: numpy arrays value by value (spec 2.6, 2.7).

    ``depth_bound`` bounds the nesting of the whole body (``None``: unknown),
    which spares measuring the value for MLflow's deepcopy limit.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` as MLflow answers.
    """
    if envelope == "instances" and isinstance(value, list) and value and isinstance(value[0], dict):
        return _parse_instance_records(value, schema)
    parsed = _cast_schema_type(value, envelope, schema, depth_bound)
    if envelope == "instances":
        _check_lengths(parsed, schema)
    return parsed


def _field_of(spec: ColSpec | TensorSpec | None, key: Any) -> str:
    if spec is None:
        return ""
    if spec.name is not None:
        return f"inputs[{spec.name!r}]"
    return "inputs[0]" if key is None else f"inputs[{key!r}]"


def _cast_schema_type(
    value: Any, envelope: str, schema: Schema | None, depth_bound: int | None
) -> Parsed:
    root = "/" + envelope
    # The value's depth (leaves counted) is at most the body's container depth.
    if (depth_bound is None or depth_bound >= DEEPCOPY_DEPTH_LIMIT) and value_depth(
        value, DEEPCOPY_DEPTH_LIMIT
    ) >= DEEPCOPY_DEPTH_LIMIT:
        raise bad_request(
            f"the {envelope} value nests too deeply: MLflow's deepcopy of it exceeds the "
            "recursion limit",
            keyword="x-mlflow-depth",
            pointer=root,
        )
    names = _names(schema)
    is_list = isinstance(value, list)
    tensor = schema is not None and schema.is_tensor
    if schema is not None:
        if len(names) == 1 and is_list and not any(isinstance(x, dict) for x in value):
            name = next(iter(names))
            data = {name: _convert(value, names[name], root, _field_of(names[name], name))}
            source = ColumnSource(name, root, lambda i: f"{root}/{i}", sent=value)
            return Parsed(data, f"{envelope}/list", envelope, {name: source})
        if not schema.has_names and not (is_list or np.isscalar(value)):
            raise bad_request(
                f"this signature has unnamed inputs: {envelope} must be an array or a single "
                f"value, got {_kind(value)}",
                keyword="x-mlflow-envelope",
                pointer=root,
            )
    if isinstance(value, dict):
        data_dict: dict[str, Any] = {}
        sources: dict[Any, ColumnSource] = {}
        for key, item in value.items():
            pointer = f"{root}/{_escape(key)}"
            spec = names.get(key)
            data_dict[key] = _convert(item, spec, pointer, _field_of(spec, key))
            cell = _columnar_cell(pointer) if isinstance(item, list) else None
            sources[key] = ColumnSource(key, pointer, cell, sent=item)
        form = f"{envelope}/tensors" if tensor else f"{envelope}/columnar"
        return Parsed(data_dict, form, envelope, sources)
    if is_list and all(isinstance(x, dict) for x in value):
        rows = []
        for i, record in enumerate(value):
            row = {}
            for key, item in record.items():
                spec = names.get(key)
                pointer = f"{root}/{i}/{_escape(key)}"
                row[key] = _convert(item, spec, pointer, _field_of(spec, key))
            rows.append(row)
        keys: dict[Any, None] = {}
        for record in value:
            keys.update(dict.fromkeys(record))
        sources = {
            key: ColumnSource(key, f"{root}/0/{_escape(key)}", _row_cell(root, key), records=value)
            for key in keys
        }
        return Parsed(rows, f"{envelope}/records", envelope, sources)
    spec = _first_spec(schema)
    label = 0
    cell = (lambda i: f"{root}/{i}") if is_list else None
    data = _convert(value, spec, root, _field_of(spec, None))
    form = f"{envelope}/tensor" if tensor else f"{envelope}/list"
    return Parsed(data, form, envelope, {label: ColumnSource(label, root, cell, sent=value)})


def _columnar_cell(pointer: str) -> Callable[[int], str]:
    return lambda i: f"{pointer}/{i}"


def _row_cell(root: str, key: str) -> Callable[[int], str]:
    escaped = _escape(key)
    return lambda i: f"{root}/{i}/{escaped}"


def _parse_instance_records(value: list[Any], schema: Schema | None) -> Parsed:
    """``instances`` as row records: convert each value, then stack per column."""
    names = _names(schema)
    columns: dict[str, list[Any]] = defaultdict(list)
    for i, record in enumerate(value):
        if not isinstance(record, dict):
            raise bad_request(
                f"instances rows must all be objects once the first is; row {i} is {_kind(record)}",
                keyword="x-mlflow-envelope",
                pointer=f"/instances/{i}",
            )
        for key, item in record.items():
            spec = names.get(key)
            pointer = f"/instances/{i}/{_escape(key)}"
            columns[key].append(_convert(item, spec, pointer, _field_of(spec, key)))
    data: dict[str, Any] = {}
    for key, converted in columns.items():
        try:
            data[key] = np.array(converted)
        except Exception as exc:  # noqa: BLE001, PERF203 - MLflow answers every stacking failure with 400  # noqa: PERF203 - the failing element is the answer
            raise bad_request(
                f"the values of {key!r} across rows cannot be stacked into one array: {exc}",
                keyword="x-mlflow-shape",
                pointer=f"/instances/0/{_escape(key)}",
                field=_field_of(names.get(key), key),
            ) from None
    sources = {
        key: ColumnSource(
            key, f"/instances/0/{_escape(key)}", _row_cell("/instances", key), records=value
        )
        for key in columns
    }
    tensor = schema is not None and schema.is_tensor
    parsed = Parsed(
        data, "instances/tensors" if tensor else "instances/records", "instances", sources
    )
    _check_lengths(parsed, schema)
    return parsed


def _check_lengths(parsed: Parsed, schema: Schema | None) -> None:
    """``instances`` only: every column must hold the same number of values."""
    data = parsed.data
    if not isinstance(data, dict):
        return
    sized = {k: v for k, v in data.items() if isinstance(v, (list, np.ndarray))}
    if schema is not None and schema.has_names:
        specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
        required = {s.name for s in specs if s.is_required}
        not_array = {
            s.name
            for s in specs
            if not (isinstance(s, ColSpec) and isinstance(s.type, (Array, SparkMLVector)))
        }
        checked = [k for k in sized if k in required and k in not_array]
    else:
        checked = list(sized)
    if not checked:
        return
    try:
        lengths = {k: len(sized[k]) for k in checked}
    except TypeError:
        raise bad_request(
            "an instances column is a single value where an array is needed",
            keyword="x-mlflow-shape",
            pointer="/instances",
        ) from None
    first = lengths[checked[0]]
    for key in checked[1:]:
        if lengths[key] != first:
            raise bad_request(
                f"instances columns must have equal lengths: {checked[0]!r} has {first}, "
                f"{key!r} has {lengths[key]}",
                keyword="x-mlflow-shape",
                pointer=parsed.column_pointer(key),
                field=f"inputs[{key!r}]",
            )


__all__ = [
    "DEEPCOPY_DEPTH_LIMIT",
    "ENVELOPE_KEYS",
    "MISSING",
    "ColumnSource",
    "Parsed",
    "cast_frame",
    "convert_value",
    "parse_records",
    "parse_split",
    "parse_tf",
]
