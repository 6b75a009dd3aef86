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
on, so `CHANGE_KINDS` is a table with one kind for requests (``inputs`` and
``params``) and one for response consumers (``outputs``).  The table is
data, documented in ``docs/check.md``; tests check every code is in it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ._load import load_signature
from ._types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    SparkMLVector,
    TensorSpec,
    field_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ._types import ColType, ParamSchema, ParamSpec, Schema

#: How a change affects clients.
ChangeKind = Literal["breaking", "behaviour", "safe"]

_B: ChangeKind = "breaking"
_H: ChangeKind = "behaviour"
_S: ChangeKind = "safe"

#: change_code -> (kind for requests: inputs/params, kind for response consumers: outputs).
CHANGE_KINDS: dict[str, tuple[ChangeKind, ChangeKind]] = {
    # A whole part appears or disappears.
    "schema-added": (_B, _S),
    "schema-removed": (_H, _H),
    "schema-kind-changed": (_B, _B),  # tensors <-> columns
    "naming-changed": (_B, _B),  # named <-> unnamed
    "type-hint-added": (_B, _B),
    "type-hint-removed": (_H, _H),
    # Top-level columns.
    "column-added-required": (_B, _S),
    "column-added-optional": (_S, _S),
    "column-removed": (_H, _B),  # MLflow drops unknown columns: requests still pass
    "column-made-required": (_B, _S),
    "column-made-optional": (_S, _B),
    "columns-reordered": (_H, _S),  # predict receives the signature's column order
    # A column, property, item, value or param type.
    "type-widened": (_S, _H),
    "type-relaxed": (_H, _H),
    "type-narrowed": (_B, _S),
    "type-changed": (_B, _B),
    "type-equivalent": (_S, _S),
    # Object properties (MLflow rejects unknown properties).
    "property-added-required": (_B, _S),
    "property-added-optional": (_S, _S),
    "property-removed": (_B, _B),
    "property-made-required": (_B, _S),
    "property-made-optional": (_S, _B),
    # Tensors.
    "tensor-added": (_B, _S),
    "tensor-removed": (_H, _B),
    "tensor-dtype-widened": (_H, _H),
    "tensor-dtype-changed": (_B, _B),
    "tensor-shape-relaxed": (_S, _H),
    "tensor-shape-changed": (_B, _B),
    # Params (every param is optional and has a default).
    "param-added": (_S, _S),
    "param-removed": (_H, _H),  # unknown params are dropped: the value is ignored
    "param-shape-changed": (_B, _B),
    "param-default-changed": (_H, _H),
}


@dataclass(frozen=True)
class Change:
    """One difference between two signatures, as a client sees it.

    .. versionadded:: 0.1
    """

    #: ``breaking``, ``behaviour`` or ``safe`` (see the module docstring).
    kind: ChangeKind
    #: The signature field: ``inputs['age']``, ``params['k']``, ``outputs[0]``, ``inputs``.
    field: str
    #: A stable code from `CHANGE_KINDS`.
    change_code: str
    #: What changed and what it does to clients.
    message: str

    @property
    def part(self) -> str:
        """``inputs``, ``params`` or ``outputs``: the part of the signature concerned."""
        for part in ("inputs", "outputs", "params"):
            if self.field.startswith(part):
                return part
        return "inputs"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready description (used by ``diff --output json``)."""
        return {
            "kind": self.kind,
            "part": self.part,
            "field": self.field,
            "change_code": self.change_code,
            "message": self.message,
        }


def _change(code: str, field: str, message: str) -> Change:
    request, response = CHANGE_KINDS[code]
    kind = response if field.startswith("outputs") else request
    return Change(kind, field, code, message)


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
        return _change(
            "type-hint-added",
            "inputs",
            "the signature now comes from a type hint: the server accepts only the "
            "'inputs' request key and checks it against the hint, not the schema",
        )
    return _change(
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
            _change(
                "schema-added",
                part,
                f"{part} now declared ({_describe_schema(new)}); MLflow starts enforcing it"
                if part == "inputs"
                else f"{part} now declared ({_describe_schema(new)})",
            )
        ]
    if new is None:
        return [
            _change(
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
            _change(
                "schema-kind-changed",
                part,
                f"{part} changed from {_describe_schema(old)} to {_describe_schema(new)}; "
                "request bodies for one do not fit the other",
            )
        ]
    if old.has_names != new.has_names:
        return [
            _change(
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
            yield _change(
                "column-added-required",
                field,
                f"new required column {field} ({spec.type}): requests without it are rejected"
                if part == "inputs"
                else f"new column {field} ({spec.type}) in every response",
            )
        else:
            yield _change(
                "column-added-optional",
                field,
                f"new optional column {field} ({spec.type}): requests may omit it",
            )
    for key, (field, spec) in before.items():
        if key in after:
            continue
        yield _change(
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
            yield _change("column-made-optional", field, f"{field} is now optional")
        elif b.is_required and not a.is_required:
            yield _change(
                "column-made-required",
                field,
                f"{field} is now required: requests that omit it are rejected"
                if part == "inputs"
                else f"{field} is now always present",
            )
        yield from _compare_type(a.type, b.type, field, nested=False)
    shared_old = [k for k in before if k in after]
    shared_new = [k for k in after if k in before]
    if old and old[0].name is not None and shared_old != shared_new:
        yield _change(
            "columns-reordered",
            part,
            f"{part} columns reordered ({', '.join(shared_old)} -> {', '.join(shared_new)}); "
            "MLflow hands predict the columns in signature order",
        )


# --------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------
#: Nested scalar types no JSON value reaches predict as (spec 3.5.1).
_NESTED_UNUSABLE = (DataType.integer, DataType.float, DataType.datetime)

_T = DataType
_WIDE, _RELAX, _NARROW, _SAME = "type-widened", "type-relaxed", "type-narrowed", "type-equivalent"
_INT32 = "only integer tokens within int32 are valid"

#: (old, new) top-level scalar changes that are not `type-changed` (strict contract).
_TOP_LEVEL: dict[tuple[DataType, DataType], tuple[str, str]] = {
    (_T.integer, _T.long): (_WIDE, "the same integers arrive as int64"),
    (_T.integer, _T.double): (_WIDE, "the same numbers arrive as float64"),
    (_T.long, _T.double): (_WIDE, "the same numbers arrive as float64 (beyond 2**53 rounded)"),
    (_T.integer, _T.float): (_RELAX, "integers now arrive rounded to float32"),
    (_T.long, _T.float): (_RELAX, "integers now arrive rounded to float32"),
    (_T.float, _T.double): (_RELAX, "numbers arrive as float64, no longer rounded to float32"),
    (_T.long, _T.integer): (_NARROW, "integers outside the int32 range are no longer valid"),
    (_T.double, _T.float): (_NARROW, "numbers beyond the float32 range are no longer valid"),
    (_T.double, _T.long): (_NARROW, "numbers with a fraction or exponent are no longer valid"),
    (_T.double, _T.integer): (_NARROW, _INT32),
    (_T.float, _T.long): (_NARROW, "only integer tokens are valid"),
    (_T.float, _T.integer): (_NARROW, _INT32),
    (_T.string, _T.binary): (_NARROW, "only base64 text is valid, and it arrives as bytes"),
    (_T.string, _T.datetime): (_NARROW, "only ISO 8601 text is valid"),
    (_T.binary, _T.string): (_RELAX, "the base64 text arrives as text, not decoded bytes"),
    (_T.datetime, _T.string): (_RELAX, "the ISO text arrives as text, not datetime64"),
}

#: Param scalars: no float32 rounding, no range check on integer (spec 3.9).
_PARAMS: dict[tuple[DataType, DataType], tuple[str, str]] = {
    (_T.integer, _T.long): (_WIDE, "the same integers are accepted"),
    (_T.long, _T.integer): (_NARROW, "integers outside the int32 range are no longer valid"),
    (_T.float, _T.double): (_SAME, "both arrive as a Python float"),
    (_T.double, _T.float): (_SAME, "both arrive as a Python float"),
    (_T.integer, _T.double): (_RELAX, "integers now arrive as floats"),
    (_T.integer, _T.float): (_RELAX, "integers now arrive as floats"),
    (_T.long, _T.double): (_RELAX, "integers now arrive as floats"),
    (_T.long, _T.float): (_RELAX, "integers now arrive as floats"),
    (_T.double, _T.long): (_NARROW, "only integer tokens are valid"),
    (_T.double, _T.integer): (_NARROW, "only integer tokens are valid"),
    (_T.float, _T.long): (_NARROW, "only integer tokens are valid"),
    (_T.float, _T.integer): (_NARROW, "only integer tokens are valid"),
    (_T.string, _T.datetime): (_NARROW, "only ISO 8601 text is valid"),
    (_T.datetime, _T.string): (_RELAX, "the ISO text arrives as text instead of a date"),
}


def _scalar_change(
    a: DataType, b: DataType, *, nested: bool, param: bool = False
) -> tuple[str, str]:
    """The change code and its reason for a scalar type change ``a -> b``."""
    if param:
        return _PARAMS.get((a, b), ("type-changed", f"{a} values are not {b} values"))
    if nested:
        # Nested scalars follow MLflow's stricter nested rules (spec 3.5.1).
        if a in _NESTED_UNUSABLE:
            return (
                "type-widened",
                f"a nested {a} could not be sent from JSON before; nested {b} can",
            )
        if b in _NESTED_UNUSABLE:
            return ("type-changed", f"a nested {b} cannot be sent from JSON at all")
        if {a, b} == {DataType.string, DataType.binary}:
            return ("type-equivalent", "nested binary is never base64-decoded: the same text")
        if (a, b) == (DataType.long, DataType.double):
            return (
                "type-changed",
                (
                    "a nested double rejects integer tokens such as 2 (only 0/1, or arrays "
                    "holding a float token)"
                ),
            )
    return _TOP_LEVEL.get((a, b), ("type-changed", f"{a} values are not {b} values"))


def _normal(t: ColType) -> ColType:
    """MLflow enforces a SparkML vector exactly as ``Array(double)``."""
    return Array(DataType.double) if isinstance(t, SparkMLVector) else t


def _compare_type(
    a: ColType,
    b: ColType,
    field: str,
    *,
    nested: bool,
    param: bool = False,
) -> Iterator[Change]:
    if a == b:
        return
    if _normal(a) == _normal(b):
        yield _change(
            "type-equivalent",
            field,
            f"{field}: {a} -> {b}; MLflow enforces both as Array(double)",
        )
        return
    a, b = _normal(a), _normal(b)
    if isinstance(b, AnyType):
        yield _change(
            "type-relaxed",
            field,
            f"{field}: {a} -> Any; any JSON is accepted and predict receives it unchecked",
        )
    elif isinstance(a, AnyType):
        yield _change("type-narrowed", field, f"{field}: Any -> {b}; only {b} values are valid now")
    elif isinstance(a, DataType) and isinstance(b, DataType):
        code, why = _scalar_change(a, b, nested=nested, param=param)
        yield _change(code, field, f"{field}: {a} -> {b}; {why}")
    elif isinstance(a, Array) and isinstance(b, Array):
        yield from _compare_type(a.items, b.items, f"{field}[*]", nested=True)
    elif isinstance(a, Map) and isinstance(b, Map):
        yield from _compare_type(a.values, b.values, f"{field}.*", nested=True)
    elif isinstance(a, Object) and isinstance(b, Object):
        yield from _compare_properties(a, b, field)
    else:
        yield _change(
            "type-changed",
            field,
            f"{field}: {a} -> {b}; values of one do not fit the other",
        )


def _compare_properties(a: Object, b: Object, field: str) -> Iterator[Change]:
    before = {p.name: p for p in a.properties}
    after = {p.name: p for p in b.properties}
    for name, prop in after.items():
        where = f"{field}.{name}"
        if name not in before:
            code = "property-added-required" if prop.required else "property-added-optional"
            yield _change(
                code,
                where,
                f"new {'required' if prop.required else 'optional'} property {where} ({prop.type})",
            )
    for name, prop in before.items():
        where = f"{field}.{name}"
        if name not in after:
            yield _change(
                "property-removed",
                where,
                f"property {where} ({prop.type}) removed: MLflow rejects objects that still "
                "carry it (unknown properties are an error)",
            )
            continue
        new = after[name]
        if prop.required and not new.required:
            yield _change("property-made-optional", where, f"{where} is now optional")
        elif new.required and not prop.required:
            yield _change(
                "property-made-required",
                where,
                f"{where} is now required: objects without it are rejected",
            )
        yield from _compare_type(prop.type, new.type, where, nested=True)


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
            yield _change(
                "tensor-added",
                field,
                f"new tensor {field} ({spec.dtype} {_shape(spec.shape)}): tensors are always "
                "required, so requests without it are rejected"
                if part == "inputs"
                else f"new tensor {field} in every response",
            )
    for key, (field, spec) in before.items():
        if key not in after:
            yield _change(
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
                yield _change(
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
                yield _change(
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
            yield _change(
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
            yield _change(
                "param-added",
                f"params[{name!r}]",
                f"new param {name!r} ({spec.type}, default {json.dumps(spec.default, default=str)})"
                ": requests without it get the default",
            )
    for name, spec in before.items():
        field = f"params[{name!r}]"
        if name not in after:
            yield _change(
                "param-removed",
                field,
                f"param {name!r} removed: MLflow drops it from requests that still send it, "
                "so predict no longer receives it",
            )
            continue
        b = after[name]
        if spec.shape != b.shape:
            yield _change(
                "param-shape-changed",
                field,
                f"{field}: shape {list(spec.shape) if spec.shape else None} -> "
                f"{list(b.shape) if b.shape else None}; a scalar and a list do not fit each other",
            )
        yield from _compare_type(spec.type, b.type, field, nested=False, param=True)
        if not _same_default(spec.default, b.default):
            yield _change(
                "param-default-changed",
                field,
                f"{field}: default {json.dumps(spec.default, default=str)} -> "
                f"{json.dumps(b.default, default=str)}; requests that omit it now get the "
                "new value",
            )


__all__ = ["CHANGE_KINDS", "Change", "ChangeKind", "diff_signatures", "has_breaking"]
