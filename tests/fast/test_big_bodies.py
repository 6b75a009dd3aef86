"""Big frame bodies on the column path, parsed slice by slice, agree with the reference path.

The column checkers read compact texts in *lean mode* (`sig2jsonschema._fast.base.Ctx.lean`):
``array("d")``/``array("q")`` convert numbers without a type pass, booleans
are counted by equality, datetimes are read from the joined texts' byte grid
and text columns become Arrow arrays from the joined text.  Each of those
lets some wrong value through on its own (a ``true`` is an int, ``1 == True``)
and relies on the letter census or on a fallback to the exact checks; these
tests put every such value in a body cut into many slices and hold the
verdict and the built frame to the reference path's (`compare`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import numpy as np
import orjson
import pytest

from sig2jsonschema._fast import chunks
from sig2jsonschema._fast.columns import _parse_datetimes, _Slow
from sig2jsonschema._fast.plan import FastResult
from sig2jsonschema._fast.texts import _utf8_offsets
from tests.fast.test_fast_equivalence import _raw, _w1_with, compare, plan, workloads

#: Slices of a few rows: a 300-row W1 body is cut into dozens of them.
SMALL_CHUNK = 2048


@pytest.fixture(autouse=True)
def _small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    plan("w1")  # compiled (and cached) first: the quick path's size limit is CHUNK
    monkeypatch.setattr(chunks, "CHUNK", SMALL_CHUNK)


def _w1_column(form: str, column: str, values: list[Any]) -> bytes:
    """A W1 body of ``len(values)`` rows whose ``column`` holds ``values``."""
    body = workloads.make_body("w1", form, len(values))
    if form == "split":
        j = body["dataframe_split"]["columns"].index(column)
        for row, value in zip(body["dataframe_split"]["data"], values, strict=True):
            row[j] = value
    else:
        for record, value in zip(body["dataframe_records"], values, strict=True):
            record[column] = value
    return _raw(body)


#: Values each lean check alone could take for a good one.
LEAN_BAD_CELLS = [
    ("b1", 1),
    ("b1", 0),
    ("b1", 1.0),
    ("b1", 0.0),
    ("b1", 2),
    ("b1", "true"),
    ("b1", None),
    ("l1", True),
    ("l2", False),
    ("l1", 1.0),
    ("l3", 2**63),
    ("l3", -(2**63) - 1),
    ("l1", None),
    ("d1", True),
    ("d2", False),
    ("d3", "1.5"),
    ("d1", None),
    ("d4", 2**63),
    ("od", True),
    ("od", False),
    ("od", "1.5"),
    ("od", [1.0]),
    ("od", []),
    ("od", {}),
    ("od", ""),
    ("od", 2**70),
    ("l1", ""),
    ("l2", 2**64),
    ("s1", True),
    ("s2", 1),
    ("ts", "2023-02-29T00:00:00"),
    ("ts", "2024-13-01T00:00:00"),
    ("ts", "2024-00-10T00:00:00"),
    ("ts", "2024-01-00T00:00:00"),
    ("ts", "2024-04-31T00:00:00"),
    ("ts", "2024-01-01T24:00:00"),
    ("ts", "2024-01-01T00:60:00"),
    ("ts", "2024-01-01T00:00:60"),
    ("ts", "2024-01-01 00:00:00"),
    ("ts", "2024-01-01T00:00:0a"),
    ("ts", "2024/01/01T00:00:00"),
    ("ts", "\uff12024-01-01T00:00:0"),
    ("ts", "1677-12-31T23:59:59"),
    ("ts", "2262-01-01T00:00:00"),
    ("ts", "2024-01-01"),
    ("ts", True),
    ("ts", None),
]


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), LEAN_BAD_CELLS)
def test_a_bad_cell_among_many_slices_agrees(form: str, column: str, value: Any) -> None:
    for row in (0, 151, 299):
        said, found = compare("w1", _raw(_w1_with(form, row, column, value)))
        assert found is None, (row, found)
        assert said in {"failure", "none"}


@pytest.mark.parametrize("form", ["split", "records"])
def test_booleans_as_numbers_are_refused_not_converted(form: str) -> None:
    said, found = compare("w1", _raw(_w1_with(form, 200, "b1", 1)))
    assert (said, found) == ("failure", None)
    said, found = compare("w1", _raw(_w1_with(form, 200, "l2", True)))
    assert (said, found) == ("failure", None)


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("number", "literal"), [(1, True), (0, False), (1.0, True)])
def test_a_number_for_a_boolean_never_hides_a_boolean_for_a_number(
    form: str, number: Any, literal: bool
) -> None:
    # The letter census balances: b1's number holds no letter, d1's literal one.
    body = _w1_with(form, 40, "b1", number)
    if form == "split":
        body["dataframe_split"]["data"][250][0] = literal
    else:
        body["dataframe_records"][250]["d1"] = literal
    said, found = compare("w1", _raw(body))
    assert found is None
    assert said in {"failure", "none"}


def _datetimes(rng: random.Random, n: int, width: int) -> list[str]:
    start = dt.datetime(1678, 1, 1)  # noqa: DTZ001 - naive, as the texts
    span = (dt.datetime(2261, 12, 31) - start).total_seconds()  # noqa: DTZ001
    out = []
    for _ in range(n):
        moment = start + dt.timedelta(seconds=rng.random() * span)
        text = moment.isoformat(timespec="microseconds")
        out.append(text[:10] if width == 10 else text[:width])
    return out


#: Every strict datetime width: date, date and time, 1 to 6 fraction digits.
WIDTHS = [10, 19, 21, 22, 23, 24, 25, 26]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("form", ["split", "records"])
def test_every_datetime_format_builds_the_reference_frame(form: str, width: int) -> None:
    texts = _datetimes(random.Random(width), 300, width)
    texts[7] = "2000-02-29T23:59:59.999999"[:width]
    texts[8] = "1678-01-01T00:00:00.000000"[:width]
    texts[9] = "2261-12-31T23:59:59.999999"[:width]
    assert compare("w1", _w1_column(form, "ts", texts)) == ("result", None)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_vectorized_datetime_reading_is_the_calendar(width: int) -> None:
    texts = _datetimes(random.Random(100 + width), 500, width)
    for i, leap_day in enumerate(("2000-02-29", "2024-02-29", "1680-02-29", "2260-02-29")):
        texts[10 * i] = (leap_day + texts[10 * i][10:])[:width]
    ns = _parse_datetimes(texts)
    expected = np.array(texts, dtype="datetime64[ns]").view(np.int64)
    assert np.array_equal(ns, expected)
    assert _parse_datetimes(texts, build=False) is None
    date, clock = texts[0][:10], texts[0][10:]
    bad = [
        d + clock
        for d in (
            "2100-02-29",
            "1900-02-29",
            "2023-02-29",
            "2024-06-31",
            "2024-11-00",
            "2024-1a-01",
            "2024-13-01",
        )
    ]
    if width >= 19:
        bad += [date + t + clock[9:] for t in ("T24:00:00", "T23:60:00", "T23:59:60", " 23:59:59")]
    for text in bad:
        with pytest.raises(_Slow):
            _parse_datetimes([*texts[:3], text], build=False)


@pytest.mark.parametrize("form", ["split", "records"])
def test_text_columns_build_the_reference_frame(form: str) -> None:
    rng = random.Random(7)
    alphabets = ["abc:rs", "héllo wörld", "日本語", "\U0001f600x", "", "r\x01s", 'q"\\/é']
    for alphabet in alphabets:
        values = [
            "".join(rng.choice(alphabet or "z") for _ in range(rng.randrange(5)))
            for _ in range(300)
        ]
        raw = _w1_column(form, "s1", values)
        assert compare("w1", raw) == ("result", None), alphabet
        # Parsed bodies too (the values are not vouched for by a raw text).
        assert compare("w1", orjson.loads(raw)) == ("result", None), alphabet


def test_text_offsets_are_the_utf8_lengths() -> None:
    rng = random.Random(11)
    for alphabet in ["ab", "é日\U0001f600", "a,b", "[]", 'q"', "\\", "\x00\x1f\x7f"]:
        values = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(6))) for _ in range(50)]
        offsets = _utf8_offsets(values)
        if any(c in '"\\' or c < " " for c in alphabet):
            assert offsets is None, alphabet  # escaped by the dump: counted otherwise
            continue
        assert offsets is not None
        lengths = [len(v.encode("utf-8")) for v in values]
        assert offsets.tolist() == [0, *itertools.accumulate(lengths)], alphabet
        assert _utf8_offsets(tuple(values)).tolist() == offsets.tolist()  # type: ignore[union-attr]
    assert _utf8_offsets(["\ud800"]) is None  # a lone surrogate has no UTF-8


@pytest.mark.parametrize("form", ["split", "records"])
def test_edge_numbers_build_the_reference_frame(form: str) -> None:
    edges = [0, -1, 2**63 - 1, -(2**63), 2**53, -(2**53)]
    raw = _w1_column(form, "l3", [edges[i % len(edges)] for i in range(300)])
    assert compare("w1", raw) == ("result", None)
    mixed = [1, 2.5, -3, -0.0, 0, 0.0, 2**53 - 1, 5e-324, -(2**53) + 1]
    raw = _w1_column(form, "d1", [mixed[i % len(mixed)] for i in range(300)])
    assert compare("w1", raw) == ("result", None)
    # From 2**53 on, an integer token may have been rounded on the way to a float
    # (2**53 + 1 reads as 2**53), and whether MLflow warns depends on the column's
    # other values: the reference path decides.
    for edge in (2**53, 9007199254740993):
        raw = _w1_column(form, "d1", [edge if i == 150 else mixed[i % 9] for i in range(300)])
        assert compare("w1", raw)[1] is None
    raw = _w1_column(form, "od", [None if i % 3 else mixed[i % len(mixed)] for i in range(300)])
    assert compare("w1", raw) == ("result", None)
    raw = _w1_column(form, "od", [None] * 300)
    assert compare("w1", raw) == ("result", None)
    raw = _w1_column(form, "b1", [i % 5 == 0 for i in range(300)])
    assert compare("w1", raw) == ("result", None)
    # Beyond 2**53 with integer tokens about, the rounding path matters: never a guess.
    raw = _w1_column(form, "d1", [[1, 1e300][i % 2] for i in range(300)])
    assert compare("w1", raw)[1] is None


def test_a_big_body_takes_the_sliced_column_path() -> None:
    raw = _raw(workloads.make_body("w1", "records", 300))
    fast = plan("w1")
    quick, fast._quick = fast._quick, None
    try:
        assert isinstance(fast.check(raw), FastResult)
        assert isinstance(fast.check(raw, build=False), FastResult)
    finally:
        fast._quick = quick
