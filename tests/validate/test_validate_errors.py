"""One test per error class: each asserts the error's data (pointer, field, keyword).

Messages are people's business and are never asserted, except that a redacted
message holds no payload value.  Every error is a `PayloadError` (never a
traceback) and renders the JSON body and status MLflow's server answers with.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sig2jsonschema import PayloadError, load_signature
from sig2jsonschema._validate.validator import Validator


def signature(inputs: list[dict[str, Any]], params: list[dict[str, Any]] | None = None) -> Any:
    return load_signature(
        {"inputs": json.dumps(inputs), "params": json.dumps(params) if params else None}
    )


COLUMNS = signature(
    [
        {"type": "long", "name": "age"},
        {"type": "string", "name": "name"},
        {"type": "integer", "name": "n", "required": False},
        {"type": "datetime", "name": "when", "required": False},
        {"type": "binary", "name": "blob", "required": False},
        {"type": "array", "items": {"type": "long"}, "name": "ids", "required": False},
        {"type": "array", "items": {"type": "double"}, "name": "xs", "required": False},
    ],
    [
        {"name": "temperature", "type": "double", "default": 0.5, "shape": None},
        {"name": "stop", "type": "string", "default": ["x"], "shape": [-1]},
    ],
)
SCALARS = signature([{"type": "long", "name": "age"}, {"type": "string", "name": "name"}])
TENSOR = signature([{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 2]}}])
NAMED_TENSORS = signature(
    [
        {"name": "a", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1]}},
        {"name": "b", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1]}},
    ]
)
BINARY = signature([{"type": "binary", "name": "blob"}, {"type": "long", "name": "id"}])
#: No body form works for it in strict mode: MLflow accepts no JSON value for a
#: required nested integer (every JSON integer is int64; int64 -> int32 is refused).
NESTED_INTEGER = signature(
    [{"type": "object", "properties": {"a": {"type": "integer"}}, "name": "obj", "required": True}]
)

ROW = '{"age": 1, "name": "a"'


def records(extra: str = "") -> str:
    return '{"dataframe_records": [' + ROW + extra + "}]}"


def first_error(sig: Any, body: Any, mode: str = "strict", **kwargs: Any) -> PayloadError:
    validator = Validator(sig, mode=mode)  # type: ignore[arg-type]
    with pytest.raises(PayloadError) as info:
        validator.validate(body, **kwargs)
    error = info.value
    assert error is next(iter([error]))  # a PayloadError, not a traceback
    assert "Traceback" not in error.message
    return error


def where(error: PayloadError) -> tuple[str, str, str]:
    return (error.pointer, error.field, error.keyword)


# -- values ------------------------------------------------------------------------------


def test_wrong_type_points_at_the_cell_and_names_the_column() -> None:
    error = first_error(COLUMNS, '{"dataframe_records": [{"age": "x", "name": "a"}]}')
    assert where(error) == ("/dataframe_records/0/age", "inputs['age']", "type")
    mlflow = first_error(COLUMNS, '{"dataframe_records": [{"age": "x", "name": "a"}]}', "mlflow")
    assert (mlflow.pointer, mlflow.field) == ("/dataframe_records/0/age", "inputs['age']")


def test_out_of_int32_range_is_maximum_in_strict() -> None:
    error = first_error(COLUMNS, records(', "n": 4000000000'))
    assert where(error) == ("/dataframe_records/0/n", "inputs['n']", "maximum")


def test_out_of_int32_range_wraps_silently_in_mlflow_mode() -> None:
    # dataframe_records casts with pandas, which wraps int32 overflow (spec 3.2).
    assert Validator(COLUMNS, mode="mlflow").is_valid(records(', "n": 4000000000'))


def test_missing_required_column_names_the_column() -> None:
    error = first_error(COLUMNS, '{"dataframe_records": [{"name": "a"}]}')
    assert where(error) == ("/dataframe_records/0", "inputs['age']", "required")


def test_missing_required_column_in_split_columns() -> None:
    error = first_error(SCALARS, '{"dataframe_split": {"columns": ["name"], "data": [["a"]]}}')
    assert error.pointer == "/dataframe_split/columns"
    assert error.keyword in {"contains", "enum"}


def test_unknown_column_is_an_error_in_strict_only() -> None:
    body = records(', "zz": 1')
    error = first_error(COLUMNS, body)
    assert where(error) == ("/dataframe_records/0/zz", "", "additionalProperties")
    assert Validator(COLUMNS, mode="mlflow").is_valid(body)


def test_bad_datetime_text_is_pattern() -> None:
    error = first_error(COLUMNS, records(', "when": "2024-13-01"'))
    assert where(error) == ("/dataframe_records/0/when", "inputs['when']", "pattern")


def test_impossible_calendar_date_is_our_datetime_keyword() -> None:
    error = first_error(COLUMNS, records(', "when": "2024-02-30"'))
    assert where(error) == ("/dataframe_records/0/when", "inputs['when']", "x-mlflow-datetime")


def test_datetime_with_offset_is_refused_in_strict() -> None:
    error = first_error(COLUMNS, records(', "when": "2024-01-01T00:00:00Z"'))
    assert (error.pointer, error.field) == ("/dataframe_records/0/when", "inputs['when']")


def test_bad_base64_is_pattern_in_strict_and_refused_by_mlflow() -> None:
    error = first_error(COLUMNS, records(', "blob": "abc"'))
    assert where(error) == ("/dataframe_records/0/blob", "inputs['blob']", "pattern")
    mlflow = first_error(COLUMNS, records(', "blob": "abc"'), "mlflow")
    assert (mlflow.pointer, mlflow.field, mlflow.status) == (
        "/dataframe_records/0/blob",
        "inputs['blob']",
        400,
    )


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_float_token_in_nested_long_is_refused(mode: str) -> None:
    error = first_error(COLUMNS, records(', "ids": [1, 1.0]'), mode)
    assert where(error) == ("/dataframe_records/0/ids/1", "inputs['ids']", "x-mlflow-token")


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_whole_array_double_rule(mode: str) -> None:
    error = first_error(COLUMNS, records(', "xs": [1, 2]'), mode)
    assert where(error) == ("/dataframe_records/0/xs", "inputs['xs']", "x-mlflow-nested-double")
    # One float token makes the whole array float64: accepted.
    assert Validator(COLUMNS, mode=mode).is_valid(records(', "xs": [1, 2.5]'))  # type: ignore[arg-type]


def test_float_truncated_into_long_is_strict_error_and_mlflow_warning() -> None:
    body = '{"dataframe_records": [{"age": 1.5, "name": "a"}]}'
    error = first_error(COLUMNS, body)
    assert (error.pointer, error.field) == ("/dataframe_records/0/age", "inputs['age']")
    parsed = Validator(COLUMNS, mode="mlflow").parse(body)
    assert parsed.inputs["age"].tolist() == [1]
    assert [w.pointer for w in parsed.warnings] == ["/dataframe_records/0/age"]


# -- shapes ------------------------------------------------------------------------------


def test_unequal_column_lengths() -> None:
    body = '{"inputs": {"age": [1, 2], "name": ["a"]}}'
    error = first_error(SCALARS, body)
    assert where(error) == ("/inputs", "", "x-mlflow-equal-lengths")
    mlflow = first_error(SCALARS, body, "mlflow")
    assert (mlflow.pointer, mlflow.status) == ("/inputs", 400)


def test_split_row_narrower_than_columns() -> None:
    body = '{"dataframe_split": {"columns": ["age", "name"], "data": [[1]]}}'
    error = first_error(SCALARS, body)
    assert error.pointer == "/dataframe_split/data/0"
    assert error.keyword in {"minItems", "x-mlflow-split"}
    mlflow = first_error(SCALARS, body, "mlflow")
    assert where(mlflow) == ("/dataframe_split/data/0", "", "x-mlflow-split")


def test_split_index_longer_than_data() -> None:
    body = (
        '{"dataframe_split": {"columns": ["age", "name"], "index": [0, 1, 2], '
        '"data": [[1, "a"], [2, "b"]]}}'
    )
    error = first_error(SCALARS, body)
    assert where(error) == ("/dataframe_split/index", "", "x-mlflow-split")
    # MLflow fails building the frame (pandas: "Shape of passed values ...").
    assert first_error(SCALARS, body, "mlflow").pointer.startswith("/dataframe_split")


def test_split_single_row_broadcast_to_the_index_is_strict_error() -> None:
    # pandas repeats a single data row along a longer index: MLflow accepts it
    # and the model gets two rows from one.
    body = '{"dataframe_split": {"columns": ["age", "name"], "index": [0, 1], "data": [[1, "a"]]}}'
    assert len(Validator(SCALARS, mode="mlflow").parse(body).inputs) == 2
    assert where(first_error(SCALARS, body)) == ("/dataframe_split/index", "", "x-mlflow-split")


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_wrong_tensor_shape_is_max_items_at_the_row(mode: str) -> None:
    error = first_error(TENSOR, '{"inputs": [[1.0, 2.0, 3.0]]}', mode)
    assert where(error) == ("/inputs/0", "inputs[0]", "maxItems")


def test_wrong_tensor_dtype_points_at_the_leaf() -> None:
    error = first_error(TENSOR, '{"inputs": [[1.0, "x"]]}')
    assert where(error) == ("/inputs/0/1", "inputs[0]", "type")
    mlflow = first_error(TENSOR, '{"inputs": [[1.0, "x"]]}', "mlflow")
    assert (mlflow.pointer, mlflow.field) == ("/inputs/0/1", "inputs[0]")


def test_ragged_tensor() -> None:
    error = first_error(TENSOR, '{"inputs": [[1.0, 2.0], [1.0]]}')
    assert (error.pointer, error.field) == ("/inputs/1", "inputs[0]")


def test_named_tensors_of_different_batch_sizes_are_refused_in_strict() -> None:
    body = '{"inputs": {"a": [1, 2], "b": [1]}}'
    assert where(first_error(NAMED_TENSORS, body)) == ("/inputs", "", "x-mlflow-equal-lengths")
    assert Validator(NAMED_TENSORS, mode="mlflow").is_valid(body)  # MLflow does not check


# -- params ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_bad_param_type(mode: str) -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a"}], "params": {"temperature": "hot"}}'
    error = first_error(COLUMNS, body, mode)
    assert where(error) == ("/params/temperature", "params['temperature']", "type")


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_bad_param_shape(mode: str) -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a"}], "params": {"stop": "x"}}'
    error = first_error(COLUMNS, body, mode)
    assert where(error) == ("/params/stop", "params['stop']", "type")


def test_param_element_of_wrong_type() -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a"}], "params": {"stop": ["a", 1]}}'
    error = first_error(COLUMNS, body)
    assert where(error) == ("/params/stop/1", "params['stop']", "type")


def test_params_not_an_object() -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a"}], "params": [1]}'
    for mode in ("strict", "mlflow"):
        error = first_error(COLUMNS, body, mode)
        assert (error.pointer, error.keyword) == ("/params", "type")


# -- envelopes ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_no_envelope(mode: str) -> None:
    error = first_error(SCALARS, '{"records": [{"age": 1, "name": "a"}]}', mode)
    assert where(error) == ("", "", "required")


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_two_envelopes_point_at_the_second(mode: str) -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a"}], "inputs": {"age": [1], "name": ["a"]}}'
    error = first_error(SCALARS, body, mode)
    assert (error.pointer, error.field) == ("/inputs", "")
    assert error.keyword in {"not", "false"}  # the exporter forbids the key with `not: {}`


def test_unknown_envelope_key_is_ignored_by_mlflow_but_not_strict() -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a"}], "signature_name": "x"}'
    error = first_error(SCALARS, body)
    assert where(error) == ("/signature_name", "", "additionalProperties")
    assert Validator(SCALARS, mode="mlflow").is_valid(body)


def test_unknown_envelope_alone() -> None:
    error = first_error(SCALARS, '{"dataframe": {"columns": ["age"], "data": [[1]]}}')
    assert where(error) == ("", "", "required")


@pytest.mark.parametrize(
    ("body", "keyword"),
    [("[1, 2]", "x-mlflow-body"), ('"x"', "x-mlflow-body"), ("null", "x-mlflow-body")],
)
@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_top_level_not_an_object(body: str, keyword: str, mode: str) -> None:
    error = first_error(SCALARS, body, mode)
    assert where(error) == ("", "", keyword)
    assert (error.status, error.error_code) == (400, "BAD_REQUEST")


def test_form_that_does_not_work_for_the_signature() -> None:
    # binary is base64-decoded only by dataframe_split/dataframe_records.
    body = '{"inputs": [{"blob": "aGk=", "id": 1}]}'
    error = first_error(BINARY, body)
    assert where(error) == ("/inputs", "", "x-mlflow-form")
    assert Validator(BINARY, mode="mlflow").is_valid(body)


def test_signature_without_any_working_form_refuses_every_body_in_strict() -> None:
    body = '{"dataframe_records": [{"obj": {"a": 1}}]}'
    error = first_error(NESTED_INTEGER, body)
    assert where(error) == ("", "", "x-mlflow-form")
    mlflow = first_error(NESTED_INTEGER, body, "mlflow")
    assert mlflow.field == "inputs['obj']"


# -- JSON text ---------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_malformed_json_gives_line_and_column(mode: str) -> None:
    body = '{"dataframe_records": [\n  {"age": 1,, "name": "a"}]}'
    error = first_error(SCALARS, body, mode)
    assert where(error) == ("", "", "x-json-syntax")
    assert (error.line, error.column) == (2, 13)  # type: ignore[attr-defined]
    assert "line 2, column 13" in error.message
    assert error.to_mlflow_error()["error_code"] == "BAD_REQUEST"


def test_nan_literal_is_a_strict_error_at_its_pointer() -> None:
    body = records(', "xs": [NaN]')
    error = first_error(COLUMNS, body)
    assert where(error) == ("/dataframe_records/0/xs/0", "", "x-json-nonfinite")
    assert Validator(COLUMNS, mode="mlflow").is_valid(body)


def test_overflowing_number_is_infinity_and_refused_in_strict() -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a", "xs": [1e400]}]}'
    assert where(first_error(COLUMNS, body)) == (
        "/dataframe_records/0/xs/0",
        "",
        "x-json-nonfinite",
    )


def test_nan_in_an_already_parsed_body_is_refused_in_strict() -> None:
    body = {"dataframe_records": [{"age": 1, "name": "a", "xs": [float("nan")]}]}
    assert first_error(COLUMNS, body).pointer == "/dataframe_records/0/xs/0"


def test_duplicate_key_is_a_strict_error_and_last_wins_in_mlflow() -> None:
    body = '{"dataframe_records": [{"age": 1, "name": "a", "age": 2}]}'
    error = first_error(SCALARS, body)
    assert where(error) == ("/dataframe_records/0/age", "", "x-json-duplicate-key")
    parsed = Validator(SCALARS, mode="mlflow").parse(body)
    assert parsed.inputs["age"].tolist() == [2]


def test_utf8_bom() -> None:
    body = b'\xef\xbb\xbf{"dataframe_records": [{"age": 1, "name": "a"}]}'
    assert where(first_error(SCALARS, body)) == ("", "", "x-json-bom")
    assert Validator(SCALARS, mode="mlflow").is_valid(body)


@pytest.mark.parametrize("body", [b"", " \n\t ", ""])
@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_empty_body(body: Any, mode: str) -> None:
    assert where(first_error(SCALARS, body, mode)) == ("", "", "x-json-empty")


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_invalid_utf8(mode: str) -> None:
    error = first_error(SCALARS, b'{"dataframe_records": [{"age": 1, "name": "\xff"}]}', mode)
    assert where(error) == ("", "", "x-json-encoding")
    assert (error.line, error.column) == (1, 44)  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_huge_integer_crashes_mlflow_with_500(mode: str) -> None:
    body = '{"dataframe_records": [], "zz": ' + "9" * 5000 + "}"
    error = first_error(SCALARS, body, mode)
    # Found by the raw scan of the limits (docs/limits.md), with MLflow's status.
    assert (error.keyword, error.status) == ("x-limit-number-digits", 500)


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_deep_nesting_crashes_mlflow_with_500(mode: str) -> None:
    body = '{"dataframe_records": [], "zz": ' + "[" * 5000 + "]" * 5000 + "}"
    error = first_error(SCALARS, body, mode)
    assert (error.keyword, error.status) == ("x-limit-depth", 500)


# -- content types and CSV ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/xml", 415),
        ("Application/JSON", 415),
        ("application/json; charset=latin-1", 415),
        ("application/json; format=pandas-split", 415),
        (None, 500),
    ],
)
def test_content_type_refused(content_type: Any, status: int) -> None:
    error = first_error(SCALARS, records(), content_type=content_type)
    assert where(error) == ("", "", "x-json-content-type".replace("json", "mlflow"))
    assert error.status == status


def test_charset_utf8_is_fine() -> None:
    validator = Validator(SCALARS)
    assert validator.is_valid(records() + "", content_type="application/json; charset=UTF-8")


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_csv_bodies(mode: str) -> None:
    validator = Validator(SCALARS, mode=mode)  # type: ignore[arg-type]
    assert validator.is_valid("age,name\n1,a\n", content_type="text/csv")
    for body in ("age,name\n1.5,a\n", "age,name\n,a\n"):
        error = first_error(SCALARS, body, mode, content_type="text/csv")
        assert (error.keyword, error.status, error.error_code) == (
            "x-mlflow-csv",
            400,
            "BAD_REQUEST",
        )
    missing = first_error(SCALARS, "name\nx\n", mode, content_type="text/csv")
    assert (missing.field, missing.keyword) == ("inputs['age']", "required")


def test_csv_with_a_complex_column_always_fails() -> None:
    error = first_error(COLUMNS, "age,name\n1,a\n", "mlflow", content_type="text/csv")
    assert error.keyword == "x-mlflow-csv"


def test_csv_binary_is_not_decoded_so_strict_refuses_it() -> None:
    body = "blob,id\naGk=,1\n"
    assert Validator(BINARY, mode="mlflow").is_valid(body, content_type="text/csv")
    error = first_error(BINARY, body, content_type="text/csv")
    assert where(error) == ("", "inputs['blob']", "x-mlflow-form")


def test_csv_missing_text_cell_is_nan_so_strict_refuses_it() -> None:
    body = "age,name\n1,NA\n2,\n3,x\n"
    parsed = Validator(SCALARS, mode="mlflow").parse(body, content_type="text/csv")
    assert parsed.inputs["name"].isna().tolist() == [True, True, False]
    errors = list(Validator(SCALARS).iter_errors(body, content_type="text/csv"))
    assert [where(e) for e in errors] == [
        ("/0/name", "inputs['name']", "x-mlflow-table-missing"),
        ("/1/name", "inputs['name']", "x-mlflow-table-missing"),
    ]


# -- every error renders MLflow's answer -------------------------------------------------


def test_errors_render_mlflows_error_body_and_status() -> None:
    enforcement = first_error(COLUMNS, '{"dataframe_records": [{"name": "a"}]}', "mlflow")
    assert enforcement.status == 400
    assert enforcement.to_mlflow_error()["error_code"] == "INVALID_PARAMETER_VALUE"
    parse_stage = first_error(COLUMNS, records(', "blob": "abc"'), "mlflow")
    assert parse_stage.to_mlflow_error()["error_code"] == "BAD_REQUEST"
    body = parse_stage.to_mlflow_error()
    assert set(body) >= {"error_code", "message"}
    assert body["message"] == parse_stage.message


def test_redacted_messages_hold_no_payload_value() -> None:
    secret_number = 987654321987
    bodies = [
        '{"dataframe_records": [{"age": "SECRET-TEXT", "name": "a"}]}',
        '{"dataframe_records": [{"age": 1, "name": "SECRET-TEXT", "zz": "SECRET-TEXT"}]}',
        f'{{"dataframe_records": [{{"age": 1, "name": "a", "n": {secret_number}}}]}}',
        f'{{"dataframe_records": [{{"age": 1, "name": "a", "ids": [{secret_number}.5]}}]}}',
        '{"dataframe_records": [{"age": 1, "name": "a", "blob": "SECRET-TEXT"}]}',
        '{"dataframe_records": [{"age": 1, "name": "a", "when": "SECRET-TEXT"}]}',
        '{"dataframe_records": [{"age": 1, "name": "a"}], "params": {"temperature": "SECRET-TEXT"}}',
        '{"SECRET-TEXT": 1',
        '"SECRET-TEXT"',
    ]
    for mode in ("strict", "mlflow"):
        validator = Validator(COLUMNS, mode=mode, redact=True)  # type: ignore[arg-type]
        for body in bodies:
            for error in validator.iter_errors(body):
                text = json.dumps(error.to_dict()) + json.dumps(error.to_mlflow_error())
                text = text.replace(error.pointer, "")
                assert "SECRET" not in text, (mode, body, error.message)
                assert str(secret_number) not in text, (mode, body, error.message)
                assert error.redacted
