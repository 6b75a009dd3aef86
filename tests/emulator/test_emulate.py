"""Focused tests of `emulate`: one rule or one warning code per test.

Each expectation was checked against MLflow 3.17.2's real scoring server
(tests/test_emulate_live.py re-checks a sample of them live), so every call
here names that release; what 3.18 and 2.22 do differently is tested at the
end of the module.  Rejections are
asserted on status, error code, keyword and pointer; warnings on code and
pointer; never on message text.
"""

from __future__ import annotations

import copy
import io
import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sig2jsonschema._emulator.server import ConversionWarning, Outcome
from sig2jsonschema._emulator.server import emulate as emulate_release
from sig2jsonschema._releases.table import RELEASES
from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._signature.types import Array, DataType, Object, Property, Signature
from sig2jsonschema._signature.value_rules import (
    NestedValueError,
    check_object_param,
    enforce_array,
    enforce_object,
    enforce_scalar,
)


def make_sig(
    inputs: list[dict[str, Any]] | None, params: list[dict[str, Any]] | None = None
) -> Signature:
    return parse_signature(
        {
            "inputs": json.dumps(inputs) if inputs is not None else None,
            "outputs": None,
            "params": json.dumps(params) if params else None,
        }
    )


def col(name: str | None, type_: str, required: bool = True, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": type_, "required": required, **extra}
    if name is not None:
        out["name"] = name
    return out


def tensor(dtype: str, shape: list[int], name: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": shape}}
    if name is not None:
        out["name"] = name
    return out


MIXED = make_sig(
    [
        col("n", "long"),
        col("i", "integer", required=False),
        col("f", "float", required=False),
        col("d", "double", required=False),
        col("b", "boolean", required=False),
        col("s", "string", required=False),
        col("bin", "binary", required=False),
        col("t", "datetime", required=False),
    ]
)
PARAMS = make_sig(
    [col("prompt", "string")],
    [
        {"name": "k", "type": "long", "default": 5, "shape": None},
        {"name": "temp", "type": "double", "default": 0.5, "shape": None},
        {"name": "stop", "type": "string", "default": ["\n"], "shape": [-1]},
        {"name": "when", "type": "datetime", "default": "2024-01-01T00:00:00", "shape": None},
    ],
)


def emulate(sig: Signature, body: Any, **kwargs: Any) -> Outcome:
    """`emulate` for MLflow 3.17.2, the release these expectations were checked on."""
    return emulate_release(sig, body, release=RELEASES["3.17"], **kwargs)


def run(sig: Signature, body: Any, **kwargs: Any) -> Outcome:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body, allow_nan=True)
    return emulate(sig, text, **kwargs)


def codes(outcome: Outcome) -> dict[str, list[str]]:
    """code -> pointers, in order."""
    out: dict[str, list[str]] = {}
    for w in outcome.warnings:
        out.setdefault(w.code, []).append(w.pointer)
    return out


def rejected(
    outcome: Outcome, status: int, error_code: str | None, keyword: str | None = None
) -> None:
    assert outcome.status == status, outcome.message
    assert outcome.error_code == error_code
    assert outcome.received is None
    assert outcome.params is None
    if keyword is not None:
        assert outcome.keyword == keyword, outcome.message


# --------------------------------------------------------------------------
# JSON decoding
# --------------------------------------------------------------------------
def test_invalid_json_is_a_bad_request() -> None:
    rejected(run(MIXED, '{"inputs": '), 400, "BAD_REQUEST", "x-mlflow-json")


def test_invalid_utf8_is_a_bad_request() -> None:
    rejected(run(MIXED, b'{"inputs": {"s": ["\xff"]}}'), 400, "BAD_REQUEST", "x-mlflow-json")


def test_bom_nan_literals_and_duplicate_keys_are_accepted_like_python_json() -> None:
    body = b'\xef\xbb\xbf{"inputs": {"n": [1], "d": [NaN]}, "inputs": {"n": [2], "d": [Infinity]}}'
    outcome = run(MIXED, body)
    assert outcome.status == 200
    assert outcome.received["n"].tolist() == [2]
    assert outcome.received["d"].tolist() == [math.inf]
    assert codes(outcome)["nan-literal"] == ["/inputs/d/0"]


def test_utf16_bodies_are_decoded_as_json_loads_does() -> None:
    outcome = run(MIXED, '{"inputs": {"n": [3]}}'.encode("utf-16"))
    assert outcome.status == 200
    assert outcome.received["n"].tolist() == [3]


def test_integers_beyond_64_bits_are_not_read_as_floats() -> None:
    outcome = run(
        MIXED, '{"dataframe_split": {"columns": ["n"], "data": [[18446744073709551616]]}}'
    )
    rejected(outcome, 400, "BAD_REQUEST", "type")
    assert outcome.pointer == "/dataframe_split/data/0/0"


def test_huge_integer_literals_crash_the_server() -> None:
    outcome = run(MIXED, '{"inputs": {"n": [1]}, "zz": ' + "1" * 5000 + "}")
    rejected(outcome, 500, None, "x-mlflow-json")


@pytest.mark.parametrize(("depth", "status"), [(985, 200), (986, 500), (5000, 500)])
def test_nesting_beyond_the_servers_recursion_limit_is_a_500(depth: int, status: int) -> None:
    body = '{"inputs": {"n": [1]}, "zz": ' + "[" * depth + "]" * depth + "}"
    assert run(MIXED, body).status == status


@pytest.mark.parametrize(("depth", "status"), [(494, 200), (495, 400), (900, 400)])
def test_inputs_too_deep_for_mlflows_deepcopy_is_a_bad_request(depth: int, status: int) -> None:
    sig = make_sig([tensor("object", [-1])])
    outcome = run(sig, '{"inputs": ' + "[" * depth + "]" * depth + "}")
    assert outcome.status == status
    if status != 200:
        rejected(outcome, status, "BAD_REQUEST", "x-mlflow-depth")


# --------------------------------------------------------------------------
# Content types
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json; charset=UTF-8", 200),
        ("Application/JSON", 415),
        ("text/plain", 415),
        ("application/json;", 415),
        ("application/json; charset=latin-1", 415),
        ("application/json; format=pandas-split", 415),
        (None, 500),
    ],
)
def test_content_type_is_checked_like_the_server(content_type: str | None, status: int) -> None:
    assert run(MIXED, {"inputs": {"n": [1]}}, content_type=content_type).status == status


# --------------------------------------------------------------------------
# Top level
# --------------------------------------------------------------------------
@pytest.mark.parametrize("body", ["[1]", '"x"', "3", "null"])
def test_a_top_level_non_object_is_a_bad_request(body: str) -> None:
    rejected(run(MIXED, body), 400, "BAD_REQUEST", "type")


@pytest.mark.parametrize(
    "body", [{}, {"data": [1]}, {"inputs": {"n": [1]}, "instances": [{"n": 1}]}]
)
def test_exactly_one_envelope_key_is_needed(body: dict[str, Any]) -> None:
    rejected(run(MIXED, body), 400, "BAD_REQUEST", "x-mlflow-envelope")


def test_unknown_top_level_keys_are_ignored_with_a_warning() -> None:
    outcome = run(MIXED, {"inputs": {"n": [1]}, "signature_name": "x"})
    assert outcome.status == 200
    assert codes(outcome) == {"unknown-key-ignored": ["/signature_name"]}


def test_llm_keys_short_circuit_and_unwrap() -> None:
    sig = make_sig(
        [col("messages", "array", items={"type": "string"})],
        [{"name": "temperature", "type": "double", "default": 0.5, "shape": None}],
    )
    outcome = run(sig, {"messages": ["hi"], "temperature": 1, "params": {"temperature": 9.0}})
    assert outcome.status == 200
    assert outcome.unwrapped
    assert outcome.form == "llm"
    assert outcome.params == {"temperature": 1.0}
    # the literal "params" key is data in this form, and an extra input
    assert list(outcome.received.columns) == ["messages"]
    assert codes(outcome)["unknown-column-dropped"] == ["/params"]


def test_type_hint_models_need_the_inputs_key() -> None:
    sig = Signature(MIXED.inputs, None, None, from_type_hint=True)
    rejected(run(sig, {"dataframe_records": [{"n": 1}]}), 400, "INVALID_PARAMETER_VALUE")


def test_type_hint_models_receive_the_raw_inputs_value() -> None:
    sig = Signature(make_sig([col(None, "string")]).inputs, None, None, from_type_hint=True)
    outcome = run(sig, {"inputs": ["a", "b"]})
    assert outcome.status == 200
    assert outcome.received == ["a", "b"]
    rejected(run(sig, {"inputs": ["a", 1]}), 400, "INVALID_PARAMETER_VALUE", "x-mlflow-type-hint")


# --------------------------------------------------------------------------
# dataframe_split / dataframe_records
# --------------------------------------------------------------------------
def test_split_must_be_an_object_with_data() -> None:
    rejected(run(MIXED, {"dataframe_split": [[1]]}), 400, "BAD_REQUEST", "x-mlflow-envelope")
    outcome = run(MIXED, {"dataframe_split": {"columns": ["n"], "data": [[1]], "dtype": "x"}})
    rejected(outcome, 400, "BAD_REQUEST", "x-mlflow-envelope")
    assert outcome.pointer == "/dataframe_split/dtype"


def test_split_without_columns_misses_named_inputs() -> None:
    outcome = run(MIXED, {"dataframe_split": {"data": [[1]]}})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "required")
    assert outcome.error_class == "SCHEMA_ENFORCEMENT_FAILED"
    assert outcome.field == "inputs['n']"


def test_split_cast_failure_points_at_the_cell() -> None:
    body = {"dataframe_split": {"columns": ["s", "n"], "data": [[None, 1], ["x", "abc"]]}}
    outcome = run(MIXED, body)
    rejected(outcome, 400, "BAD_REQUEST", "type")
    assert outcome.pointer == "/dataframe_split/data/1/1"
    assert outcome.field == "inputs['n']"


def test_records_must_be_a_list() -> None:
    rejected(run(MIXED, {"dataframe_records": {"n": 1}}), 400, "BAD_REQUEST", "x-mlflow-envelope")


def test_columns_come_out_in_signature_order_with_mlflow_dtypes() -> None:
    body = {"dataframe_records": [{"t": "2024-01-02", "s": "a", "n": 7, "bin": "aGk="}]}
    outcome = run(MIXED, body)
    assert list(outcome.received.columns) == ["n", "s", "bin", "t"]
    assert [str(t) for t in outcome.received.dtypes] == ["int64", "str", "object", "datetime64[ns]"]
    assert outcome.received["bin"].tolist() == [b"hi"]
    assert outcome.form == "dataframe_records"


# --------------------------------------------------------------------------
# inputs / instances
# --------------------------------------------------------------------------
def test_an_object_for_an_unnamed_signature_is_a_bad_request() -> None:
    sig = make_sig([col(None, "double")])
    rejected(run(sig, {"inputs": {"a": [1]}}), 400, "BAD_REQUEST", "x-mlflow-envelope")


def test_a_list_feeds_a_single_named_column() -> None:
    sig = make_sig([col("text", "string")])
    outcome = run(sig, {"inputs": ["a", "b"]})
    assert outcome.received["text"].tolist() == ["a", "b"]
    assert outcome.form == "inputs/list"


def test_an_inputs_object_is_one_row_when_there_is_an_array_column() -> None:
    sig = make_sig([col("x", "long"), col("y", "array", required=False, items={"type": "long"})])
    outcome = run(sig, {"inputs": {"x": [1]}})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "type")
    assert outcome.field == "inputs['x']"
    plain = run(make_sig([col("x", "long")]), {"inputs": {"x": [1, 2]}})
    assert plain.received["x"].tolist() == [1, 2]
    assert plain.form == "inputs/columnar"


def test_instances_columns_must_have_equal_lengths() -> None:
    sig = make_sig([col("a", "long"), col("b", "long")])
    outcome = run(sig, {"instances": {"a": [1, 2], "b": [1]}})
    rejected(outcome, 400, "BAD_REQUEST", "x-mlflow-shape")
    assert outcome.pointer == "/instances/b"


def test_nested_failure_at_parse_points_inside_the_value() -> None:
    sig = make_sig([col("x", "array", items={"type": "long"})])
    outcome = run(sig, {"inputs": [{"x": [1, 2.5]}]})
    rejected(outcome, 400, "BAD_REQUEST", "x-mlflow-nested")
    assert outcome.pointer == "/inputs/0/x/1"


def test_nested_failure_at_enforcement_points_inside_the_cell() -> None:
    obj = {"type": "object", "properties": {"a": {"type": "long", "required": True}}}
    sig = make_sig([{**obj, "name": "o", "required": True}])
    outcome = run(sig, {"dataframe_records": [{"o": {"a": 1}}, {"o": {"a": 1, "zz": 2}}]})
    rejected(outcome, 400, "BAD_REQUEST", "x-mlflow-nested")
    assert outcome.pointer == "/dataframe_records/1/o/zz"


# --------------------------------------------------------------------------
# Enforcement
# --------------------------------------------------------------------------
def test_missing_required_column_is_a_schema_failure() -> None:
    outcome = run(MIXED, {"dataframe_records": [{"s": "a"}]})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "required")
    assert outcome.error_class == "SCHEMA_ENFORCEMENT_FAILED"
    assert outcome.field == "inputs['n']"


def test_unknown_columns_are_dropped_with_a_warning() -> None:
    outcome = run(MIXED, {"dataframe_split": {"columns": ["n", "zz"], "data": [[1, 2]]}})
    assert list(outcome.received.columns) == ["n"]
    assert codes(outcome) == {"unknown-column-dropped": ["/dataframe_split/columns/1"]}


def test_unnamed_signatures_check_the_column_count() -> None:
    sig = make_sig([col(None, "double"), col(None, "string")])
    outcome = run(sig, {"dataframe_split": {"data": [[1.5]]}})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "x-mlflow-count")


# --------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------
def test_tensor_shape_is_checked_with_wildcards() -> None:
    sig = make_sig([tensor("float32", [-1, 2])])
    ok = run(sig, {"inputs": [[1, 2], [3, 4]]})
    assert ok.received.dtype == np.float32
    assert ok.received.shape == (2, 2)
    assert ok.form == "inputs/tensor"
    outcome = run(sig, {"inputs": [[1, 2, 3]]})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "x-mlflow-shape")


def test_named_tensors_come_out_as_a_dict_of_arrays() -> None:
    sig = make_sig([tensor("int64", [-1], "a"), tensor("float64", [-1, 2], "b")])
    outcome = run(sig, {"inputs": {"a": [1, 2], "b": [[1, 2]], "c": [0]}})
    assert set(outcome.received) == {"a", "b"}
    assert outcome.form == "inputs/tensors"
    assert codes(outcome) == {"unknown-column-dropped": ["/inputs/c"]}


def test_tensor_float_truncation_is_a_warning_at_the_element() -> None:
    sig = make_sig([tensor("int64", [-1, 2])])
    outcome = run(sig, {"inputs": [[1, 2], [3.5, 4]]})
    assert outcome.received.tolist() == [[1, 2], [3, 4]]
    assert codes(outcome) == {"float-truncated": ["/inputs/1/0"]}


def test_tensor_element_conversions_are_warnings() -> None:
    sig = make_sig([tensor("bool", [-1])])
    outcome = run(sig, {"inputs": [0, "x", None, True]})
    assert outcome.received.tolist() == [False, True, False, True]
    assert codes(outcome) == {
        "truthy-number": ["/inputs/0"],
        "truthy-string": ["/inputs/1"],
        "null-to-false": ["/inputs/2"],
    }
    overflow = run(make_sig([tensor("float16", [-1])]), {"instances": [1e39]})
    assert codes(overflow) == {"float-overflow": ["/instances/0"]}


# --------------------------------------------------------------------------
# Params
# --------------------------------------------------------------------------
def test_params_defaults_nulls_and_conversions() -> None:
    outcome = run(PARAMS, {"inputs": ["a"], "params": {"k": None, "temp": 1, "zz": 3}})
    assert outcome.status == 200
    assert outcome.params is not None
    assert outcome.params["k"] is None
    assert outcome.params["temp"] == 1.0
    assert isinstance(outcome.params["temp"], float)
    assert outcome.params["stop"] == ["\n"]
    assert outcome.params["when"] == pd.Timestamp("2024-01-01").to_pydatetime()
    assert codes(outcome) == {"unknown-param-dropped": ["/params/zz"]}


def test_a_bad_param_value_is_invalid_parameter_value() -> None:
    outcome = run(PARAMS, {"inputs": ["a"], "params": {"k": "7"}})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "x-mlflow-param")
    assert outcome.error_class == "INVALID_PARAMETER_VALUE"
    assert outcome.pointer == "/params/k"
    assert outcome.field == "params['k']"


def test_params_must_be_an_object() -> None:
    rejected(run(PARAMS, {"inputs": ["a"], "params": [1]}), 400, "INVALID_PARAMETER_VALUE")


def test_a_ragged_list_param_crashes_outside_mlflows_handling() -> None:
    outcome = run(PARAMS, {"inputs": ["a"], "params": {"stop": [["a"], "b"]}})
    rejected(outcome, 400, "BAD_REQUEST", "x-mlflow-param")
    assert outcome.pointer == "/params/stop"


@pytest.mark.parametrize(("text", "expected"), [("NaT", None), ("2024-01-02", "date")])
def test_datetime_params_follow_numpy(text: str, expected: str | None) -> None:
    outcome = run(PARAMS, {"inputs": ["a"], "params": {"when": text}})
    assert outcome.status == 200
    value = outcome.params["when"] if outcome.params else "?"
    assert (value is None) if expected is None else type(value).__name__ == expected


def test_nanosecond_datetime_params_are_refused() -> None:
    outcome = run(PARAMS, {"inputs": ["a"], "params": {"when": "2024-01-01T00:00:00.123456789"}})
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE")


def test_params_without_a_params_schema_are_dropped() -> None:
    outcome = run(MIXED, {"inputs": {"n": [1]}, "params": {"k": 1}})
    assert outcome.params == {}
    assert codes(outcome) == {"unknown-param-dropped": ["/params/k"]}
    assert run(MIXED, {"inputs": {"n": [1]}}).params is None


# --------------------------------------------------------------------------
# CSV and Parquet
# --------------------------------------------------------------------------
def test_csv_bodies_are_read_with_forced_dtypes() -> None:
    outcome = emulate(MIXED, "n,d,s\n1,2.5,a\n", content_type="text/csv")
    assert outcome.status == 200
    assert outcome.form == "csv"
    assert outcome.params is None
    assert [str(t) for t in outcome.received.dtypes] == ["int64", "float64", "object"]
    rejected(
        emulate(MIXED, "n,d\n,1\n", content_type="text/csv"), 400, "BAD_REQUEST", "x-mlflow-csv"
    )


def test_csv_cannot_feed_complex_columns() -> None:
    sig = make_sig([col("x", "array", items={"type": "long"})])
    rejected(emulate(sig, "x\n1\n", content_type="text/csv"), 400, "BAD_REQUEST", "x-mlflow-csv")


def test_parquet_bodies_are_enforced_without_casting() -> None:
    buffer = io.BytesIO()
    pd.DataFrame({"n": [1.5]}).to_parquet(buffer)
    outcome = emulate(MIXED, buffer.getvalue(), content_type="application/vnd.apache.parquet")
    rejected(outcome, 400, "INVALID_PARAMETER_VALUE", "type")
    buffer = io.BytesIO()
    pd.DataFrame({"n": [1, 2]}).to_parquet(buffer)
    ok = emulate(MIXED, buffer.getvalue(), content_type="application/vnd.apache.parquet")
    assert ok.received["n"].tolist() == [1, 2]


# --------------------------------------------------------------------------
# Warnings, one code each
# --------------------------------------------------------------------------
WARNING_CASES = [
    (
        {"dataframe_split": {"columns": ["n"], "data": [[1], [2.5]]}},
        "float-truncated",
        "/dataframe_split/data/1/0",
    ),
    (
        {"dataframe_split": {"columns": ["n", "i"], "data": [[1, 2**40]]}},
        "int-wrapped",
        "/dataframe_split/data/0/1",
    ),
    ({"dataframe_records": [{"n": "7"}]}, "string-parsed-as-number", "/dataframe_records/0/n"),
    ({"inputs": {"n": [1], "d": [True]}}, "boolean-as-number", "/inputs/d/0"),
    ({"inputs": {"n": [1], "b": ["false"]}}, "truthy-string", "/inputs/b/0"),
    ({"inputs": {"n": [1], "b": [2]}}, "truthy-number", "/inputs/b/0"),
    (
        {"dataframe_split": {"columns": ["n", "b"], "data": [[1, True], [1, None]]}},
        "null-to-false",
        "/dataframe_split/data/1/1",
    ),
    (
        {"dataframe_split": {"columns": ["n", "b"], "data": [[1, 1], [1, None]]}},
        "null-to-true",
        "/dataframe_split/data/1/1",
    ),
    (
        {"dataframe_records": [{"n": 1, "b": True}, {"n": 2}]},
        "missing-key-to-true",
        "/dataframe_records/1/b",
    ),
    (
        {"dataframe_records": [{"n": 1, "s": "a"}, {"n": 2}]},
        "missing-key-to-nan",
        "/dataframe_records/1/s",
    ),
    ({"inputs": {"n": [1], "s": [None]}}, "null-to-None-string", "/inputs/s/0"),
    ({"inputs": {"n": [1], "s": [1.5]}}, "number-stringified", "/inputs/s/0"),
    (
        {"dataframe_split": {"columns": ["n", "s"], "data": [[1, 12]]}},
        "non-string-kept",
        "/dataframe_split/data/0/1",
    ),
    ({"inputs": {"n": [1], "bin": ["aGk="]}}, "base64-not-decoded", "/inputs/bin/0"),
    (
        {"dataframe_records": [{"n": 1, "bin": "a!Gk="}]},
        "base64-lenient",
        "/dataframe_records/0/bin",
    ),
    (
        {"inputs": {"n": [1], "t": ["2024-01-01T10:00:00+02:00"]}},
        "timezone-converted",
        "/inputs/t/0",
    ),
    (
        {"dataframe_split": {"columns": ["n", "t"], "data": [[1, 1700000000]]}},
        "int-as-nanoseconds",
        "/dataframe_split/data/0/1",
    ),
    ({"inputs": {"n": [1], "f": [16777217]}}, "float32-rounded", "/inputs/f/0"),
    ({"inputs": {"n": [1], "d": [2**53 + 1]}}, "precision-lost", "/inputs/d/0"),
    ({"inputs": {"n": [1], "zz": [1]}}, "unknown-column-dropped", "/inputs/zz"),
    ({"inputs": {"n": [1]}, "zz": 1}, "unknown-key-ignored", "/zz"),
]


@pytest.mark.parametrize(
    ("body", "code", "pointer"), WARNING_CASES, ids=[c[1] for c in WARNING_CASES]
)
def test_each_warning_code_points_at_the_value(
    body: dict[str, Any], code: str, pointer: str
) -> None:
    outcome = run(MIXED, body)
    assert outcome.status == 200, outcome.message
    found = codes(outcome)
    assert found.get(code, [None])[0] == pointer, outcome.warnings
    warning = next(w for w in outcome.warnings if w.code == code)
    assert isinstance(warning, ConversionWarning)
    assert warning.sent
    assert warning.received
    assert warning.message


def test_null_in_a_required_double_column_is_a_warning() -> None:
    sig = make_sig([col("d", "double")])
    outcome = run(sig, {"inputs": {"d": [1.5, None]}})
    assert codes(outcome) == {"null-to-nan": ["/inputs/d/1"]}
    optional = make_sig([col("d", "double", required=False)])
    assert run(optional, {"inputs": {"d": [1.5, None]}}).warnings == ()


def test_nested_conversions_are_warnings_inside_the_cell() -> None:
    sig = make_sig(
        [
            col("b", "array", items={"type": "boolean"}),
            col("s", "array", items={"type": "string"}),
            col("d", "array", items={"type": "double"}),
        ]
    )
    outcome = run(sig, {"dataframe_records": [{"b": [None], "s": ["a", None], "d": [1, "2"]}]})
    assert outcome.received["s"].tolist() == [["a", "n"]]
    assert codes(outcome) == {
        "null-to-false": ["/dataframe_records/0/b/0"],
        "null-to-None-string": ["/dataframe_records/0/s/1"],
        "string-parsed-as-number": ["/dataframe_records/0/d/1"],
    }


def test_valid_canonical_bodies_have_no_warnings() -> None:
    body = {
        "dataframe_split": {
            "columns": ["n", "i", "f", "d", "b", "s", "bin", "t"],
            "data": [[1, 2, 0.1, 2.5, True, "x", "aGk=\n", "2024-01-01T10:00:00"]] * 3,
        }
    }
    outcome = run(MIXED, body)
    assert outcome.status == 200
    assert outcome.warnings == ()


def test_warnings_are_capped_per_field_and_code() -> None:
    outcome = run(MIXED, {"inputs": {"n": [1.5] * 50}})
    assert len(outcome.warnings) == 10
    assert outcome.warnings[-1].pointer == "/inputs/n/9"


# --------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------
def test_neither_signature_nor_body_is_mutated() -> None:
    obj = {"type": "object", "properties": {"a": {"type": "double", "required": True}}}
    sig = make_sig([{**obj, "name": "o", "required": True}, col("n", "long")])
    before_sig = copy.deepcopy(sig)
    body = {"dataframe_records": [{"o": {"a": 1}, "n": 1}], "params": {"x": 1}}
    before = copy.deepcopy(body)
    for envelope in ("dataframe_records", "inputs"):
        outcome = emulate(sig, {envelope: body["dataframe_records"], "params": body["params"]})
        assert outcome.status == 200, outcome.message
    assert body == before
    assert type(body["dataframe_records"][0]["o"]["a"]) is int
    assert sig == before_sig


@pytest.mark.parametrize(
    "body", [object(), {1, 2}, {"inputs": object()}, b"\x00" * 10, {"inputs": {"n": [object()]}}]
)
def test_emulate_never_raises(body: Any) -> None:
    outcome = emulate(MIXED, body)
    assert outcome.status in {200, 400, 415, 500}


def test_parsed_bodies_are_accepted_like_raw_ones() -> None:
    body = {"inputs": {"n": [1, 2]}, "zz": float("nan")}
    outcome = emulate(MIXED, body)
    assert outcome.status == 200
    assert codes(outcome) == {"unknown-key-ignored": ["/zz"], "nan-literal": ["/zz"]}


# --------------------------------------------------------------------------
# Nested rules (_nested)
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "dtype", "ok"),
    [
        (1, DataType.long, True),
        (1.0, DataType.long, False),
        (True, DataType.long, False),
        (2, DataType.double, False),
        (1, DataType.double, True),
        (1.5, DataType.double, True),
        (1, DataType.float, True),
        (1.5, DataType.float, False),
        (1, DataType.integer, False),
        ("a", DataType.binary, True),
        ("2024-01-01", DataType.datetime, False),
        (None, DataType.string, False),
    ],
)
def test_nested_scalars_follow_mlflows_series_rules(value: Any, dtype: DataType, ok: bool) -> None:
    if ok:
        enforce_scalar(value, dtype)
    else:
        with pytest.raises(NestedValueError):
            enforce_scalar(value, dtype)


def test_nested_arrays_are_judged_as_a_whole() -> None:
    doubles = Array(DataType.double)
    assert enforce_array([1, 2.5], doubles) == [1.0, 2.5]
    with pytest.raises(NestedValueError) as info:
        enforce_array([1, 2], doubles)
    assert info.value.path == (1,)
    assert enforce_array([None], Array(DataType.string)) == ["None"]


def test_object_properties_and_optional_objects() -> None:
    obj = Object((Property("a", DataType.long), Property("b", DataType.string, required=False)))
    assert enforce_object(None, obj, required=False) is None
    assert enforce_object({"a": 1, "b": None}, obj) == {"a": 1, "b": None}
    with pytest.raises(NestedValueError) as info:
        enforce_object({"a": 1, "c": 2}, obj)
    assert info.value.path == ("c",)
    with pytest.raises(ValueError):
        check_object_param(obj, {"b": "x"})


def test_a_syntax_error_before_deep_nesting_is_a_bad_request() -> None:
    deep = "[" * 2000 + "]" * 2000
    rejected(run(MIXED, '{"a" 1, "zz": ' + deep + "}"), 400, "BAD_REQUEST", "x-mlflow-json")
    rejected(run(MIXED, '{"a": NaN, "zz": ' + deep + "}"), 500, None, "x-mlflow-json")


def test_deep_non_rfc_bodies_parse_below_the_limit_whatever_our_stack() -> None:
    def nest(levels: int) -> Any:
        if levels == 0:
            return run(
                MIXED, '{"inputs": {"n": [1]}, "zz": [NaN' + "," + "[" * 984 + "]" * 984 + "]}"
            )
        return nest(levels - 1)

    assert nest(300).status == 200


@pytest.mark.parametrize("label", [["mime"], {"a": 1}])
def test_array_or_object_column_label_is_mlflows_plain_500(label: Any) -> None:
    # Found by the hostile fuzz test; MLflow 3.17.2 answers "Internal Server Error".
    sig = parse_signature({"inputs": [{"type": "string", "name": "mime", "required": True}]})
    body = json.dumps({"dataframe_split": {"columns": [label], "data": [["x"]]}})
    outcome = emulate(sig, body)
    assert (outcome.status, outcome.error_code) == (500, None)
    assert outcome.keyword == "x-mlflow-column-label"
    assert outcome.pointer == "/dataframe_split/columns/0"


# --------------------------------------------------------------------------
# What other releases do differently (each checked on that release's real
# server with shared/tools/mlflow_oracle_versions.py; the corpus tests cover
# them case by case)
# --------------------------------------------------------------------------
def _on(line: str, sig: Signature, body: Any, **kwargs: Any) -> Outcome:
    text = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return emulate_release(sig, text, release=RELEASES[line], **kwargs)


_BOOL = parse_signature(
    {
        "inputs": json.dumps(
            [
                {"type": "boolean", "name": "b", "required": False},
                {"type": "string", "name": "s", "required": False},
                {"type": "long", "name": "n"},
            ]
        )
    }
)


def test_3_18_keeps_a_null_in_a_frame_boolean_column() -> None:
    body = {"dataframe_split": {"columns": ["b", "n"], "data": [[True, 1], [None, 2]]}}
    old, new = _on("3.17", _BOOL, body), _on("3.18", _BOOL, body)
    assert list(old.received["b"]) == [True, False]
    assert codes(old) == {"null-to-false": ["/dataframe_split/data/1/0"]}
    assert new.received["b"].dtype == object
    assert list(new.received["b"]) == [True, None]
    assert codes(new) == {}


def test_3_18_keeps_an_all_null_frame_boolean_column_as_none() -> None:
    body = {"dataframe_split": {"columns": ["b", "n"], "data": [[None, 1], [None, 2]]}}
    assert list(_on("3.17", _BOOL, body).received["b"]) == [False, False]
    assert list(_on("3.18", _BOOL, body).received["b"]) == [None, None]


def test_3_18_keeps_none_in_inputs_boolean_and_string_columns() -> None:
    body = {"inputs": {"b": [True, None], "s": [None, "q"], "n": [1, 2]}}
    old, new = _on("3.17", _BOOL, body), _on("3.18", _BOOL, body)
    assert codes(old) == {"null-to-false": ["/inputs/b/1"], "null-to-None-string": ["/inputs/s/0"]}
    assert list(new.received["b"]) == [True, None]
    assert codes(new) == {}


_TENSOR = parse_signature(
    {
        "inputs": json.dumps(
            [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}]
        )
    }
)


def test_3_18_reads_a_tensor_frames_first_cell_by_position() -> None:
    body = {
        "dataframe_split": {"columns": ["a"], "index": [5, 6], "data": [[[1.0, 2.0]], [[3.0, 4.0]]]}
    }
    rejected(_on("3.17", _TENSOR, body), 400, "INVALID_PARAMETER_VALUE", "x-mlflow-shape")
    assert _on("3.18", _TENSOR, body).received.tolist() == [[1.0, 2.0], [3.0, 4.0]]


_ANY = parse_signature(
    {"inputs": json.dumps([{"type": "any", "name": "payload"}, {"type": "long", "name": "id"}])}
)


def test_2_22_misaligns_a_split_index_with_complex_columns() -> None:
    body = {
        "dataframe_split": {
            "columns": ["payload", "id"],
            "index": [0, 10],
            "data": [[1, 5], [2, 6]],
        }
    }
    kept = _on("3.17", _ANY, body)
    assert list(kept.received.index) == [0, 10]
    lost = _on("2.22", _ANY, body)
    assert list(lost.received.index) == [0, 1, 10]
    assert str(lost.received["id"].dtype) == "float64"
    assert codes(lost) == {"index-not-kept": ["/dataframe_split/index"]}


_DATES = parse_signature({"inputs": json.dumps([{"type": "datetime", "name": "d"}])})


def test_2_22_parses_mixed_datetime_formats_in_one_column() -> None:
    body = {"dataframe_records": [{"d": "2024-01-01T10:00:00"}, {"d": "2024-01-02"}]}
    assert _on("3.17", _DATES, body).status == 400
    served = _on("2.22", _DATES, body)
    assert served.status == 200
    assert [str(t) for t in served.received["d"]] == ["2024-01-01 10:00:00", "2024-01-02 00:00:00"]


def test_2_22_sends_no_error_class_and_object_strings() -> None:
    rejected_body = {"dataframe_records": [{"n": "x"}]}
    assert _on("3.17", _BOOL, rejected_body).error_class == "INVALID_PARAMETER_VALUE"
    assert _on("2.22", _BOOL, rejected_body).error_class is None
    served = _on("2.22", _BOOL, {"dataframe_records": [{"s": "a", "n": 1}, {"s": None, "n": 2}]})
    assert served.received["s"].dtype == object
    assert list(served.received["s"]) == ["a", None]


def test_2_22_crashes_on_a_body_that_is_not_utf8_and_serves_no_parquet() -> None:
    raw = b'{"inputs": {"n": [1]}, "x": "\xff"}'
    rejected(_on("3.17", _BOOL, raw), 400, "BAD_REQUEST", "x-mlflow-json")
    assert (_on("2.22", _BOOL, raw).status, _on("2.22", _BOOL, raw).error_code) == (500, None)
    parquet = _on("2.22", _BOOL, b"PAR1", content_type="application/vnd.apache.parquet")
    assert parquet.status == 415


_NESTED_DATES = parse_signature(
    {"inputs": json.dumps([{"type": "array", "items": {"type": "datetime"}, "name": "a"}])}
)


@pytest.mark.parametrize(
    "body",
    [
        {"dataframe_records": [{"a": ["2024-01-01"]}]},
        {"inputs": {"a": ["2024-01-01"]}},
    ],
)
def test_2_22_parses_a_nested_datetime_string_then_refuses_it_at_enforcement(body: Any) -> None:
    # pandas 2 holds the strings as objects, which parse; enforcement then sees
    # integers of nanoseconds. pandas 3 (3.x) refuses the strings when parsing.
    rejected(_on("3.17", _NESTED_DATES, body), 400, "BAD_REQUEST")
    rejected(_on("2.22", _NESTED_DATES, body), 400, "INVALID_PARAMETER_VALUE")
    rejected(_on("2.22", _NESTED_DATES, {"dataframe_records": [{"a": ["x"]}]}), 400, "BAD_REQUEST")


def test_2_22_keeps_a_null_as_none_in_an_any_column_sent_as_records() -> None:
    body = {"inputs": [{"payload": None, "id": -1000}, {"payload": "x", "id": 233}]}
    sig = parse_signature(
        {"inputs": json.dumps([{"type": "any", "name": "payload"}, {"type": "long", "name": "id"}])}
    )
    assert math.isnan(_on("3.17", sig, body).received["payload"][0])
    received = _on("2.22", sig, body).received["payload"]
    assert received.dtype == object
    assert list(received) == [None, "x"]


def test_2_22_turns_a_null_in_a_string_array_into_the_text_none() -> None:
    sig = parse_signature(
        {"inputs": json.dumps([{"type": "array", "items": {"type": "string"}, "name": "a"}])}
    )
    body = {"dataframe_records": [{"a": ["x"]}, {"a": [None, ""]}]}
    # pandas 3 holds the null as NaN, pandas 2 as None; numpy's str() of each,
    # cut to the width of the longest string on 3.17 (docs/mlflow-mode.md).
    assert _on("3.17", sig, body).received["a"][1] == ["n", ""]
    assert _on("2.22", sig, body).received["a"][1] == ["None", ""]
