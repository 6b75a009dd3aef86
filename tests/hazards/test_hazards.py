"""The hazard table: every code fires where it should and nowhere else; the corpus agrees."""

from __future__ import annotations

import json

import pytest

from sig2jsonschema import Validator, load_signature
from sig2jsonschema._hazards.verdicts import (
    FORMS,
    applicable_forms,
    form_verdicts,
    has_one_row_column,
    hazard_codes,
    hazards,
    recommended_form,
)
from tests.conftest import ROOT, corpus_signature_paths, load_cases, model_dirs


def col(t, name=None, required=True, **extra):
    out = {"type": t, **extra}
    if name is not None:
        out["name"] = name
    out["required"] = required
    return out


def tensor(dtype, shape, name=None):
    spec = {"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": shape}}
    return {"name": name, **spec} if name else spec


def sig(inputs=None, params=None, hint=False):
    return load_signature_with_hint({"inputs": inputs, "params": params}, hint)


def load_signature_with_hint(document, hint):
    from sig2jsonschema._signature.serialized import parse_signature

    return parse_signature(document, from_type_hint=hint)


ARRAY_LONG = {"type": "array", "items": {"type": "long"}}
OBJ = {"type": "object", "properties": {"a": {"type": "long"}}}
BASE = [col("long", "x")]

#: code -> (a signature that has it, a close one that does not)
EXAMPLES = {
    "nested-integer-unusable": (
        sig([col("array", "a", items={"type": "integer"})]),
        sig([col("array", "a", items={"type": "long"})]),
    ),
    "nested-float-unusable": (
        sig([col("object", "o", properties={"f": {"type": "float"}})]),
        sig([col("object", "o", properties={"f": {"type": "double"}})]),
    ),
    "nested-datetime-unusable": (
        sig([col("map", "m", values={"type": "datetime"})]),
        sig([col("map", "m", values={"type": "string"})]),
    ),
    "nested-binary-not-decoded": (
        sig([col("array", "a", items={"type": "binary"})]),
        sig([col("binary", "b")]),
    ),
    "nested-double-needs-float-tokens": (
        sig([col("array", "a", items={"type": "double"})]),
        sig([col("double", "d")]),
    ),
    "nested-long-needs-integer-tokens": (
        sig([col("array", "a", items={"type": "long"})]),
        sig([col("long", "a")]),
    ),
    "binary-not-decoded": (sig([col("binary", "b")]), sig([col("string", "b")])),
    "optional-scalar-not-nullable": (
        sig([*BASE, col("long", "y", required=False)]),
        sig([*BASE, col("double", "y", required=False)]),
    ),
    "optional-integer-may-be-missing": (
        sig([*BASE, col("integer", "y", required=False)]),
        sig([*BASE, col("integer", "y")]),
    ),
    "optional-column-uneven-records": (
        sig([*BASE, col("boolean", "y", required=False)]),
        sig([*BASE, col("boolean", "y")]),
    ),
    "map-column-not-one-row": (
        sig([*BASE, col("map", "m", values={"type": "long"})]),
        sig([*BASE, col("array", "m", items={"type": "long"})]),
    ),
    "any-column-columnar": (
        sig([*BASE, col("any", "p")]),
        sig([*BASE, col("array", "p", items={"type": "long"})]),
    ),
    "complex-column-instances-records": (
        sig([*BASE, col("object", "o", properties=OBJ["properties"])]),
        sig([*BASE, col("map", "o", values={"type": "long"})]),
    ),
    "optional-array-null-inputs": (
        sig([*BASE, col("array", "y", required=False, items={"type": "long"})]),
        sig([*BASE, col("array", "y", items={"type": "long"})]),
    ),
    "nested-array-ragged-inputs": (
        sig([col("array", "g", items=ARRAY_LONG)]),
        sig([col("array", "g", items={"type": "long"})]),
    ),
    "any-items-stringified-inputs": (
        sig([col("array", "g", items={"type": "any"})]),
        sig([col("array", "g", items={"type": "string"})]),
    ),
    "complex-column-list-form": (
        sig([col("array", "input", items={"type": "string"})]),
        sig([col("string", "input")]),
    ),
    "llm-number-tokens": (sig([col("long", "prompt")]), sig([col("string", "prompt")])),
    "llm-column-unusable": (
        sig([col("string", "prompt"), col("integer", "n")]),
        sig([col("string", "prompt"), col("long", "n")]),
    ),
    "float32-rounding": (sig([col("float", "f")]), sig([col("double", "f")])),
    "datetime-one-format": (sig([col("datetime", "t")]), sig([col("string", "t")])),
    "sparkml-vector": (
        sig([col("sparkml_vector", "v")]),
        sig([col("array", "v", items={"type": "double"})]),
    ),
    "any-required-not-enforced": (
        sig([*BASE, col("any", "p")]),
        sig([*BASE, col("any", "p", required=False)]),
    ),
    "unnamed-rows-first-type": (
        sig([col("string"), col("long")]),
        sig([col("long"), col("long")]),
    ),
    "unnamed-records-key-order": (sig([col("long"), col("long")]), sig([col("long")])),
    "type-hint-inputs-only": (sig([col("string")], hint=True), sig([col("string")])),
    "named-tensor-batch-unchecked": (
        sig([tensor("int64", [-1], "a"), tensor("int64", [-1], "b")]),
        sig([tensor("int64", [-1], "a")]),
    ),
    "named-tensors-no-batch": (
        sig([tensor("int64", [1], "a"), tensor("int64", [2], "b")]),
        sig([tensor("int64", [-1], "a"), tensor("int64", [2, 3], "b")]),
    ),
    "no-input-schema": (sig(None, [{"name": "k", "type": "long", "default": 1}]), sig(BASE)),
    "tensor-float-precision": (
        sig([tensor("float16", [-1, 2])]),
        sig([tensor("float64", [-1, 2])]),
    ),
    "tensor-uint64": (sig([tensor("uint64", [-1])]), sig([tensor("int64", [-1])])),
    "tensor-complex": (sig([tensor("complex128", [-1])]), sig([tensor("float64", [-1])])),
    "tensor-frame-cells": (sig([tensor("bytes", [-1])]), sig([tensor("str", [-1])])),
    "tensor-object": (sig([tensor("object", [-1])]), sig([tensor("str", [-1])])),
    "tensor-bytes-ascii": (sig([tensor("bytes", [-1])]), sig([tensor("str", [-1])])),
    "param-integer-unbounded": (
        sig(BASE, [{"name": "k", "type": "integer", "default": 1}]),
        sig(BASE, [{"name": "k", "type": "long", "default": 1}]),
    ),
    "param-explicit-null": (
        sig(BASE, [{"name": "k", "type": "long", "default": 1}]),
        sig(BASE, [{"name": "k", "type": "long", "default": None}]),
    ),
}


def codes(signature):
    return {h.code for h in hazards(signature)}


def test_every_code_has_an_example():
    assert set(EXAMPLES) == set(hazard_codes())


@pytest.mark.parametrize("code", sorted(EXAMPLES))
def test_hazard_fires_on_its_example_and_not_on_the_near_miss(code):
    with_it, without = EXAMPLES[code]
    assert code in codes(with_it)
    assert code not in codes(without)


@pytest.mark.parametrize("dtype", ["bytes", "object"])
def test_tensor_frame_cells_fails_the_frame_forms_of_frame_shaped_tensors(dtype):
    signature = sig([tensor(dtype, [-1, 2])])
    assert set(applicable_forms(signature)) >= {"dataframe_split", "dataframe_records"}
    found = [h for h in hazards(signature) if h.code == "tensor-frame-cells"]
    assert [(h.severity, h.forms) for h in found] == [
        ("error", ("dataframe_split", "dataframe_records"))
    ]
    verdicts = form_verdicts(signature)
    assert not verdicts["dataframe_split"].works
    assert not verdicts["dataframe_records"].works
    assert verdicts["inputs/tensor"].works


@pytest.mark.parametrize("shape", [[2], [-1, -1], [3, 2]])
def test_tensor_frame_cells_needs_a_frame_shape(shape):
    signature = sig([tensor("bytes", shape)])
    assert "tensor-frame-cells" not in codes(signature)
    assert "dataframe_split" not in applicable_forms(signature)


def test_tensor_frame_cells_names_only_the_bytes_or_object_tensor():
    signature = sig([tensor("int64", [-1], "a"), tensor("object", [-1], "b")])
    found = [h for h in hazards(signature) if h.code == "tensor-frame-cells"]
    assert [h.field for h in found] == ["inputs['b']"]


def test_every_code_is_documented_with_an_example():
    text = (ROOT / "docs" / "hazards.md").read_text(encoding="utf-8")
    for code in hazard_codes():
        assert f"`{code}`" in text, code


def test_required_nested_float_is_an_error_and_optional_a_warning():
    required = sig([col("array", "a", items={"type": "float"})])
    optional = sig([col("array", "a", required=False, items={"type": "float"})])
    assert {h.severity for h in hazards(required) if h.code == "nested-float-unusable"} == {"error"}
    assert {h.severity for h in hazards(optional) if h.code == "nested-float-unusable"} == {
        "warning"
    }
    assert recommended_form(required) is None
    assert recommended_form(optional) == "dataframe_split"


def test_nested_field_names_point_inside_the_column():
    s = sig([col("object", "doc", properties={"spans": {"type": "array", "items": OBJ}})])
    fields = {h.field for h in hazards(s) if h.code == "nested-long-needs-integer-tokens"}
    assert fields == {"inputs['doc'].spans[*].a"}


@pytest.mark.parametrize(
    "source", [*corpus_signature_paths(), *model_dirs()], ids=lambda p: p.stem or p.name
)
def test_hazard_forms_are_applicable_and_verdicts_cover_every_form(source):
    s = load_signature(source)
    applicable = set(applicable_forms(s))
    for h in hazards(s):
        assert set(h.forms) <= applicable
    verdicts = form_verdicts(s)
    assert list(verdicts) == list(FORMS)
    for form, verdict in verdicts.items():
        if form not in applicable:
            assert not verdict.works
    best = recommended_form(s)
    assert best is None or verdicts[best].works


@pytest.mark.parametrize(
    ("model", "form"),
    [
        ("iris_sklearn_numpy_tensor", "inputs/tensor"),
        ("multi_tensor_dict", "inputs/tensors"),
        ("unnamed_strings_pyfunc", "inputs/list"),
        ("iris_sklearn_classifier", "dataframe_split"),
        ("binary_column_pyfunc", "dataframe_split"),
        ("type_hinted_pyfunc", "inputs/list"),
    ],
)
def test_recommended_form_follows_the_spec_quick_reference(model, form):
    assert recommended_form(load_signature(ROOT / "fixtures" / "models" / model)) == form


def test_type_hint_signature_works_only_under_inputs():
    s = load_signature(ROOT / "fixtures" / "models" / "type_hinted_pyfunc")
    working = [f for f, v in form_verdicts(s).items() if v.works]
    assert working == ["inputs/list"]


# --------------------------------------------------------------------------
# The corpus: every well-formed body MLflow refused was sent in a form the
# table marks as not working.
# --------------------------------------------------------------------------
def corpus_form(signature, case) -> str | None:
    """The body form a valid-shape case used (its mutation label names the envelope)."""
    label = case["mutation"]
    if not label.startswith("envelope "):
        return None
    envelope = label.removeprefix("envelope ").split(",")[0].split(" +")[0]
    body = json.loads(case["body"])
    one_row = has_one_row_column(signature)
    fixed = {
        "split": "dataframe_split",
        "split_index": "dataframe_split",
        "split_flat": "dataframe_split",
        "split_wide": "dataframe_split",
        "records": "dataframe_records",
        "records_flat": "dataframe_records",
        "inputs_records": "inputs/records",
        "instances_records": "instances/records",
        "inputs_list": "inputs/list",
        "instances_list": "instances/list",
        "inputs_cols": "inputs/columnar",
        "instances_cols": "instances/columnar",
        "inputs_row": "inputs/row" if one_row else "inputs/columnar",
        "unified": "llm",
    }
    if envelope in fixed:
        return fixed[envelope]
    key = envelope  # "inputs" / "instances" for tensors
    value = body[key]
    if isinstance(value, dict):
        return f"{key}/tensors"
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return f"{key}/records"
    return f"{key}/tensor"


def _refused_valid_shape_cases():
    signatures = {p.stem: load_signature(p) for p in corpus_signature_paths()}
    out = []
    for case in load_cases():
        if case["kind"] != "valid-shape" or case["mlflow"]["status"] == 200:
            continue
        s = signatures[case["signature"]]
        out.append(pytest.param(s, case, id=case["id"]))
    return out


@pytest.mark.parametrize(("signature", "case"), _refused_valid_shape_cases())
def test_every_refused_valid_shape_case_uses_a_form_marked_not_working(signature, case):
    form = corpus_form(signature, case)
    assert form is not None
    verdict = form_verdicts(signature)[form]
    assert not verdict.works, (form, case["body"][:200], case["mlflow"]["message"][:200])


def test_corpus_has_refused_valid_shape_cases():
    assert len(_refused_valid_shape_cases()) == 45


@pytest.mark.parametrize("dtype", ["double", "datetime"])
def test_optional_nan_columns_may_be_missing_from_some_records(dtype):
    # A record lacking an optional double/datetime key gets NaN/NaT, the canonical
    # missing value (checked on MLflow 3.17.2): not a hazard, and strict accepts it
    # in dataframe_records and inputs records, but not in instances records.
    signature = sig([*BASE, col(dtype, "y", required=False)])
    assert "optional-column-uneven-records" not in {h.code for h in hazards(signature)}
    value = 1.5 if dtype == "double" else "2024-01-01"
    records = [{"x": 1, "y": value}, {"x": 2}]
    validator = Validator(signature)
    assert validator.is_valid({"dataframe_records": records})
    assert validator.is_valid({"inputs": records})
    assert not validator.is_valid({"instances": records})


def test_optional_float_may_be_missing_only_in_dataframe_records():
    signature = sig([*BASE, col("float", "y", required=False)])
    records = [{"x": 1, "y": 0.5}, {"x": 2}]
    validator = Validator(signature)
    assert validator.is_valid({"dataframe_records": records})
    assert not validator.is_valid({"inputs": records})
