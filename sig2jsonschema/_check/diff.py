"""Compare two signatures as a client of the scoring server sees them.

A model version that changes its signature can break the requests clients
already send, keep accepting them but hand ``predict`` something different,
or change nothing a client can notice.  `diff_signatures` lists every change
with one of three kinds:

* ``breaking``: a request that was well-formed under the old signature's
  strict contract (see ``docs/strict-contract.md``) can be rejected, or a
  response consumer can get something it did not get before;
* ``behaviour``: every such request is still accepted, but what ``predict``
  receives changes (a dtype, a dropped column, a new default);
* ``safe``: nothing a well-formed request or its response can observe.

The raw comparison is symmetric and the same for inputs, outputs and params;
whether a change breaks anything depends on which side of the server it is
on, so the kind of each change code comes from one table
(`sig2jsonschema._check.changes.CHANGE_KINDS`), and type changes from
`sig2jsonschema._check.type_changes`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._signature.types import (
    ColSpec,
    TensorSpec,
    field_name,
)

from .changes import Change, make_change
from .type_changes import compare_type

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sig2jsonschema._signature.types import ParamSchema, ParamSpec, Schema


def diff_signatures(old: Any, new: Any) -> list[Change]:
    """Every change from ``old`` to ``new``, inputs first, then params, then outputs.

    Args:
        old: the signature clients use today (a `Signature`, or anything
            `load_signature` reads: a path, an MLmodel, a ``to_dict()`` mapping).
        new: the signature about to replace it.

    Returns:
        The changes, in signature order; empty when nothing differs.

    Raises:
        SignatureError: either signature is malformed.
        SourceError: a path cannot be read.

    .. versionadded:: 0.1
    """
    a = load_signature(old)
    b = load_signature(new)
    changes: list[Change] = []
    if a.from_type_hint != b.from_type_hint:
        changes.append(_type_hint_change(b.from_type_hint))
    changes.extend(_diff_schema(a.inputs, b.inputs, "inputs"))
    changes.extend(_diff_params(a.params, b.params))
    changes.extend(_diff_schema(a.outputs, b.outputs, "outputs"))
    return changes


def has_breaking(changes: list[Change]) -> bool:
    """Whether any change is ``breaking``."""
    return any(c.kind == "breaking" for c in changes)


def _type_hint_change(added: bool) -> Change:
    if added:
        return make_change(
            "type-hint-added",
            "inputs",
            "the signature now comes from a type hint: the server accepts only the "
            "'inputs' request key and checks it against the hint, not the schema",
        )
    return make_change(
        "type-hint-removed",
        "inputs",
        "the signature no longer comes from a type hint: every request key works again, "
        "and 'inputs' bodies are now cast by the schema before predict sees them",
    )


# --------------------------------------------------------------------------
# Inputs and outputs schemas
# --------------------------------------------------------------------------
def _describe_schema(schema: Schema) -> str:
    n = len(schema.specs)
    what = "tensor" if schema.is_tensor else "column"
    naming = "named" if schema.has_names else "unnamed"
    return f"{n} {naming} {what}{'s' if n != 1 else ''}"


def _diff_schema(old: Schema | None, new: Schema | None, part: str) -> list[Change]:
    if old is None and new is None:
        return []
    if old is None:
        assert new is not None
        return [
            make_change(
                "schema-added",
                part,
                f"{part} now declared ({_describe_schema(new)}); MLflow starts enforcing it"
                if part == "inputs"
                else f"{part} now declared ({_describe_schema(new)})",
            )
        ]
    if new is None:
        return [
            make_change(
                "schema-removed",
                part,
                f"{part} no longer declared; MLflow stops enforcing them and predict "
                "receives whatever the body parses to"
                if part == "inputs"
                else f"{part} no longer declared: consumers lose the response contract",
            )
        ]
    if old.is_tensor != new.is_tensor:
        return [
            make_change(
                "schema-kind-changed",
                part,
                f"{part} changed from {_describe_schema(old)} to {_describe_schema(new)}; "
                "request bodies for one do not fit the other",
            )
        ]
    if old.has_names != new.has_names:
        return [
            make_change(
                "naming-changed",
                part,
                f"{part} changed from {_describe_schema(old)} to {_describe_schema(new)}; "
                "named inputs are matched by name, unnamed ones by position",
            )
        ]
    if old.is_tensor:
        return list(_diff_tensors(old.tensors, new.tensors, part))
    return list(_diff_columns(old.columns, new.columns, part))


def _keyed(specs: tuple[Any, ...], part: str) -> dict[str, tuple[str, Any]]:
    """Specs by name (named schemas) or position (unnamed), with their field names.

    MLflow collapses duplicate names into one column; the first spec stands for it.
    """
    out: dict[str, tuple[str, Any]] = {}
    for i, spec in enumerate(specs):
        key = spec.name if spec.name is not None else str(i)
        out.setdefault(key, (field_name(part, spec, i), spec))
    return out


def _diff_columns(
    old: tuple[ColSpec, ...], new: tuple[ColSpec, ...], part: str
) -> Iterator[Change]:
    before = _keyed(old, part)
    after = _keyed(new, part)
    for key, (field, spec) in after.items():
        if key in before:
            continue
        if spec.is_required:
            yield make_change(
                "column-added-required",
                field,
                f"new required column {field} ({spec.type}): requests without it are rejected"
                if part == "inputs"
                else f"new column {field} ({spec.type}) in every response",
            )
        else:
            yield make_change(
                "column-added-optional",
                field,
                f"new optional column {field} ({spec.type}): requests may omit it",
            )
    for key, (field, spec) in before.items():
        if key in after:
            continue
        yield make_change(
            "column-removed",
            field,
            f"column {field} ({spec.type}) removed: MLflow drops it from requests that still "
            "send it, so predict no longer receives it"
            if part == "inputs"
            else f"column {field} ({spec.type}) removed from responses",
        )
    for key, (field, a) in before.items():
        if key not in after:
            continue
        b = after[key][1]
        if a.is_required and not b.is_required:
            yield make_change("column-made-optional", field, f"{field} is now optional")
        elif b.is_required and not a.is_required:
            yield make_change(
                "column-made-required",
                field,
                f"{field} is now required: requests that omit it are rejected"
                if part == "inputs"
                else f"{field} is now always present",
            )
        yield from compare_type(a.type, b.type, field, nested=False)
    shared_old = [k for k in before if k in after]
    shared_new = [k for k in after if k in before]
    if old and old[0].name is not None and shared_old != shared_new:
        yield make_change(
            "columns-reordered",
            part,
            f"{part} columns reordered ({', '.join(shared_old)} -> {', '.join(shared_new)}); "
            "MLflow hands predict the columns in signature order",
        )


# --------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------
def _dtype_widens(a: str, b: str) -> bool:
    """Whether every value of dtype ``a`` is a value of dtype ``b`` (numpy's safe cast)."""
    import numpy as np

    if b == "object":
        return True
    # Both dtypes were checked by numpy when the signature was read.
    return bool(np.can_cast(np.dtype(a), np.dtype(b), casting="safe"))


def _shape_relaxes(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether every array of shape ``a`` also has shape ``b`` (-1: any size)."""
    return len(a) == len(b) and all(y in {x, -1} for x, y in zip(a, b, strict=True))


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _diff_tensors(
    old: tuple[TensorSpec, ...], new: tuple[TensorSpec, ...], part: str
) -> Iterator[Change]:
    before = _keyed(old, part)
    after = _keyed(new, part)
    for key, (field, spec) in after.items():
        if key not in before:
            yield make_change(
                "tensor-added",
                field,
                f"new tensor {field} ({spec.dtype} {_shape(spec.shape)}): tensors are always "
                "required, so requests without it are rejected"
                if part == "inputs"
                else f"new tensor {field} in every response",
            )
    for key, (field, spec) in before.items():
        if key not in after:
            yield make_change(
                "tensor-removed",
                field,
                f"tensor {field} removed: MLflow drops it from requests that still send it"
                if part == "inputs"
                else f"tensor {field} removed from responses",
            )
            continue
        b = after[key][1]
        if spec.dtype != b.dtype:
            if _dtype_widens(spec.dtype, b.dtype):
                yield make_change(
                    "tensor-dtype-widened",
                    field,
                    f"{field}: dtype {spec.dtype} -> {b.dtype}; "
                    + (
                        f"the same values are accepted and predict receives {b.dtype}"
                        if part == "inputs"
                        else f"responses now carry {b.dtype} values"
                    ),
                )
            else:
                yield make_change(
                    "tensor-dtype-changed",
                    field,
                    f"{field}: dtype {spec.dtype} -> {b.dtype}; some {spec.dtype} values "
                    f"are not valid {b.dtype} values",
                )
        if spec.shape != b.shape:
            code = (
                "tensor-shape-relaxed"
                if _shape_relaxes(spec.shape, b.shape)
                else "tensor-shape-changed"
            )
            yield make_change(
                code,
                field,
                f"{field}: shape {_shape(spec.shape)} -> {_shape(b.shape)}"
                + (
                    "; every array of the old shape still fits"
                    if code == "tensor-shape-relaxed"
                    else "; arrays of the old shape no longer fit"
                ),
            )


# --------------------------------------------------------------------------
# Params
# --------------------------------------------------------------------------
def _same_default(a: Any, b: Any) -> bool:
    """Defaults compared as JSON (NaN equals NaN, 1 differs from 1.0)."""

    def canon(v: Any) -> str:
        return json.dumps(v, sort_keys=True, allow_nan=True, default=str)

    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return canon(a) == canon(b)


def _diff_params(old: ParamSchema | None, new: ParamSchema | None) -> Iterator[Change]:
    before: dict[str, ParamSpec] = {p.name: p for p in old.params} if old else {}
    after: dict[str, ParamSpec] = {p.name: p for p in new.params} if new else {}
    for name, spec in after.items():
        if name not in before:
            yield make_change(
                "param-added",
                f"params[{name!r}]",
                f"new param {name!r} ({spec.type}, default {json.dumps(spec.default, default=str)})"
                ": requests without it get the default",
            )
    for name, spec in before.items():
        field = f"params[{name!r}]"
        if name not in after:
            yield make_change(
                "param-removed",
                field,
                f"param {name!r} removed: MLflow drops it from requests that still send it, "
                "so predict no longer receives it",
            )
            continue
        b = after[name]
        if spec.shape != b.shape:
            yield make_change(
                "param-shape-changed",
                field,
                f"{field}: shape {list(spec.shape) if spec.shape else None} -> "
                f"{list(b.shape) if b.shape else None}; a scalar and a list do not fit each other",
            )
        yield from compare_type(spec.type, b.type, field, nested=False, param=True)
        if not _same_default(spec.default, b.default):
            yield make_change(
                "param-default-changed",
                field,
                f"{field}: default {json.dumps(spec.default, default=str)} -> "
                f"{json.dumps(b.default, default=str)}; requests that omit it now get the "
                "new value",
            )


__all__ = ["diff_signatures", "has_breaking"]
