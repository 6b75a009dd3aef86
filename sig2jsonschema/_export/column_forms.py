"""JSON Schema of the body forms of a column signature.

``dataframe_split``, ``dataframe_records`` (cells ``$ref`` the canonical
column schemas), ``inputs``/``instances`` as columns, one row, records or a
list (values numpy casts, inlined with the column's annotations), and the
unified-LLM body (values meeting MLflow's nested rules).  In strict mode an
optional column that a hazard forbids in a form is left out there
(`Ctx.forbidden`).
"""

from __future__ import annotations

import collections
import itertools
import json

from sig2jsonschema._hazards.releases import split_index_breaks
from sig2jsonschema._hazards.verdicts import has_one_row_column
from sig2jsonschema._signature.types import ColSpec, DataType

from .defs import (
    JSON,
    Ctx,
    column_ref,
    field_notes,
    left_out,
    loose_record,
    ref,
    same_keys,
    share,
)
from .values import column_value

#: Above this many optional columns, strict ``dataframe_split`` stops listing every
#: allowed column subsequence and asks for all columns in signature order.
MAX_SPLIT_SUBSETS = 64


def _tf_value(ctx: Ctx, i: int, spec: ColSpec, form: str, *, null_ok: bool) -> JSON:
    why = ctx.forbidden(form).get(i)
    if why is not None:
        return column_ref(ctx, i, left_out(spec, i, why), "out")
    value = column_value(spec.type, spec.is_required, "tf", ctx.mode, null_ok=null_ok)
    return column_ref(ctx, i, {**field_notes(spec, i), **value}, "tf")


def _llm_value(ctx: Ctx, i: int, spec: ColSpec) -> JSON:
    why = ctx.forbidden("llm").get(i)
    if why is not None:
        return column_ref(ctx, i, left_out(spec, i, why), "out")
    value = column_value(spec.type, spec.is_required, "nested", ctx.mode, null_ok=True)
    if ctx.strict:
        return column_ref(ctx, i, {**field_notes(spec, i), **value}, "llm")
    # MLflow builds a frame from the body: a list is a column of values, an object
    # a column indexed by its keys, and the frame's cells are cast like top-level cells.
    cell = column_value(spec.type, spec.is_required, "frame", ctx.mode, null_ok=True)
    one = {"anyOf": [value, cell]} if value != cell else value
    if not spec.is_required:
        one = {"anyOf": [one, {"type": "null"}]}
    one = share(ctx, "llm.value", one)  # the same for every column of this type
    many = {"type": ["array", "object"], "items": one, "additionalProperties": one}
    return column_ref(ctx, i, {**field_notes(spec, i), "anyOf": [one, many]}, "llm")


def _row_object(ctx: Ctx, values: dict[str, JSON]) -> JSON:
    if ctx.strict and len(values) > WIDE_ROW:
        return _wide_row(ctx, values)
    out: JSON = {"type": "object", "properties": values}
    required = [c.name for c in ctx.columns if c.is_required and c.name is not None]
    if required:
        out["required"] = required
    if ctx.strict:
        out["additionalProperties"] = False
    return out


#: Above this many columns, a strict row object is built by `_wide_row`.
WIDE_ROW = 64


def _wide_row(ctx: Ctx, values: dict[str, JSON]) -> JSON:
    """A strict row object of many columns, its size growing with names, not with forms.

    Every row-shaped form (records, one row, columns) lists the same names,
    required ones and allowed ones: that list is one shared definition.  The
    values of the most common column schema are checked by one shared
    ``additionalProperties`` definition (the column is then named by the body's
    key); only the other columns keep a reference to their own definition.
    """
    required = [c.name for c in ctx.columns if c.is_required and c.name is not None]
    names: JSON = {
        "type": "object",
        "properties": {n: {} for n in values},
        "additionalProperties": False,
    }
    if required:
        names["required"] = required
    plain = {n: _unannotated(ctx, v) for n, v in values.items()}
    counts = collections.Counter(json.dumps(p, sort_keys=True) for p in plain.values())
    common_key, _ = counts.most_common(1)[0]
    explicit = {
        n: values[n] for n, p in plain.items() if json.dumps(p, sort_keys=True) != common_key
    }
    checks: JSON = {"additionalProperties": share(ctx, "value", json.loads(common_key))}
    if explicit:
        checks["properties"] = explicit
    return {"allOf": [share(ctx, "names", names), checks]}


_ANNOTATIONS = frozenset({"x-mlflow-field", "x-mlflow-column", "x-mlflow-index", "description"})


def _unannotated(ctx: Ctx, schema: JSON) -> JSON:
    """``schema`` with its references resolved and the column's own annotations removed."""
    if set(schema) == {"$ref"}:
        target = ctx.defs[schema["$ref"].rsplit("/", 1)[1]]
        return {k: v for k, v in target.items() if k not in _ANNOTATIONS}
    if set(schema) == {"items"}:
        return {"items": _unannotated(ctx, schema["items"])}
    return {k: v for k, v in schema.items() if k not in _ANNOTATIONS}


def _records(ctx: Ctx, row: JSON, key: str = "inputs") -> JSON:
    out: JSON = {"type": "array"}
    if ctx.strict:
        out["items"] = share(ctx, "row", row)
        out["minItems"] = 1
        return same_keys(out, ctx, key)
    row = dict(row)
    if not any(c.is_required for c in ctx.columns):
        # Without a required column, any rows make a frame MLflow lets through (unknown
        # columns are dropped): lists and single values as well as records.
        out["items"] = {"if": {"type": "object"}, "then": share(ctx, "row", row)}
        return out
    if key != "instances" or len(ctx.columns) == 1:
        # A record lacking a key becomes a NaN cell, which MLflow often lets through:
        # a required column only has to appear in some record (under instances, only
        # for a single column: several make records of uneven length, which fail).
        required = row.pop("required", [])
        if required:
            some = {"allOf": [{"contains": {"required": [n]}} for n in required]}
            out["allOf"] = [share(ctx, "rows.required", some)]
        out["items"] = share(ctx, "row", row)
    elif "required" in row:
        out["items"] = loose_record(share(ctx, "row", row))
    else:
        out["items"] = share(ctx, "row", row)
    return out


def _uniform_datetimes(ctx: Ctx, schema: JSON) -> JSON:
    if not ctx.strict and ctx.release.frame_datetime_cast != "to_datetime":
        # This release casts each value on its own: mixed formats are served.
        return schema
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
        if split_index_breaks(ctx.sig):
            # Some supported release loses the index with these columns: strict
            # is one contract for all of them (docs/mlflow-versions.md).
            del props["index"]
    if not ctx.named:
        n = len(ctx.columns)
        row: JSON = {"type": "array", "minItems": n}
        if ctx.strict:
            row["prefixItems"] = [ref(d) for d in col_defs]
            row["maxItems"] = n
        data["items"] = row
        props["columns"] = {"type": "array", "minItems": n} if ctx.strict else {}
        out["properties"] = props
        out["required"] = ["data"]
        return _uniform_datetimes(ctx, out)
    names = [c.name for c in ctx.columns if c.name is not None]
    by_name = dict(zip(names, col_defs, strict=True))
    # mlflow mode: labels that name no column are dropped, whatever their type.
    columns: JSON = {"type": "array", "items": {"type": "string"} if ctx.strict else {}}
    required = [c.name for c in ctx.columns if c.is_required and c.name is not None]
    if required:
        columns["allOf"] = [{"contains": {"const": n}} for n in required]
    props["columns"] = columns
    out["properties"] = props
    out["required"] = ["columns", "data"]
    if ctx.strict:
        subsets = _split_subsets(ctx)
        columns.pop("allOf", None)
        if len(subsets) == 1:
            # One allowed column list (the usual wide case): say it once.
            (only,) = subsets
            columns["enum"] = [only]
            data["items"] = {
                "type": "array",
                "prefixItems": [ref(by_name[n]) for n in only],
                "minItems": len(only),
                "maxItems": len(only),
            }
            return _uniform_datetimes(ctx, out)
        columns["enum"] = subsets
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
        # A list of {name, schema}, not a map from name to schema: validators that walk
        # unknown keywords as schemas (cfworker) would read a column named "id" as one.
        out["x-mlflow-columns"] = [{"name": n, "schema": ref(d)} for n, d in by_name.items()]
        if len(names) == 1:
            # One column is matched by position: any labels, or none.
            props["columns"] = {}
        if len(names) == 1 or not required:
            out["required"] = ["data"]
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
    columns: JSON = {}
    form = f"{key}/columnar"
    forbidden = ctx.forbidden(form)
    for i, c in enumerate(ctx.columns):
        one = _tf_value(ctx, i, c, form, null_ok=_tf_null_ok(ctx, key))
        name = str(c.name)
        if i in forbidden or ctx.strict:
            values[name] = one
            columns[name] = one if i in forbidden else {"items": one}
            continue
        # A bare value is a one-value column (MLflow broadcasts scalars).
        column: JSON = {"if": {"type": "array"}, "then": {"type": "array", "items": one}}
        values[name] = share(ctx, f"inputs.{i}.columnar", {**column, "else": one})
    if not ctx.strict:
        return _row_object(ctx, values)
    # Strict: all columns (non-empty, of equal lengths) or all single values (one row,
    # the records' row object), never a mix, whose scalars MLflow would broadcast.
    return {
        "type": "object",
        "if": {"additionalProperties": {"type": "array"}},
        "then": {
            "allOf": [
                {"additionalProperties": {"minItems": 1}},
                share(ctx, "columns", _row_object(ctx, columns)),
            ],
            "x-mlflow-equal-lengths": True,
        },
        "else": {
            "allOf": [
                {"additionalProperties": {"not": {"type": "array"}}},
                share(ctx, "row", _row_object(ctx, values)),
            ]
        },
    }


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
    if not ctx.strict and not ctx.named:
        # Unnamed columns are matched by position, whatever the records' keys.
        return {"type": "array", "items": {"type": "object"}}
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
            # Rows given as one-element lists are read as a one-column frame, and
            # records as rows whose values are matched by position.
            item = {
                "if": {"type": "array"},
                "then": {"items": item},
                "else": {"if": {"type": "object"}, "then": {}, "else": item},
            }
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


def is_one_row(ctx: Ctx) -> bool:
    """Whether an ``inputs`` object is one row for this signature."""
    return has_one_row_column(ctx.sig)


__all__ = [
    "MAX_SPLIT_SUBSETS",
    "dataframe_records",
    "dataframe_split",
    "is_one_row",
    "llm_body",
    "tf_columnar",
    "tf_list",
    "tf_records",
    "tf_row",
]
