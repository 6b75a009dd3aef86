"""The dialects, the loss report's shape, and how a schema tree is walked.

What every part of the down-conversion shares (`sig2jsonschema._export.dialects.convert`):
the names of the target dialects and their ``$schema`` URIs, the `Loss`
entry, which keywords hold subschemas (`child_schemas`), RFC 6901 lookups and
OpenAPI component names.  It imports nothing of the converter, so the
converter's modules can all stand on it.
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict, get_args

from sig2jsonschema.exceptions import escape_pointer_token

#: A target dialect name, as the CLI spells it.
Dialect = Literal["2020-12", "draft-07", "draft-04", "openapi-3.1", "openapi-3.0"]
#: Every dialect, in the order ``--help`` lists them.
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)
#: What a loss does to the set of accepted instances.
Effect = Literal["accepts-more", "rejects-more"]


class Loss(TypedDict):
    """One entry of a loss report.

    ``pointer`` locates the construct in the *source* 2020-12 schema (RFC 6901), so a
    reader can look up what the original demanded; ``keyword`` is the keyword that could
    not be carried over; ``consequence`` says, in words, what the converted schema now
    accepts or rejects differently; ``effect`` is the direction of the change.
    """

    pointer: str
    keyword: str
    consequence: str
    effect: Effect


SCHEMA_URIS: dict[str, str] = {
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "draft-04": "http://json-schema.org/draft-04/schema#",
}

#: Keywords whose value is one subschema.
SCHEMA_KEYWORDS = frozenset(
    {
        "additionalProperties",
        "additionalItems",
        "propertyNames",
        "items",
        "contains",
        "not",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    }
)
#: Keywords whose value maps names to subschemas.
MAP_KEYWORDS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
#: Our vocabulary's keywords whose value lists ``{"name", "schema"}`` entries
#: (``x-mlflow-columns`` validates ``dataframe_split`` cells by column label): each
#: ``schema`` is converted like a ``properties`` member so its references keep resolving.
EXTENSION_MAP_KEYWORDS = frozenset({"x-mlflow-columns"})
#: Keywords whose value is a list of subschemas.
LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})


def child_schemas(node: Any, pointer: str = "") -> list[tuple[str, str, Any]]:
    """Every direct subschema of ``node`` as ``(keyword, pointer, subschema)``."""
    found: list[tuple[str, str, Any]] = []
    if not isinstance(node, dict):
        return found
    for key, value in node.items():
        here = f"{pointer}/{escape_pointer_token(key)}"
        if key in SCHEMA_KEYWORDS and not isinstance(value, list):
            found.append((key, here, value))
        elif key == "items" and isinstance(value, list):  # draft-07 tuple form in the input
            found.extend((key, f"{here}/{i}", v) for i, v in enumerate(value))
        elif key in EXTENSION_MAP_KEYWORDS and isinstance(value, list):
            found.extend(
                (key, f"{here}/{i}/schema", entry["schema"])
                for i, entry in enumerate(value)
                if isinstance(entry, dict) and "schema" in entry
            )
        elif key in MAP_KEYWORDS and isinstance(value, dict):
            found.extend((key, f"{here}/{escape_pointer_token(k)}", v) for k, v in value.items())
        elif key in LIST_KEYWORDS and isinstance(value, list):
            found.extend((key, f"{here}/{i}", v) for i, v in enumerate(value))
        elif key == "dependencies" and isinstance(value, dict):
            found.extend(
                (key, f"{here}/{escape_pointer_token(k)}", v)
                for k, v in value.items()
                if not isinstance(v, list)
            )
    return found


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at an RFC 6901 pointer (``""`` is the document); `KeyError` if absent."""
    node = document
    if not pointer:
        return node
    for raw in pointer.lstrip("/").split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def component_name(prefix: str, name: str) -> str:
    """An OpenAPI component name (``^[A-Za-z0-9._-]+$``) for definition ``name``."""
    return prefix + re.sub(r"[^A-Za-z0-9._-]", "_", name)


__all__ = [
    "DIALECTS",
    "EXTENSION_MAP_KEYWORDS",
    "LIST_KEYWORDS",
    "MAP_KEYWORDS",
    "SCHEMA_KEYWORDS",
    "SCHEMA_URIS",
    "Dialect",
    "Effect",
    "Loss",
    "child_schemas",
    "component_name",
    "resolve_pointer",
]
