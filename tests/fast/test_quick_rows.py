"""The generated checks of the quick path (`sig2jsonschema._fast.rows`) on bodies of 1-3 rows.

Bodies holding every column (split in signature order, records with every
key) are judged by one generated function (`compile_body_check`); others by
the layouts' generated row checks (`compile_rows`) inside `QuickPlan._judge`,
which is also what `check` uses.  Every body here is held to the reference
path, through both: the quick answer may only be "valid" where the
reference finds no error, and both ways of judging agree.
"""

from __future__ import annotations

import inspect
import json
from functools import cache
from typing import Any

import pytest

from sig2jsonschema._fast.rows import Answers
from sig2jsonschema._payload.decode import JSON_TYPE
from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema._validate.validator import Validator
from tests.fast.test_fast_equivalence import (
    BAD_CELLS,
    _raw,
    compare,
    null_filled,
    plan,
    reference,
    signature,
    workloads,
)
from tests.fast.test_quick_path import BAD_VALUES


def judged(name: str, raw: bytes, *, column_path: bool = True) -> bool:
    """The quick answer, held to the reference and to the layout path.

    ``column_path``: also hold `FastPlan.check` (the quick and the column
    path) to the reference.
    """
    found = plan(name)
    said = bool(found.quick_valid(raw, DEFAULT_LIMITS))
    assert found.quick_valid(raw, DEFAULT_LIMITS) == said  # the limits are settled by then
    by_layout = found._quick._judge(raw, DEFAULT_LIMITS) is not None
    assert said == by_layout, raw[:200]
    errors = list(reference(name).iter_errors(raw))
    assert not (said and errors), f"quick says valid, reference: {errors[0]}"
    # A Validator's is_valid is the generated function itself (`_answer_small_bodies`).
    assert validator(name).is_valid(raw) == (not errors), raw[:200]
    if column_path:
        said_fast, disagreement = compare(name, raw)
        assert disagreement is None, disagreement
        assert said_fast == "result" or not said
    return said


@cache
def validator(name: str) -> Validator:
    return Validator(signature(name))


def _w1(form: str, n: int, row: int | None = None, column: str = "", value: Any = None) -> bytes:
    body = workloads.make_body("w1", form, n)
    if row is not None:
        if form == "split":
            j = body["dataframe_split"]["columns"].index(column)
            body["dataframe_split"]["data"][row][j] = value
        else:
            body["dataframe_records"][row][column] = value
    return _raw(body)


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("form", ["split", "records"])
def test_valid_small_bodies_are_quick(form: str, n: int) -> None:
    assert judged("w1", _w1(form, n))


@pytest.mark.parametrize(("column", "value"), BAD_CELLS + BAD_VALUES)
@pytest.mark.parametrize("form", ["split", "records"])
def test_a_bad_or_edge_cell_in_a_small_body_is_never_quick(
    form: str, column: str, value: Any
) -> None:
    for n, row in ((1, 0), (3, 0), (3, 2)):
        raw = _w1(form, n, row, column, value)
        said = judged("w1", raw, column_path=(column, value, n) != _ALONE)
        if (column, value) == ("ts", "2024-01-01") and n == 1:
            continue  # the only datetime of the body: one format, valid
        assert not said, (n, row, column, value)


#: An integer beyond 2**53 as the only value of a ``double`` column.
_ALONE = ("d1", 2**53 + 1, 1)


@pytest.mark.parametrize("form", ["split", "records"])
def test_an_inexact_integer_alone_in_a_double_column(form: str) -> None:
    column, value, n = _ALONE
    raw = _w1(form, n, 0, column, value)
    assert not judged("w1", raw, column_path=False)  # the quick path steps aside
    assert compare("w1", raw)[1] is None


def test_records_in_any_key_order_or_without_an_optional_key_are_quick() -> None:
    body = workloads.make_body("w1", "records", 3)
    records = body["dataframe_records"]
    records[1] = dict(reversed(list(records[1].items())))
    assert judged("w1", _raw(body))
    for record in records:
        del record["od"]  # every record lacks it alike: its layout, not the all-columns one
    assert judged("w1", _raw(body))


def test_records_with_other_keys_are_never_quick() -> None:
    variants = []
    for change in ("drop", "rename", "add"):
        for row in (0, 1):
            body = workloads.make_body("w1", "records", 2)
            record = body["dataframe_records"][row]
            if change == "drop":
                del record["d1"]
            elif change == "rename":
                record["zz"] = record.pop("od")
            else:
                record["zz"] = 1.0
            variants.append(_raw(body))
    body = workloads.make_body("w1", "records", 2)
    body["dataframe_records"][1] = list(body["dataframe_records"][1].values())
    variants.append(_raw(body))
    for raw in variants:
        assert not judged("w1", raw), raw[:200]


def test_split_rows_of_another_shape_are_never_quick() -> None:
    for data in ([[1.0]], [], {"0": [1.0]}, "x"):
        body = workloads.make_body("w1", "split", 2)
        body["dataframe_split"]["data"] = data
        assert not judged("w1", _raw(body))
    body = workloads.make_body("w1", "split", 2)
    rows = body["dataframe_split"]["data"]
    for change in (rows[1][:-1], [*rows[1], 1.0], dict(enumerate(rows[1])), None):
        body["dataframe_split"]["data"] = [rows[0], change]
        assert not judged("w1", _raw(body))


def test_repeated_keys_and_escapes_in_one_row() -> None:
    text = _w1("records", 1).decode()
    assert '"s1":"' in text
    repeated = [
        text.replace('"d1":', '"d1":1.0,"d1":', 1),
        text.replace('"s1":', '"s1":"a:b","s1":', 1),  # its colon is not the parsed text's
        text.replace('"s1":"', '"s1":"x:y","s1":"a:b', 1),
        text.replace('{"dataframe_records"', '{"dataframe_records":[],"dataframe_records"', 1),
    ]
    for variant in repeated:
        assert not judged("w1", variant.encode()), variant
    escaped_colon = text.replace('"s1":"', '"s1":"\\u003a', 1)
    assert not judged("w1", escaped_colon.encode())
    nul = text.replace('"s1":"', '"s1":"\\u0000', 1)
    assert not judged("w1", nul.encode())
    other_escapes = text.replace('"s1":"', '"s1":"\\n\\"\\\\ \\u00e9 a:b ', 1)
    assert judged("w1", other_escapes.encode())
    split = _w1("split", 1).decode()
    assert not judged("w1", split.replace('"columns":', '"columns":[],"columns":', 1).encode())
    spaced = json.dumps(json.loads(split), indent=2).encode()  # whitespace: no ':' moves
    assert judged("w1", spaced)


def _w3_text(content: str) -> str:
    body = _w3(1)
    body["dataframe_records"][0]["messages"][0]["content"] = content
    return json.dumps(body, separators=(",", ":"))


@pytest.mark.parametrize("dense", [True, False])
def test_other_and_repeated_keys_in_a_record_or_message_are_never_quick(dense: bool) -> None:
    # The generated checks leave a record's or a message's other keys, and a
    # repeated key, to the census: one ':' more than the members it counts,
    # with or without colons inside the strings (dense: counted byte by byte;
    # sparse, long texts and few members: by ``replace``).
    text = _w3_text("a:b" if dense else "a:b " + "x" * 2000)
    assert judged("w3", text.encode())
    for variant in (
        text.replace('"role":', '"name":"bob","role":', 1),
        text.replace('"role":', '"name":"c:d","role":', 1),
        text.replace('"role":', '"n":1,"role":', 1),
        text.replace('"temperature":', '"top_p":1.0,"temperature":', 1),
        text.replace('"temperature":', '"x":"y:z","temperature":', 1),
        text.replace('"role":', '"role":"user","role":', 1),
        text.replace('"role":', '"role":"a:b","role":', 1),
        text.replace('"role":"', '"role":"x:y","role":"', 1),
        text.replace('"content":"', '"content":"x","content":"', 1),
        text.replace('"temperature":', '"temperature":1.0,"temperature":', 1),
        text.replace('"messages":', '"messages":[],"messages":', 1),
    ):
        assert variant != text
        assert not judged("w3", variant.encode()), variant[:120]
    w1 = _w1("records", 2).decode()
    assert judged("w1", w1.encode())
    for variant in (w1.replace('"d1":', '"x":1,"d1":', 1), w1.replace('"d1":', '"x":"a:b","d1":')):
        assert not judged("w1", variant.encode()), variant


def test_the_datetime_forms_in_one_row() -> None:
    for ts in ("2024-02-29", "2261-12-31T00:00:00.5", "1678-01-01T00:00:00.123456"):
        for form in ("split", "records"):
            assert judged("w1", _w1(form, 1, 0, "ts", ts)), ts
    for ts in ("2024-2-29", "2024-02-29t10:00:00", "2024-02-29T10:00:00+01:00", "+2024-02-29"):
        for form in ("split", "records"):
            assert not judged("w1", _w1(form, 1, 0, "ts", ts)), ts
    raw = _w1("split", 1, 0, "ts", None)  # a required datetime
    assert not judged("w1", raw)


def _w3(n: int) -> Any:
    return null_filled(workloads.make_body("w3", "records", n))


@pytest.mark.parametrize("n", [1, 2])
def test_valid_chat_records_are_quick(n: int) -> None:
    body = _w3(n)
    assert judged("w3", _raw(body))
    first = body["dataframe_records"][0]
    first["messages"][0] = {"content": "a: b ✓ 日本", "role": "user"}  # key order, colons
    first["temperature"] = 2
    assert judged("w3", _raw(body))


@pytest.mark.parametrize(
    "change",
    [
        {"role": 3},
        {"role": None},
        {"role": True},
        {"content": ["x"]},
        {"content": {"x": "y"}},
        {"content": "a\x00b"},
        {"extra": "x"},
    ],
)
def test_a_bad_message_in_one_record_is_never_quick(change: dict[str, Any]) -> None:
    body = _w3(1)
    body["dataframe_records"][0]["messages"][-1].update(change)
    assert not judged("w3", _raw(body))


def test_odd_chat_records_are_never_quick() -> None:
    cases: list[Any] = [
        [],
        None,
        "hello",
        {"role": "user", "content": "x"},
        [["user", "x"]],
        [{"role": "user"}],
        [{"content": "x"}],
        [{"role": "user", "text": "x"}],
    ]
    for messages in cases:
        body = _w3(1)
        body["dataframe_records"][0]["messages"] = messages
        assert not judged("w3", _raw(body)), messages
    for temperature in ("0.5", True, [0.5], 2**60):
        body = _w3(1)
        body["dataframe_records"][0]["temperature"] = temperature
        assert not judged("w3", _raw(body)), temperature
    body = _w3(1)
    del body["dataframe_records"][0]["messages"]
    assert not judged("w3", _raw(body))
    # repeated keys: test_other_and_repeated_keys_in_a_record_or_message_are_never_quick
    text = json.dumps(_w3(1), separators=(",", ":"))
    for variant in (
        text.replace('"content":"', '"content":"\\u003a', 1),
        text.replace('"content":"', '"content":"\\u0000', 1),
    ):
        assert not judged("w3", variant.encode()), variant[:120]
    assert judged("w3", text.replace('"content":"', '"content":"\\t\\u00e9', 1).encode())


#: JSON values to put anywhere: every type, edges of the checks' bounds, odd texts.
_POOL: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    -0.0,
    2**31,
    2**53,
    2**53 + 1,
    2**63 - 1,
    2**63,
    -(2**63) - 1,
    1e300,
    "",
    "x",
    "a:b",
    "a\x00b",
    "2024-02-29",
    "2024-02-30",
    "2024-01-01T10:00:00",
    "2024-01-01T10:00:00.5",
    "1677-12-31T23:59:59",
    "YWJj",
    [],
    [1],
    ["x"],
    {},
    {"role": "user", "content": "x"},
    [{"role": "user", "content": "x"}],
    [{"role": "user", "content": 1}],
    [{"role": "user"}],
]


@pytest.mark.parametrize("name", ["w1", "w3"])
def test_one_value_replaced_anywhere_is_quick_only_where_the_reference_agrees(name: str) -> None:
    import random

    rng = random.Random(20261205)
    quick = 0
    for _ in range(400):
        n = rng.choice((1, 2, 3))
        form = "split" if name == "w1" and rng.random() < 0.5 else "records"
        body = workloads.make_body(name, form, n)
        if name == "w3":
            null_filled(body)
        row = rng.randrange(n)
        if form == "split":
            cells = body["dataframe_split"]["data"][row]
            cells[rng.randrange(len(cells))] = rng.choice(_POOL)
        else:
            record = body["dataframe_records"][row]
            key = rng.choice(sorted(record))
            if name == "w3" and key == "messages" and rng.random() < 0.7:
                message = rng.choice(record[key])
                message[rng.choice(sorted(message))] = rng.choice(_POOL)
            else:
                record[key] = rng.choice(_POOL)
        quick += judged(name, _raw(body), column_path=False)
    assert quick >= 20  # replacements the contract allows do stay quick


class _Handed:
    """`Answers` that record which one a body was handed to, answering as the reference."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[str] = []

    def answers(self) -> Answers:
        return Answers(self._anew, self._full, self._is_json, JSON_TYPE)

    def _anew(self, body: Any, *, content_type: str) -> bool:
        self.calls.append("anew")
        return not list(reference(self.name).iter_errors(body, content_type=content_type))

    def _full(self, body: Any, content_type: str) -> bool:
        self.calls.append("full")
        return not list(reference(self.name).iter_errors(body, content_type=content_type))

    def _is_json(self, content_type: str) -> bool:
        return content_type.partition(";")[0] == JSON_TYPE


def test_the_generated_is_valid_hands_on_what_it_is_not_sure_of() -> None:
    split, records = _w1("split", 1), _w1("records", 1)
    text = records.decode()
    without = json.loads(records)
    del without["dataframe_records"][0]["od"]  # optional: another layout
    big = _w1("records", 100)
    assert len(big) > DEFAULT_LIMITS.max_number_digits  # past the size it reads
    cases: list[tuple[Any, str, bool, list[str]]] = [
        # body, content type, valid, where it went (nowhere: the function's own answer)
        (split, JSON_TYPE, True, []),
        (records, JSON_TYPE, True, []),
        (records, "application/json; charset=utf-8", True, []),
        (_raw(without), JSON_TYPE, True, []),  # the quick path's layouts are sure
        (_w1("records", 1, 0, "l1", 1.5), JSON_TYPE, False, ["full"]),  # they are not
        (text.replace('"d1":', '"d1":1.0,"d1":', 1).encode(), JSON_TYPE, False, ["full"]),
        (text.replace('"s1":"', '"s1":"\\u003a', 1).encode(), JSON_TYPE, True, ["full"]),
        (records, "text/plain", False, ["anew"]),
        (text, JSON_TYPE, True, ["anew"]),
        (bytearray(records), JSON_TYPE, True, ["anew"]),
        (json.loads(records), JSON_TYPE, True, ["anew"]),
        (big, JSON_TYPE, True, ["anew"]),
    ]
    limits = DEFAULT_LIMITS
    for body, content_type, valid, route in cases:
        handed = _Handed("w1")
        own = plan("w1")._quick.is_valid_for(limits, handed.answers())
        assert own(body, content_type) is valid, (body, content_type)
        assert handed.calls == route, (body, content_type)
        v = validator("w1")
        assert v.is_valid(body, content_type=content_type) is valid
        assert Validator.is_valid(v, body, content_type=content_type) is valid


def test_a_subclass_keeps_its_own_is_valid() -> None:
    class Counting(Validator):
        calls = 0

        def is_valid(self, body: Any, *, content_type: str = JSON_TYPE) -> bool:
            Counting.calls += 1
            return super().is_valid(body, content_type=content_type)

    raw = _w1("split", 1)
    own = validator("w1").is_valid
    assert "is_valid" in vars(validator("w1"))
    # It reads as the method does (not its helpers, passed as defaults).
    assert str(inspect.signature(own)) == str(inspect.signature(Validator.is_valid)).replace(
        "self, ", ""
    )
    assert own.__doc__ == Validator.is_valid.__doc__
    assert Counting(signature("w1")).is_valid(raw)
    assert Counting.calls == 1
