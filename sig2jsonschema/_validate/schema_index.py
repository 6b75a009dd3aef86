"""Where an error is, in the signature's words: annotations along a schema path.

jsonschema reports an error's ``absolute_schema_path`` with ``$ref`` left out;
`SchemaIndex` walks that path through one compiled schema (following
references where a step is missing) and reads the nearest annotations on the
way: the signature field (``x-mlflow-field``), the body form
(``x-mlflow-form``), expected words a subschema carries of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: The annotation naming the signature field a subschema describes.
FIELD_ANNOTATION = "x-mlflow-field"
#: The annotation naming the body form a subschema describes (``inputs/records``...).
FORM_ANNOTATION = "x-mlflow-form"
#: An annotation a subschema may carry with "expected" words of its own.
EXPECTED_ANNOTATION = "x-mlflow-expected"


def has_step(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return step in node
    return isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)


class SchemaIndex:
    """Reads annotations along schema paths of one compiled schema.

    Built once per `Validator`; lookups are cached by schema path, so mapping
    many errors of the same rule costs one walk.  Safe to share between
    threads (the cache only ever gains equal values).
    """

    def __init__(self, schema: Mapping[str, Any], registry: Registry[Any] | None = None) -> None:
        self.root = schema
        base = str(schema.get("$id", "urn:sig2jsonschema:schema"))
        resource = Resource.from_contents(dict(schema), default_specification=DRAFT202012)
        self.registry = (registry or Registry()).with_resource(base, resource)
        self.base = base
        self._cache: dict[tuple[str | int, ...], list[dict[str, Any]]] = {}

    def nodes(self, schema_path: Iterable[str | int]) -> list[dict[str, Any]]:
        """Every subschema (object) visited along ``schema_path``, root first."""
        path = tuple(schema_path)
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        visited = [node for node, _ in self._walk(path)]
        self._cache[path] = visited
        return visited

    def _walk(self, path: tuple[str | int, ...]) -> list[tuple[dict[str, Any], int]]:
        """(subschema, number of path steps taken to reach it) along ``path``."""
        resolver = self.registry.resolver(base_uri=self.base)
        node: Any = self.root
        visited: list[tuple[dict[str, Any], int]] = [(node, 0)] if isinstance(node, dict) else []
        for taken, step in enumerate(path):
            # jsonschema leaves ``$ref`` out of schema paths: a step missing from a
            # node holding a reference continues in the referenced schema.
            while isinstance(node, dict) and step not in node and "$ref" in node:
                resolved = resolver.lookup(node["$ref"])
                node, resolver = resolved.contents, resolved.resolver
                if isinstance(node, dict):
                    visited.append((node, taken))
            if not has_step(node, step):
                break
            node = node[step]
            if isinstance(node, dict):
                visited.append((node, taken + 1))
        return visited

    def below(
        self, schema_path: Iterable[str | int], name: str
    ) -> tuple[dict[str, Any], list[str | int]] | None:
        """The deepest node annotated with ``name``, and the schema-path steps below it."""
        path = tuple(schema_path)
        for node, taken in reversed(self._walk(path)):
            if name in node:
                return node, list(path[taken:])
        return None

    def annotation(self, schema_path: Iterable[str | int], name: str) -> Any:
        """The nearest (deepest) value of annotation ``name`` along the path."""
        for node in reversed(self.nodes(schema_path)):
            if name in node:
                return node[name]
        return None


__all__ = [
    "EXPECTED_ANNOTATION",
    "FIELD_ANNOTATION",
    "FORM_ANNOTATION",
    "SchemaIndex",
    "has_step",
]
