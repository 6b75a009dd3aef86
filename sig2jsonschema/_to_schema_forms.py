"""JSON Schema for each request body form (the value under one envelope key).

`form_schema` builds the schema of one form (docs/strict-contract.md names
them) for a signature and a mode.  Column value schemas come from
`sig2jsonschema._to_schema_values`; the canonical schema of each column,
tensor and param lives once in ``$defs`` (``inputs.0``, ``params.1``, ...)
and carries the ``x-mlflow-column`` / ``x-mlflow-tensor`` / ``x-mlflow-param``
annotation that `from_jsonschema` reads back.  Forms either ``$ref`` it
(dataframe forms, whose cells are cast like the canonical value) or inline a
variant with the same ``x-mlflow-field`` (``inputs``/``instances`` values,
which numpy casts, and the unified-LLM form, which meets the nested rules).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from ._hazards import RULES, has_one_row_column, hazards
from ._model import param_to_dict, spec_to_dict
from ._to_schema_values import (
    DATETIME_PATTERN,
    FLOAT32_MAX,
    INT32,
    INT64,
    Mode,
    column_value,
    flat_size,
    object_schema,
    tensor_leaf,
    tensor_value,
    type_name,
    with_null,
)
from ._types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Object,
    ParamSpec,
    Signature,
    SparkMLVector,
    TensorSpec,
    field_name,
)

JSON = dict[str, Any]

#: Codes whose severity depends on whether the field must be sent (see `Ctx.forbidden`).
_REQUIRED_CODES = frozenset(r.code for r in RULES if r.severity == "required")

#: Above this many optional columns, strict ``dataframe_split`` stops listing every
#: allowed column subsequence and asks for all columns in signature order.
MAX_SPLIT_SUBSETS = 64


@dataclass
class Ctx:
    """What every form builder needs: the signature, the mode and the ``$defs`` being filled."""

    sig: Signature
    mode: Mode
    defs: dict[str, JSON] = field(default_factory=dict)
    _forbidden: dict[str, dict[int, str]] | None = None

    @property
    def strict(self) -> bool:
        return self.mode == "strict"

    @property
    def columns(self) -> tuple[ColSpec, ...]:
        return self.sig.inputs.columns if self.sig.inputs is not None else ()

    @property
    def tensors(self) -> tuple[TensorSpec, ...]:
        return self.sig.inputs.tensors if self.sig.inputs is not None else ()

    @property
    def named(self) -> bool:
        return self.sig.inputs is not None and self.sig.inputs.has_names

    def forbidden(self, form: str) -> dict[int, str]:
        """Optional columns a strict body must leave out in ``form``, with the reason.

        A hazard row that is an error for a required column is a warning for an
        optional one, because the column can be left out: the strict schema then
        forbids it in the forms the hazard names.
        """
        if not self.strict:
            return {}
        if self._forbidden is None:
            by_field = {field_name("inputs", c, i): i for i, c in enumerate(self.columns)}
            found: dict[str, dict[int, str]] = {}
            for h in hazards(self.sig):
                index = by_field.get(h.field)
                if index is None or h.severity != "warning" or h.code not in _REQUIRED_CODES:
                    continue
                for f in h.forms:
                    found.setdefault(f, {}).setdefault(index, h.message)
            self._forbidden = found
        return self._forbidden.get(form, {})


def ref(name: str) -> JSON:
    """A reference to ``$defs/name`` (def names never hold ``/`` or ``~``)."""
    return {"$ref": f"#/$defs/{name}"}


def describe_column(spec: ColSpec, part: str, index: int) -> str:
    """Human words for a column: ``inputs['age']: long, required``."""
    need = "required" if spec.is_required else "optional"
    return f"{field_name(part, spec, index)}: {spec.type}, {need}"


def describe_tensor(spec: TensorSpec, part: str, index: int) -> str:
    """Human words for a tensor: ``inputs[0]: float32 tensor of shape (-1, 4)``."""
    shape = ", ".join(str(d) for d in spec.shape)
    return f"{field_name(part, spec, index)}: {spec.dtype} tensor of shape ({shape})"


# --------------------------------------------------------------------------
# Canonical definitions
# --------------------------------------------------------------------------
def register_spec(ctx: Ctx, part: str, index: int, spec: ColSpec | TensorSpec) -> str:
    """Put the canonical schema of one column/tensor in ``$defs``; return its name."""
    name = f"{part}.{index}"
    fieldname = field_name(part, spec, index)
    if isinstance(spec, TensorSpec):
        leaf = tensor_leaf(spec.dtype, ctx.mode)
        body: JSON = tensor_value(spec.shape, leaf, batch=ctx.strict and part == "inputs")
        ctx.defs[name] = {
            "x-mlflow-field": fieldname,
            "x-mlflow-tensor": spec_to_dict(spec),
            "x-mlflow-index": index,
            "description": describe_tensor(spec, part, index),
            **body,
        }
        return name
    null_ok = True
    value = column_value(spec.type, spec.is_required, "frame", ctx.mode, null_ok=null_ok)
    ctx.defs[name] = {
        "x-mlflow-field": fieldname,
        "x-mlflow-column": spec_to_dict(spec),
        "x-mlflow-index": index,
        "description": describe_column(spec, part, index),
        **value,
    }
    return name


def param_value(spec: ParamSpec, mode: Mode) -> JSON:
    """The value of one param (spec 3.9): exact JSON types, ``[-1]`` as a list."""
    if isinstance(spec.type, Object):
        return object_schema(spec.type, flag=True, mode=mode)
    one = _param_scalar(spec.type, mode)
    if spec.shape is None:
        return with_null(one) if mode == "mlflow" else one
    items = with_null(one) if mode == "mlflow" else one
    return {"type": "array", "items": items}


def _param_scalar(dt: DataType, mode: Mode) -> JSON:
    out: JSON = {"x-mlflow-type": dt.name}
    if dt is DataType.boolean:
        out["type"] = "boolean"
    elif dt in {DataType.integer, DataType.long}:
        out["type"] = "integer"
        out["x-mlflow-token"] = "integer"
        if mode == "strict":
            lo, hi = INT32 if dt is DataType.integer else INT64
            out.update(minimum=lo, maximum=hi)
    elif dt in {DataType.float, DataType.double}:
        out["type"] = "number"
        if mode == "strict" and dt is DataType.float:
            out.update(minimum=-FLOAT32_MAX, maximum=FLOAT32_MAX)
    elif dt is DataType.datetime:
        out["type"] = "string"
        if mode == "strict":
            out["pattern"] = DATETIME_PATTERN
            out["x-mlflow-datetime"] = "naive"
    else:  # string (binary params do not exist)
        out["type"] = "string"
    return out


def register_param(ctx: Ctx, index: int, spec: ParamSpec) -> str:
    """Put one param's schema (with its ``default``) in ``$defs``; return its name."""
    name = f"params.{index}"
    shape = "" if spec.shape is None else " list (shape [-1])"
    ctx.defs[name] = {
        "x-mlflow-field": f"params[{spec.name!r}]",
        "x-mlflow-param": param_to_dict(spec),
        "x-mlflow-index": index,
        "description": f"params[{spec.name!r}]: {spec.type}{shape}, default "
        f"{spec.default!r} when absent",
        **param_value(spec, ctx.mode),
        "default": spec.default,
    }
    return name


def params_object(ctx: Ctx) -> JSON:
    """The ``params`` object of a request (also the whole ``params`` part)."""
    params = ctx.sig.params.params if ctx.sig.params is not None else ()
    if not params:
        if ctx.strict:
            return {
                "type": "object",
                "maxProperties": 0,
                "description": "the signature declares no params: MLflow would drop any",
            }
        return {"description": "the signature declares no params: MLflow ignores this value"}
    props = {p.name: ref(register_param(ctx, i, p)) for i, p in enumerate(params)}
    out: JSON = {
        "type": "object" if ctx.strict else ["object", "null"],
        "properties": props,
        "description": "inference params; absent ones take their default",
    }
    if ctx.strict:
        out["additionalProperties"] = False
    return out


# --------------------------------------------------------------------------
# Column values per context
# --------------------------------------------------------------------------
def _annotations(spec: ColSpec | TensorSpec, index: int) -> JSON:
    """What every variant of an input's schema carries, so each one maps back exactly."""
    key = "x-mlflow-tensor" if isinstance(spec, TensorSpec) else "x-mlflow-column"
    return {
        "x-mlflow-field": field_name("inputs", spec, index),
        key: spec_to_dict(spec),
        "x-mlflow-index": index,
    }


def _left_out(spec: ColSpec, i: int, why: str) -> JSON:
    """An optional column that must be absent in this form (`Ctx.forbidden`)."""
    return {**_annotations(spec, i), "not": {}, "description": f"leave it out here: {why}"}


def _tf_value(ctx: Ctx, i: int, spec: ColSpec, form: str, *, null_ok: bool) -> JSON:
    why = ctx.forbidden(form).get(i)
    if why is not None:
        return _left_out(spec, i, why)
    value = column_value(spec.type, spec.is_required, "tf", ctx.mode, null_ok=null_ok)
    return {**_annotations(spec, i), **value}


def _llm_value(ctx: Ctx, i: int, spec: ColSpec) -> JSON:
    why = ctx.forbidden("llm").get(i)
    if why is not None:
        return _left_out(spec, i, why)
    value = column_value(spec.type, spec.is_required, "nested", ctx.mode, null_ok=True)
    return {**_annotations(spec, i), **value}


def _row_object(ctx: Ctx, values: dict[str, JSON]) -> JSON:
    out: JSON = {"type": "object", "properties": values}
    required = [c.name for c in ctx.columns if c.is_required and c.name is not None]
    if required:
        out["required"] = required
    if ctx.strict:
        out["additionalProperties"] = False
    return out


#: Optional column types whose missing record key MLflow reads as the canonical
#: missing value (NaN/NaT), per record form (checked on MLflow 3.17.2's server:
#: float32 NaN fails enforcement through inputs, and instances records of uneven
#: length fail DataFrame construction).
_MAY_BE_MISSING: dict[str, frozenset[DataType]] = {
    "dataframe_records": frozenset({DataType.double, DataType.float, DataType.datetime}),
    "inputs": frozenset({DataType.double, DataType.datetime}),
    "instances": frozenset(),
}


def _same_keys(schema: JSON, ctx: Ctx, key: str = "instances") -> JSON:
    if not ctx.strict:
        return schema
    may_be_missing = _MAY_BE_MISSING.get(key, frozenset())
    fixed = [str(c.name) for c in ctx.columns if not c.is_required and c.type not in may_be_missing]
    if fixed:
        schema["x-mlflow-same-keys"] = fixed
    return schema


def _records(ctx: Ctx, row: JSON, key: str = "inputs") -> JSON:
    out: JSON = {"type": "array", "items": row}
    if ctx.strict:
        out["minItems"] = 1
        return _same_keys(out, ctx, key)
    if key != "instances":
        # A record lacking a key becomes a NaN cell, which MLflow often lets through:
        # a required column only has to appear in some record.
        required = row.pop("required", [])
        if required:
            out["allOf"] = [{"contains": {"required": [n]}} for n in required]
    return out


def _uniform_datetimes(ctx: Ctx, schema: JSON) -> JSON:
    names = [
        c.name if c.name is not None else i
        for i, c in enumerate(ctx.columns)
        if c.type is DataType.datetime
    ]
    if names:
        schema["x-mlflow-uniform-datetime"] = names
    return schema


# --------------------------------------------------------------------------
# Column signature forms
# --------------------------------------------------------------------------
def _split_subsets(ctx: Ctx) -> list[list[str]]:
    names = [c.name for c in ctx.columns if c.name is not None]
    optional = [c.name for c in ctx.columns if not c.is_required and c.name is not None]
    if 2 ** len(optional) > MAX_SPLIT_SUBSETS:
        return [names]
    subsets = [
        [n for n in names if n not in dropped]
        for r in range(len(optional), -1, -1)
        for dropped in itertools.combinations(optional, len(optional) - r)
    ]
    return [s for s in subsets if s]


def dataframe_split(ctx: Ctx, col_defs: list[str]) -> JSON:
    """``{"columns": [...], "index": [...], "data": [[...], ...]}`` for a column signature."""
    out: JSON = {"type": "object", "additionalProperties": False, "x-mlflow-split": True}
    data: JSON = {"type": "array", "items": {"type": "array"}}
    props: JSON = {"index": {"type": "array"}, "data": data}
    if ctx.strict:
        data["minItems"] = 1
    if not ctx.named:
        n = len(ctx.columns)
        row: JSON = {"type": "array", "minItems": n}
        if ctx.strict:
            row["prefixItems"] = [ref(d) for d in col_defs]
            row["maxItems"] = n
        data["items"] = row
        props["columns"] = {"type": "array", "minItems": n}
        out["properties"] = props
        out["required"] = ["data"]
        return _uniform_datetimes(ctx, out)
    names = [c.name for c in ctx.columns if c.name is not None]
    by_name = dict(zip(names, col_defs, strict=True))
    columns: JSON = {"type": "array", "items": {"type": "string"}}
    required = [c.name for c in ctx.columns if c.is_required and c.name is not None]
    if required:
        columns["allOf"] = [{"contains": {"const": n}} for n in required]
    props["columns"] = columns
    out["properties"] = props
    out["required"] = ["columns", "data"]
    if ctx.strict:
        subsets = _split_subsets(ctx)
        columns["enum"] = subsets
        columns.pop("allOf", None)
        out["allOf"] = [
            {
                "if": {"required": ["columns"], "properties": {"columns": {"const": s}}},
                "then": {
                    "properties": {
                        "data": {
                            "items": {
                                "prefixItems": [ref(by_name[n]) for n in s],
                                "minItems": len(s),
                                "maxItems": len(s),
                            }
                        }
                    }
                },
            }
            for s in subsets
        ]
    else:
        data["items"] = {"type": ["array", "object"]}
        out["x-mlflow-columns"] = {n: ref(d) for n, d in by_name.items()}
    return _uniform_datetimes(ctx, out)


def dataframe_records(ctx: Ctx, col_defs: list[str]) -> JSON:
    """``[{"col": value, ...}, ...]`` for a column signature."""
    if not ctx.named:
        if not ctx.strict:
            return {"type": "array"}
        row: JSON = {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": ref(col_defs[0]),
        }
        return {"type": "array", "items": row, "minItems": 1}
    values = {c.name: ref(d) for c, d in zip(ctx.columns, col_defs, strict=True) if c.name}
    out = _records(ctx, _row_object(ctx, values), "dataframe_records")
    return _uniform_datetimes(ctx, out)


def _tf_null_ok(ctx: Ctx, key: str) -> bool:
    # null for an optional array column crashes through inputs (spec 5.17).
    return key != "inputs" or not ctx.strict


def tf_columnar(ctx: Ctx, key: str) -> JSON:
    """``{"col": [v, ...], ...}`` (no array/object column: the object is columnar)."""
    values: JSON = {}
    form = f"{key}/columnar"
    for i, c in enumerate(ctx.columns):
        one = _tf_value(ctx, i, c, form, null_ok=_tf_null_ok(ctx, key))
        if "not" in one and i in ctx.forbidden(form):
            values[str(c.name)] = one
            continue
        column: JSON = {"type": "array", "items": one}
        if ctx.strict:
            column["minItems"] = 1
        # A bare value is a one-value column (MLflow broadcasts scalars).
        values[str(c.name)] = {"if": {"type": "array"}, "then": column, "else": one}
    out = _row_object(ctx, values)
    if ctx.strict:
        # Strict: all columns (equal lengths) or all single values (one row), never
        # a mix, whose scalars MLflow would broadcast.
        out["if"] = {"additionalProperties": {"type": "array"}}
        out["then"] = {"x-mlflow-equal-lengths": True}
        out["else"] = {"additionalProperties": {"not": {"type": "array"}}}
    return out


def tf_row(ctx: Ctx, key: str, form: str | None = None) -> JSON:
    """``{"col": v, ...}``: one row (the signature has an array/object column)."""
    form = form or f"{key}/row"
    values = {
        str(c.name): _tf_value(ctx, i, c, form, null_ok=_tf_null_ok(ctx, key))
        for i, c in enumerate(ctx.columns)
    }
    return _row_object(ctx, values)


def tf_records(ctx: Ctx, key: str) -> JSON:
    """``[{"col": v, ...}, ...]`` under ``inputs``/``instances``."""
    return _records(ctx, tf_row(ctx, key, f"{key}/records"), key)


def tf_list(ctx: Ctx, key: str) -> JSON:
    """``[v, ...]`` for one column, or ``[[v1, v2], ...]`` rows for unnamed columns."""
    cols = ctx.columns
    form = f"{key}/list"
    if not ctx.strict and ctx.named and is_one_row(ctx):
        # One named array/object column: MLflow re-keys the list as that column's
        # single value, so the whole list is one cell.
        return _tf_value(ctx, 0, cols[0], form, null_ok=True)
    if len(cols) == 1:
        item = _tf_value(ctx, 0, cols[0], form, null_ok=_tf_null_ok(ctx, key))
        if not ctx.strict and not ctx.named:
            # Rows given as one-element lists are read as a one-column frame.
            item = {"if": {"type": "array"}, "then": {"items": item}, "else": item}
    else:
        item = {"type": "array", "minItems": len(cols)}
        if ctx.strict:
            item["prefixItems"] = [
                _tf_value(ctx, i, c, form, null_ok=True) for i, c in enumerate(cols)
            ]
            item["maxItems"] = len(cols)
    out: JSON = {"type": "array", "items": item}
    if ctx.strict:
        out["minItems"] = 1
    return out


def llm_body(ctx: Ctx) -> JSON:
    """The unified-LLM body: columns and params as top-level keys, read as one row."""
    values: JSON = {}
    for i, c in enumerate(ctx.columns):
        if c.name is not None:
            values[c.name] = _llm_value(ctx, i, c)
    params = ctx.sig.params.params if ctx.sig.params is not None else ()
    for j, p in enumerate(params):
        values.setdefault(p.name, ref(f"params.{j}"))
    out = _row_object(ctx, values)
    out["description"] = (
        "unified-LLM form: a top-level messages/prompt/input key makes MLflow pass the "
        "whole body (params: keys named like declared params) to the model as one row"
    )
    return out


# --------------------------------------------------------------------------
# Tensor signature forms
# --------------------------------------------------------------------------
def _tensor_inline(ctx: Ctx, i: int, spec: TensorSpec, shape: tuple[int, ...]) -> JSON:
    return {**_annotations(spec, i), **tensor_value(shape, tensor_leaf(spec.dtype, ctx.mode))}


def _tensor_cell(ctx: Ctx, i: int, spec: TensorSpec) -> JSON:
    """A dataframe cell of a tensor: a leaf for 1-D tensors, else a flat list of leaves."""
    leaf = tensor_leaf(spec.dtype, ctx.mode)
    notes = _annotations(spec, i)
    if len(spec.shape) == 1:
        # A scalar cell, or a one-element list (the flat form of a 1-D sample).
        one: JSON = {"items": leaf}
        if ctx.strict:
            one.update(minItems=1, maxItems=1)
        return {**notes, "if": {"type": "array"}, "then": one, "else": leaf}
    size = flat_size(spec.shape)
    return {
        **notes,
        "type": "array",
        "items": leaf,
        "minItems": size,
        "maxItems": size,
    }


def tensor_frame_split(ctx: Ctx) -> JSON:
    """``dataframe_split`` for tensors: one column per tensor (or ``n`` for ``(-1, n)``)."""
    data: JSON = {"type": "array", "items": {"type": "array"}}
    props: JSON = {"index": {"type": "array"}, "columns": {"type": "array"}, "data": data}
    out: JSON = {
        "type": "object",
        "properties": props,
        "required": ["data"],
        "additionalProperties": False,
        "x-mlflow-split": True,
    }
    if not ctx.strict:
        # pandas also builds a frame from rows given as objects (corpus t_object_1d).
        data["items"] = {"type": ["array", "object"]}
        return out
    data["minItems"] = 1
    tensors = ctx.tensors
    if not ctx.named:
        spec = tensors[0]
        cell = _tensor_cell(ctx, 0, spec)
        one: JSON = {"type": "array", "prefixItems": [cell], "minItems": 1, "maxItems": 1}
        if len(spec.shape) == 2:
            n = spec.shape[1]
            wide: JSON = {
                "type": "array",
                "items": tensor_leaf(spec.dtype, ctx.mode),
                "minItems": n,
                "maxItems": n,
            }
            one = {
                "if": {"prefixItems": [{"type": "array"}]},
                "then": one,
                "else": wide,
            }
        data["items"] = one
        width = spec.shape[1] if len(spec.shape) == 2 else 1
        props["columns"] = {"type": "array", "minItems": 1, "maxItems": width}
        return out
    names = [str(t.name) for t in tensors]
    props["columns"] = {"const": names}
    out["required"] = ["columns", "data"]
    data["items"] = {
        "type": "array",
        "prefixItems": [_tensor_cell(ctx, i, t) for i, t in enumerate(tensors)],
        "minItems": len(tensors),
        "maxItems": len(tensors),
    }
    return out


def tensor_frame_records(ctx: Ctx) -> JSON:
    """``dataframe_records`` for tensors: each record holds one cell per tensor."""
    if not ctx.named:
        row: JSON = {"type": "object", "minProperties": 1}
        if ctx.strict:
            row["maxProperties"] = 1
            row["additionalProperties"] = _tensor_cell(ctx, 0, ctx.tensors[0])
    else:
        row = {
            "type": "object",
            "properties": {
                str(t.name): _tensor_cell(ctx, i, t) if ctx.strict else {}
                for i, t in enumerate(ctx.tensors)
            },
            "required": [str(t.name) for t in ctx.tensors],
        }
        if ctx.strict:
            row["additionalProperties"] = False
    out: JSON = {"type": "array", "items": row}
    if ctx.strict:
        out["minItems"] = 1
    return out


def tensor_single(defs: list[str]) -> JSON:
    """``inputs``/``instances`` for one unnamed tensor: nested lists matching the shape."""
    return ref(defs[0])


def tensor_dict(ctx: Ctx, defs: list[str]) -> JSON:
    """``{"name": <nested list>, ...}`` for named tensors."""
    out: JSON = {
        "type": "object",
        "properties": {str(t.name): ref(d) for t, d in zip(ctx.tensors, defs, strict=True)},
        "required": [str(t.name) for t in ctx.tensors],
    }
    if ctx.strict:
        out["additionalProperties"] = False
        if len(ctx.tensors) > 1:
            out["x-mlflow-equal-lengths"] = True
    return out


def tensor_records(ctx: Ctx) -> JSON:
    """``instances`` as row records for named tensors: stacked along a new first axis."""
    row: JSON = {
        "type": "object",
        "properties": {
            str(t.name): _tensor_inline(ctx, i, t, t.shape[1:]) for i, t in enumerate(ctx.tensors)
        },
        "required": [str(t.name) for t in ctx.tensors],
    }
    if ctx.strict:
        row["additionalProperties"] = False
    out: JSON = {"type": "array", "items": row}
    if ctx.strict:
        out["minItems"] = 1
    return _same_keys(out, ctx)


# --------------------------------------------------------------------------
# Dispatch
# --------------------------------------------------------------------------
def form_schema(ctx: Ctx, form: str, defs: list[str]) -> JSON:
    """The schema of the value sent in ``form`` (the value under its key; for llm the body)."""
    if ctx.sig.inputs is None:
        return _no_inputs(form)
    key = form.split("/", maxsplit=1)[0]
    if ctx.sig.inputs.is_tensor:
        builders_t = {
            "dataframe_split": lambda: tensor_frame_split(ctx),
            "dataframe_records": lambda: tensor_frame_records(ctx),
            "inputs/tensor": lambda: tensor_single(defs),
            "instances/tensor": lambda: tensor_single(defs),
            "inputs/tensors": lambda: tensor_dict(ctx, defs),
            "instances/tensors": lambda: tensor_dict(ctx, defs),
            "instances/records": lambda: tensor_records(ctx),
        }
        schema = builders_t[form]()
    else:
        builders = {
            "dataframe_split": lambda: dataframe_split(ctx, defs),
            "dataframe_records": lambda: dataframe_records(ctx, defs),
            "inputs/columnar": lambda: tf_columnar(ctx, key),
            "instances/columnar": lambda: tf_columnar(ctx, key),
            "inputs/row": lambda: tf_row(ctx, key),
            "inputs/records": lambda: tf_records(ctx, key),
            "instances/records": lambda: tf_records(ctx, key),
            "inputs/list": lambda: tf_list(ctx, key),
            "instances/list": lambda: tf_list(ctx, key),
            "llm": lambda: llm_body(ctx),
        }
        schema = builders[form]()
    return {"x-mlflow-form": form, **schema}


def _no_inputs(form: str) -> JSON:
    """Without an input schema MLflow enforces nothing: only the envelope shape counts."""
    shapes: dict[str, JSON] = {
        "dataframe_split": {
            "type": "object",
            "properties": {"data": {"type": "array"}, "columns": {}, "index": {}},
            "required": ["data"],
            "additionalProperties": False,
        },
        "dataframe_records": {"type": "array"},
        "inputs/columnar": {"type": "object"},
        "instances/columnar": {"type": "object"},
        "inputs/records": {"type": "array", "items": {"type": "object"}},
        "instances/records": {"type": "array", "items": {"type": "object"}},
        "inputs/list": {"type": "array"},
        "instances/list": {"type": "array"},
    }
    return {"x-mlflow-form": form, **shapes.get(form, {})}


def is_one_row(ctx: Ctx) -> bool:
    """Whether an ``inputs`` object is one row for this signature."""
    return has_one_row_column(ctx.sig)


def complex_names(ctx: Ctx) -> list[str]:
    """Names of array/object/any columns (for descriptions)."""
    return [
        str(c.name)
        for c in ctx.columns
        if isinstance(c.type, (Array, Object, SparkMLVector, AnyType))
    ]


def type_label(spec: ColSpec) -> str:
    """The ``x-mlflow-type`` of a column."""
    return type_name(spec.type)


__all__ = [
    "MAX_SPLIT_SUBSETS",
    "Ctx",
    "describe_column",
    "describe_tensor",
    "form_schema",
    "param_value",
    "params_object",
    "ref",
    "register_param",
    "register_spec",
]
