"""Down-convert a Draft 2020-12 schema to the dialects gateways read, and say what was lost.

Why: API gateways validate requests with older dialects (AWS API Gateway REST models and
Kong: draft-04; Apigee and Azure API Management: OpenAPI 3.0 Schema Objects; IBM DataPower:
OpenAPI 3.1 with draft-04 schemas).  A conversion that silently drops a keyword lets through
bodies MLflow would refuse, so every conversion here keeps each constraint the target can
express (exactly, when an exact rewrite exists: ``if/then/else`` becomes ``anyOf``,
``prefixItems`` becomes tuple ``items``, ``dependentSchemas`` becomes ``dependencies``) and
lists in a *loss report* whatever it had to drop or weaken.  The report is empty exactly when
the result accepts the same instances as the input.

The converter is generic over any 2020-12 schema.  This module holds the public API;
`tree` names the dialects and classifies keywords, `targets` says what
each target lacks, `walker` walks the tree (references, polarity),
`rewrites` rewrites one keyword at a time and `unevaluated` analyses what
``unevaluated*`` depends on.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tree import DIALECTS, component_name
from .walker import convert

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sig2jsonschema.typing import JSONObject, Mode, Part

    from .tree import Dialect, Loss


def to_dialect(schema: JSONObject | bool, dialect: Dialect) -> tuple[JSONObject | bool, list[Loss]]:
    """Convert a Draft 2020-12 schema to ``dialect``; return it with its loss report.

    The result is a standalone document: for the draft dialects ``$defs`` become
    ``definitions`` (references rewritten); for the OpenAPI dialects local references
    are inlined, so the Schema Object can be pasted anywhere in an OpenAPI document
    (`sig2jsonschema._export.openapi` keeps them as components instead).

    Args:
        schema: a Draft 2020-12 schema (not modified).
        dialect: one of `DIALECTS`.

    Returns:
        ``(converted, losses)``: ``losses`` is empty exactly when nothing was dropped or
        weakened.

    Raises:
        ValueError: ``dialect`` is unknown.

    .. versionadded:: 0.1
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    converted, losses = convert(schema, dialect, embed=None)
    return converted, losses


def to_components(
    schema: JSONObject | bool,
    dialect: Dialect,
    *,
    prefix: str,
    name: str,
) -> tuple[JSONObject | bool, dict[str, Any], list[Loss]]:
    """Convert for an OpenAPI document: ``$defs`` move to ``#/components/schemas``.

    Returns ``(schema, components, losses)``: ``components`` maps new component names
    (``prefix`` + the definition's name) to converted subschemas, and every reference in
    both points into ``#/components/schemas/`` (a reference to the whole schema points at
    ``name``, the component the caller files ``schema`` under).  ``dialect`` is the dialect of the
    Schema Objects: ``openapi-3.0``, ``openapi-3.1`` or ``draft-04`` (an OpenAPI 3.1
    document whose ``jsonSchemaDialect`` is draft-04, as IBM DataPower reads it).

    .. versionadded:: 0.1
    """
    converted, losses = convert(schema, dialect, embed=(prefix, name))
    components: dict[str, Any] = {}
    if isinstance(converted, dict):
        for key in ("$defs", "definitions"):
            components.update(
                {component_name(prefix, k): sub for k, sub in converted.pop(key, {}).items()}
            )
    return converted, components, losses


def export(
    signature: Any,
    *,
    part: Part = "request",
    mode: Mode = "strict",
    dialect: Dialect = "2020-12",
) -> tuple[JSONObject | bool, list[Loss]]:
    """A signature's schema in ``dialect``, with its loss report.

    ``signature`` is anything `sig2jsonschema.load_signature` reads.  The 2020-12 schema
    comes from ``to_jsonschema`` and is then converted with `to_dialect`.

    .. versionadded:: 0.1
    """
    from sig2jsonschema._signature.load import load_signature

    from ..to_schema import to_jsonschema

    schema = to_jsonschema(load_signature(signature), part=part, mode=mode)
    return to_dialect(schema, dialect)


def summarize(losses: Sequence[Mapping[str, Any]], *, limit: int = 3) -> list[str]:
    """A few human lines for stderr: the first ``limit`` losses and a count of the rest.

    An entry with a ``schema`` key (an OpenAPI component name) is located as
    ``schema#pointer``.
    """
    lines = []
    for loss in losses[:limit]:
        where = loss["pointer"] or "/"
        if loss.get("schema"):
            where = f"{loss['schema']}#{loss['pointer']}"
        lines.append(f"{where} ({loss['keyword']}): {loss['consequence']}")
    if len(losses) > limit:
        lines.append(f"... and {len(losses) - limit} more")
    return lines


__all__ = [
    "export",
    "summarize",
    "to_components",
    "to_dialect",
]
