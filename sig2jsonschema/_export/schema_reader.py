"""Reading a JSON Schema document offline, and our own exports back exactly.

`SchemaReader` walks one document: it resolves ``$ref`` through a
`referencing` registry holding the document and the shipped schemas (never
the network); lookups are memoized, as references may fan out exponentially.
On our own exports the signature is read back from the spec annotations
(``x-mlflow-column``, ``x-mlflow-tensor``, ``x-mlflow-param``, with
``x-mlflow-index``) wherever the document keeps them (``$defs``, or an
OpenAPI ``components`` section after a relocation): `SchemaReader.exact`.
"""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from referencing.exceptions import PointerToNowhere, Unresolvable
from referencing.jsonschema import DRAFT202012, specification_with

from sig2jsonschema._payload.limits import DEFAULT_LIMITS, Limits
from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._signature.shipped import registry as shipped_registry
from sig2jsonschema._signature.types import Signature
from sig2jsonschema.exceptions import SignatureError, UnrepresentableSchema

if TYPE_CHECKING:
    from referencing import Registry, Resource

_BASE = "urn:sig2jsonschema:from-schema-document"
_SPEC_KEYS = ("x-mlflow-column", "x-mlflow-tensor", "x-mlflow-param")


class SchemaReader:
    """Walks one document, resolving ``$ref`` offline."""

    def __init__(self, document: Mapping[str, Any], limits: Limits = DEFAULT_LIMITS) -> None:
        self.document = document
        self.limits = limits
        self._refs: dict[str, Any] = {}
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

    def _lookup(self, ref: str, pointer: str) -> Any:
        """The target of ``ref`` (memoized: exponential ``$ref`` fan-out repeats lookups)."""
        if ref not in self._refs:
            try:
                self._refs[ref] = self.resolver.lookup(ref).contents
            except (PointerToNowhere, Unresolvable):
                raise UnrepresentableSchema(
                    f"$ref {ref!r} cannot be resolved offline (remote references are never "
                    "retrieved)",
                    pointer=pointer,
                    keyword="$ref",
                ) from None
            except (TypeError, AttributeError, ValueError, LookupError):
                # referencing walks the pointer into whatever it finds: a `$defs`
                # (or `definitions`) that is not an object, or a member that is not
                # a schema, fails inside that walk.
                raise UnrepresentableSchema(
                    f"$ref {ref!r} passes through or leads to a value that is not a "
                    "schema (`$defs`/`definitions` and their members must be objects)",
                    pointer=pointer,
                    keyword="$ref",
                ) from None
            if not isinstance(self._refs[ref], (Mapping, bool)):
                target = self._refs.pop(ref)
                raise UnrepresentableSchema(
                    f"$ref {ref!r} leads to a {type(target).__name__}, not a schema "
                    "(a schema is an object or a boolean)",
                    pointer=pointer,
                    keyword="$ref",
                )
        return self._refs[ref]

    def deref(
        self, node: Any, pointer: str, active: tuple[str, ...]
    ) -> tuple[Any, str, tuple[str, ...]]:
        """Follow ``$ref`` chains; return the target, its pointer and the active ref stack."""
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            contents = self._lookup(ref, pointer)
            target_pointer = ref.partition("#")[2] if ref.startswith("#") else ref
            if target_pointer in active:
                raise UnrepresentableSchema(
                    f"$ref {ref!r} is recursive; MLflow types cannot nest without end",
                    pointer=pointer,
                    keyword="$ref",
                )
            active = (*active, target_pointer)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = contents
            if siblings and isinstance(node, Mapping):
                node = {**node, **siblings}
            pointer = target_pointer if ref.startswith("#") else pointer
        return node, pointer, active

    # ------------------------------------------------------------------
    # Our own exports: read the annotations back
    # ------------------------------------------------------------------
    def _annotated(self, root: Any, *, follow: bool) -> Iterator[Mapping[str, Any]]:
        """Subschemas carrying our spec annotations, walked without recursion.

        ``follow``: also through ``$ref``s (needed when the target is part of a
        document, e.g. an OpenAPI component whose ``$defs`` moved elsewhere).
        """
        seen: set[int] = set()
        stack = [root]
        budget = self.limits.max_schema_nodes
        while stack:
            node = stack.pop()
            if isinstance(node, Mapping):
                if id(node) in seen:
                    continue
                seen.add(id(node))
                budget -= 1
                if budget < 0:
                    raise UnrepresentableSchema(
                        f"more than {self.limits.max_schema_nodes} subschemas",
                        pointer="",
                        keyword="$ref",
                    )
                if any(k in node for k in _SPEC_KEYS):
                    yield node
                ref = node.get("$ref")
                if follow and isinstance(ref, str):
                    with contextlib.suppress(PointerToNowhere, Unresolvable):
                        stack.append(self.resolver.lookup(ref).contents)
                stack.extend(reversed(list(node.values())))
            elif isinstance(node, list):
                stack.extend(reversed(node))

    def exact(self, target: Any, pointer: str) -> Signature | None:
        """The signature from our annotations, or None when the schema carries none."""
        parts: dict[str, dict[int, Any]] = {"inputs": {}, "outputs": {}, "params": {}}
        for node in self._annotated(target, follow=bool(pointer)):
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


@functools.lru_cache(maxsize=256)
def _parse(text: str, *, flag: bool) -> Signature:
    """`parse_signature` of a serialized document, cached (signatures are frozen values)."""
    return parse_signature(json.loads(text), from_type_hint=flag)


__all__ = ["SchemaReader"]
