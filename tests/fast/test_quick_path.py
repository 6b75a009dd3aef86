"""The quick path (`sig2jsonschema._fast.quick`) says "valid" only where the reference does.

It answers small frame bodies of scalar columns without numpy.  These tests
hold it to the reference path (the `Validator` with its fast path off) on the
corpus, the workloads at 1 to 300 rows, one bad cell of every kind, repeated
keys and escapes; `test_fast_equivalence` compares what ``parse()`` builds.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from sig2jsonschema._fast.results import FastResult
from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._validate.validator import Validator
from tests.conftest import reference_only
from tests.fast.test_fast_equivalence import (
    BAD_CELLS,
    CASES,
    _raw,
    _w1_with,
    compare,
    plan,
    reference,
    workloads,
)


def quick(name: str, body: bytes | str) -> bool:
    found = plan(name)
    return found is not None and found.quick_valid(body, DEFAULT_LIMITS)


def test_quick_answers_on_corpus_bodies_are_the_reference_verdicts() -> None:
    taken = 0
    problems = []
    for case in CASES:
        name = case["signature"]
        body = case["body"].encode("utf-8", "surrogatepass")
        if not quick(name, body):
            continue
        taken += 1
        errors = list(reference(name).iter_errors(body))
        if errors:
            problems.append(f"{case['id']}: quick says valid, reference: {errors[0]}")
        said, found = compare(name, body)
        if (said, found) != ("result", None):
            problems.append(f"{case['id']}: {said} {found}")
    assert not problems, "\n".join(problems)
    assert taken >= 10  # the corpus's valid frame bodies do take it


@pytest.mark.parametrize("n", [1, 2, 10, 300])
@pytest.mark.parametrize("form", ["split", "records"])
def test_small_workload_bodies_take_the_quick_path(form: str, n: int) -> None:
    body = _raw(workloads.make_body("w1", form, n))
    assert quick("w1", body)
    assert isinstance(plan("w1")._quick.check(body, build=True, limits=None), FastResult)
    assert compare("w1", body) == ("result", None)
    assert compare("w1", body.decode()) == ("result", None)  # str bodies too


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), BAD_CELLS)
def test_a_bad_cell_is_never_quick(form: str, column: str, value: Any) -> None:
    body = _raw(_w1_with(form, 123, column, value))
    assert not quick("w1", body)
    assert compare("w1", body)[1] is None


BAD_VALUES = [
    ("d1", 2.0**63),  # a float orjson may have read from a 65-bit integer
    ("d1", 2**53 + 1),  # an integer a double does not hold exactly
    ("l1", 2**63),  # beyond int64
    ("l1", -(2**63) - 1),
    ("l1", True),
    ("b1", 0),
    ("s1", "a\x00b"),
    ("s1", ["x"]),
    ("ts", "2024-02-29T24:00:00"),
    ("ts", "1677-12-31T00:00:00"),
    ("ts", "2262-01-01T00:00:00"),
    ("ts", "2023-02-29T00:00:00"),
    ("ts", "2024-01-01 10:00:00"),
    ("ts", "2024-01-01T10:00:00.1234567"),
    ("ts", "2024-01-01T10:00:00Z"),
    ("ts", "\uff12\uff10\uff12\uff14-01-01T10:00:00"),
    ("ts", "2024-01-01"),  # a second format in the same column
    ("od", False),
]


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), BAD_VALUES)
def test_edge_values_are_left_to_the_column_path(form: str, column: str, value: Any) -> None:
    body = _raw(_w1_with(form, 7, column, value))
    assert not quick("w1", body)
    assert compare("w1", body)[1] is None


def test_the_datetime_forms_and_nulls_the_contract_allows_are_quick() -> None:
    for ts in (
        "2024-02-29",
        "2024-02-29T23:59:59",
        "2261-12-31T00:00:00.5",
        "1678-01-01T00:00:00.123456",
    ):
        body = workloads.make_body("w1", "records", 5)
        for record in body["dataframe_records"]:
            record["ts"] = ts
            record["od"] = None
        raw = _raw(body)
        assert quick("w1", raw), ts
        assert compare("w1", raw) == ("result", None)


def test_envelope_variants_are_left_to_the_column_path() -> None:
    body = workloads.make_body("w1", "split", 3)
    text = json.dumps(body)
    variants = [
        text.replace('"data"', '"index": [0, 1, 2], "data"'),
        text[:-1] + ', "params": {}}',
        text.replace('"d1", "d2"', '"d2", "d1"', 1),  # not the signature's column order
        text.replace('"d1", "d2"', '"d1", "d1"', 1),  # a repeated column
    ]
    records = workloads.make_body("w1", "records", 3)
    del records["dataframe_records"][1]["od"]  # different keys
    variants.append(json.dumps(records))
    records = workloads.make_body("w1", "records", 3)
    rtext = json.dumps(records)
    variants.append(rtext.replace('"od": ', '"od": 1.0, "od": ', 1))  # a repeated key
    variants.append(rtext.replace('"s1": "', '"s1": "\\u003a', 1))  # an escaped colon
    for variant in variants:
        raw = variant.encode()
        assert not quick("w1", raw), variant[:120]
        assert compare("w1", raw)[1] is None


def test_escaped_text_without_colons_is_quick_and_exact() -> None:
    records = workloads.make_body("w1", "records", 3)
    records["dataframe_records"][1]["s2"] = 'quote " backslash \\ tab \t é 日本'
    raw = json.dumps(records).encode()
    assert quick("w1", raw)
    assert compare("w1", raw) == ("result", None)


def test_the_limits_are_vouched_for() -> None:
    raw = _raw(_w1_with("split", 0, "d1", 0.5))
    found = plan("w1")
    assert found.quick_valid(raw, DEFAULT_LIMITS)
    assert not found.quick_valid(raw, DEFAULT_LIMITS.replace(max_body_bytes=100))
    assert not found.quick_valid(raw, DEFAULT_LIMITS.replace(max_depth=3))
    long_number = raw.replace(b'"data":[[0.5,', b'"data":[[0.' + b"1" * 60 + b",", 1)
    assert long_number != raw
    assert found.quick_valid(long_number, DEFAULT_LIMITS)
    tight = DEFAULT_LIMITS.replace(max_number_digits=40)
    assert not found.quick_valid(long_number, tight)
    validator = Validator(load_signature(dict(workloads.SIGNATURES["w1"])), limits=tight)
    assert not validator.is_valid(long_number)
    assert validator.is_valid(raw)


def test_signature_defaults_for_params_come_with_a_quick_result() -> None:
    sig = load_signature(
        {
            "inputs": '[{"type": "double", "name": "x"}]',
            "params": '[{"name": "k", "type": "long", "default": 3, "shape": null}]',
        }
    )
    validator = Validator(sig)
    raw = b'{"dataframe_split": {"columns": ["x"], "data": [[1.5]]}}'
    assert validator._fast.quick_valid(raw, None)
    off = Validator(sig)
    reference_only(off)
    assert validator.parse(raw).params == off.parse(raw).params == {"k": 3}


def _w3(n: int) -> Any:
    from tests.fast.test_fast_equivalence import null_filled

    return null_filled(workloads.make_body("w3", "records", n))


@pytest.mark.parametrize("n", [1, 3, 40])
def test_nested_workload_bodies_take_the_quick_path(n: int) -> None:
    raw = _raw(_w3(n))
    assert quick("w3", raw)
    assert compare("w3", raw) == ("result", None)


@pytest.mark.parametrize(
    "change",
    [
        {"role": 3},
        {"extra": "x"},
        {"content": None},
        {"content": "a\x00b"},
        {"content": ["x"]},
        {"role": True},
    ],
)
def test_a_bad_message_is_never_quick(change: dict[str, Any]) -> None:
    body = _w3(5)
    body["dataframe_records"][2]["messages"][0].update(change)
    raw = _raw(body)
    assert not quick("w3", raw)
    assert compare("w3", raw)[1] is None


def test_odd_message_lists_are_never_quick() -> None:
    for messages in ([], {"role": "user", "content": "x"}, [["x"]], [{"role": "user"}], None):
        body = _w3(4)
        body["dataframe_records"][1]["messages"] = messages
        raw = _raw(body)
        assert not quick("w3", raw), messages
        assert compare("w3", raw)[1] is None
    body = _w3(4)
    text = json.dumps(body)
    repeated = text.replace('"role": ', '"role": "user", "role": ', 1)
    assert not quick("w3", repeated.encode())
    assert compare("w3", repeated.encode())[1] is None


@pytest.mark.parametrize("form", ["split", "records"])
def test_slices_cut_inside_a_string_fall_back_to_one_parse(monkeypatch: Any, form: str) -> None:
    from sig2jsonschema._fast import chunks

    monkeypatch.setattr(chunks, "CHUNK", 150)  # many slices of a small body
    body = workloads.make_body("w1", form, 40)
    for i in range(40):
        if form == "split":
            body["dataframe_split"]["data"][i][8] = "a},{b],[c"
        else:
            body["dataframe_records"][i]["s2"] = "a},{b],[c"
    raw = _raw(body)
    monkeypatch.setattr(plan("w1"), "_quick", None)  # the column path, which slices
    assert compare("w1", raw) == ("result", None)
    body = workloads.make_body("w1", form, 40)
    raw = _raw(body)
    assert len(list(chunks._slices(raw, 0, len(raw), b"},{" if form == "records" else b"],["))) > 5
    assert compare("w1", raw) == ("result", None)


def tensor_quick(body: bytes) -> bool:
    return plan("w2").quick_valid(body, DEFAULT_LIMITS)


@pytest.mark.parametrize("n", [1, 7])
@pytest.mark.parametrize("key", ["inputs", "instances"])
def test_uint8_tensors_are_validated_quickly(n: int, key: str) -> None:
    body = {key: workloads.make_body("w2", "inputs", n)["inputs"]}
    raw = _raw(body)
    assert tensor_quick(raw)
    assert reference("w2").is_valid(raw)
    verdict = plan("w2").check(raw, build=False)
    assert isinstance(verdict, FastResult)
    assert verdict.form == f"{key}/tensor"
    assert compare("w2", raw) == ("result", None)


@pytest.mark.parametrize("leaf", [256, -1, 1.5, 1.0, True, False, None, "3", [1], {"a": 1}])
def test_a_bad_tensor_leaf_is_never_quick(leaf: Any) -> None:
    body = workloads.make_body("w2", "inputs", 3)
    body["inputs"][1][3][4] = leaf
    raw = _raw(body)
    assert not tensor_quick(raw)
    assert not reference("w2").is_valid(raw)
    assert compare("w2", raw)[1] is None


def test_tensor_shapes_and_envelopes_other_than_the_spec_are_never_quick() -> None:
    image = workloads.make_body("w2", "inputs", 2)["inputs"]
    variants: list[Any] = [
        {"inputs": [image[0], image[1][:27]]},  # a missing row
        {"inputs": [[row[:27] for row in image[0]]]},  # 27 columns
        {"inputs": []},
        {"inputs": image, "params": {}},
        {"inputs": image[0]},  # one image without its batch axis
        {"inputs": {"x": image}},
    ]
    for body in variants:
        raw = _raw(body)
        assert not tensor_quick(raw)
        assert compare("w2", raw)[1] is None
    text = json.dumps({"inputs": image})
    for raw in (
        text.replace('"inputs"', '"\\u0069nputs"').encode(),  # an escape
        text.replace('{"inputs": ', '{"inputs": [[[1]]], "inputs": ', 1).encode(),  # repeated key
    ):
        assert not tensor_quick(raw)
        assert compare("w2", raw)[1] is None


def test_few_datetimes_are_the_vectorized_reading() -> None:
    import numpy as np

    from sig2jsonschema._fast.columns import _few_datetimes, _parse_datetimes

    samples = [
        ["1969-12-31T23:59:59.999999", "1678-01-01T00:00:00.000001", "2261-12-31T23:59:59.5"[:26]],
        ["2000-02-29", "1900-03-01", "1700-12-31"],
        ["2024-01-01T00:00:00", "1970-01-01T00:00:00"],
        *([f"2024-05-06T07:08:09.{'1' * k}"] for k in range(1, 7)),
    ]
    for sample in samples:
        texts = [t for t in sample if len(t) == len(sample[0])]
        assert np.array_equal(_few_datetimes(texts), _parse_datetimes(texts)), texts


def test_column_names_that_are_not_text_are_left_to_the_reference() -> None:
    for columns in ('["d1", {}, "d3"]', '[["d1"], "d2"]', "[1, 2]", "[null]"):
        raw = ('{"dataframe_split": {"columns": ' + columns + ', "data": [[1, 2, 3]]}}').encode()
        assert not quick("w1", raw)
        assert compare("w1", raw)[1] is None
        assert not Validator(load_signature(dict(workloads.SIGNATURES["w1"]))).is_valid(raw)
