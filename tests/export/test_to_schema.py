"""`to_jsonschema`: well-formed, self-contained documents that type values as the contract says."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from sig2jsonschema import load_signature
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._export.values import (
    BASE64_PATTERN,
    DATETIME_PATTERN,
    MLFLOW_ARRAY_ITEMS,
    MLFLOW_NESTED_SCALARS,
    MLFLOW_TOP_SCALARS,
    STRICT_SCALARS,
)
from sig2jsonschema._export.vocabulary import validator_for
from sig2jsonschema._releases.table import SUPPORTED
from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._signature.shipped import load_schema, registry
from sig2jsonschema._signature.types import DataType
from sig2jsonschema.strategies._signatures import signatures
from tests.conftest import MODELS, corpus_signature_paths, model_dirs

SOURCES = [*corpus_signature_paths(), *model_dirs()]
PARTS = ("request", "inputs", "outputs", "params")
MODES = ("strict", "mlflow")
VOCABULARY_DOCUMENT = load_schema("mlflow-vocabulary.schema.json")
VOCABULARY = Draft202012Validator(VOCABULARY_DOCUMENT, registry=registry())
#: One validator per documented keyword (the whole meta-schema is slow on big exports).
VOCABULARY_KEYWORDS = {
    name: Draft202012Validator(
        {"$schema": VOCABULARY_DOCUMENT["$schema"], **sub, "$defs": {}}
        if "$dynamicRef" not in json.dumps(sub)
        else {"type": sub["type"]}
    )
    for name, sub in VOCABULARY_DOCUMENT["properties"].items()
}


def x_keywords(node):
    """Every (keyword, value) of our vocabulary used anywhere in a schema."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for k, v in item.items():
                if k.startswith("x-mlflow-"):
                    yield k, v
                if not k.startswith("x-mlflow-") or k == "x-mlflow-columns":
                    stack.append(v)
        elif isinstance(item, list):
            stack.extend(item)


def sig(inputs=None, params=None):
    return parse_signature({"inputs": inputs, "params": params})


def strict(signature, part="request"):
    return validator_for(to_jsonschema(signature, part, "strict"))


def mlflow(signature, part="request"):
    return validator_for(to_jsonschema(signature, part, "mlflow"))


def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)


def keywords(node, name):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == name:
                yield v
            yield from keywords(v, name)
    elif isinstance(node, list):
        for v in node:
            yield from keywords(v, name)


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem or p.name)
def test_every_export_is_a_self_contained_2020_12_schema(source, part, mode):
    schema = to_jsonschema(load_signature(source), part, mode)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("urn:sig2jsonschema:")
    assert schema["title"]
    assert schema["description"]
    if mode == "mlflow":
        # One release: the model's own (fixtures were saved by 3.17.2), else the newest.
        line = schema["x-mlflow-version"]
        assert line in SUPPORTED
        assert schema["$id"].endswith(f":{part}:{mode}:{line}")
        assert "x-mlflow-versions" not in schema
    else:
        # One contract for every supported release.
        assert schema["x-mlflow-versions"] == list(SUPPORTED)
        assert schema["$id"].endswith(f":{part}:{mode}")
        assert "x-mlflow-version" not in schema
    assert all(r.startswith("#/$defs/") for r in refs(schema))
    # our x- keywords are the documented ones, with documented values
    for name, value in x_keywords(schema):
        assert name in VOCABULARY_KEYWORDS, name
        assert VOCABULARY_KEYWORDS[name].is_valid(value), (name, value)
    # format assertion cannot break anything: no export relies on `format`
    assert not list(keywords(schema, "format"))
    json.dumps(schema, allow_nan=False)  # RFC 8259 JSON


@pytest.mark.parametrize("mode", MODES)
def test_exports_validate_against_the_vocabulary_meta_schema(mode):
    """The meta-schema (2020-12 + our keywords, recursively via $dynamicRef) accepts exports."""
    schema = to_jsonschema(load_signature(MODELS / "chat_messages_pyfunc"), "request", mode)
    assert not list(VOCABULARY.iter_errors(schema))
    bad = {**schema, "properties": {"x": {"x-mlflow-token": "float"}}}
    assert not VOCABULARY.is_valid(bad)


def test_ids_are_stable_and_distinct_per_signature_part_and_mode():
    a = load_signature(SOURCES[0])
    b = load_signature(SOURCES[1])
    ids = {to_jsonschema(s, p, m)["$id"] for s in (a, b) for p in PARTS for m in MODES}
    assert len(ids) == 2 * len(PARTS) * len(MODES)
    assert to_jsonschema(a)["$id"] == to_jsonschema(a)["$id"]


def test_unknown_part_or_mode_is_a_value_error():
    s = load_signature(SOURCES[0])
    with pytest.raises(ValueError, match="unknown part"):
        to_jsonschema(s, "body")
    with pytest.raises(ValueError, match="unknown mode"):
        to_jsonschema(s, mode="lenient")


@pytest.mark.parametrize(
    "table",
    [STRICT_SCALARS, MLFLOW_TOP_SCALARS, MLFLOW_NESTED_SCALARS, MLFLOW_ARRAY_ITEMS],
    ids=["strict", "mlflow-top", "mlflow-nested", "mlflow-array-items"],
)
def test_every_value_table_has_a_row_per_data_type(table):
    assert set(table) == set(DataType)


@pytest.mark.parametrize("model", sorted(p.name for p in model_dirs()))
def test_mlflow_mode_accepts_the_serving_example_mlflow_wrote(model):
    text = (MODELS / model / "serving_input_example.json").read_text()
    body = json.loads(text)
    assert mlflow(load_signature(MODELS / model)).is_valid(body)


def test_strict_accepts_the_serving_examples_that_use_a_working_form():
    accepted = []
    for model in model_dirs():
        s = load_signature(model)
        text = (model / "serving_input_example.json").read_text()
        if re.search(r"\bNaN\b", text):
            continue  # not RFC 8259 JSON: strict refuses it on purpose
        if strict(s).is_valid(json.loads(text)):
            accepted.append(model.name)
    # binary (inputs is not decoded... the example uses dataframe_split and works),
    # type hint (inputs only) -- every RFC 8259 example MLflow wrote is strictly valid
    assert "iris_sklearn_classifier" in accepted
    assert "mnist_uint8_tensor" in accepted
    assert "chat_messages_pyfunc" in accepted
    assert len(accepted) >= 12


# --------------------------------------------------------------------------
# Scalars: the canonical decoding table
# --------------------------------------------------------------------------
ALL_TYPES = sig(
    [
        {"type": "boolean", "name": "b"},
        {"type": "integer", "name": "i"},
        {"type": "long", "name": "l"},
        {"type": "float", "name": "f"},
        {"type": "double", "name": "d"},
        {"type": "string", "name": "s"},
        {"type": "binary", "name": "y"},
        {"type": "datetime", "name": "t"},
    ]
)
GOOD_ROW = {
    "b": True,
    "i": 7,
    "l": 2**40,
    "f": 1.5,
    "d": 2.5,
    "s": "x",
    "y": "aGVsbG8=\n",
    "t": "2024-01-02T03:04:05.123456",
}


def records(**changes):
    return {"dataframe_records": [{**GOOD_ROW, **changes}]}


def test_strict_accepts_a_canonical_row():
    assert strict(ALL_TYPES).is_valid(records())


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("b", 1),
        ("b", "true"),
        ("i", 2**31),
        ("i", 1.0),
        ("l", 2**63),
        ("l", 2.5),
        ("l", "7"),
        ("f", 1e39),
        ("d", "1.5"),
        ("d", None),
        ("s", 1),
        ("s", None),
        ("y", "aGVsbG8"),
        ("y", "not base64!"),
        ("t", "2024-01-02T03:04:05Z"),
        ("t", "2024-01-02T03:04:05+02:00"),
        ("t", "03/04/2021"),
        ("t", "2024-02-30"),
        ("t", 1700000000),
    ],
)
def test_strict_refuses_what_mlflow_would_alter(column, value):
    errors = list(strict(ALL_TYPES).iter_errors(records(**{column: value})))
    assert errors
    assert any(e.absolute_path and e.absolute_path[-1] == column for e in errors)


@pytest.mark.parametrize(
    ("column", "value"),
    [("b", 1), ("i", 1.5), ("l", "7"), ("f", "NaN"), ("d", True), ("s", 1), ("t", 17)],
)
def test_mlflow_mode_accepts_lossy_casts(column, value):
    assert mlflow(ALL_TYPES).is_valid(records(**{column: value}))


def test_patterns_do_not_accept_a_trailing_newline_in_python_either():
    assert re.search(DATETIME_PATTERN, "2024-01-01")
    assert not re.search(DATETIME_PATTERN, "2024-01-01\n")
    assert re.search(BASE64_PATTERN, "aGk=\n")
    assert not re.search(BASE64_PATTERN, "aGk")


def test_optional_scalar_null_only_where_it_means_nan():
    s = sig(
        [
            {"type": "long", "name": "a"},
            {"type": "double", "name": "b", "required": False},
            {"type": "long", "name": "c", "required": False},
        ]
    )
    v = strict(s)
    assert v.is_valid({"dataframe_records": [{"a": 1, "b": None}]})
    assert not v.is_valid({"dataframe_records": [{"a": 1, "c": None}]})
    assert v.is_valid({"dataframe_records": [{"a": 1, "c": 2}]})


def test_strict_records_need_the_same_keys_in_every_record():
    s = sig([{"type": "long", "name": "a"}, {"type": "long", "name": "c", "required": False}])
    body = {"dataframe_records": [{"a": 1, "c": 2}, {"a": 3}]}
    assert not strict(s).is_valid(body)
    assert [e.validator for e in strict(s).iter_errors(body)] == ["x-mlflow-same-keys"]
    assert strict(s).is_valid({"dataframe_records": [{"a": 1}, {"a": 3}]})


def test_strict_split_types_cells_by_column_subsequence():
    s = sig([{"type": "long", "name": "a"}, {"type": "string", "name": "b", "required": False}])
    v = strict(s)
    assert v.is_valid({"dataframe_split": {"columns": ["a", "b"], "data": [[1, "x"]]}})
    assert v.is_valid({"dataframe_split": {"columns": ["a"], "data": [[1]]}})
    assert not v.is_valid({"dataframe_split": {"columns": ["a", "b"], "data": [[1, 2]]}})
    assert not v.is_valid({"dataframe_split": {"columns": ["b"], "data": [["x"]]}})
    assert not v.is_valid({"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}})


def test_strict_columnar_is_all_columns_or_one_row():
    s = sig([{"type": "long", "name": "a"}, {"type": "string", "name": "b"}])
    v = strict(s)
    assert v.is_valid({"inputs": {"a": [1, 2], "b": ["x", "y"]}})
    assert v.is_valid({"inputs": {"a": 1, "b": "x"}})
    assert not v.is_valid({"inputs": {"a": [1, 2], "b": "x"}})  # broadcast
    assert not v.is_valid({"inputs": {"a": [1, 2], "b": ["x"]}})  # unequal lengths


# --------------------------------------------------------------------------
# Complex types
# --------------------------------------------------------------------------
COMPLEX = sig(
    [
        {
            "type": "object",
            "name": "o",
            "properties": {
                "a": {"type": "long"},
                "b": {"type": "string", "required": False},
            },
        },
        {"type": "map", "name": "m", "values": {"type": "double"}, "required": True},
        {"type": "array", "name": "v", "items": {"type": "double"}, "required": True},
        {"type": "any", "name": "z", "required": True},
    ]
)


def complex_row(**changes):
    row = {"o": {"a": 1}, "m": {"k": 1.5}, "v": [1.5, 2], "z": [1, "a"]}
    return {"dataframe_records": [{**row, **changes}]}


def test_complex_values():
    v = strict(COMPLEX)
    assert v.is_valid(complex_row())
    assert v.is_valid(complex_row(o={"a": 1, "b": None}))
    assert not v.is_valid(complex_row(o={"a": 1, "c": 1}))  # MLflow refuses unknown keys
    assert not v.is_valid(complex_row(o={"b": "x"}))  # required property
    assert not v.is_valid(complex_row(o={"a": 1.0}))  # nested long: integer token
    assert not v.is_valid(complex_row(m={"k": 2}))  # nested double: 2 alone is int64
    assert v.is_valid(complex_row(m={"k": 1}))  # ...but 0/1 are allowed
    assert not v.is_valid(complex_row(v=[1, 2]))  # whole-array rule
    assert v.is_valid(complex_row(v=[0, 1]))
    assert v.is_valid(complex_row(z=None))  # any: anything


def test_unusable_nested_float_makes_the_strict_request_refuse_everything():
    s = sig([{"type": "array", "name": "a", "items": {"type": "float"}, "required": True}])
    schema = to_jsonschema(s)
    assert schema["x-mlflow-forms"] == []
    assert "no request body form works" in schema["description"].lower()
    assert not validator_for(schema).is_valid({"dataframe_records": [{"a": []}]})
    assert validator_for(to_jsonschema(s, mode="mlflow")).is_valid(
        {"dataframe_records": [{"a": []}]}
    )


# --------------------------------------------------------------------------
# Tensors and params
# --------------------------------------------------------------------------
def test_tensor_shape_and_dtype_bounds():
    s = sig([{"type": "tensor", "tensor-spec": {"dtype": "uint8", "shape": [-1, 2, 2]}}])
    v = strict(s)
    assert v.is_valid({"inputs": [[[0, 255], [1, 2]]]})
    assert not v.is_valid({"inputs": [[[0, 256], [1, 2]]]})
    assert not v.is_valid({"inputs": [[[0, 1], [1]]]})
    assert not v.is_valid({"inputs": [[0, 1]]})
    assert not v.is_valid({"inputs": []})  # MLflow refuses an empty batch
    assert v.is_valid({"instances": [[[0, 1], [2, 3]]]})


def test_ragged_tensor_is_caught_by_the_shape_keyword():
    s = sig([{"type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1, -1]}}])
    schema = to_jsonschema(s)
    body = {"inputs": [[1, 2], [3]]}
    assert Draft202012Validator(schema).is_valid(body)
    assert [e.validator for e in validator_for(schema).iter_errors(body)] == ["x-mlflow-shape"]


def test_params_carry_defaults_and_types():
    s = sig(
        [{"type": "string", "name": "prompt"}],
        [
            {"name": "k", "type": "long", "default": 3},
            {"name": "stop", "type": "string", "default": ["x"], "shape": [-1]},
        ],
    )
    schema = to_jsonschema(s, "params")
    defaults = {d["x-mlflow-field"]: d["default"] for d in schema["$defs"].values()}
    assert defaults == {"params['k']": 3, "params['stop']": ["x"]}
    v = validator_for(schema)
    assert v.is_valid({"k": 4, "stop": ["a", "b"]})
    assert not v.is_valid({"k": 1.0})
    assert not v.is_valid({"k": None})
    assert not v.is_valid({"zz": 1})
    lenient = validator_for(to_jsonschema(s, "params", "mlflow"))
    assert lenient.is_valid({"k": None, "zz": 1})
    assert not lenient.is_valid({"stop": None})


# --------------------------------------------------------------------------
# The envelope: errors point into the form that was sent
# --------------------------------------------------------------------------
def test_error_points_into_the_form_sent():
    error = best_match(strict(ALL_TYPES).iter_errors(records(l="7")))
    assert list(error.absolute_path) == ["dataframe_records", 0, "l"]


def test_two_envelope_keys_are_refused_naming_the_extra_key():
    s = sig([{"type": "long", "name": "a"}])
    body = {"dataframe_records": [{"a": 1}], "inputs": {"a": [1]}}
    errors = list(strict(s).iter_errors(body))
    assert [list(e.absolute_path) for e in errors] == [["inputs"]]
    assert not mlflow(s).is_valid(body)
    # a key that does not work for the signature is refused by name too
    errors = strict(ALL_TYPES).iter_errors({"inputs": {"b": [True]}})
    assert any("'inputs' was unexpected" in e.message for e in errors)


def test_no_envelope_key_asks_for_the_recommended_one():
    error = best_match(strict(ALL_TYPES).iter_errors({"params": {}}))
    assert "'dataframe_split' is a required property" in error.message


def test_strict_refuses_unknown_top_level_keys_that_mlflow_ignores():
    body = {**records(), "signature_name": "serving_default"}
    assert not strict(ALL_TYPES).is_valid(body)
    assert mlflow(ALL_TYPES).is_valid(body)


def test_llm_keys_switch_the_mlflow_schema_to_the_unified_llm_form():
    chat = load_signature(MODELS / "chat_messages_pyfunc")
    body = json.loads((MODELS / "chat_messages_pyfunc" / "serving_input_example.json").read_text())
    assert "messages" in body
    assert strict(chat).is_valid(body)
    s = sig([{"type": "long", "name": "x"}])
    # an envelope body with a stray "input" key is read as LLM input by MLflow
    assert not mlflow(s).is_valid({"inputs": {"x": [1]}, "input": "hi"})


def test_type_hint_signature_accepts_only_inputs():
    hinted = load_signature(MODELS / "type_hinted_pyfunc")
    for mode in MODES:
        v = validator_for(to_jsonschema(hinted, mode=mode))
        assert v.is_valid({"inputs": ["a", "b"]})
        assert not v.is_valid({"dataframe_split": {"data": [["a"]]}})


def test_every_column_param_and_tensor_schema_names_its_field():
    s = load_signature(MODELS / "params_pyfunc")
    schema = to_jsonschema(s)
    fields = {d.get("x-mlflow-field") for d in schema["$defs"].values()}
    assert {"inputs['prompt']", "params['temperature']", "params['stop']"} <= fields
    strict_schema = to_jsonschema(ALL_TYPES, "request")
    assert FormatChecker() is not None
    validator = Draft202012Validator(strict_schema, format_checker=FormatChecker())
    assert validator.is_valid(records())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signatures())
def test_exports_of_generated_signatures_are_valid_schemas(signature):
    for part in PARTS:
        for mode in MODES:
            schema = to_jsonschema(signature, part, mode)
            Draft202012Validator.check_schema(schema)
            assert all(r.startswith("#/$defs/") for r in refs(schema))
            for name, value in x_keywords(schema):
                assert VOCABULARY_KEYWORDS[name].is_valid(value), (name, value)


def test_optional_columns_a_form_breaks_must_be_left_out_in_that_form():
    s = sig(
        [
            {"type": "long", "name": "a"},
            {"type": "binary", "name": "b", "required": False},
            {"type": "any", "name": "z", "required": False},
        ]
    )
    v = strict(s)
    assert v.is_valid({"inputs": {"a": [1]}})
    error = best_match(v.iter_errors({"inputs": {"a": [1], "b": ["aGk="]}}))
    assert list(error.absolute_path) == ["inputs", "b"]
    assert not v.is_valid({"inputs": {"a": [1], "z": [{"k": 1}]}})  # any: columnar is ambiguous
    assert v.is_valid({"inputs": [{"a": 1, "z": {"k": 1}}]})  # ...records are not
    assert v.is_valid({"dataframe_records": [{"a": 1, "b": "aGk=", "z": [1]}]})
