"""What each target dialect can express: data for `sig2jsonschema._export.dialects.walker`.

Why a table: the five targets differ only in which Draft 2020-12 features they lack, and
each missing feature has one rewrite in the converter.  Keeping the differences as data
(one `Target` row per dialect) makes it visible what each dialect lacks, as
``Draft202012Validator = create(validators={...})`` does in jsonschema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .tree import SCHEMA_URIS

#: Formats each draft defines (a validator for that draft ignores any other format).
FORMATS_DRAFT4 = frozenset({"date-time", "email", "hostname", "ipv4", "ipv6", "uri"})
FORMATS_DRAFT7 = FORMATS_DRAFT4 | {
    "date",
    "time",
    "idn-email",
    "idn-hostname",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
}
FORMATS_2020 = FORMATS_DRAFT7 | {"duration", "uuid"}

#: Every keyword an OpenAPI 3.0 Schema Object may hold (besides ``x-`` extensions).
OAS30_KEYWORDS = frozenset(
    {
        "title",
        "multipleOf",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "enum",
        "type",
        "allOf",
        "oneOf",
        "anyOf",
        "not",
        "items",
        "properties",
        "additionalProperties",
        "description",
        "format",
        "default",
        "nullable",
        "discriminator",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "example",
        "deprecated",
        "$ref",
    }
)
#: Assertions of older drafts that a 2020-12 input may carry as (ignored) unknown keywords.
LEGACY_ASSERTIONS = frozenset({"dependencies", "additionalItems"})


@dataclass(frozen=True)
class Target:
    """What a target dialect can express: one flag per 2020-12 feature that may be missing."""

    #: How messages name the dialect.
    name: str
    schema_uri: str | None
    #: ``$id``, ``id`` (draft-04) or None (OpenAPI: identifiers belong to the document).
    id_keyword: str | None
    #: Where definitions live: ``$defs`` or ``definitions``.
    defs_keyword: str
    bool_schemas: bool
    ref_siblings: bool
    const: bool
    conditionals: bool
    contains: bool
    min_max_contains: bool
    property_names: bool
    items: Literal["prefix", "tuple", "single"]
    dependent: Literal["native", "dependencies", "anyOf"]
    unevaluated: bool
    #: How ``exclusiveMinimum``/``exclusiveMaximum`` are spelled: a number (draft-06+), a
    #: boolean beside ``minimum`` (draft-04, OpenAPI 3.0), or ``minimum`` plus
    #: ``not: {enum: [bound]}`` (the spelling that means the same in draft-04 and 2020-12).
    exclusive: Literal["number", "boolean", "not-enum"]
    type_arrays: bool
    pattern_properties: bool
    #: Whether ``type: integer`` accepts 1.0 (draft-04 says an integer has no fraction).
    fraction_integers: bool
    #: Formats the dialect defines (None: any name goes, as in OpenAPI).
    formats: frozenset[str] | None
    #: Refs are inlined (a standalone OpenAPI Schema Object cannot hold definitions).
    inline_refs: bool
    openapi30: bool = False
    #: Whether validators may assert ``contentEncoding``/``contentMediaType`` (draft-07 lets
    #: them; jsonschema-rs does and refuses the line breaks MLflow writes into base64): the
    #: keywords are then kept as ``x-`` annotations, as 2020-12 means them.
    content_assertions: bool = False


TARGETS: dict[str, Target] = {
    "draft-07": Target(
        name="draft-07",
        schema_uri=SCHEMA_URIS["draft-07"],
        id_keyword="$id",
        defs_keyword="definitions",
        bool_schemas=True,
        ref_siblings=False,
        const=True,
        conditionals=True,
        contains=True,
        min_max_contains=False,
        property_names=True,
        items="tuple",
        dependent="dependencies",
        unevaluated=False,
        exclusive="number",
        type_arrays=True,
        pattern_properties=True,
        fraction_integers=True,
        formats=FORMATS_DRAFT7,
        inline_refs=False,
        content_assertions=True,
    ),
    "draft-04": Target(
        name="draft-04",
        schema_uri=SCHEMA_URIS["draft-04"],
        id_keyword="id",
        defs_keyword="definitions",
        bool_schemas=False,
        ref_siblings=False,
        const=False,
        conditionals=False,
        contains=False,
        min_max_contains=False,
        property_names=False,
        items="tuple",
        dependent="dependencies",
        unevaluated=False,
        exclusive="boolean",
        type_arrays=True,
        pattern_properties=True,
        fraction_integers=False,
        formats=FORMATS_DRAFT4,
        inline_refs=False,
    ),
    "openapi-3.1": Target(
        name="OpenAPI 3.1",
        schema_uri=None,
        id_keyword=None,
        defs_keyword="$defs",
        bool_schemas=True,
        ref_siblings=True,
        const=True,
        conditionals=True,
        contains=True,
        min_max_contains=True,
        property_names=True,
        items="prefix",
        dependent="native",
        unevaluated=True,
        exclusive="number",
        type_arrays=True,
        pattern_properties=True,
        fraction_integers=True,
        formats=None,
        inline_refs=True,
    ),
    "openapi-3.0": Target(
        name="OpenAPI 3.0",
        schema_uri=None,
        id_keyword=None,
        defs_keyword="$defs",
        bool_schemas=False,
        ref_siblings=False,
        const=False,
        conditionals=False,
        contains=False,
        min_max_contains=False,
        property_names=False,
        items="single",
        dependent="anyOf",
        unevaluated=False,
        exclusive="boolean",
        type_arrays=False,
        pattern_properties=False,
        fraction_integers=False,
        formats=None,
        inline_refs=True,
        openapi30=True,
    ),
    # Schema Objects of an OpenAPI 3.1 document for IBM DataPower API Gateway, which reads
    # them as draft-04: only constructs that mean the same in draft-04 and in 2020-12 (the
    # OpenAPI 3.1 default), so validators of either dialect agree.  Used by the OpenAPI
    # builder only (definitions always become components there).
    "draft-04-in-3.1": Target(
        name="draft-04 (in OpenAPI 3.1)",
        schema_uri=None,
        id_keyword=None,
        defs_keyword="definitions",
        bool_schemas=False,
        ref_siblings=False,
        const=False,
        conditionals=False,
        contains=False,
        min_max_contains=False,
        property_names=False,
        items="single",
        dependent="anyOf",
        unevaluated=False,
        exclusive="not-enum",
        type_arrays=True,
        pattern_properties=True,
        fraction_integers=False,
        formats=FORMATS_DRAFT4,
        inline_refs=False,
    ),
}


__all__ = ["FORMATS_2020", "LEGACY_ASSERTIONS", "OAS30_KEYWORDS", "TARGETS", "Target"]
