"""How a column, property, item, value or param type change reaches clients.

The strict contract decides: a widened type still accepts every request that
was valid, a narrowed one refuses some, a relaxed one accepts them all but
hands ``predict`` something else.  Nested scalars follow MLflow's stricter
nested rules (spec 3.5.1) and params their own (spec 3.9), so each has its
own table of scalar changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sig2jsonschema._signature.types import AnyType, Array, DataType, Map, Object, SparkMLVector

from .changes import make_change

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sig2jsonschema._signature.types import ColType

    from .changes import Change

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


def scalar_change(
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


def compare_type(
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
        yield make_change(
            "type-equivalent",
            field,
            f"{field}: {a} -> {b}; MLflow enforces both as Array(double)",
        )
        return
    a, b = _normal(a), _normal(b)
    if isinstance(b, AnyType):
        yield make_change(
            "type-relaxed",
            field,
            f"{field}: {a} -> Any; any JSON is accepted and predict receives it unchecked",
        )
    elif isinstance(a, AnyType):
        yield make_change(
            "type-narrowed", field, f"{field}: Any -> {b}; only {b} values are valid now"
        )
    elif isinstance(a, DataType) and isinstance(b, DataType):
        code, why = scalar_change(a, b, nested=nested, param=param)
        yield make_change(code, field, f"{field}: {a} -> {b}; {why}")
    elif isinstance(a, Array) and isinstance(b, Array):
        yield from compare_type(a.items, b.items, f"{field}[*]", nested=True)
    elif isinstance(a, Map) and isinstance(b, Map):
        yield from compare_type(a.values, b.values, f"{field}.*", nested=True)
    elif isinstance(a, Object) and isinstance(b, Object):
        yield from _compare_properties(a, b, field)
    else:
        yield make_change(
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
            yield make_change(
                code,
                where,
                f"new {'required' if prop.required else 'optional'} property {where} ({prop.type})",
            )
    for name, prop in before.items():
        where = f"{field}.{name}"
        if name not in after:
            yield make_change(
                "property-removed",
                where,
                f"property {where} ({prop.type}) removed: MLflow rejects objects that still "
                "carry it (unknown properties are an error)",
            )
            continue
        new = after[name]
        if prop.required and not new.required:
            yield make_change("property-made-optional", where, f"{where} is now optional")
        elif new.required and not prop.required:
            yield make_change(
                "property-made-required",
                where,
                f"{where} is now required: objects without it are rejected",
            )
        yield from compare_type(prop.type, new.type, where, nested=True)


__all__ = ["compare_type", "scalar_change"]
