"""JSON Schema fragments for single values: one row per MLflow type.

A value's schema depends on three things:

* the *mode*: ``strict`` (the canonical decoding table of docs/strict-contract.md)
  or ``mlflow`` (what MLflow 3.17.2's server accepts, as far as JSON Schema can
  say it);
* the *context*: ``frame`` (a top-level cell of ``dataframe_split`` /
  ``dataframe_records``, cast by pandas), ``tf`` (a top-level value under
  ``inputs`` / ``instances``, cast by numpy) or ``nested`` (array elements,
  object properties, map values, object params and the unified-LLM form,
  which meet MLflow's strict per-value enforcement, spec 3.5);
* for nested values, the *requiredness flag* MLflow threads down (3.5): an
  array's items and a map's values inherit the column's flag, an object's
  properties use their own.

The tables below are data (`STRICT_SCALARS`, `MLFLOW_TOP_SCALARS`,
`MLFLOW_NESTED_SCALARS`), one row per `DataType`; a test asserts that each
covers every member.  Every fragment names its MLflow type in
``x-mlflow-type``; keywords JSON Schema lacks (the 1 vs 1.0 token rule, the
whole-array double rule, real calendar dates) are ``x-mlflow-*`` assertions
implemented in `sig2jsonschema._export.vocabulary`.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from sig2jsonschema._signature.serialized import col_type_to_dict
from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColType,
    DataType,
    Map,
    Object,
    SparkMLVector,
)

Mode = Literal["strict", "mlflow"]
Context = Literal["frame", "tf", "nested"]

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
#: The largest finite float32, as a JSON number.
FLOAT32_MAX = float(np.finfo(np.float32).max)
FLOAT16_MAX = float(np.finfo(np.float16).max)

# ``$(?!\n)``: ECMA-262's ``$`` never matches before a final newline, Python's
# does; the lookahead makes both engines agree.
#: MLflow's naive ISO 8601 datetimes (no offset), as the strict contract allows them.
DATETIME_PATTERN = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?)?$(?!\n)"
)
#: Standard base64 with padding; newlines between quads as ``base64.encodebytes`` writes.
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4}\n?)*(?:(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)\n?)?$(?!\n)"
#: Text Python's ``int()`` parses (MLflow's parse stage casts it into integer columns).
INT_TEXT_PATTERN = r"^\s*[+-]?[0-9]+\s*$"
#: Text Python's ``float()`` parses (numbers, ``nan``, ``inf``, ``infinity``, any case).
FLOAT_TEXT_PATTERN = (
    r"^\s*[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
    r"|[Nn][Aa][Nn]|[Ii][Nn][Ff]([Ii][Nn][Ii][Tt][Yy])?)\s*$"
)
#: Text Python's ``complex()`` may parse (a superset: the characters it reads).
COMPLEX_TEXT_PATTERN = r"^[\s()0-9.eE+\-jJnNaAiIfFtTyY]*$"
#: ASCII text (bytes tensors encode values with the ASCII codec).
ASCII_PATTERN = r"^[\x00-\x7f]*$"

JSON = dict[str, Any]


def _int_range(lo_hi: tuple[int, int]) -> JSON:
    return {"minimum": lo_hi[0], "maximum": lo_hi[1]}


def unusable(type_name: str, why: str) -> JSON:
    """A schema no value satisfies, annotated so readers (and `from_jsonschema`) know why."""
    return {"x-mlflow-type": type_name, "not": {}, "description": why}


_NESTED_UNUSABLE = {
    DataType.integer: "MLflow refuses every JSON integer for a nested integer (int64 -> int32)",
    DataType.float: "MLflow accepts no usable JSON value for a nested float",
    DataType.datetime: "MLflow refuses ISO strings for a nested datetime (pandas 3)",
}

#: strict mode, top-level (frame/tf) and nested: one row per DataType.
STRICT_SCALARS: dict[DataType, JSON] = {
    DataType.boolean: {"type": "boolean"},
    DataType.integer: {"type": "integer", **_int_range(INT32), "x-mlflow-token": "integer"},
    DataType.long: {"type": "integer", **_int_range(INT64), "x-mlflow-token": "integer"},
    DataType.float: {"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX},
    DataType.double: {"type": "number"},
    DataType.string: {"type": "string"},
    DataType.binary: {"type": "string", "contentEncoding": "base64", "pattern": BASE64_PATTERN},
    DataType.datetime: {
        "type": "string",
        "pattern": DATETIME_PATTERN,
        "x-mlflow-datetime": "naive",
    },
}

_ANY_SCALAR = ["boolean", "number", "string", "null"]

#: mlflow mode, top-level cells: (frame, tf) per DataType (spec 3.2).
MLFLOW_TOP_SCALARS: dict[DataType, tuple[JSON, JSON]] = {
    # pandas' astype(bool) takes any cell: objects and lists are truthy.
    DataType.boolean: ({}, {}),
    DataType.integer: (
        {"type": ["number", "string", "boolean"], "pattern": INT_TEXT_PATTERN},
        {
            "type": ["number", "string", "boolean"],
            "pattern": INT_TEXT_PATTERN,
            "minimum": INT32[0] - 1,
            "maximum": INT32[1] + 1,
        },
    ),
    # No range: JSON Schema cannot tell 1e20 (a float, truncated) from 10**20 (refused).
    DataType.long: (
        {"type": ["number", "string", "boolean"], "pattern": INT_TEXT_PATTERN},
        {"type": ["number", "string", "boolean"], "pattern": INT_TEXT_PATTERN},
    ),
    DataType.float: (
        {"type": _ANY_SCALAR, "pattern": FLOAT_TEXT_PATTERN},
        {"type": _ANY_SCALAR, "pattern": FLOAT_TEXT_PATTERN},
    ),
    DataType.double: (
        {"type": _ANY_SCALAR, "pattern": FLOAT_TEXT_PATTERN},
        # numpy reads an empty list as an empty float64 array, which pandas takes as NaN.
        {"type": [*_ANY_SCALAR, "array"], "pattern": FLOAT_TEXT_PATTERN, "maxItems": 0},
    ),
    DataType.string: ({}, {}),
    # Through inputs/instances binary is never decoded: any value is kept as it is.
    DataType.binary: ({"type": ["string", "null"]}, {}),
    DataType.datetime: ({"type": _ANY_SCALAR}, {"type": _ANY_SCALAR}),
}

#: mlflow mode, nested values (spec 3.5.1); ``None`` means no JSON value is accepted.
MLFLOW_NESTED_SCALARS: dict[DataType, JSON | None] = {
    DataType.boolean: {"type": "boolean"},
    DataType.integer: None,
    DataType.long: {"type": "integer", **_int_range(INT64), "x-mlflow-token": "integer"},
    DataType.float: {"enum": [0, 1], "x-mlflow-token": "integer"},
    DataType.double: {"type": "number", "x-mlflow-nested-double": "scalar"},
    DataType.string: {"type": "string"},
    DataType.binary: {"type": "string"},
    DataType.datetime: None,
}

#: mlflow mode, elements of an array of scalars: the whole list becomes one pandas
#: Series, so nulls are coerced rather than refused for most types (spec 3.5.2).
MLFLOW_ARRAY_ITEMS: dict[DataType, JSON | None] = {
    # The Series is cast with astype(bool): any element is true or false.
    DataType.boolean: {},
    DataType.integer: None,
    DataType.long: {"type": "integer", **_int_range(INT64), "x-mlflow-token": "integer"},
    DataType.float: None,
    # An empty list or object element makes the Series object dtype, which casts to NaN.
    DataType.double: {
        "type": ["number", "string", "boolean", "null", "array", "object"],
        "maxItems": 0,
        "maxProperties": 0,
    },
    # Objects, and integers numpy cannot hold as int64/uint64, make an object Series,
    # whose values are taken as they are.
    DataType.string: {
        "type": ["string", "null", "object", "number"],
        "if": {"type": "number"},
        "then": {"not": {"minimum": INT64[0], "maximum": 2**64 - 1}},
    },
    DataType.binary: {"type": ["string", "null"]},
    DataType.datetime: {"type": "null"},
}


def with_null(schema: JSON) -> JSON:
    """Allow ``null`` too, as ``type: [..., "null"]`` (never ``anyOf``: errors stay shallow)."""
    out = dict(schema)
    if "not" in out and len(out.keys() - {"not", "x-mlflow-type", "description"}) == 0:
        return {
            "x-mlflow-type": out.get("x-mlflow-type"),
            "type": "null",
            "description": out.get("description", ""),
        }
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
        return out
    if "const" in out:
        out["enum"] = [out.pop("const"), None]
        return out
    t = out.get("type")
    if t is None:
        return out  # already accepts null
    types = [t] if isinstance(t, str) else list(t)
    if "null" not in types:
        types.append("null")
    out["type"] = types
    return out


def type_name(t: ColType) -> str:
    """The MLflow type name written in ``x-mlflow-type``."""
    return str(col_type_to_dict(t)["type"])


def scalar(dt: DataType, ctx: Context, mode: Mode) -> JSON:
    """One scalar value of type ``dt`` in ``ctx``, not null."""
    if mode == "strict":
        if ctx == "nested" and dt in _NESTED_UNUSABLE:
            return unusable(dt.name, _NESTED_UNUSABLE[dt])
        if ctx == "nested" and dt is DataType.binary:
            return {"x-mlflow-type": "binary", "type": "string"}
        if ctx == "nested" and dt is DataType.double:
            return {"x-mlflow-type": "double", "type": "number", "x-mlflow-nested-double": "scalar"}
        return {"x-mlflow-type": dt.name, **STRICT_SCALARS[dt]}
    if ctx == "nested":
        row = MLFLOW_NESTED_SCALARS[dt]
        if row is None:
            return unusable(dt.name, _NESTED_UNUSABLE[dt])
        return {"x-mlflow-type": dt.name, **row}
    frame, tf = MLFLOW_TOP_SCALARS[dt]
    return {"x-mlflow-type": dt.name, **(frame if ctx == "frame" else tf)}


def nested(t: ColType, flag: bool, mode: Mode) -> JSON:
    """A nested value (array element, property, map value) under requiredness ``flag``.

    In ``mlflow`` mode a false flag makes the value nullable, as MLflow's
    ``_enforce_type`` returns ``None`` unchanged then; ``strict`` allows
    ``null`` only for optional object properties (see `object_schema`).
    """
    if isinstance(t, DataType):
        return scalar(t, "nested", mode)
    return complex_value(t, flag, mode)


def _array_items(items: ColType, flag: bool, mode: Mode) -> JSON:
    if isinstance(items, DataType):
        if mode == "strict":
            if items is DataType.double:
                # The array, not each element, carries the double token rule.
                return {"x-mlflow-type": "double", "type": "number"}
            return scalar(items, "nested", mode)
        row = MLFLOW_ARRAY_ITEMS[items]
        if row is None:
            return unusable(items.name, _NESTED_UNUSABLE[items])
        return {"x-mlflow-type": items.name, **row}
    inner = nested(items, flag, mode)
    if mode == "mlflow" and not flag:
        inner = with_null(inner)
    return inner


def complex_value(t: ColType, flag: bool, mode: Mode) -> JSON:
    """A value of a complex type (not null: callers add ``null`` where it is allowed)."""
    if isinstance(t, AnyType):
        return {"x-mlflow-type": "any"}
    if isinstance(t, SparkMLVector):
        return {
            "x-mlflow-type": "sparkml_vector",
            "type": "array",
            "items": _array_items(DataType.double, flag, mode),
            "x-mlflow-nested-double": "array",
        }
    if isinstance(t, Array):
        out: JSON = {"x-mlflow-type": "array", "type": "array"}
        out["items"] = _array_items(t.items, flag, mode)
        if t.items is DataType.double:
            out["x-mlflow-nested-double"] = "array"
        return out
    if isinstance(t, Map):
        values = nested(t.values, flag, mode)
        if mode == "mlflow" and not flag:
            values = with_null(values)
        return {"x-mlflow-type": "map", "type": "object", "additionalProperties": values}
    if isinstance(t, Object):
        return object_schema(t, flag=flag, mode=mode)
    raise TypeError(t)  # pragma: no cover - ColType is closed


def object_schema(t: Object, *, flag: bool, mode: Mode) -> JSON:
    """An Object: named properties, required ones required, no others (MLflow refuses them)."""
    props: JSON = {}
    for p in t.properties:
        value = nested(p.type, p.required, mode)
        if not p.required:
            value = with_null(value)
        props[p.name] = value
    required = [p.name for p in t.properties if p.required]
    out: JSON = {
        "x-mlflow-type": "object",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }
    if required:
        if mode == "mlflow" and not flag:
            # MLflow returns {} unchanged for an optional object, required properties or not.
            out["if"] = {"minProperties": 1}
            out["then"] = {"required": required}
        else:
            out["required"] = required
    return out


def column_value(t: ColType, required: bool, ctx: Context, mode: Mode, *, null_ok: bool) -> JSON:
    """A top-level column value in ``ctx``.

    ``null_ok`` says whether this form tolerates ``null`` for an optional
    complex column (not through ``inputs``, spec 5.17); scalar columns take
    ``null`` by the tables (strict: only optional double/float/datetime).
    """
    if isinstance(t, DataType):
        schema = scalar(t, "nested" if ctx == "nested" else ctx, mode)
        if mode == "strict" and not required and t in _NULLABLE_OPTIONAL:
            schema = with_null(schema)
        return schema
    schema = complex_value(t, required, mode)
    if not required and null_ok and not isinstance(t, AnyType):
        schema = with_null(schema)
    return schema


#: Optional scalar columns whose ``null`` means NaN/NaT (the strict contract's only nullables).
_NULLABLE_OPTIONAL = frozenset({DataType.double, DataType.float, DataType.datetime})


# --------------------------------------------------------------------------
# Tensors and params
# --------------------------------------------------------------------------
def tensor_leaf(dtype: str, mode: Mode) -> JSON:
    """One element of a tensor of ``dtype`` (numpy casts it with ``np.array(v, dtype)``)."""
    dt = np.dtype(dtype)
    kind = dt.kind
    out: JSON = {"x-mlflow-dtype": dt.name}
    if mode == "strict":
        if kind == "b":
            out["type"] = "boolean"
        elif kind in {"i", "u"}:
            info = np.iinfo(dt)
            out.update(type="integer", minimum=int(info.min), maximum=int(info.max))
            out["x-mlflow-token"] = "integer"
        elif kind == "f":
            out["type"] = "number"
            if dt.itemsize <= 4:
                top = float(np.finfo(dt).max)
                out.update(minimum=-top, maximum=top)
        elif kind == "c":
            out["type"] = "number"
        elif kind == "U":
            out["type"] = "string"
        elif kind == "S":
            out.update(type="string", pattern=ASCII_PATTERN)
        elif kind == "M":
            out.update(type="string", pattern=DATETIME_PATTERN)
            out["x-mlflow-datetime"] = "naive"
        elif kind == "m":
            out.update(type="integer", **_int_range(INT64))
            out["x-mlflow-token"] = "integer"
        else:  # object: anything numpy keeps as one element (a dict reads as records)
            out["not"] = {"type": ["array", "object"]}
        return out
    if kind in {"i", "u"}:
        info = np.iinfo(dt)
        out.update(
            type=["number", "string", "boolean"],
            pattern=FLOAT_TEXT_PATTERN,
            minimum=int(info.min) - 1,
            maximum=int(info.max) + 1,
        )
    elif kind == "m":
        # null and blank text are NaT.
        info = np.iinfo(np.int64)
        out.update(
            type=_ANY_SCALAR,
            pattern=r"^\s*$|" + FLOAT_TEXT_PATTERN,
            minimum=int(info.min) - 1,
            maximum=int(info.max) + 1,
        )
    elif kind == "f":
        out.update(type=_ANY_SCALAR, pattern=FLOAT_TEXT_PATTERN)
    elif kind == "c":
        out.update(type=_ANY_SCALAR, pattern=COMPLEX_TEXT_PATTERN)
    elif kind in {"b", "U", "S"}:
        # numpy converts any single value, objects included (str() of it, or its truth).
        out["not"] = {"type": "array"}
    elif kind == "M":
        out["type"] = _ANY_SCALAR
    return out


def tensor_value(shape: tuple[int, ...], leaf: JSON, *, batch: bool = False) -> JSON:
    """Nested lists matching ``shape``: fixed dimensions get ``minItems``/``maxItems``.

    ``batch``: the first dimension is a batch, which MLflow refuses empty.
    Raggedness along ``-1`` dimensions is JSON Schema's blind spot; the
    ``x-mlflow-shape`` keyword checks it.
    """
    schema = leaf
    for depth in range(len(shape) - 1, -1, -1):
        dim = shape[depth]
        level: JSON = {"type": "array", "items": schema}
        if dim >= 0:
            level["minItems"] = dim
            level["maxItems"] = dim
        elif batch and depth == 0:
            level["minItems"] = 1
        schema = level
    if any(d < 0 for d in shape[1:]):
        schema["x-mlflow-shape"] = list(shape)
    return schema


def ragged_object_hatch(dtype: str, shape: tuple[int, ...], mode: str) -> bool:
    """mlflow mode: an ``object`` tensor MLflow takes in any shape once it arrives 1-D.

    ``_enforce_tensor_spec`` waves through a 1-D ``object`` array for shape
    ``[-1]`` or any shape with a ``-1`` after the first axis, and
    ``np.array(..., dtype=object)`` makes ragged or scalar-leaved lists exactly
    that; the pure export cannot tell those from a malformed nesting, so it
    lets every list through and the Validator keeps the exact verdict.
    """
    return mode == "mlflow" and dtype == "object" and (shape == (-1,) or -1 in shape[1:])


def flat_size(shape: tuple[int, ...]) -> int:
    """How many leaves one sample (``shape[1:]``) holds."""
    return math.prod(shape[1:])


__all__ = [
    "ASCII_PATTERN",
    "BASE64_PATTERN",
    "DATETIME_PATTERN",
    "FLOAT32_MAX",
    "INT32",
    "INT64",
    "MLFLOW_ARRAY_ITEMS",
    "MLFLOW_NESTED_SCALARS",
    "MLFLOW_TOP_SCALARS",
    "STRICT_SCALARS",
    "column_value",
    "complex_value",
    "flat_size",
    "nested",
    "object_schema",
    "ragged_object_hatch",
    "scalar",
    "tensor_leaf",
    "tensor_value",
    "type_name",
    "unusable",
    "with_null",
]
