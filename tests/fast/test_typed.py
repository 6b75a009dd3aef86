"""Big frame bodies whose slices msgspec decodes agree with the reference path.

`sig2jsonschema._fast.typed` hands each slice of a big plain-layout body to
msgspec with per-column types and bounds; a slice it refuses is read by
orjson as before.  These tests hold that route to the reference path on the
near misses where the two readers or the two checks could part: numbers at
the bounds, every scalar type, records whose keys move, repeat or go
missing, and texts no JSON parser should take.  `compare` runs every body
through the route (a body cut into several slices).
"""

from __future__ import annotations

import json
import random
from typing import Any

import msgspec
import orjson
import pytest

from sig2jsonschema._fast import chunks
from sig2jsonschema._fast.plan import FastResult
from sig2jsonschema._fast.typed import REFUSED, TypedBody, TypedPlan, _grid, grid_by_numpy
from tests.fast.test_fast_equivalence import _raw, _w1_with, compare, plan, workloads

#: Slices of a few rows: a 300-row W1 body is cut into dozens of them.
SMALL_CHUNK = 2048


@pytest.fixture(autouse=True)
def _small_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    plan("w1")  # compiled (and cached) first: the quick path's size limit is CHUNK
    plan("scalars")
    monkeypatch.setattr(chunks, "CHUNK", SMALL_CHUNK)


def _replace_cell(raw: bytes, old: bytes, new: bytes) -> bytes:
    """``raw`` with the one occurrence of ``old`` (a whole number token) rewritten."""
    assert raw.count(old) == 1, old
    return raw.replace(old, new)


# --------------------------------------------------------------------------
# The reading: what msgspec accepts, orjson reads as the same values
# --------------------------------------------------------------------------
def _number_tokens(rng: random.Random) -> list[str]:
    tokens = ["0", "-0", "0.0", "-0.0", "0e0", "1E+2", "1e-2", "-1.5E-3", "1e-400", "5e-324"]
    tokens += ["2.2250738585072011e-308", "2.2250738585072012e-308", "4.9406564584124654e-324"]
    tokens += ["9007199254740991", "-9007199254740991", "9007199254740991.0", "9007199254740992"]
    tokens += ["9007199254740992.0", "9007199254740993", "1.7976931348623157e308", "1e308"]
    tokens += ["0.1", "0.30000000000000004", "123456789012345678901234567890e-20"]
    tokens += ["1" + "0" * 40 + "e-40", "0." + "3" * 60, "2.5e15", "1e16"]
    for _ in range(300):
        x = rng.uniform(-1, 1) * 10 ** rng.randint(-320, 17)
        tokens += [repr(x), f"{x:.17e}", f"{x:.25g}", f"{x:.3e}"]
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
        tokens.append(f"{rng.choice(['', '-'])}{digits.lstrip('0') or '0'}e{rng.randint(-340, 20)}")
    return tokens


def test_msgspec_reads_every_number_it_accepts_as_orjson_does() -> None:
    typed = TypedPlan(plan("scalars")._frames)
    layouts = [
        typed.layout(("i", "l", "f", "of", "d", "b", "s", "bin", "t"), split=True),
        typed.layout(("d",), split=True),
        typed.layout(("of",), split=True),
        typed.layout(("l",), split=True),
    ]
    tokens = _number_tokens(random.Random(3))
    tokens += [str(v) for v in (2**31 - 1, -(2**31), 2**31, 2**63 - 1, -(2**63), 2**63, 2**64)]
    accepted = 0
    for layout in layouts[1:]:
        assert layout is not None
        for token in tokens:
            text = f"[[{token}]]".encode()
            try:
                typed_value = layout.decoder.decode(text)[0][0]
            except msgspec.DecodeError:
                continue
            accepted += 1
            value = orjson.loads(text)[0][0]
            assert type(typed_value) is type(value), token
            assert repr(typed_value) == repr(value), token  # -0.0 and the last digit too
    assert accepted > 1000
    assert layouts[0] is not None


@pytest.mark.parametrize(
    "text",
    [
        b'[["a\x00b"]]',
        b'[["a\x1fb"]]',
        b'[["\xed\xa0\x80"]]',
        b'[["\xff"]]',
        b'[["\xc0\x80"]]',
        b"[[NaN]]",
        b"[[Infinity]]",
        b"[[1e400]]",
        b"[[01]]",
        b"[[1.]]",
        b"[[.5]]",
        b"[[+1]]",
        b"[[1,]]",
        b"[[1]]x",
        b"[[\x0c1]]",
    ],
)
def test_texts_orjson_refuses_msgspec_refuses_too(text: bytes) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)
    layout = TypedPlan(plan("scalars")._frames).layout(("s",), split=True)
    number = TypedPlan(plan("scalars")._frames).layout(("d",), split=True)
    assert layout is not None
    assert number is not None
    for decoder in (layout.decoder, number.decoder):
        with pytest.raises(REFUSED):  # what `TypedBody.read` takes for a refusal
            decoder.decode(text)


# --------------------------------------------------------------------------
# Whole bodies through the route
# --------------------------------------------------------------------------
def _read_slices(raw: bytes, name: str = "w1", *, build: bool = True) -> tuple[Any, list[bool]]:
    """The column path's answer for ``raw``, and whether msgspec decoded each slice."""
    fast = plan(name)
    seen: list[bool] = []
    original = TypedBody.read

    def spy(self: TypedBody, span: tuple[int, int]) -> Any:
        piece = original(self, span)
        seen.append(piece is not None)
        return piece

    quick, fast._quick = fast._quick, None
    TypedBody.read = spy  # type: ignore[method-assign]
    try:
        answer = fast.check(raw, build=build)
    finally:
        TypedBody.read = original  # type: ignore[method-assign]
        fast._quick = quick
    return answer, seen


def _takes_typed_slices(raw: bytes, name: str = "w1") -> bool:
    """Whether the column path answers ``raw`` valid, every slice decoded by msgspec."""
    for build in (True, False):
        answer, seen = _read_slices(raw, name, build=build)
        if not (isinstance(answer, FastResult) and len(seen) > 1 and all(seen)):
            return False
    return True


@pytest.mark.parametrize("form", ["split", "records"])
def test_workload_bodies_take_the_typed_slices(form: str) -> None:
    raw = _raw(workloads.make_body("w1", form, 300))
    assert compare("w1", raw) == ("result", None)
    assert _takes_typed_slices(raw)


#: Numbers at the typed bounds, in a ``double``, a ``long`` and an optional double.
NEAR_BOUNDS = [
    ("d1", 2**53 - 1),
    ("d1", -(2**53) + 1),
    ("d1", 2**53),
    ("d1", -(2**53)),
    ("d1", 9007199254740991.0),
    ("d1", 9007199254740992.0),
    ("d1", -9007199254740992.0),
    ("d1", 1e300),
    ("d1", 5e-324),
    ("d1", -0.0),
    ("d1", 0),
    ("od", 2**53 - 1),
    ("od", 2**53),
    ("od", 1e20),
    ("l3", 2**63 - 1),
    ("l3", -(2**63)),
    ("l3", 2**63),
    ("l3", -(2**63) - 1),
    ("l3", 2**64),
    ("l1", 1.0),
    ("l1", -0.0),
    ("b1", 0),
    ("s1", ""),
    ("s2", "a},{b"),
    ("s2", "a],[b"),
    ("s2", "x:y"),
    ("s2", "\u2028\ufeff"),
    ("ts", None),
    ("ts", ""),
]


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), NEAR_BOUNDS)
def test_near_misses_at_the_typed_bounds_agree(form: str, column: str, value: Any) -> None:
    for row in (0, 299):
        _, found = compare("w1", _raw(_w1_with(form, row, column, value)))
        assert found is None, (row, found)


#: Values msgspec's types take (the rest of NEAR_BOUNDS is orjson's to read).
WITHIN_BOUNDS = [
    ("d1", 2**53 - 1),
    ("d1", -(2**53) + 1),
    ("d1", 9007199254740991.0),
    ("d1", 5e-324),
    ("d1", -0.0),
    ("od", 2**53 - 1),
    ("l3", 2**63 - 1),
    ("l3", -(2**63)),
    ("s2", "a},{b"),
    ("s2", "x:y"),
    ("s2", "\u2028\ufeff"),
]


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), WITHIN_BOUNDS)
def test_values_within_the_bounds_take_the_typed_slices(form: str, column: str, value: Any) -> None:
    raw = _raw(_w1_with(form, 299, column, value))
    assert compare("w1", raw) == ("result", None)
    assert _takes_typed_slices(raw)


#: Numbers past the typed bounds: a body being built decodes them without bounds
#: (`typed._LOOSE`), and its conversion must refuse the slice as the bounds would.
PAST_BOUNDS = [
    (column, value)
    for column, value in NEAR_BOUNDS
    if column in {"d1", "od", "l3"} and (column, value) not in WITHIN_BOUNDS
] + [("d1", 2**53 + 1), ("od", -(2**53) - 1), ("od", -1e308)]


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), PAST_BOUNDS)
def test_numbers_past_the_bounds_are_refused_built_or_not(
    form: str, column: str, value: Any
) -> None:
    raw = _raw(_w1_with(form, 299, column, value))
    for build in (True, False):
        _, seen = _read_slices(raw, build=build)
        # The slice holding it is orjson's (or no slice is read: beyond 64 bits).
        assert not seen or not all(seen), (build, seen)
    assert compare("w1", raw)[1] is None


@pytest.mark.parametrize("form", ["split", "records"])
def test_a_number_no_double_holds_is_refused_built_or_not(form: str) -> None:
    # msgspec reads 400 digits as an int: its conversion to a double overflows.
    raw = _replace_cell(_raw(_w1_with(form, 299, "d1", 1234.5)), b"1234.5", b"1" + b"0" * 400)
    for build in (True, False):
        _, seen = _read_slices(raw, build=build)
        assert not seen or not all(seen), (build, seen)
    assert compare("w1", raw)[1] is None


def test_tokens_orjson_reads_otherwise_than_msgspec_agree() -> None:
    # Integer tokens beyond 64 bits: orjson reads a float, msgspec refuses; an
    # exponent-less huge token in a double column, a negative zero integer.
    for token in (b"18446744073709551616", b"-9223372036854775809", b"1" * 30, b"-0", b"1E2"):
        for form in ("split", "records"):
            body = _w1_with(form, 150, "d1", 1234.5)
            raw = _replace_cell(_raw(body), b"1234.5", token)
            assert compare("w1", raw)[1] is None, (form, token)


@pytest.mark.parametrize("form", ["split", "records"])
def test_every_scalar_type_builds_the_reference_frame(form: str) -> None:
    rng = random.Random(5)
    rows = []
    for i in range(300):
        rows.append(
            [
                rng.randint(-(2**31), 2**31 - 1),
                rng.randint(-(2**63), 2**63 - 1),
                rng.choice([1.5, -2.25, 0.0, 16777216, 3]),
                None if i % 4 == 0 else rng.choice([0.5, 7, -1.25]),
                rng.uniform(-1e6, 1e6),
                i % 3 == 0,
                rng.choice(["a", "b:c", "rs", "日本"]),
                rng.choice(["aGVsbG8=", "", "AAEC"]),
                None if i % 5 == 1 else f"2024-0{1 + i % 9}-1{i % 10}T10:20:3{i % 10}",
            ]
        )
    names = ["i", "l", "f", "of", "d", "b", "s", "bin", "t"]
    if form == "split":
        body: Any = {"dataframe_split": {"columns": names, "data": rows}}
    else:
        body = {"dataframe_records": [dict(zip(names, r, strict=True)) for r in rows]}
    assert compare("scalars", _raw(body)) == ("result", None)
    assert _takes_typed_slices(_raw(body), "scalars")  # nullable texts too: nothing falls back
    for column, bad in [
        ("i", 2**31),
        ("f", 3.5e38),
        ("f", 1e-40),
        ("of", 16777217),
        ("bin", "a"),
        ("t", "2024-02-30T10:20:30"),
        ("b", None),
    ]:
        j = names.index(column)
        for row in (1, 150):
            spoiled = json.loads(_raw(body))
            if form == "split":
                spoiled["dataframe_split"]["data"][row][j] = bad
            else:
                spoiled["dataframe_records"][row][column] = bad
            said, found = compare("scalars", _raw(spoiled))
            assert found is None, (column, bad, row, found)
            assert said in {"failure", "none"}


def test_the_grid_is_numpys_own_layout_of_the_rows() -> None:
    # pandas' routine lays the rows out; numpy's is the fallback should pandas move it.
    rows = [(1.5, 2**63 - 1, None, True, "日本", ""), (-0.0, -(2**63), 7, False, "a:b", "x")]
    rows += [(float(i), i, None if i % 3 else 0.5, i % 2 == 0, str(i), "") for i in range(50)]
    ours, numpys = _grid(rows), grid_by_numpy(rows)
    assert ours.dtype == numpys.dtype == object
    assert ours.shape == numpys.shape == (52, 6)
    assert ours.tolist() == numpys.tolist() == [list(r) for r in rows]
    assert all(a is b for a, b in zip(ours.ravel(), numpys.ravel(), strict=True))


# --------------------------------------------------------------------------
# Records: keys that move, go missing or repeat
# --------------------------------------------------------------------------
def _records(n: int = 300) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = workloads.make_body("w1", "records", n)["dataframe_records"]
    return records


def test_records_whose_keys_change_order_agree() -> None:
    records = _records()
    records[0] = dict(reversed(records[0].items()))  # the first record's order is the body's
    records[200] = dict(sorted(records[200].items()))
    raw = _raw({"dataframe_records": records})
    assert compare("w1", raw) == ("result", None)
    assert _takes_typed_slices(raw)
    records[250]["l2"] = "oops"  # a failure reports its rows in the first record's order
    assert compare("w1", _raw({"dataframe_records": records})) == ("failure", None)


def test_records_without_an_optional_column_agree() -> None:
    records = _records()
    for record in records:
        del record["od"]
    raw = _raw({"dataframe_records": records})
    assert compare("w1", raw) == ("result", None)
    assert _takes_typed_slices(raw)
    # One record without it: its slice is orjson's, which leaves uneven keys to the reference.
    records = _records()
    del records[120]["od"]
    assert compare("w1", _raw({"dataframe_records": records}))[1] is None
    records = _records()
    records[120]["extra"] = 1
    assert compare("w1", _raw({"dataframe_records": records})) == ("none", None)


@pytest.mark.parametrize("row", [0, 1, 150, 299])
@pytest.mark.parametrize("spoil", [None, 40, 260])
def test_a_repeated_key_is_never_taken_for_a_valid_record(row: int, spoil: int | None) -> None:
    records = _records()
    if spoil is not None:
        records[spoil]["l2"] = "oops"  # that slice is orjson's, the others msgspec's
    text = _raw({"dataframe_records": records})
    for value in (b"1.0", b'"x"', b"null"):
        marker = orjson.dumps(records[row]["od"])
        at = text.find(b'"od":' + marker + b"}", text.find(orjson.dumps(records[row]["s2"])))
        assert at > 0
        repeated = text[:at] + b'"od":' + value + b"," + text[at:]
        said, found = compare("w1", repeated)
        assert (said, found) == ("none", None), (value, said, found)


def test_a_brace_inside_the_first_record_is_not_its_end() -> None:
    records = _records()
    records[0]["s2"] = "a}b},{"
    records[0]["s1"] = "}"
    raw = _raw({"dataframe_records": records})
    assert compare("w1", raw) == ("result", None)
    assert _takes_typed_slices(raw)


def test_whitespace_between_tokens_agrees() -> None:
    body = workloads.make_body("w1", "split", 300)
    rows = json.dumps(body["dataframe_split"]["data"], separators=(" ,\t", ": "))
    names = json.dumps(body["dataframe_split"]["columns"], separators=(",", ":"))
    split = f'{{"dataframe_split":{{"columns":{names},"data":{rows}}}}}'
    records = workloads.make_body("w1", "records", 300)["dataframe_records"]
    text = json.dumps(records, separators=(" ,\n", " :\r\n"))
    for raw, cut in ((split, "] ,\t["), (f'{{"dataframe_records":{text}}}', "} ,\n{")):
        spaced = raw.replace(cut, cut[0] + "," + cut[-1]).encode()  # compact between rows
        assert compare("w1", spaced) == ("result", None)
        assert _takes_typed_slices(spaced)


@pytest.mark.parametrize("form", ["split", "records"])
def test_texts_no_parser_takes_are_left_to_the_reference(form: str) -> None:
    raw = _raw(workloads.make_body("w1", form, 300))
    for bad in (b"\xff", b"\xed\xa0\x80", b"\x01", b"\x00"):
        spoiled = raw.replace(b'"red"', b'"r' + bad + b'ed"', 1)
        assert spoiled != raw
        assert compare("w1", spoiled) == ("none", None), bad


@pytest.mark.parametrize("form", ["split", "records"])
def test_a_failing_column_is_counted_for_the_census(form: str) -> None:
    # The slice holding the bad cell is orjson's: its failing column's colons and
    # letters are counted value by value (`Census.column`), the others' by msgspec.
    body = workloads.make_body("w1", form, 300)
    rows = body.get("dataframe_split", {}).get("data") or body["dataframe_records"]
    for i, row in enumerate(rows):
        text = ["a:b", "rs:", "s", "::r"][i % 4]
        if form == "split":
            row[8] = text
        else:
            row["s2"] = text
    for bad in (5, True, False, None, 1.5):
        spoiled = json.loads(_raw(body))
        target = (spoiled.get("dataframe_split", {}).get("data") or spoiled["dataframe_records"])[
            150
        ]
        if form == "split":
            target[8] = bad
        else:
            target["s2"] = bad
        assert compare("w1", _raw(spoiled)) == ("failure", None), bad
        if form == "records":
            text = _raw(spoiled)
            at = text.rfind(b'"od":')
            repeated = text[:at] + b'"od":1.0,' + text[at:]
            assert compare("w1", repeated) == ("none", None), bad


def test_threads_sharing_a_plan_get_the_single_threaded_answers() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.fast.test_fast_equivalence import difference

    fast = plan("w1")
    bodies = [_raw(workloads.make_body("w1", form, 300)) for form in ("split", "records")]
    bodies += [_raw(_w1_with(form, 200, "l2", "oops")) for form in ("split", "records")]
    text = bodies[1]
    at = text.rfind(b'"od":')
    bodies.append(text[:at] + b'"od":1.0,' + text[at:])  # a repeated key

    quick, fast._quick = fast._quick, None  # the column path, which slices
    try:
        expected = [fast.check(raw) for raw in bodies]
        assert [type(a).__name__ for a in expected] == [
            "FastResult",
            "FastResult",
            "FastFailure",
            "FastFailure",
            "NoneType",
        ]

        def worker(seed: int) -> list[str | None]:
            order = list(range(len(bodies))) * 3
            random.Random(seed).shuffle(order)
            problems: list[str | None] = []
            for i in order:
                got, want = fast.check(bodies[i]), expected[i]
                if isinstance(want, FastResult):
                    problems.append(difference(got.inputs, want.inputs))
                elif want is None:
                    problems.append(None if got is None else f"{i}: {got!r}")
                else:
                    same = (got.rows, got.body) == (want.rows, want.body)
                    problems.append(None if same else f"{i}: rows {got.rows} vs {want.rows}")
            return problems

        with ThreadPoolExecutor(4) as pool:
            found = [p for ps in pool.map(worker, range(4)) for p in ps if p]
    finally:
        fast._quick = quick
    assert found == []
