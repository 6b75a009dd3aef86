"""The scoring server's parse stage for ``inputs``/``instances``, and its provenance.

MLflow turns the value of ``inputs``/``instances`` into numpy arrays value by
value (spec 2.6, 2.7, 3.8.1): ``numpy.array(value, dtype)`` for scalar columns
and tensors, nested enforcement for array/object/map columns.  This module
runs the same numpy operations in the same order, so every quirk (truncation,
truthiness, ``"None"`` strings) comes out the same; it never mutates the body.
(``dataframe_split``/``dataframe_records`` live in `frames`.)

Alongside the data, every parse records per column where the column's values
sit in the body (`ColumnSource`, `Parsed`), so later stages can point at a
failing cell and the warning pass can compare what was sent with what the
model gets.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._payload.mlflow_json import value_depth
from sig2jsonschema._payload.refusal import bad_request, brief
from sig2jsonschema._releases.table import DEFAULT_RELEASE, Release
from sig2jsonschema._signature.param_rules import json_kind
from sig2jsonschema._signature.types import (
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

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._signature.types import Schema

#: ``copy.deepcopy`` of the ``inputs`` value exhausts the server's recursion at
#: this many nested calls (`Release.deepcopy_crash_depth`).
DEEPCOPY_DEPTH_LIMIT = DEFAULT_RELEASE.deepcopy_crash_depth

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
    sources: dict[Any, ColumnSource]
    #: The MLflow release whose server is reproduced (`sig2jsonschema._releases`).
    release: Release
    #: The frame's index before and after enforcement, when enforcement changed it
    #: (`Release.complex_columns_drop_index`).
    index_change: tuple[list[Any], list[Any]] | None = None

    @property
    def root(self) -> str:
        """Pointer of the envelope value ("" for the LLM form: the whole body)."""
        return "/" + self.envelope if self.envelope else ""

    def cell_pointer(self, label: Any, row: int) -> str:
        """Best-effort pointer to one value of a column."""
        source = self.sources.get(label)
        if source is None:
            return self.root
        if source.cell is None:
            return source.pointer
        return source.cell(row)

    def column_pointer(self, label: Any) -> str:
        """Best-effort pointer to a column."""
        source = self.sources.get(label)
        return source.pointer if source is not None else self.root


#: What a record lacks (pandas fills NaN there).
MISSING: Any = type("Missing", (), {"__repr__": lambda _: "(missing)"})()


def spec_kind(spec: ColSpec | TensorSpec) -> str:
    """The spec's type in words, for messages."""
    if isinstance(spec, TensorSpec):
        return f"a tensor of {spec.dtype}"
    return str(spec.type)


def spec_type(spec: ColSpec | TensorSpec) -> Any:
    """The column type, or the numpy dtype of a tensor (``input_types()``)."""
    return spec.type if isinstance(spec, ColSpec) else np.dtype(spec.dtype)


def spec_names(schema: Schema) -> list[Any]:
    """``Schema.input_names()``: names, or positions for unnamed specs."""
    specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
    return [s.name or i for i, s in enumerate(specs)]


# --------------------------------------------------------------------------
# inputs / instances
# --------------------------------------------------------------------------
def value_options(release: Release) -> dict[str, bool]:
    """The nested-value rules' options for ``release`` (`value_rules.enforce_value`)."""
    return {
        "timestamps": release.array_datetimes_as_timestamps,
        "object_strings": release.string_dtype == "object",
    }


#: The scalar types whose ``None`` a release may keep (`Release.tf_keeps_none`).
_NONE_KEEPING = (DataType.boolean, DataType.string, DataType.binary)


def convert_value(value: Any, spec: ColSpec | TensorSpec | None, release: Release) -> Any:
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
        from sig2jsonschema._signature.value_rules import NUMPY_TYPES

        dtype = NUMPY_TYPES[col_type]
        if release.tf_keeps_none and col_type in _NONE_KEEPING:
            if value is None:
                return None
            if (
                isinstance(value, list)
                and any(x is None for x in value)
                and all(np.isscalar(x) for x in value if x is not None)
            ):
                return np.array(
                    [x if x is None else convert_value(x, spec, release) for x in value],
                    dtype=object,
                )
        if isinstance(value, (list, np.ndarray)):
            return np.array(value, dtype)
        return np.array([value], dtype)[0]
    if isinstance(col_type, (Array, SparkMLVector)):
        return np.array(enforce_array(value, col_type, spec.is_required, **value_options(release)))
    if isinstance(col_type, Object):
        return enforce_object(value, col_type, spec.is_required, **value_options(release))
    if isinstance(col_type, Map):
        return enforce_map(value, col_type, spec.is_required, **value_options(release))
    return value


def _convert(
    value: Any,
    spec: ColSpec | TensorSpec | None,
    pointer: str,
    field_text: str,
    release: Release,
) -> Any:
    try:
        return convert_value(value, spec, release)
    except NestedValueError as exc:
        raise bad_request(
            f"{field_text or 'value'}: {exc}",
            keyword="x-mlflow-nested",
            pointer=pointer + to_pointer(exc.path),
            field=field_text,
        ) from None
    except Exception as exc:  # noqa: BLE001 - MLflow answers every conversion failure with 400
        kind = spec_kind(spec) if spec is not None else "an array"
        raise bad_request(
            f"cannot convert to {kind}: {brief(exc)}",
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
    value: Any,
    envelope: str,
    schema: Schema | None,
    release: Release,
    depth_bound: int | None = None,
) -> Parsed:
    """``inputs`` / ``instances``: numpy arrays value by value (spec 2.6, 2.7).

    ``depth_bound`` bounds the nesting of the whole body (``None``: unknown),
    which spares measuring the value for MLflow's deepcopy limit.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` as MLflow answers.
    """
    if envelope == "instances" and isinstance(value, list) and value and isinstance(value[0], dict):
        return _parse_instance_records(value, schema, release)
    parsed = _cast_schema_type(value, envelope, schema, release, depth_bound)
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
    value: Any, envelope: str, schema: Schema | None, release: Release, depth_bound: int | None
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
            data = {name: _convert(value, names[name], root, _field_of(names[name], name), release)}
            source = ColumnSource(name, root, lambda i: f"{root}/{i}", sent=value)
            return Parsed(data, f"{envelope}/list", envelope, {name: source}, release)
        if not schema.has_names and not (is_list or np.isscalar(value)):
            raise bad_request(
                f"this signature has unnamed inputs: {envelope} must be an array or a single "
                f"value, got {json_kind(value)}",
                keyword="x-mlflow-envelope",
                pointer=root,
            )
    if isinstance(value, dict):
        # A signature with an array/object column reads the object as one row
        # (spec 3.4.1): form ``/row`` from the start, each value is its cell.
        one_row = not tensor and _has_row_column(schema)
        data_dict: dict[str, Any] = {}
        sources: dict[Any, ColumnSource] = {}
        for key, item in value.items():
            pointer = f"{root}/{escape_pointer_token(key)}"
            spec = names.get(key)
            data_dict[key] = _convert(item, spec, pointer, _field_of(spec, key), release)
            cell = _columnar_cell(pointer) if isinstance(item, list) and not one_row else None
            sources[key] = ColumnSource(key, pointer, cell, sent=item)
        if tensor:
            form = f"{envelope}/tensors"
        else:
            form = f"{envelope}/row" if one_row else f"{envelope}/columnar"
        return Parsed(data_dict, form, envelope, sources, release)
    if is_list and all(isinstance(x, dict) for x in value):
        rows = []
        for i, record in enumerate(value):
            row = {}
            for key, item in record.items():
                spec = names.get(key)
                pointer = f"{root}/{i}/{escape_pointer_token(key)}"
                row[key] = _convert(item, spec, pointer, _field_of(spec, key), release)
            rows.append(row)
        keys: dict[Any, None] = {}
        for record in value:
            keys.update(dict.fromkeys(record))
        sources = {
            key: ColumnSource(
                key, f"{root}/0/{escape_pointer_token(key)}", _row_cell(root, key), records=value
            )
            for key in keys
        }
        return Parsed(rows, f"{envelope}/records", envelope, sources, release)
    spec = _first_spec(schema)
    label = 0
    cell = (lambda i: f"{root}/{i}") if is_list else None
    data = _convert(value, spec, root, _field_of(spec, None), release)
    form = f"{envelope}/tensor" if tensor else f"{envelope}/list"
    return Parsed(
        data, form, envelope, {label: ColumnSource(label, root, cell, sent=value)}, release
    )


def _has_row_column(schema: Schema | None) -> bool:
    """Whether MLflow reads an ``inputs``/``instances`` object as one row (spec 3.4.1)."""
    return schema is not None and any(
        isinstance(c.type, (Array, Object, SparkMLVector)) for c in schema.columns
    )


def _columnar_cell(pointer: str) -> Callable[[int], str]:
    return lambda i: f"{pointer}/{i}"


def _row_cell(root: str, key: str) -> Callable[[int], str]:
    escaped = escape_pointer_token(key)
    return lambda i: f"{root}/{i}/{escaped}"


def _parse_instance_records(value: list[Any], schema: Schema | None, release: Release) -> Parsed:
    """``instances`` as row records: convert each value, then stack per column."""
    names = _names(schema)
    columns: dict[str, list[Any]] = defaultdict(list)
    for i, record in enumerate(value):
        if not isinstance(record, dict):
            raise bad_request(
                "instances rows must all be objects once the first is; "
                f"row {i} is {json_kind(record)}",
                keyword="x-mlflow-envelope",
                pointer=f"/instances/{i}",
            )
        for key, item in record.items():
            spec = names.get(key)
            pointer = f"/instances/{i}/{escape_pointer_token(key)}"
            columns[key].append(_convert(item, spec, pointer, _field_of(spec, key), release))
    data: dict[str, Any] = {}
    for key, converted in columns.items():
        try:
            data[key] = np.array(converted)
        except Exception as exc:  # noqa: BLE001, PERF203 - MLflow answers every stacking failure with 400  # noqa: PERF203 - the failing element is the answer
            raise bad_request(
                f"the values of {key!r} across rows cannot be stacked into one array: {brief(exc)}",
                keyword="x-mlflow-shape",
                pointer=f"/instances/0/{escape_pointer_token(key)}",
                field=_field_of(names.get(key), key),
            ) from None
    sources = {
        key: ColumnSource(
            key,
            f"/instances/0/{escape_pointer_token(key)}",
            _row_cell("/instances", key),
            records=value,
        )
        for key in columns
    }
    tensor = schema is not None and schema.is_tensor
    parsed = Parsed(
        data, "instances/tensors" if tensor else "instances/records", "instances", sources, release
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
    "convert_value",
    "parse_tf",
]
