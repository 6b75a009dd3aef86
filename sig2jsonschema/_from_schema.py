"""`from_jsonschema`: the closest MLflow signature for a JSON Schema.

On our own exports the answer is exact: every column, tensor and param
subschema carries its MLflow spec (``x-mlflow-column``, ``x-mlflow-tensor``,
``x-mlflow-param``, with ``x-mlflow-index``), so the signature is read back
from those annotations wherever the document keeps them (``$defs``, or an
OpenAPI ``components`` section after a relocation).

Schemas written elsewhere (a hand-written object schema, a pydantic model's
``model_json_schema()``, an OpenAPI component) map structurally: an object's
properties become named columns, ``integer`` -> long, ``number`` -> double,
``string`` -> string / datetime (``format: date-time`` or ``date``) / binary
(``contentEncoding: base64``, OpenAPI ``format: byte``), ``boolean``, arrays
-> `Array`, objects with properties -> `Object`, an ``additionalProperties``
schema -> `Map`, ``{}`` -> `AnyType`; nullable or non-required -> optional.
Whatever has no MLflow equivalent raises `UnrepresentableSchema` naming the
JSON pointer and the keyword.  ``$ref`` resolves through a `referencing`
registry holding the document and the shipped schemas, never the network.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from referencing.exceptions import PointerToNowhere, Unresolvable
from referencing.jsonschema import DRAFT202012, specification_with

from ._model import parse_signature
from ._resources import registry as shipped_registry
from ._types import (
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
from .exceptions import SignatureError, UnrepresentableSchema, escape_pointer_token

if TYPE_CHECKING:
    from referencing import Registry, Resource

#: Dialects whose keywords this mapping understands.
KNOWN_DIALECTS = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2019-09/schema",
        "http://json-schema.org/draft-07/schema#",
        "http://json-schema.org/draft-07/schema",
        "http://json-schema.org/draft-06/schema#",
        "http://json-schema.org/draft-04/schema#",
        "https://spec.openapis.org/oas/3.1/dialect/base",
    }
)

#: Keywords that only narrow values (or annotate): safe to drop when mapping types.
_IGNORED = frozenset(
    {
        "$schema", "$id", "$anchor", "$dynamicAnchor", "$comment", "$defs", "definitions",
        "title", "description", "default", "examples", "example", "deprecated", "readOnly",
        "writeOnly", "format", "contentEncoding", "contentMediaType", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
        "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
        "required", "nullable", "discriminator", "xml", "externalDocs", "enum", "const",
        "type", "properties", "items", "additionalProperties", "$ref", "anyOf", "oneOf",
        "allOf", "propertyNames",
    }
)  # fmt: skip

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

_BASE = "urn:sig2jsonschema:from-schema-document"


def _join(pointer: str, *tokens: str | int) -> str:
    return pointer + "".join("/" + escape_pointer_token(t) for t in tokens)


def from_jsonschema(schema: Mapping[str, Any] | bool, *, pointer: str | None = None) -> Signature:
    """The MLflow signature a JSON Schema describes.

    Args:
        schema: a JSON Schema document (or an OpenAPI document with ``pointer``).
        pointer: an RFC 6901 pointer to the schema inside ``schema``, such as
            ``/components/schemas/Inputs``; ``$ref``s still resolve against the
            whole document.

    Raises:
        UnrepresentableSchema: naming the pointer and keyword MLflow cannot represent,
            a remote or recursive ``$ref``, an unknown ``$schema`` dialect, or a
            pointer to nowhere.

    .. versionadded:: 0.1
    """
    if not isinstance(schema, Mapping):
        raise UnrepresentableSchema(
            "a boolean schema describes no columns; expected an object schema", pointer=""
        )
    dialect = schema.get("$schema")
    if dialect is not None and dialect not in KNOWN_DIALECTS:
        raise UnrepresentableSchema(
            f"unknown dialect {dialect!r}; expected JSON Schema 2020-12 (or 2019-09, "
            "draft-07/06/04, OpenAPI 3.1)",
            pointer="",
            keyword="$schema",
        )
    reader = _Reader(schema)
    start = pointer or ""
    target = reader.at(start)
    exact = reader.exact(target, start)
    if exact is not None:
        return exact
    return reader.structural(target, start)


class _Reader:
    """Walks one document, resolving ``$ref`` offline."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        uri = document.get("$id") if isinstance(document.get("$id"), str) else _BASE
        self.uri = str(uri)
        spec = DRAFT202012
        dialect = document.get("$schema")
        if isinstance(dialect, str) and dialect != "https://spec.openapis.org/oas/3.1/dialect/base":
            spec = specification_with(dialect, default=DRAFT202012)
        resource: Resource[Any] = spec.create_resource(document)
        base: Registry[Any] = shipped_registry()
        self.registry = base.with_resource(self.uri, resource)
        self.resolver = self.registry.resolver(base_uri=self.uri)

    def at(self, pointer: str) -> Any:
        """The subschema at ``pointer`` (``""`` is the document)."""
        if not pointer:
            return self.document
        if not pointer.startswith("/"):
            raise UnrepresentableSchema(
                f"not a JSON pointer: {pointer!r} (it must start with '/')", pointer=pointer
            )
        try:
            return self.resolver.lookup("#" + pointer).contents
        except (PointerToNowhere, Unresolvable):
            raise UnrepresentableSchema(
                "the pointer leads nowhere in this document", pointer=pointer
            ) from None

    def deref(
        self, node: Any, pointer: str, active: tuple[str, ...]
    ) -> tuple[Any, str, tuple[str, ...]]:
        """Follow ``$ref`` chains; return the target, its pointer and the active ref stack."""
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            try:
                resolved = self.resolver.lookup(ref)
            except (PointerToNowhere, Unresolvable):
                raise UnrepresentableSchema(
                    f"$ref {ref!r} cannot be resolved offline (remote references are never "
                    "retrieved)",
                    pointer=pointer,
                    keyword="$ref",
                ) from None
            target_pointer = ref.partition("#")[2] if ref.startswith("#") else ref
            if target_pointer in active:
                raise UnrepresentableSchema(
                    f"$ref {ref!r} is recursive; MLflow types cannot nest without end",
                    pointer=pointer,
                    keyword="$ref",
                )
            active = (*active, target_pointer)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = resolved.contents
            if siblings and isinstance(node, Mapping):
                node = {**node, **siblings}
            pointer = target_pointer if ref.startswith("#") else pointer
        return node, pointer, active

    # ------------------------------------------------------------------
    # Our own exports: read the annotations back
    # ------------------------------------------------------------------
    def _annotated(self, node: Any, seen: set[int], *, follow: bool) -> Iterator[Mapping[str, Any]]:
        """Subschemas carrying our spec annotations; ``follow``: also through ``$ref``s
        (needed when the target is a part of the document, e.g. an OpenAPI component)."""
        if isinstance(node, Mapping):
            if id(node) in seen:
                return
            seen.add(id(node))
            if any(k in node for k in ("x-mlflow-column", "x-mlflow-tensor", "x-mlflow-param")):
                yield node
            ref = node.get("$ref")
            if follow and isinstance(ref, str):
                with contextlib.suppress(PointerToNowhere, Unresolvable):
                    target = self.resolver.lookup(ref).contents
                    yield from self._annotated(target, seen, follow=follow)
            for value in node.values():
                yield from self._annotated(value, seen, follow=follow)
        elif isinstance(node, list):
            for value in node:
                yield from self._annotated(value, seen, follow=follow)

    def exact(self, target: Any, pointer: str) -> Signature | None:
        """The signature from our annotations, or None when the schema carries none."""
        parts: dict[str, dict[int, Any]] = {"inputs": {}, "outputs": {}, "params": {}}
        for node in self._annotated(target, set(), follow=bool(pointer)):
            field = str(node.get("x-mlflow-field", ""))
            part = field.split("[", 1)[0]
            index = node.get("x-mlflow-index")
            if part not in parts or not isinstance(index, int):
                continue
            spec = node.get(
                "x-mlflow-param", node.get("x-mlflow-tensor", node.get("x-mlflow-column"))
            )
            parts[part].setdefault(index, spec)
        ours = isinstance(target, Mapping) and "x-mlflow-part" in target
        flag = bool(target.get("x-mlflow-from-type-hint", False)) if ours else False
        if not any(parts.values()):
            # Our export of a part the signature lacks (no params, no outputs) is empty.
            return Signature(from_type_hint=flag) if ours else None
        document = {
            name: [v for _, v in sorted(found.items())] or None for name, found in parts.items()
        }
        try:
            return _parse(json.dumps(document, allow_nan=True), flag=flag)
        except SignatureError as exc:
            raise UnrepresentableSchema(
                f"x-mlflow annotations do not form a valid signature: {exc}",
                pointer=pointer,
                keyword="x-mlflow-column",
            ) from None

    # ------------------------------------------------------------------
    # Anybody's schemas: map the structure
    # ------------------------------------------------------------------
    def structural(self, target: Any, pointer: str) -> Signature:
        """Columns from an object schema (or the records of an array schema)."""
        node, pointer, active = self.deref(target, pointer, ())
        if isinstance(node, Mapping) and self._is_records(node):
            node, pointer, active = self.deref(node["items"], _join(pointer, "items"), active)
        if isinstance(node, Mapping) and "properties" in node:
            return Signature(inputs=self._columns(node, pointer, active))
        coltype, nullable = self.col_type(node, pointer, active)
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
        self._check(node, pointer)
        props = node.get("properties") or {}
        if not isinstance(props, Mapping) or not props:
            raise UnrepresentableSchema(
                "an object without properties has no columns", pointer=pointer, keyword="properties"
            )
        required = set(node.get("required", []))
        specs = []
        for name, sub in props.items():
            sub_pointer = _join(pointer, "properties", name)
            coltype, nullable = self.col_type(sub, sub_pointer, active)
            is_required = name in required and not nullable
            specs.append(ColSpec(coltype, str(name), is_required))
        return Schema(tuple(specs))

    def _check(self, node: Mapping[str, Any], pointer: str) -> None:
        for keyword in _UNREPRESENTABLE:
            if keyword in node:
                raise UnrepresentableSchema(
                    f"{keyword!r} has no MLflow signature equivalent",
                    pointer=pointer,
                    keyword=keyword,
                )

    def col_type(self, sub: Any, pointer: str, active: tuple[str, ...]) -> tuple[ColType, bool]:
        """The MLflow type of one subschema and whether it admits ``null``."""
        node, pointer, active = self.deref(sub, pointer, active)
        if node is True or (isinstance(node, Mapping) and not (node.keys() - _ANNOTATION_ONLY)):
            return AnyType(), True
        if not isinstance(node, Mapping):
            raise UnrepresentableSchema(
                "the false schema accepts nothing; MLflow has no such type", pointer=pointer
            )
        self._check(node, pointer)
        hinted = _hinted_type(node)
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
                        pointer=_join(pointer, keyword),
                        keyword=keyword,
                    )
                index = node[keyword].index(branches[0])
                inner, inner_null = self.col_type(
                    branches[0], _join(pointer, keyword, index), active
                )
                return inner, True if len(node[keyword]) > 1 else inner_null
        if "allOf" in node:
            parts = node["allOf"]
            if len(parts) != 1:
                raise UnrepresentableSchema(
                    "allOf of several schemas has no MLflow equivalent",
                    pointer=_join(pointer, "allOf"),
                    keyword="allOf",
                )
            inner, inner_null = self.col_type(parts[0], _join(pointer, "allOf", 0), active)
            return inner, inner_null or nullable
        types = node.get("type")
        if types is None and ("enum" in node or "const" in node):
            types = _enum_type(node, pointer)
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
        kind = type_list[0]
        if hinted is not None and isinstance(hinted, DataType):
            return hinted, nullable
        return self._typed(kind, node, pointer, active), nullable

    def _typed(
        self, kind: str, node: Mapping[str, Any], pointer: str, active: tuple[str, ...]
    ) -> ColType:
        if kind == "integer":
            return DataType.long
        if kind == "number":
            return DataType.double
        if kind == "boolean":
            return DataType.boolean
        if kind == "string":
            fmt = node.get("format")
            if fmt in {"date-time", "date"}:
                return DataType.datetime
            if node.get("contentEncoding") == "base64" or fmt in {"byte", "binary"}:
                return DataType.binary
            return DataType.string
        if kind == "array":
            items = node.get("items", True)
            if isinstance(items, list):
                raise UnrepresentableSchema(
                    "tuple-style items (a list of schemas) have no MLflow equivalent",
                    pointer=_join(pointer, "items"),
                    keyword="items",
                )
            inner, _ = self.col_type(items, _join(pointer, "items"), active)
            return Array(inner)
        if kind == "object":
            return self._object(node, pointer, active)
        raise UnrepresentableSchema(
            f"unknown type {kind!r}", pointer=pointer, keyword="type"
        )  # pragma: no cover - meta-schema keeps types known

    def _object(self, node: Mapping[str, Any], pointer: str, active: tuple[str, ...]) -> ColType:
        props = node.get("properties")
        extra = node.get("additionalProperties", True)
        if props:
            if isinstance(extra, Mapping) and extra:
                raise UnrepresentableSchema(
                    "an object with both properties and an additionalProperties schema has no "
                    "MLflow equivalent (Object refuses unknown keys, Map has no fixed keys)",
                    pointer=_join(pointer, "additionalProperties"),
                    keyword="additionalProperties",
                )
            required = set(node.get("required", []))
            found = []
            for name, sub in props.items():
                inner, nullable = self.col_type(sub, _join(pointer, "properties", name), active)
                found.append(Property(str(name), inner, name in required and not nullable))
            return Object(tuple(sorted(found, key=lambda p: p.name)))
        if extra is False:
            raise UnrepresentableSchema(
                "an object that allows no keys has no MLflow equivalent",
                pointer=_join(pointer, "additionalProperties"),
                keyword="additionalProperties",
            )
        if extra is True or extra == {}:
            return Map(AnyType())
        values, _ = self.col_type(extra, _join(pointer, "additionalProperties"), active)
        return Map(values)


@functools.lru_cache(maxsize=256)
def _parse(text: str, *, flag: bool) -> Signature:
    """`parse_signature` of a serialized document, cached (signatures are frozen values)."""
    return parse_signature(json.loads(text), from_type_hint=flag)


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


def _enum_type(node: Mapping[str, Any], pointer: str) -> list[str]:
    values = node.get("enum", [node.get("const")]) if "enum" in node else [node.get("const")]
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


__all__ = ["KNOWN_DIALECTS", "from_jsonschema"]
