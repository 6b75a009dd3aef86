"""Anybody's schemas mapped to MLflow types by their structure.

A hand-written object schema, a pydantic model's ``model_json_schema()`` or
an OpenAPI component maps structurally: an object's properties become named
columns, ``integer`` -> long, ``number`` -> double, ``string`` -> string /
datetime (``format: date-time`` or ``date``) / binary (``contentEncoding:
base64``, OpenAPI ``format: byte``), ``boolean``, arrays -> `Array`, objects
with properties -> `Object`, an ``additionalProperties`` schema -> `Map`,
``{}`` -> `AnyType`; nullable or non-required -> optional.  Whatever has no
MLflow equivalent raises `UnrepresentableSchema` naming the JSON pointer and
the keyword.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sig2jsonschema._payload.limits import DEFAULT_LIMITS, Limits
from sig2jsonschema._signature.serialized import MAX_SIGNATURE_DEPTH
from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColSpec,
    ColType,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    Signature,
)
from sig2jsonschema.exceptions import UnrepresentableSchema, escape_pointer_token

from .schema_reader import SchemaReader

#: Keywords that change what a value is in ways MLflow's types cannot say.
_UNREPRESENTABLE = (
    "not",
    "if",
    "then",
    "else",
    "prefixItems",
    "contains",
    "patternProperties",
    "dependentSchemas",
    "dependentRequired",
    "dependencies",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$dynamicRef",
    "$recursiveRef",
)

#: Nesting a signature may hold below a column: MLflow's serialized form allows
#: `MAX_SIGNATURE_DEPTH` levels, a column sits two deep and its "type" one more.
_MAX_TYPE_LEVELS = MAX_SIGNATURE_DEPTH - 3


def join_pointer(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape_pointer_token(t) for t in tokens)


class StructuralReader(SchemaReader):
    """A `SchemaReader` that also maps any schema's structure to columns."""

    def __init__(self, document: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> None:
        super().__init__(document, limits)
        #: Subschemas left to visit (every $ref expansion counts): a budget against
        #: $defs that reference each other exponentially.
        self.budget = limits.max_schema_nodes
        self._mapped: dict[tuple[str, int], tuple[ColType, bool, int]] = {}

    # ------------------------------------------------------------------
    # Anybody's schemas: map the structure
    # ------------------------------------------------------------------
    def structural(self, target: Any, pointer: str) -> Signature:
        """Columns from an object schema (or the records of an array schema)."""
        _check_depth(target, pointer, self.limits.max_schema_depth)
        node, pointer, active = self.deref(target, pointer, ())
        if isinstance(node, Mapping) and self._is_records(node):
            node, pointer, active = self.deref(
                node["items"], join_pointer(pointer, "items"), active
            )
        if isinstance(node, Mapping) and "properties" in node:
            return Signature(inputs=self._columns(node, pointer, active))
        coltype, nullable = self.col_type(node, pointer, active, 0)
        if nullable:
            raise UnrepresentableSchema(
                "a single unnamed column cannot be optional in MLflow",
                pointer=pointer,
                keyword="type",
            )
        return Signature(inputs=Schema((ColSpec(coltype, None, required=True),)))

    @staticmethod
    def _is_records(node: Mapping[str, Any]) -> bool:
        items = node.get("items")
        return (
            node.get("type") == "array"
            and isinstance(items, Mapping)
            and ("properties" in items or "$ref" in items)
        )

    def _columns(self, node: Mapping[str, Any], pointer: str, active: tuple[str, ...]) -> Schema:
        _check_keywords(node, pointer)
        props = node.get("properties") or {}
        if not props:
            raise UnrepresentableSchema(
                "an object without properties has no columns", pointer=pointer, keyword="properties"
            )
        required = set(node.get("required", []))
        specs = []
        for name, sub in props.items():
            sub_pointer = join_pointer(pointer, "properties", name)
            coltype, nullable = self.col_type(sub, sub_pointer, active, 0)
            specs.append(ColSpec(coltype, str(name), required=name in required and not nullable))
        return Schema(tuple(specs))

    def _spend(self, pointer: str, size: int = 1) -> None:
        self.budget -= size
        if self.budget < 0:
            raise UnrepresentableSchema(
                f"expands to more than {self.limits.max_schema_nodes} subschemas (following "
                "every $ref); no signature MLflow loads is that large",
                pointer=pointer,
                keyword="$ref",
            )

    def col_type(
        self, sub: Any, pointer: str, active: tuple[str, ...], level: int
    ) -> tuple[ColType, bool]:
        """The MLflow type of one subschema and whether it admits ``null``.

        ``level``: how deep the signature being built already is below the column.
        A plain ``{"$ref": ...}`` is mapped once per level and reused, but its whole
        size is charged to the budget each time, so fan-out stays bounded and fast.
        """
        key = None
        if isinstance(sub, Mapping) and len(sub) == 1 and isinstance(sub.get("$ref"), str):
            key = (sub["$ref"], level)
            if key in self._mapped:
                coltype, nullable, size = self._mapped[key]
                self._spend(pointer, size)
                return coltype, nullable
        before = self.budget
        result = self._col_type(sub, pointer, active, level)
        if key is not None:
            self._mapped[key] = (*result, before - self.budget)
        return result

    def _col_type(
        self, sub: Any, pointer: str, active: tuple[str, ...], level: int
    ) -> tuple[ColType, bool]:
        self._spend(pointer)
        node, pointer, active = self.deref(sub, pointer, active)
        if node is True or (isinstance(node, Mapping) and not (node.keys() - _ANNOTATION_ONLY)):
            return AnyType(), True
        if not isinstance(node, Mapping):
            raise UnrepresentableSchema(
                "the false schema accepts nothing; MLflow has no such type", pointer=pointer
            )
        _check_keywords(node, pointer)
        nullable = bool(node.get("nullable", False))
        for keyword in ("anyOf", "oneOf"):
            if keyword in node:
                branches = [
                    b
                    for b in node[keyword]
                    if not (isinstance(b, Mapping) and b.get("type") == "null")
                ]
                if len(branches) != 1:
                    raise UnrepresentableSchema(
                        f"{keyword} of several types has no MLflow equivalent (only X-or-null)",
                        pointer=join_pointer(pointer, keyword),
                        keyword=keyword,
                    )
                index = node[keyword].index(branches[0])
                inner, inner_null = self.col_type(
                    branches[0], join_pointer(pointer, keyword, index), active, level
                )
                return inner, True if len(node[keyword]) > 1 else inner_null
        if "allOf" in node:
            parts = node["allOf"]
            if len(parts) != 1:
                raise UnrepresentableSchema(
                    "allOf of several schemas has no MLflow equivalent",
                    pointer=join_pointer(pointer, "allOf"),
                    keyword="allOf",
                )
            inner, inner_null = self.col_type(
                parts[0], join_pointer(pointer, "allOf", 0), active, level
            )
            return inner, inner_null or nullable
        types = node.get("type")
        if types is None and ("enum" in node or "const" in node):
            types = _enum_type(node, pointer, self.limits.max_enum_values)
        if types is None:
            types = _implied_type(node)
        type_list = [types] if isinstance(types, str) else list(types or [])
        if "null" in type_list:
            nullable = True
            type_list.remove("null")
        if len(type_list) != 1:
            if not type_list:
                return AnyType(), True
            raise UnrepresentableSchema(
                f"a value of several types {type_list} has no MLflow equivalent",
                pointer=pointer,
                keyword="type",
            )
        hinted = _hinted_type(node)
        if hinted is not None:
            return hinted, nullable
        return self._typed(type_list[0], node, pointer, active, level), nullable

    def _typed(
        self, kind: str, node: Mapping[str, Any], pointer: str, active: tuple[str, ...], level: int
    ) -> ColType:
        if kind == "integer":
            return DataType.long
        if kind == "number":
            return DataType.double
        if kind == "boolean":
            return DataType.boolean
        if kind == "string":
            for keyword in ("format", "contentEncoding"):
                value = node.get(keyword)
                if value is not None and not isinstance(value, str):
                    raise UnrepresentableSchema(
                        f"{keyword} must be a string, not a {type(value).__name__}",
                        pointer=pointer,
                        keyword=keyword,
                    )
            fmt = node.get("format")
            if fmt in {"date-time", "date"}:
                return DataType.datetime
            if node.get("contentEncoding") == "base64" or fmt in {"byte", "binary"}:
                return DataType.binary
            return DataType.string
        if kind == "array":
            _deeper(level + 1, pointer, "items")
            items = node.get("items", True)
            if isinstance(items, list):
                raise UnrepresentableSchema(
                    "tuple-style items (a list of schemas) have no MLflow equivalent",
                    pointer=join_pointer(pointer, "items"),
                    keyword="items",
                )
            inner, _ = self.col_type(items, join_pointer(pointer, "items"), active, level + 1)
            return Array(inner)
        if kind == "object":
            return self._object(node, pointer, active, level)
        raise UnrepresentableSchema(f"unknown type {kind!r}", pointer=pointer, keyword="type")

    def _object(
        self, node: Mapping[str, Any], pointer: str, active: tuple[str, ...], level: int
    ) -> ColType:
        props = node.get("properties")
        extra = node.get("additionalProperties", True)
        if props:
            _deeper(level + 2, pointer, "properties")
            if isinstance(extra, Mapping) and extra:
                raise UnrepresentableSchema(
                    "an object with both properties and an additionalProperties schema has no "
                    "MLflow equivalent (Object refuses unknown keys, Map has no fixed keys)",
                    pointer=join_pointer(pointer, "additionalProperties"),
                    keyword="additionalProperties",
                )
            required = set(node.get("required", []))
            found = []
            for name, sub in props.items():
                inner, nullable = self.col_type(
                    sub, join_pointer(pointer, "properties", name), active, level + 2
                )
                found.append(Property(str(name), inner, name in required and not nullable))
            return Object(tuple(sorted(found, key=lambda p: p.name)))
        if extra is False:
            raise UnrepresentableSchema(
                "an object that allows no keys has no MLflow equivalent",
                pointer=join_pointer(pointer, "additionalProperties"),
                keyword="additionalProperties",
            )
        if extra is True or extra == {}:
            return Map(AnyType())
        _deeper(level + 1, pointer, "additionalProperties")
        values, _ = self.col_type(
            extra, join_pointer(pointer, "additionalProperties"), active, level + 1
        )
        return Map(values)


def _deeper(level: int, pointer: str, keyword: str) -> None:
    """Refuse a type nested deeper than any signature MLflow (and `parse_signature`) loads."""
    if level > _MAX_TYPE_LEVELS:
        raise UnrepresentableSchema(
            f"nested deeper than a signature may be ({MAX_SIGNATURE_DEPTH} levels)",
            pointer=pointer,
            keyword=keyword,
        )


def _check_depth(root: Any, pointer: str, limit: int) -> None:
    """Refuse a schema nested deeper than ``limit`` containers, without recursion."""
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(root, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        if depth > limit:
            last = next((str(t) for t in reversed(path) if isinstance(t, str)), "")
            raise UnrepresentableSchema(
                f"nested deeper than {limit} levels",
                pointer=join_pointer(pointer, *path[:16]) + ("/..." if len(path) > 16 else ""),
                keyword=last,
            )
        if isinstance(node, Mapping):
            stack.extend((v, depth + 1, (*path, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, depth + 1, (*path, i)) for i, v in enumerate(node))


#: keyword -> (accepted Python types, what the message says)
_KEYWORD_SHAPES: dict[str, tuple[tuple[type, ...], str]] = {
    "type": ((str, list), "a type name or a list of them"),
    "anyOf": ((list,), "a list of schemas"),
    "oneOf": ((list,), "a list of schemas"),
    "allOf": ((list,), "a list of schemas"),
    "required": ((list,), "a list of property names"),
    "properties": ((Mapping,), "an object of schemas"),
    "items": ((Mapping, bool, list), "a schema"),
    "additionalProperties": ((Mapping, bool), "a schema"),
    "enum": ((list,), "a list"),
    "nullable": ((bool,), "a boolean"),
    "$ref": ((str,), "a URI reference"),
}


def _check_keywords(node: Mapping[str, Any], pointer: str) -> None:
    """Refuse keywords MLflow cannot represent, and keyword values of the wrong shape."""
    for keyword in _UNREPRESENTABLE:
        if keyword in node:
            raise UnrepresentableSchema(
                f"{keyword!r} has no MLflow signature equivalent", pointer=pointer, keyword=keyword
            )
    for keyword, (kinds, words) in _KEYWORD_SHAPES.items():
        if keyword not in node:
            continue
        value = node[keyword]
        ok = isinstance(value, kinds)
        if ok and keyword == "type":
            ok = all(isinstance(t, str) for t in ([value] if isinstance(value, str) else value))
        elif ok and keyword in {"anyOf", "oneOf", "allOf"}:
            ok = bool(value) and all(isinstance(v, (Mapping, bool)) for v in value)
        elif ok and keyword == "required":
            ok = all(isinstance(v, str) for v in value)
        elif ok and keyword == "properties":
            ok = all(isinstance(v, (Mapping, bool)) for v in value.values())
        if not ok:
            raise UnrepresentableSchema(
                f"not a JSON Schema: {keyword} must be {words}, got {_json_kind(value)}",
                pointer=pointer,
                keyword=keyword,
            )


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


#: Keywords that say nothing about a value's type (a schema of only these is ``{}``).
_ANNOTATION_ONLY = frozenset(
    {"title", "description", "default", "examples", "example", "deprecated", "$comment", "$id",
     "$anchor", "readOnly", "writeOnly", "x-mlflow-field", "x-mlflow-type"}
)  # fmt: skip


def _hinted_type(node: Mapping[str, Any]) -> ColType | None:
    """Our ``x-mlflow-type`` annotation on a scalar (exact for float/integer/binary)."""
    hint = node.get("x-mlflow-type")
    if isinstance(hint, str) and hint in DataType.__members__:
        return DataType[hint]
    return None


def _implied_type(node: Mapping[str, Any]) -> str | None:
    if "properties" in node or "additionalProperties" in node:
        return "object"
    if "items" in node:
        return "array"
    return None


def _enum_type(node: Mapping[str, Any], pointer: str, limit: int) -> list[str]:
    values = node.get("enum", [node.get("const")]) if "enum" in node else [node.get("const")]
    if len(values) > limit:
        raise UnrepresentableSchema(
            f"an enum of more than {limit} members has no MLflow equivalent",
            pointer=pointer,
            keyword="enum",
        )
    kinds = set()
    for v in values:
        if v is None:
            kinds.add("null")
        elif isinstance(v, bool):
            kinds.add("boolean")
        elif isinstance(v, int):
            kinds.add("integer")
        elif isinstance(v, float):
            kinds.add("number")
        elif isinstance(v, str):
            kinds.add("string")
        else:
            raise UnrepresentableSchema(
                f"an enum of {type(v).__name__} values has no MLflow equivalent",
                pointer=pointer,
                keyword="enum" if "enum" in node else "const",
            )
    if {"integer", "number"} <= kinds:
        kinds.discard("integer")
    return sorted(kinds)


__all__ = ["StructuralReader", "join_pointer"]
