"""The `Validator` API: construction, the four entry points, parse, responses, sharing."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest
from jsonschema.exceptions import ValidationError

import sig2jsonschema._validate.validator as validate_module
from sig2jsonschema import PayloadError, load_signature
from sig2jsonschema._validate.ranking import find_best_deep_match, order
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.coercion import ParsedRequest, coerce
from tests.conftest import CONFORMANCE, MODELS, load_cases

MIXED = CONFORMANCE / "signatures" / "fx_mixed_types_sklearn_regressor.json"
PARAMS = CONFORMANCE / "signatures" / "p_scalar_all_types.json"
VALID = (
    '{"dataframe_records": [{"age": 30, "weight": 70.5, "is_member": true, '
    '"city": "Paris", "signup": "2024-01-02T03:04:05"}, {"age": 31, "weight": 1, '
    '"is_member": false, "city": "Lyon", "signup": "2024-01-03T00:00:00"}]}'
)
WRONG = VALID.replace('"age": 30', '"age": "old"').replace('"city": "Lyon"', '"city": 3')


# -- construction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [MIXED, str(MIXED), json.loads(MIXED.read_text()), load_signature(MIXED)],
    ids=["path", "str", "dict", "Signature"],
)
def test_signature_sources(source: Any) -> None:
    assert Validator(source).is_valid(VALID)


def test_model_directory_source() -> None:
    model = MODELS / "iris_sklearn_classifier"
    example = (model / "serving_input_example.json").read_bytes()
    assert Validator(model).is_valid(example)
    assert Validator(model / "MLmodel", mode="mlflow").is_valid(example)


def test_unknown_mode_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="mode"):
        Validator(MIXED, mode="lenient")  # type: ignore[arg-type]


def test_default_mode_is_strict_and_not_redacted() -> None:
    validator = Validator(MIXED)
    assert (validator.mode, validator.redact) == ("strict", False)
    assert validator.schema["x-mlflow-mode"] == "strict"
    assert "strict" in repr(validator)


def test_schema_and_validator_are_compiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"schema": 0, "validator": 0}
    real_schema, real_validator = validate_module.to_jsonschema, validate_module.validator_for

    def count_schema(*args: Any, **kwargs: Any) -> Any:
        calls["schema"] += 1
        return real_schema(*args, **kwargs)

    def count_validator(*args: Any, **kwargs: Any) -> Any:
        calls["validator"] += 1
        return real_validator(*args, **kwargs)

    monkeypatch.setattr(validate_module, "to_jsonschema", count_schema)
    monkeypatch.setattr(validate_module, "validator_for", count_validator)
    validator = Validator(MODELS / "iris_sklearn_classifier")  # request + outputs
    after_init = dict(calls)
    assert after_init == {"schema": 2, "validator": 2}
    for _ in range(5):
        validator.is_valid(VALID)
        list(validator.iter_errors(WRONG))
        validator.validate_response({"predictions": [0]})
    assert calls == after_init


def test_limits_are_checked_first_and_cap_the_errors() -> None:
    from sig2jsonschema._payload.limits import Limits

    tight = Validator(MIXED, limits=Limits(max_body_bytes=100))
    (error,) = list(tight.iter_errors(VALID))
    assert (error.keyword, error.status) == ("x-limit-body-bytes", 413)
    rows = ", ".join(['{"age": "x", "weight": 1.5, "is_member": true, "city": "a"}'] * 30)
    body = '{"dataframe_records": [' + rows + "]}"
    assert len(list(Validator(MIXED).iter_errors(body))) > 5
    capped = Validator(MIXED, limits=Limits(max_errors=5))
    assert len(list(capped.iter_errors(body))) == 5


# -- the entry points agree --------------------------------------------------------------


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_validate_raises_the_first_of_iter_errors(mode: str) -> None:
    validator = Validator(MIXED, mode=mode)  # type: ignore[arg-type]
    errors = list(validator.iter_errors(WRONG))
    assert errors
    with pytest.raises(PayloadError) as info:
        validator.validate(WRONG)
    assert info.value == errors[0]
    assert not validator.is_valid(WRONG)
    assert validator.validate(VALID) is None
    assert validator.is_valid(VALID)
    assert list(validator.iter_errors(VALID)) == []


def test_iter_errors_yields_every_error() -> None:
    errors = list(Validator(MIXED).iter_errors(WRONG))
    assert {e.pointer for e in errors} >= {"/dataframe_records/0/age", "/dataframe_records/1/city"}


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_text_bytes_and_parsed_bodies_give_the_same_verdict(mode: str) -> None:
    cases = [c for c in load_cases()[::5] if c["strict_json"]]
    validators: dict[str, Validator] = {}
    for case in cases:
        try:
            parsed = json.loads(case["body"])
        except (ValueError, RecursionError):
            continue
        name = case["signature"]
        validator = validators.setdefault(
            name,
            Validator(CONFORMANCE / "signatures" / f"{name}.json", mode=mode),  # type: ignore[arg-type]
        )
        text = validator.is_valid(case["body"])
        raw = validator.is_valid(case["body"].encode("utf-8", "surrogatepass"))
        if '"' + "dataframe" in case["body"] and case["body"].count('"dataframe') > 1:
            continue  # duplicate keys: a parsed body no longer shows them
        assert text == raw, case["id"]
        if not (mode == "strict" and text is False):
            assert validator.is_valid(parsed) == text, case["id"]


# -- parse -------------------------------------------------------------------------------


def test_parse_returns_what_predict_receives() -> None:
    parsed = Validator(MIXED).parse(VALID)
    assert isinstance(parsed, ParsedRequest)
    frame = parsed.inputs
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["age", "weight", "is_member", "city", "signup"]
    assert [str(t) for t in frame.dtypes] == ["int64", "float32", "bool", "str", "datetime64[ns]"]
    assert frame["weight"].tolist() == [70.5, 1.0]
    assert parsed.params is None
    assert parsed.warnings == ()
    assert parsed.form == "dataframe_records"
    assert parsed.unwrapped is False


def test_parse_fills_param_defaults() -> None:
    body = '{"dataframe_split": {"columns": ["prompt"], "data": [["hi"]]}, "params": {"i": 7}}'
    parsed = Validator(PARAMS).parse(body)
    assert parsed.params is not None
    assert parsed.params["i"] == 7
    assert parsed.params["b"] is True  # the declared default
    assert (
        set(parsed.params) == {"b", "i", "l", "f", "d", "s", "dt", "li", "dl"}
        or len(parsed.params) >= 7
    )


def test_parse_of_a_tensor_signature_gives_an_ndarray() -> None:
    validator = Validator(CONFORMANCE / "signatures" / "t_int32_var.json")
    parsed = validator.parse('{"inputs": [[1, 2], [3, 4]]}')
    assert isinstance(parsed.inputs, np.ndarray)
    assert (parsed.inputs.dtype, parsed.inputs.shape) == (np.dtype("int32"), (2, 2))
    assert parsed.form == "inputs/tensor"


def test_parse_raises_like_validate() -> None:
    validator = Validator(MIXED)
    with pytest.raises(PayloadError) as info:
        validator.parse(WRONG)
    assert info.value == next(validator.iter_errors(WRONG))


def test_mlflow_mode_parse_lists_lossy_conversions() -> None:
    body = VALID.replace('"age": 30', '"age": 30.9')
    parsed = Validator(MIXED, mode="mlflow").parse(body)
    assert parsed.inputs["age"].tolist() == [30, 31]
    (warning,) = [w for w in parsed.warnings if w.pointer == "/dataframe_records/0/age"]
    assert warning.field == "inputs['age']"
    assert "30.9" in warning.sent
    assert Validator(MIXED, mode="mlflow").warnings(body) == parsed.warnings
    with pytest.raises(PayloadError) as info:
        Validator(MIXED).parse(body)
    assert info.value.pointer == "/dataframe_records/0/age"


def test_coerce_is_parse_in_one_call() -> None:
    parsed = coerce(MIXED, VALID)
    assert parsed.inputs["city"].tolist() == ["Paris", "Lyon"]
    assert coerce(MIXED, VALID.replace("30", "30.5"), mode="mlflow").inputs["age"].tolist() == [
        30,
        31,
    ]
    with pytest.raises(PayloadError):
        coerce(MIXED, VALID.replace("30", "30.5"))


# -- purity and sharing ------------------------------------------------------------------


def test_bodies_and_signatures_are_never_mutated() -> None:
    signature = load_signature(PARAMS)
    before = copy.deepcopy(signature)
    validator = Validator(signature, mode="mlflow")
    body = {
        "dataframe_records": [{"prompt": "a", "zz": [1, {"k": None}]}],
        "params": {"i": 3, "zz": {"deep": [1]}},
    }
    snapshot = copy.deepcopy(body)
    validator.parse(body)
    list(Validator(signature).iter_errors(body))
    assert body == snapshot
    assert signature == before


def test_a_validator_can_be_shared_between_threads() -> None:
    cases = load_cases()[:400]
    validators = {
        name: Validator(CONFORMANCE / "signatures" / f"{name}.json")
        for name in {c["signature"] for c in cases}
    }

    def verdict(case: dict[str, Any]) -> list[tuple[str, str, str]]:
        validator = validators[case["signature"]]
        return [(e.pointer, e.keyword, e.message) for e in validator.iter_errors(case["body"])]

    sequential = [verdict(c) for c in cases]
    barrier = threading.Barrier(8)

    def start(case: dict[str, Any]) -> list[tuple[str, str, str]]:
        if cases.index(case) < 8:
            barrier.wait(timeout=60)  # make the first calls really concurrent
        return verdict(case)

    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(start, cases))
    assert concurrent == sequential


# -- responses ---------------------------------------------------------------------------


def test_validate_response_wrapped_and_unwrapped() -> None:
    validator = Validator(MODELS / "iris_sklearn_classifier")
    validator.validate_response(b'{"predictions": [0, 2, 1]}')
    validator.validate_response([0, 1], unwrapped=True)
    with pytest.raises(PayloadError) as info:
        validator.validate_response('{"predictions": [0, 1.5]}')
    assert (info.value.pointer, info.value.field) == ("/predictions/1", "outputs[0]")
    with pytest.raises(PayloadError) as info:
        validator.validate_response({"preds": [0]})
    assert (info.value.pointer, info.value.keyword) == ("", "required")
    with pytest.raises(PayloadError) as info:
        validator.validate_response("{")
    assert info.value.keyword == "x-json-syntax"


def test_validate_response_of_named_outputs() -> None:
    validator = Validator(MODELS / "chat_messages_pyfunc")
    validator.validate_response({"predictions": [{"role": "assistant", "content": "hi"}]})
    errors = list(validator.iter_response_errors([{"content": 1}], unwrapped=True))
    assert {(e.pointer, e.field, e.keyword) for e in errors} == {
        ("/0", "outputs['role']", "required"),
        ("/0/content", "outputs['content']", "type"),
    }


def test_signature_without_outputs_accepts_any_response() -> None:
    validator = Validator(MIXED)
    assert (
        validator.signature.outputs is None
        or validator.validate_response({"predictions": [1]}) is None
    )


# -- ranking ------------------------------------------------------------------------------


def test_shallower_errors_are_better_matches() -> None:
    # a missing column (at the record) outranks a wrong cell (deeper)
    body = '{"dataframe_records": [{"age": "x", "weight": 1.5, "is_member": true, "city": "a"}]}'
    error = next(Validator(MIXED).iter_errors(body))
    assert (error.pointer, error.keyword) == ("/dataframe_records/0", "required")


def test_deep_match_prefers_the_branch_of_the_form_sent() -> None:
    from jsonschema import Draft202012Validator

    schema = {
        "anyOf": [
            {"x-mlflow-form": "inputs/records", "type": "array", "items": {"type": "object"}},
            {
                "x-mlflow-form": "inputs/columnar",
                "type": "object",
                "properties": {"a": {"type": "array", "items": {"type": "integer"}}},
            },
        ]
    }
    (error,) = Draft202012Validator(schema).iter_errors({"a": [1, "x"]})
    assert isinstance(error, ValidationError)
    assert error.validator == "anyOf"
    deep = find_best_deep_match(error, "inputs/columnar")
    assert (list(deep.absolute_path), deep.validator) == (["a", 1], "type")
    assert order([error], "inputs/columnar")[0] is deep
    # without a form, the deepest error still wins
    assert find_best_deep_match(error).validator == "type"


# -- errors are data ----------------------------------------------------------------------


def test_error_to_dict_and_mlflow_body() -> None:
    error = next(Validator(MIXED, mode="mlflow").iter_errors(WRONG))
    as_dict = error.to_dict()
    assert {"pointer", "field", "keyword", "expected", "got", "message"} <= set(as_dict)
    body = error.to_mlflow_error()
    assert body["error_code"] == "BAD_REQUEST"
    assert body["message"] == error.message
    assert error.status == 400


# -- form names: the hazard table's --------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"inputs": {"features": []}}', '{"inputs": {"features": [1.5, 2.5]}}'],
)
def test_an_inputs_object_of_arrays_on_a_row_signature_misses_its_required_column(
    body: str,
) -> None:
    """MLflow 3.17.2 reads the object as one row and answers "Model is missing inputs
    ['weight']" (oracle); the strict schema says ``required``: so does the Validator."""
    validator = Validator(MODELS / "array_double_vector_pyfunc")
    (error,) = list(validator.iter_errors(json.loads(body)))
    assert error.keyword == "required"
    assert "weight" in str(error)


def test_the_emulator_names_forms_as_the_hazard_table() -> None:
    row_sig = Validator(MODELS / "array_double_vector_pyfunc")
    assert row_sig.parse({"inputs": {"features": [1.5], "weight": 2.0}}).form == "inputs/row"
    scalar_sig = Validator({"inputs": json.dumps([{"type": "long", "name": "x"}])})
    assert scalar_sig.parse({"inputs": {"x": 1}}).form == "inputs/columnar"
    assert scalar_sig.parse({"inputs": {"x": [1, 2]}}).form == "inputs/columnar"


#: MLflow 3.17.2 (oracle) on ``instances`` objects for signatures with an array/object
#: column: the object is one row, as under ``inputs`` (body, status).
CHAT = CONFORMANCE / "signatures" / "p_llm_chat.json"
INSTANCES_ROW_CASES = [
    (CHAT, '{"instances": {"messages": false}}', 400),
    (CHAT, '{"instances": {"messages": [{"role": "user", "content": "hi"}]}}', 200),
    (CHAT, '{"instances": {"messages": [[{"role": "user", "content": "hi"}]]}}', 400),
    (
        MODELS / "array_double_vector_pyfunc",
        '{"instances": {"features": [1.5], "weight": 2.0}}',
        200,
    ),
    (MODELS / "array_double_vector_pyfunc", '{"instances": {"features": 1.5, "weight": 2.0}}', 400),
    (
        MODELS / "array_double_vector_pyfunc",
        '{"instances": {"features": [1.5, 2.5], "weight": [2.0]}}',
        400,
    ),
]


@pytest.mark.parametrize(("source", "body", "status"), INSTANCES_ROW_CASES)
def test_an_instances_object_on_a_row_signature_is_one_row(
    source: Any, body: str, status: int
) -> None:
    """mlflow mode follows MLflow; strict refuses every such body: ``instances/columnar``
    does not apply to these signatures and the contract has no ``instances/row`` form."""
    from sig2jsonschema._hazards.verdicts import applicable_forms

    sig = load_signature(source)
    assert "instances/columnar" not in applicable_forms(sig)
    value = json.loads(body)
    assert Validator(source, mode="mlflow").is_valid(value) == (status == 200)
    if status == 200:
        assert Validator(source, mode="mlflow").parse(value).form == "instances/row"
    assert not Validator(source).is_valid(value)
    from jsonschema import Draft202012Validator

    from sig2jsonschema import to_jsonschema

    assert not Draft202012Validator(to_jsonschema(source)).is_valid(value)
