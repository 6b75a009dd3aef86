"""`from_jsonschema` on schemas written elsewhere, and every way it refuses one."""

from __future__ import annotations

import copy
import datetime  # noqa: TC003 - pydantic reads annotations at runtime
import json
from typing import Optional

import pytest

from sig2jsonschema import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    Property,
    Schema,
    Signature,
    UnrepresentableSchema,
    load_signature,
)
from sig2jsonschema._export.from_schema import from_jsonschema
from sig2jsonschema._export.to_schema import to_jsonschema
from tests.conftest import MODELS, require


def columns(*specs):
    return Signature(inputs=Schema(tuple(specs)))


def test_hand_written_object_schema_maps_to_named_columns():
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {
            "age": {"type": "integer", "minimum": 0},
            "score": {"type": "number"},
            "name": {"type": "string", "maxLength": 10},
            "member": {"type": "boolean"},
            "signup": {"type": "string", "format": "date-time"},
            "day": {"type": "string", "format": "date"},
            "photo": {"type": "string", "contentEncoding": "base64"},
            "note": {"type": ["string", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "scores": {"type": "object", "additionalProperties": {"type": "number"}},
            "extra": {},
            "color": {"enum": ["red", "green"]},
        },
        "required": ["age", "score", "name", "member", "signup", "note", "tags"],
    }
    assert from_jsonschema(schema) == columns(
        ColSpec(DataType.long, "age", True),
        ColSpec(DataType.double, "score", True),
        ColSpec(DataType.string, "name", True),
        ColSpec(DataType.boolean, "member", True),
        ColSpec(DataType.datetime, "signup", True),
        ColSpec(DataType.datetime, "day", False),
        ColSpec(DataType.binary, "photo", False),
        ColSpec(DataType.string, "note", False),
        ColSpec(Array(DataType.string), "tags", True),
        ColSpec(Map(DataType.double), "scores", False),
        ColSpec(AnyType(), "extra", False),
        ColSpec(DataType.string, "color", False),
    )


def test_pydantic_model_schema_maps_to_columns():
    pydantic = require("pydantic")

    class Address(pydantic.BaseModel):
        street: str
        zip: Optional[int] = None  # noqa: UP045 - the Optional spelling pydantic users write

    class Customer(pydantic.BaseModel):
        age: int
        score: float
        when: datetime.datetime
        blob: bytes
        tags: list[str]
        weights: dict[str, float]
        nick: Optional[str] = None  # noqa: UP045
        address: Address
        extra: dict

    assert from_jsonschema(Customer.model_json_schema()) == columns(
        ColSpec(DataType.long, "age", True),
        ColSpec(DataType.double, "score", True),
        ColSpec(DataType.datetime, "when", True),
        ColSpec(DataType.binary, "blob", True),
        ColSpec(Array(DataType.string), "tags", True),
        ColSpec(Map(DataType.double), "weights", True),
        ColSpec(DataType.string, "nick", False),
        ColSpec(
            Object(
                (
                    Property("street", DataType.string, True),
                    Property("zip", DataType.long, False),
                )
            ),
            "address",
            True,
        ),
        ColSpec(Map(AnyType()), "extra", True),
    )


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Point": {
                "type": "object",
                "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
                "required": ["x", "y"],
            },
            "Row": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "where": {"$ref": "#/components/schemas/Point"},
                    "path": {"type": "array", "items": {"$ref": "#/components/schemas/Point"}},
                    "label": {"type": "string", "nullable": True},
                },
                "required": ["id", "where", "label"],
            },
            "Rows": {"type": "array", "items": {"$ref": "#/components/schemas/Row"}},
        }
    },
}
POINT = Object((Property("x", DataType.double, True), Property("y", DataType.double, True)))
ROW = columns(
    ColSpec(DataType.long, "id", True),
    ColSpec(POINT, "where", True),
    ColSpec(Array(POINT), "path", False),
    ColSpec(DataType.string, "label", False),
)


def test_openapi_component_with_refs_maps_through_the_pointer():
    assert from_jsonschema(OPENAPI, pointer="/components/schemas/Row") == ROW


def test_an_array_of_records_maps_to_the_records_columns():
    assert from_jsonschema(OPENAPI, pointer="/components/schemas/Rows") == ROW


def test_a_scalar_schema_is_one_unnamed_column():
    assert from_jsonschema({"type": "array", "items": {"type": "string"}}) == columns(
        ColSpec(Array(DataType.string), None, True)
    )


def test_our_export_embedded_in_an_openapi_document_reads_back_exactly():
    """OpenAPI tools move ``$defs`` to ``components``: the annotations still travel."""
    sig = load_signature(MODELS / "map_anytype_pyfunc")
    exported = to_jsonschema(sig, "inputs")
    defs = exported.pop("$defs")
    text = json.dumps({**exported, "$id": None}).replace("#/$defs/", "#/components/schemas/")
    component = {k: v for k, v in json.loads(text).items() if k not in {"$id", "$schema"}}
    moved = json.loads(json.dumps(defs).replace("#/$defs/", "#/components/schemas/"))
    document = {
        "openapi": "3.1.0",
        "components": {"schemas": {"Inputs": component, **moved}},
    }
    assert from_jsonschema(document, pointer="/components/schemas/Inputs") == Signature(
        inputs=sig.inputs
    )


# --------------------------------------------------------------------------
# Refusals: each names the JSON pointer and the keyword
# --------------------------------------------------------------------------
def obj(**props):
    return {"type": "object", "properties": props}


REFUSALS = [
    (
        "union of two types",
        obj(a={"oneOf": [{"type": "string"}, {"type": "integer"}]}),
        "/properties/a/oneOf",
        "oneOf",
    ),
    ("anyOf of two types", obj(a={"anyOf": [{"type": "string"}, {"type": "integer"}]}), "/properties/a/anyOf", "anyOf"),
    ("type list", obj(a={"type": ["string", "integer"]}), "/properties/a", "type"),
    ("not", obj(a={"not": {"type": "string"}}), "/properties/a", "not"),
    ("if/then", obj(a={"type": "string", "if": {"minLength": 1}}), "/properties/a", "if"),
    ("tuple", obj(a={"type": "array", "prefixItems": [{"type": "string"}]}), "/properties/a", "prefixItems"),
    ("old tuple", obj(a={"type": "array", "items": [{"type": "string"}]}), "/properties/a/items", "items"),
    ("pattern properties", obj(a={"type": "object", "patternProperties": {"^x": {}}}), "/properties/a", "patternProperties"),
    ("false schema", obj(a=False), "/properties/a", ""),
    (
        "properties and additionalProperties schema",
        obj(a={"type": "object", "properties": {"b": {}}, "additionalProperties": {"type": "string"}}),
        "/properties/a/additionalProperties",
        "additionalProperties",
    ),
    ("closed empty object", obj(a={"type": "object", "additionalProperties": False}), "/properties/a/additionalProperties", "additionalProperties"),
    ("enum of objects", obj(a={"enum": [{"x": 1}]}), "/properties/a", "enum"),
    ("allOf of two", obj(a={"allOf": [{"type": "string"}, {"minLength": 1}]}), "/properties/a/allOf", "allOf"),
    ("nested unsupported", obj(a=obj(b={"not": {}})), "/properties/a/properties/b", "not"),
    ("remote ref", obj(a={"$ref": "https://example.com/schemas/thing.json"}), "/properties/a", "$ref"),
    ("dangling ref", obj(a={"$ref": "#/$defs/missing"}), "/properties/a", "$ref"),
    (
        "recursive ref",
        {"$defs": {"Node": obj(next={"$ref": "#/$defs/Node"})}, **obj(root={"$ref": "#/$defs/Node"})},
        "/$defs/Node/properties/next",
        "$ref",
    ),
    ("unknown dialect", {"$schema": "https://example.com/my-dialect", **obj(a={})}, "", "$schema"),
    ("object without properties", {"type": "object", "properties": {}}, "", "properties"),
    ("optional single column", {"type": ["string", "null"]}, "", "type"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("schema", "pointer", "keyword"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_unrepresentable_schemas_name_pointer_and_keyword(schema, pointer, keyword):
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(schema)
    assert info.value.pointer == pointer
    assert info.value.keyword == keyword


def test_a_pointer_to_nowhere_is_refused():
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(OPENAPI, pointer="/components/schemas/Nope")
    assert info.value.pointer == "/components/schemas/Nope"
    with pytest.raises(UnrepresentableSchema):
        from_jsonschema(OPENAPI, pointer="components")


def test_a_boolean_document_is_refused():
    with pytest.raises(UnrepresentableSchema):
        from_jsonschema(True)


def test_pointer_tokens_are_escaped():
    schema = obj(**{"a/b": {"not": {}}})
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(schema)
    assert info.value.pointer == "/properties/a~1b"


def test_tampered_annotations_are_refused_not_trusted():
    sig = load_signature(MODELS / "iris_sklearn_classifier")
    schema = copy.deepcopy(to_jsonschema(sig, "inputs"))
    schema["$defs"]["inputs.0"]["x-mlflow-column"]["type"] = "decimal"
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(schema)
    assert info.value.keyword == "x-mlflow-column"


# --------------------------------------------------------------------------
# Hostile shapes: refused in bounded time, never a crash
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("schema", "pointer", "keyword"),
    [
        ({"type": 5}, "", "type"),
        (obj(a={"anyOf": 3}), "/properties/a", "anyOf"),
        ({"type": "object", "required": 5, "properties": {"a": {}}}, "", "required"),
        (obj(a={"$ref": 5}), "/properties/a", "$ref"),
        (obj(a={"type": "array", "items": 7}), "/properties/a", "items"),
    ],
)
def test_keyword_values_of_the_wrong_shape_are_refused(schema, pointer, keyword):
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(schema)
    assert (info.value.pointer, info.value.keyword) == (pointer, keyword)


def deep_arrays(levels):
    node = {"type": "string"}
    for _ in range(levels):
        node = {"type": "array", "items": node}
    return obj(a=node)


def test_depth_is_bounded_before_anything_recursive():
    with pytest.raises(UnrepresentableSchema, match="nested deeper"):
        from_jsonschema(deep_arrays(10_000))
    with pytest.raises(UnrepresentableSchema, match="deeper than a signature may be"):
        from_jsonschema(deep_arrays(100))
    assert from_jsonschema(deep_arrays(10)).inputs is not None


def test_ref_fan_out_is_charged_in_full_but_mapped_once():
    names = "abcdefghij"
    defs = {"d0": {"type": "string"}}
    for i in range(1, 9):
        defs[f"d{i}"] = obj(**{k: {"$ref": f"#/$defs/d{i - 1}"} for k in names})
    bomb = {"$defs": defs, **obj(x={"$ref": "#/$defs/d8"})}
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(bomb)
    assert info.value.keyword == "$ref"
    small = {"$defs": defs, **obj(x={"$ref": "#/$defs/d3"})}
    assert from_jsonschema(small).inputs is not None


def test_enormous_enums_are_refused():
    with pytest.raises(UnrepresentableSchema) as info:
        from_jsonschema(obj(a={"enum": [str(i) for i in range(100_000)]}))
    assert info.value.keyword == "enum"
