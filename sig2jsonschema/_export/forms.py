"""JSON Schema for each request body form (the value under one envelope key).

`form_schema` picks the builder of one form (docs/strict-contract.md names
them) for a signature and a mode: `sig2jsonschema._export.column_forms` for column
signatures, `sig2jsonschema._export.tensor_forms` for tensor signatures; the
canonical ``$defs`` they refer to are filled by `sig2jsonschema._export.defs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .column_forms import (
    dataframe_records,
    dataframe_split,
    llm_body,
    tf_columnar,
    tf_list,
    tf_records,
    tf_row,
)
from .tensor_forms import (
    tensor_dict,
    tensor_frame_records,
    tensor_frame_split,
    tensor_instances_loose,
    tensor_records,
    tensor_single,
)

if TYPE_CHECKING:
    from .defs import JSON, Ctx


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
            "instances/tensor": lambda: (
                tensor_single(defs) if ctx.strict else tensor_instances_loose(ctx)
            ),
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


__all__ = ["form_schema"]
