"""JSON Schema of the body forms of a column signature.

``dataframe_split``, ``dataframe_records`` (cells ``$ref`` the canonical
column schemas), ``inputs``/``instances`` as columns, one row, records or a
list (values numpy casts, inlined with the column's annotations), and the
unified-LLM body (values meeting MLflow's nested rules).  In strict mode an
optional column that a hazard forbids in a form is left out there
(`Ctx.forbidden`).
"""

from __future__ import annotations

import itertools

from sig2jsonschema._hazards.releases import split_index_breaks
from sig2jsonschema._hazards.verdicts import has_one_row_column
from sig2jsonschema._signature.types import ColSpec, DataType

from .defs import JSON, Ctx, field_notes, left_out, ref, same_keys
from .values import column_value

#: Above this many optional columns, strict ``dataframe_split`` stops listing every
#: allowed column subsequence and asks for all columns in signature order.
MAX_SPLIT_SUBSETS = 64


def _tf_value(ctx: Ctx, i: int, spec: ColSpec, form: str, *, null_ok: bool) -> JSON:
    why = ctx.forbidden(form).get(i)
    if why is not None:
        return left_out(spec, i, why)
    value = column_value(spec.type, spec.is_required, "tf", ctx.mode, null_ok=null_ok)
    return {**field_notes(spec, i), **value}


def _llm_value(ctx: Ctx, i: int, spec: ColSpec) -> JSON:
    why = ctx.forbidden("llm").get(i)
    if why is not None:
        return left_out(spec, i, why)
    value = column_value(spec.type, spec.is_required, "nested", ctx.mode, null_ok=True)
    return {**field_notes(spec, i), **value}


def _row_object(ctx: Ctx, values: dict[str, JSON]) -> JSON:
    out: JSON = {"type": "object", "properties": values}
    required = [c.name for c in ctx.columns if c.is_required and c.name is not None]
    if required:
        out["required"] = required
    if ctx.strict:
        out["additionalProperties"] = False
    return out


def _records(ctx: Ctx, row: JSON, key: str = "inputs") -> JSON:
    out: JSON = {"type": "array", "items": row}
    if ctx.strict:
        out["minItems"] = 1
        return same_keys(out, ctx, key)
    if key != "instances":
        # A record lacking a key becomes a NaN cell, which MLflow often lets through:
        # a required column only has to appear in some record.
        required = row.pop("required", [])
        if required:
            out["allOf"] = [{"contains": {"required": [n]}} for n in required]
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
