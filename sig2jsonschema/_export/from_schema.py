"""`from_jsonschema`: the closest MLflow signature for a JSON Schema.

On our own exports the answer is exact: every column, tensor and param
subschema carries its MLflow spec (``x-mlflow-column``, ``x-mlflow-tensor``,
``x-mlflow-param``, with ``x-mlflow-index``), so the signature is read back
from those annotations wherever the document keeps them
(`sig2jsonschema._export.schema_reader`).

Schemas written elsewhere (a hand-written object schema, a pydantic model's
``model_json_schema()``, an OpenAPI component) map structurally
(`sig2jsonschema._export.structural`); whatever has no MLflow equivalent raises
`UnrepresentableSchema` naming the JSON pointer and the keyword.  ``$ref``
resolves through a `referencing` registry holding the document and the
shipped schemas, never the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sig2jsonschema.exceptions import UnrepresentableSchema

from .structural import StructuralReader

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

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
    if dialect is not None and not isinstance(dialect, str):
        raise UnrepresentableSchema(
            f"$schema must be a string (a dialect URI), not a {type(dialect).__name__}",
            pointer="",
            keyword="$schema",
        )
    if dialect is not None and dialect not in KNOWN_DIALECTS:
        raise UnrepresentableSchema(
            f"unknown dialect {dialect!r}; expected JSON Schema 2020-12 (or 2019-09, "
            "draft-07/06/04, OpenAPI 3.1)",
            pointer="",
            keyword="$schema",
        )
    reader = StructuralReader(schema)
    start = pointer or ""
    target = reader.at(start)
    exact = reader.exact(target, start)
    if exact is not None:
        return exact
    return reader.structural(target, start)


__all__ = ["KNOWN_DIALECTS", "from_jsonschema"]
