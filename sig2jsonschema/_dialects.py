"""Down-convert a Draft 2020-12 schema to the dialects gateways read, and say what was lost.

Why: API gateways validate requests with older dialects (AWS API Gateway REST models and
Kong: draft-04; Apigee and Azure API Management: OpenAPI 3.0 Schema Objects; IBM DataPower:
OpenAPI 3.1 with draft-04 schemas).  A conversion that silently drops a keyword lets through
bodies MLflow would refuse, so every conversion here keeps each constraint the target can
express (exactly, when an exact rewrite exists: ``if/then/else`` becomes ``anyOf``,
``prefixItems`` becomes tuple ``items``, ``dependentSchemas`` becomes ``dependencies``) and
lists in a *loss report* whatever it had to drop or weaken.  The report is empty exactly when
the result accepts the same instances as the input.

The converter is generic over any 2020-12 schema.  This module holds the public API, the
keyword classification and the CLI hooks; `_dialect_targets` says what each target lacks,
`_dialect_rules` walks the tree (references, polarity), `_dialect_keywords` rewrites one
keyword at a time and `_dialect_unevaluated` analyses what ``unevaluated*`` depends on.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, get_args

from .exceptions import SourceError, escape_pointer_token

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping, Sequence

    from .cli._common import Streams
    from .typing import JSONObject, Mode, Part

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
#: Our vocabulary's keywords whose value maps names to subschemas (``x-mlflow-columns``
#: validates ``dataframe_split`` cells by column label): converted like ``properties`` so
#: their references keep resolving.
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
        elif key in MAP_KEYWORDS | EXTENSION_MAP_KEYWORDS and isinstance(value, dict):
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


def to_dialect(schema: JSONObject | bool, dialect: Dialect) -> tuple[JSONObject | bool, list[Loss]]:
    """Convert a Draft 2020-12 schema to ``dialect``; return it with its loss report.

    The result is a standalone document: for the draft dialects ``$defs`` become
    ``definitions`` (references rewritten); for the OpenAPI dialects local references
    are inlined, so the Schema Object can be pasted anywhere in an OpenAPI document
    (`sig2jsonschema._openapi` keeps them as components instead).

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
    from ._dialect_rules import convert

    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; expected one of {', '.join(DIALECTS)}")
    converted, losses = convert(schema, dialect, embed=None)
    return converted, losses


def component_name(prefix: str, name: str) -> str:
    """An OpenAPI component name (``^[A-Za-z0-9._-]+$``) for definition ``name``."""
    return prefix + re.sub(r"[^A-Za-z0-9._-]", "_", name)


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
    from ._dialect_rules import convert

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
    from ._load import load_signature
    from ._to_schema import to_jsonschema

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


def add_dialect_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--dialect`` and ``--report`` to a command (the ``schema`` command uses them)."""
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="2020-12",
        help="JSON Schema dialect of the output (default: 2020-12); older dialects "
        "drop what they cannot express and say so on stderr",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write the loss report (a JSON array of {pointer, keyword, consequence, "
        "effect}) to FILE; '-' for stdout is not allowed",
    )


def apply_dialect(
    schema: JSONObject | bool, args: argparse.Namespace, streams: Streams
) -> JSONObject | bool:
    """Convert ``schema`` per ``args.dialect``; summarize losses on stderr, write ``--report``.

    Raises:
        SourceError: the report file cannot be written.
    """
    dialect: Dialect = getattr(args, "dialect", None) or "2020-12"
    converted, losses = to_dialect(schema, dialect)
    if losses:
        streams.note(
            f"sig2jsonschema: {dialect} cannot express everything; "
            f"{len(losses)} constraint(s) dropped or weakened:"
        )
        for line in summarize(losses):
            streams.note(f"  {line}")
    report = getattr(args, "report", None)
    if report:
        if report == "-":
            raise SourceError("--report needs a file name ('-' is the schema's stdout)")
        try:
            Path(report).write_text(json.dumps(losses, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise SourceError(f"{report}: cannot write ({exc.strerror})") from None
    return converted


__all__ = [
    "DIALECTS",
    "EXTENSION_MAP_KEYWORDS",
    "SCHEMA_URIS",
    "Dialect",
    "Effect",
    "Loss",
    "add_dialect_arguments",
    "apply_dialect",
    "child_schemas",
    "component_name",
    "export",
    "resolve_pointer",
    "summarize",
    "to_components",
    "to_dialect",
]
