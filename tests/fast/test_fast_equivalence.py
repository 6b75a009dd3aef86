"""The fast path (`sig2jsonschema._fast.plan`) agrees with the reference path, exactly.

For every body the fast path answers, the reference path (the `Validator`
with its fast path switched off) must answer the same:

* `FastResult`: the reference finds no error, and ``parse()`` gives the same
  objects: same types, dtypes, index, column order, values (NaN equal to NaN),
  cell by cell for object columns, numpy scalar types included; same params,
  form and ``unwrapped``;
* `FastFailure`: the reference's errors on the reduced body, with pointers
  mapped back, are the reference's errors on the full body (pointer, keyword,
  field, HTTP status, error code, in order).

Bodies: the whole conformance corpus, the benchmark workloads at small sizes
(valid, and with one bad cell), and Hypothesis-generated valid bodies for
every corpus signature.  The workloads must also actually *take* the fast
path, so a regression to "always bail" fails here too.
"""

from __future__ import annotations

import copy
import json
import math
import sys
from functools import cache
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import InvalidArgument

from sig2jsonschema import strategies
from sig2jsonschema._fast import chunks
from sig2jsonschema._fast.plan import FastFailure, FastResult, compile_fast_plan
from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.exceptions import PayloadError
from tests.conftest import CONFORMANCE, ROOT, load_cases, reference_only

sys.path.insert(0, str(ROOT / "benchmarks"))
import workloads

CASES = load_cases()
SIGNATURES = sorted({c["signature"] for c in CASES})


#: Every scalar type, optional where ``null`` means NaN/NaT (for the typed slices'
#: checkers, `sig2jsonschema._fast.typed`).
SCALARS = {
    "inputs": json.dumps(
        [
            {"type": t, "name": n, "required": r}
            for n, t, r in [
                ("i", "integer", True),
                ("l", "long", True),
                ("f", "float", True),
                ("of", "float", False),
                ("d", "double", True),
                ("b", "boolean", True),
                ("s", "string", True),
                ("bin", "binary", True),
                ("t", "datetime", False),
            ]
        ]
    ),
    "outputs": None,
    "params": None,
}


@cache
def signature(name: str) -> Any:
    if name == "scalars":
        return load_signature(SCALARS)
    if name.startswith("w"):
        return load_signature(dict(workloads.SIGNATURES[name]))
    return load_signature(CONFORMANCE / "signatures" / f"{name}.json")


@cache
def reference(name: str) -> Validator:
    """The strict Validator with its fast path switched off."""
    validator = Validator(signature(name))
    return reference_only(validator)


@cache
def plan(name: str) -> Any:
    return compile_fast_plan(signature(name), schema=reference(name).schema)


# --------------------------------------------------------------------------
# Exact comparison of what predict receives
# --------------------------------------------------------------------------
def difference(a: Any, b: Any, where: str = "$") -> str | None:
    """The first difference between two received objects (None: identical)."""
    if type(a) is not type(b):
        return f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, pd.DataFrame):
        return _frame_difference(a, b, where)
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"{where}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        if a.dtype == object:
            for i, (x, y) in enumerate(zip(a.ravel().tolist(), b.ravel().tolist(), strict=True)):
                found = difference(x, y, f"{where}[{i}]")
                if found:
                    return found
            return None
        if a.dtype.kind in "mM":
            a, b = a.view(np.int64), b.view(np.int64)
        equal_nan = a.dtype.kind in "fc"
        return None if np.array_equal(a, b, equal_nan=equal_nan) else f"{where}: values differ"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{where}: keys {list(a)} vs {list(b)}"
        for key in a:
            found = difference(a[key], b[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{where}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(a, (float, np.floating)) and math.isnan(a):
        return None if math.isnan(b) else f"{where}: nan vs {b!r}"
    return None if a == b else f"{where}: {a!r} vs {b!r}"


def _frame_difference(a: pd.DataFrame, b: pd.DataFrame, where: str) -> str | None:
    if list(a.columns) != list(b.columns) or a.columns.dtype != b.columns.dtype:
        return f"{where}: columns {a.columns!r} vs {b.columns!r}"
    if not a.index.equals(b.index) or type(a.index) is not type(b.index):
        return f"{where}: index {a.index!r} vs {b.index!r}"
    for column in a.columns:
        x, y = a[column], b[column]
        here = f"{where}[{column!r}]"
        if x.dtype != y.dtype or type(x.array) is not type(y.array):
            return (
                f"{here}: {x.dtype}/{type(x.array).__name__} vs {y.dtype}/{type(y.array).__name__}"
            )
        if x.dtype == object:
            found = difference(x.tolist(), y.tolist(), here)
        elif x.dtype.kind in "mM":
            found = difference(x.to_numpy().view(np.int64), y.to_numpy().view(np.int64), here)
        elif isinstance(x.dtype, np.dtype):
            found = difference(x.to_numpy(), y.to_numpy(), here)
        else:
            found = difference(x.tolist(), y.tolist(), here)
        if found:
            return found
    return None


# --------------------------------------------------------------------------
# One body through both paths
# --------------------------------------------------------------------------
def _errors(validator: Validator, body: Any) -> list[tuple[Any, ...]]:
    return [
        (e.pointer, e.keyword, e.field, e.status, e.error_code, e.error_class)
        for e in validator.iter_errors(body)
    ]


def compare(name: str, body: Any) -> tuple[str, str | None]:
    """(what the fast path said, the disagreement or None).

    Raw bodies are judged three times: with the quick path
    (`sig2jsonschema._fast.quick`, small frame bodies), with the column path
    alone, and with the column path cutting the body into several slices,
    which msgspec decodes (`sig2jsonschema._fast.typed`, big bodies); each
    must agree with the reference.
    """
    fast = plan(name)
    if fast is None:
        return "none", None
    memo: dict[str, Any] = {}
    said, found = _compare(name, fast, body, memo)
    if not isinstance(body, (bytes, str)):
        return said, found
    quick, fast._quick = fast._quick, None
    try:
        if quick is not None:
            _, column = _compare(name, fast, body, memo)
            found = found or (column and f"column path: {column}")
        if isinstance(body, bytes) and fast._frames is not None and fast._frames.lean_ok:
            chunk = chunks.CHUNK
            chunks.CHUNK = max(64, len(body) // 8)
            try:
                _, typed = _compare(name, fast, body, memo)
            finally:
                chunks.CHUNK = chunk
            found = found or (typed and f"typed slices: {typed}")
    finally:
        fast._quick = quick
    return said, found


def _compare(name: str, fast: Any, body: Any, memo: dict[str, Any]) -> tuple[str, str | None]:
    """One fast answer against the reference's (``memo``: the reference's, per body)."""
    ref = reference(name)
    verdict = fast.check(copy.deepcopy(body) if not isinstance(body, (bytes, str)) else body)
    if verdict is None:
        return "none", None
    if isinstance(verdict, FastResult):
        if "parse" not in memo:
            try:
                memo["parse"] = ref.parse(body)
            except PayloadError as exc:
                memo["parse"] = exc
        parsed = memo["parse"]
        if isinstance(parsed, PayloadError):
            return "result", f"fast accepts, reference refuses: {parsed}"
        found = difference(verdict.inputs, parsed.inputs, "inputs")
        found = found or difference(verdict.params, parsed.params, "params")
        if not found and (verdict.form, verdict.unwrapped) != (parsed.form, parsed.unwrapped):
            found = f"form {verdict.form} vs {parsed.form}"
        if not found and fast.check(body, build=False) is None:
            found = "validation-only check disagrees with the parse"
        return "result", found
    assert isinstance(verdict, FastFailure)
    if "errors" not in memo:
        memo["errors"] = _errors(ref, body)
    full = memo["errors"]
    reduced = [(verdict.remap(p), *rest) for p, *rest in _errors(ref, verdict.body)]
    if not full:
        return "failure", "fast says invalid, reference finds no error"
    return "failure", None if reduced == full else f"errors {reduced} vs {full}"


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", SIGNATURES)
def test_corpus_bodies_agree_with_the_reference_path(name: str) -> None:
    problems = []
    for case in (c for c in CASES if c["signature"] == name):
        body = case["body"].encode("utf-8", "surrogatepass")
        _, found = compare(name, body)
        if found:
            problems.append(f"{case['id']}: {found}")
    assert not problems, "\n".join(problems)


def test_the_fast_path_answers_most_valid_corpus_bodies() -> None:
    """A coverage floor: the fast path is not silently bailing on everything."""
    said = [compare(c["signature"], c["body"].encode())[0] for c in CASES[::3]]
    assert said.count("result") >= 30


# --------------------------------------------------------------------------
# The benchmark workloads, small
# --------------------------------------------------------------------------
def _raw(body: Any) -> bytes:
    try:
        return orjson.dumps(body)
    except TypeError:  # integers beyond 64 bits
        return json.dumps(body).encode()


WORKLOADS = [("w1", "split", 200), ("w1", "records", 200), ("w2", "inputs", 20)]
#: W3's records leave ``temperature`` out of 30% of the records, which the
#: strict contract refuses (records carry the same keys); ``null_filled``
#: sends ``"temperature": null`` instead (the same NaN for the model).
W3 = [("w3", "records", 60), ("w3", "inputs", 60)]


def null_filled(body: Any) -> Any:
    """A W3 body whose records all carry ``temperature`` (``null`` where absent)."""
    for record in next(iter(body.values())):
        record.setdefault("temperature", None)
    return body


@pytest.mark.parametrize(("name", "form", "n"), WORKLOADS + W3)
def test_workload_bodies_agree_with_the_reference_path(name: str, form: str, n: int) -> None:
    body = _raw(workloads.make_body(name, form, n))
    said, found = compare(name, body)
    assert found is None
    if (name, form, n) in WORKLOADS:
        assert said == "result"


@pytest.mark.parametrize("form", ["records", "inputs"])
def test_null_filled_w3_bodies_take_the_fast_path(form: str) -> None:
    body = _raw(null_filled(workloads.make_body("w3", form, 60)))
    assert compare("w3", body) == ("result", None)


def test_a_bad_message_is_reported_from_its_record_alone() -> None:
    for change in ({"role": 3}, {"extra": "x"}, {"content": None}):
        body = null_filled(workloads.make_body("w3", "records", 40))
        body["dataframe_records"][17]["messages"][0].update(change)
        said, found = compare("w3", _raw(body))
        assert found is None
        assert said in {"failure", "none"}
    body = null_filled(workloads.make_body("w3", "records", 40))
    body["dataframe_records"][17]["messages"][0]["role"] = 3
    assert compare("w3", _raw(body))[0] == "failure"


def test_workload_bodies_parse_the_same_when_passed_parsed() -> None:
    for name, form, n in WORKLOADS:
        said, found = compare(name, workloads.make_body(name, form, 40))
        assert (said, found) == ("result", None)


def _w1_with(form: str, row: int, column: str, value: Any) -> Any:
    body = workloads.make_body("w1", form, 300)
    if form == "split":
        j = body["dataframe_split"]["columns"].index(column)
        body["dataframe_split"]["data"][row][j] = value
    else:
        body["dataframe_records"][row][column] = value
    return body


BAD_CELLS = [
    ("d1", "abc"),
    ("d2", True),
    ("d3", None),
    ("l1", 1.5),
    ("l2", "7"),
    ("l3", 2**70),
    ("s1", 5),
    ("s2", None),
    ("b1", 1),
    ("ts", "2024-02-30T10:00:00"),
    ("ts", 17),
    ("od", "x"),
    ("d4", [1.0]),
    ("d4", {"a:b": 1}),
]


@pytest.mark.parametrize("form", ["split", "records"])
@pytest.mark.parametrize(("column", "value"), BAD_CELLS)
def test_one_bad_cell_is_reported_from_its_row_alone(form: str, column: str, value: Any) -> None:
    body = _raw(_w1_with(form, 123, column, value))
    said, found = compare("w1", body)
    assert found is None
    assert said in {"failure", "none"}
    # 2**70 is no 64-bit integer: orjson refuses the body; a number among
    # datetimes is refused or not depending on the column's first text.
    if column != "l3" and not (column == "ts" and type(value) is int):
        assert said == "failure"


@pytest.mark.parametrize("n", [12, 40])  # read one by one (up to 32 texts), and as a byte grid
@pytest.mark.parametrize("form", ["split", "records"])
def test_a_long_datetime_beside_a_short_one_is_refused(form: str, n: int) -> None:
    # One digit moved from the short text to the long one keeps the column's total
    # length and its repeated digit shape, and a grid of fixed-width rows reads two
    # valid datetimes: every text's own length must be held to the first one's.
    body = workloads.make_body("w1", form, n)
    rows = body["dataframe_split"]["data"] if form == "split" else body["dataframe_records"]
    for i, text in ((5, "2024-01-01T10:00:002"), (6, "024-01-01T10:00:00")):
        if form == "split":
            rows[i][10] = text
        else:
            rows[i]["ts"] = text
    said, found = compare("w1", _raw(body))
    assert found is None
    assert said in {"failure", "none"}


def test_bad_tensor_samples_are_reported_from_their_sample_alone() -> None:
    for leaf in (256, -1, 1.5, True, None, "3"):
        body = workloads.make_body("w2", "inputs", 12)
        body["inputs"][7][3][4] = leaf
        said, found = compare("w2", _raw(body))
        assert found is None
        assert said in {"failure", "none"}
    body = workloads.make_body("w2", "inputs", 12)
    body["inputs"][7][3][4] = 256
    assert compare("w2", _raw(body))[0] == "failure"


@pytest.mark.parametrize("wrong", [1.5, True, None, "3"])
@pytest.mark.parametrize("out", [256, -1])
def test_a_leaf_out_of_range_beside_another_samples_wrong_type(wrong: Any, out: int) -> None:
    # Every sample with a refused leaf is named, whatever the reason, or an
    # error is missed: a wrong type makes numpy infer another dtype, and the
    # out-of-range leaf of another sample must be found by the slow count.
    for first, second in ((wrong, out), (out, wrong)):
        body = workloads.make_body("w2", "inputs", 12)
        body["inputs"][2][3][4] = first
        body["inputs"][9][0][27] = second
        said, found = compare("w2", _raw(body))
        assert found is None
        assert said in {"failure", "none"}


@pytest.mark.parametrize(
    "text",
    [
        b'{"dataframe_split": {"columns": ["d1"], "data": [[1.0]]}, "dataframe_split": {}}',
        b'\xef\xbb\xbf{"inputs": [[[0]]]}',
        b'{"inputs": [[[NaN]]]}',
        b'{"inputs": {"a": 1, "a": 2}}',
    ],
)
def test_non_rfc_json_is_left_to_the_reference_path(text: bytes) -> None:
    assert plan("w1").check(text) is None
    assert plan("w2").check(text) is None


def test_repeated_keys_inside_records_are_left_to_the_reference_path() -> None:
    body = workloads.make_body("w1", "records", 3)
    text = json.dumps(body)
    repeated = text.replace('"od": ', '"od": 1.0, "od": ', 1)
    assert plan("w1").check(text.encode()) is not None
    assert plan("w1").check(repeated.encode()) is None


# --------------------------------------------------------------------------
# Generated bodies
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", [*SIGNATURES, "w1", "w2", "w3"])
def test_generated_bodies_agree_with_the_reference_path(name: str) -> None:
    if plan(name) is None:
        pytest.skip("no fast path for this signature")
    try:
        from sig2jsonschema._hazards.verdicts import working_forms

        if not working_forms(signature(name)):
            raise InvalidArgument(name)
        strategy = strategies.requests(signature(name))
    except InvalidArgument:
        pytest.skip("no body form works for this signature")

    @settings(max_examples=25, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(body: Any) -> None:
        try:
            raw = orjson.dumps(body)
        except (TypeError, orjson.JSONEncodeError):
            raw = json.dumps(body).encode()
        _, found = compare(name, raw)
        assert found is None

    check()


def test_every_corpus_signature_is_read() -> None:
    assert len(SIGNATURES) == 26


# --------------------------------------------------------------------------
# Resource limits: the fast path vouches only for bodies certainly within them
# --------------------------------------------------------------------------
def test_limits_are_vouched_for_only_when_certain() -> None:
    from sig2jsonschema._payload.limits import DEFAULT_LIMITS, check_body_limits

    body = workloads.make_body("w1", "split", 50)
    body["dataframe_split"]["data"][0][0] = 0.5
    raw = _raw(body)
    assert isinstance(plan("w1").check(raw, limits=DEFAULT_LIMITS), FastResult)
    assert check_body_limits(raw, DEFAULT_LIMITS) is None
    tight = DEFAULT_LIMITS.replace(max_number_digits=12)
    long_float = raw.replace(b'"data":[[0.5,', b'"data":[[0.5' + b"0" * 40 + b"1,", 1)
    assert long_float != raw
    assert isinstance(plan("w1").check(long_float), FastResult)
    assert check_body_limits(long_float, tight) is not None
    assert plan("w1").check(long_float, limits=tight) is None
    assert plan("w1").check(raw, limits=DEFAULT_LIMITS.replace(max_body_bytes=100)) is None
    assert plan("w1").check(raw, limits=DEFAULT_LIMITS.replace(max_depth=3)) is None


def test_a_deep_bad_cell_is_left_to_the_limits_scan() -> None:
    from sig2jsonschema._payload.limits import DEFAULT_LIMITS

    deep: Any = 1.0
    for _ in range(10):
        deep = [deep]
    body = _raw(_w1_with("split", 7, "d1", deep))
    assert isinstance(plan("w1").check(body), FastFailure)
    assert plan("w1").check(body, limits=DEFAULT_LIMITS.replace(max_depth=8)) is None


def test_every_data_type_has_a_fast_column_checker() -> None:
    from sig2jsonschema._fast.columns import SCALAR_CHECKERS
    from sig2jsonschema._signature.types import DataType

    assert set(SCALAR_CHECKERS) == set(DataType)
