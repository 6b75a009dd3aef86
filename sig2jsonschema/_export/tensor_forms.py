"""JSON Schema of the body forms of a tensor signature.

One unnamed tensor is nested lists matching its shape; named tensors are an
object of them (``inputs``/``instances``) or row records stacked along a new
first axis (``instances``).  Through ``dataframe_split``/``dataframe_records``
each tensor is one column whose cells MLflow reshapes: a leaf for 1-D
tensors, else a flat list of ``prod(shape[1:])`` leaves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sig2jsonschema._hazards.releases import tensor_index_without_zero_breaks
from sig2jsonschema._hazards.sites import tensors_share_batch

from .defs import JSON, Ctx, field_notes, loose_records, ref, same_keys
from .values import flat_size, ragged_object_hatch, tensor_leaf, tensor_value

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import TensorSpec


def _tensor_inline(ctx: Ctx, i: int, spec: TensorSpec, shape: tuple[int, ...]) -> JSON:
    if ragged_object_hatch(spec.dtype, spec.shape, ctx.mode):
        # A whole tensor is any list; one sample of it (a record's value) anything.
        return {**field_notes(spec, i), **({"type": "array"} if shape == spec.shape else {})}
    return {**field_notes(spec, i), **tensor_value(shape, tensor_leaf(spec.dtype, ctx.mode))}


def _tensor_cell(ctx: Ctx, i: int, spec: TensorSpec) -> JSON:
    """A dataframe cell of a tensor: a leaf for 1-D tensors, else a flat list of leaves."""
    leaf = tensor_leaf(spec.dtype, ctx.mode)
    notes = field_notes(spec, i)
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
        # pandas builds a frame from rows given as objects (corpus t_object_1d), and
        # from single values as rows of one column.
        data["items"] = {}
        props["columns"] = {}
        return out
    data["minItems"] = 1
    breaks = tensor_index_without_zero_breaks(ctx.sig)
    if breaks:
        # Some supported release reads the first cell by the label 0.
        props["index"]["contains"] = {"const": 0}
        props["index"]["description"] = (
            f"an index holding the label 0 (MLflow {', '.join(breaks)} read a tensor "
            "frame's first cell by that label)"
        )
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
            # pandas also builds the frame from rows that are lists or single values,
            # and an empty record is a row of missing values.
            row = {}
    else:
        row = {
            "type": "object",
            "properties": {
                str(t.name): _tensor_cell(ctx, i, t) if ctx.strict else {}
                for i, t in enumerate(ctx.tensors)
            },
            "required": [str(t.name) for t in ctx.tensors],
        }
        if not ctx.strict:
            return loose_records(row)
        row["additionalProperties"] = False
    out: JSON = {"type": "array", "items": row}
    if ctx.strict:
        out["minItems"] = 1
    return out


def tensor_single(defs: list[str]) -> JSON:
    """``inputs``/``instances`` for one unnamed tensor: nested lists matching the shape."""
    return ref(defs[0])


def tensor_instances_loose(ctx: Ctx) -> JSON:
    """mlflow mode, ``instances`` as a list for one tensor: the shape, any leaf.

    MLflow builds the array from ``instances`` without the dtype and casts the
    whole array afterwards, which takes values a per-leaf cast refuses; a
    single named tensor is read from a list too.
    """
    spec = ctx.tensors[0]
    if ragged_object_hatch(spec.dtype, spec.shape, ctx.mode):
        return {**field_notes(spec, 0), "type": "array"}
    leaf: JSON = {} if spec.dtype == "object" else {"not": {"type": "array"}}
    return {**field_notes(spec, 0), **tensor_value(spec.shape, leaf)}


def tensor_dict(ctx: Ctx, defs: list[str]) -> JSON:
    """``{"name": <nested list>, ...}`` for named tensors."""
    out: JSON = {
        "type": "object",
        "properties": {str(t.name): ref(d) for t, d in zip(ctx.tensors, defs, strict=True)},
        "required": [str(t.name) for t in ctx.tensors],
    }
    if ctx.strict:
        out["additionalProperties"] = False
        # Tensors whose shapes allow no common length are no batch (MLflow's inputs
        # does not check lengths; instances fails: hazard named-tensors-no-batch).
        if len(ctx.tensors) > 1 and tensors_share_batch(ctx.tensors):
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
    if not ctx.strict:
        return loose_records(row)
    row["additionalProperties"] = False
    out: JSON = {"type": "array", "items": row, "minItems": 1}
    return same_keys(out, ctx)


__all__ = [
    "tensor_dict",
    "tensor_frame_records",
    "tensor_frame_split",
    "tensor_instances_loose",
    "tensor_records",
    "tensor_single",
]
