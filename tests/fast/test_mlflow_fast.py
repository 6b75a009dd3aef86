"""mlflow mode's fast path answers exactly as its reference path, for every release.

mlflow mode answers a body the strict contract's fast path accepts without the
emulator: 200, what ``predict`` receives built by the fast path, no warning
(`Validator.__init__`, ``_fast``).  For every supported release, each body here
is judged by the mlflow-mode `Validator` and by the same validator with its fast
path switched off (the emulator and the mlflow-mode schema alone), and must get:

* the same errors, every field, in order (``iter_errors``), and the same form
  (``errors_and_form``);
* the same ``parse()``: what ``predict`` receives (types, dtypes, index, values),
  params, warnings, form and ``unwrapped``;
* the same ``warnings()`` and ``is_valid()``.

Bodies: the whole conformance corpus, the benchmark workloads (valid, with a
bad cell, and W3 as logged, with keys left out, which only the emulator
serves), and Hypothesis-generated valid bodies and near misses for every
corpus signature.  The fast path must also actually answer a share of them,
so a regression to "always the emulator" fails here too.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sig2jsonschema import strategies
from sig2jsonschema._fast import chunks
from sig2jsonschema._hazards.verdicts import working_forms
from sig2jsonschema._releases.table import SUPPORTED
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.exceptions import PayloadError
from tests.conftest import load_cases, reference_only
from tests.fast.test_fast_equivalence import _raw, difference, null_filled, signature, workloads

CASES = load_cases()
SIGNATURES = sorted({c["signature"] for c in CASES})


@cache
def validators(name: str, line: str) -> tuple[Validator, Validator]:
    """(mlflow mode with its fast path, the same with the fast path switched off)."""
    fast = Validator(signature(name), "mlflow", mlflow_version=line)
    reference = Validator(signature(name), "mlflow", mlflow_version=line)
    reference_only(reference)
    return fast, reference


def _parsed(validator: Validator, body: Any) -> Any:
    try:
        return validator.parse(body)
    except PayloadError as exc:
        return exc


def compare(name: str, line: str, body: Any) -> tuple[bool, str | None]:
    """(whether the fast path answered, the first disagreement or None)."""
    fast, reference = validators(name, line)
    check = fast._fast_check(body, "application/json", build=False, limits=True)
    answered = check is not None and check.fast is not None
    if list(fast.iter_errors(body)) != (errors := list(reference.iter_errors(body))):
        return answered, f"errors {list(fast.iter_errors(body))} vs {errors}"
    if fast.errors_and_form(body)[1] != reference.errors_and_form(body)[1]:
        return answered, "form differs"
    if fast.is_valid(body) != (not errors):
        return answered, "is_valid differs"
    if fast.warnings(body) != reference.warnings(body):
        return answered, f"warnings {fast.warnings(body)} vs {reference.warnings(body)}"
    got, want = _parsed(fast, body), _parsed(reference, body)
    if isinstance(want, PayloadError) or isinstance(got, PayloadError):
        return answered, None if got == want else f"parse {got!r} vs {want!r}"
    found = difference(got.inputs, want.inputs, "inputs")
    found = found or difference(got.params, want.params, "params")
    if not found and (got.warnings, got.form, got.unwrapped) != (
        want.warnings,
        want.form,
        want.unwrapped,
    ):
        found = f"parsed {got.form, got.warnings} vs {want.form, want.warnings}"
    return answered, found


@pytest.mark.parametrize("line", SUPPORTED)
@pytest.mark.parametrize("name", SIGNATURES)
def test_corpus_bodies_agree_with_the_emulator(name: str, line: str) -> None:
    problems = []
    for case in (c for c in CASES if c["signature"] == name):
        _, found = compare(name, line, case["body"].encode("utf-8", "surrogatepass"))
        if found:
            problems.append(f"{case['id']}: {found}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("line", SUPPORTED)
def test_the_fast_path_answers_the_corpus_bodies_strict_accepts(line: str) -> None:
    answered = [
        compare(c["signature"], line, c["body"].encode("utf-8", "surrogatepass"))[0]
        for c in CASES[::2]
    ]
    assert sum(answered) >= 45


@pytest.mark.parametrize("line", SUPPORTED)
@pytest.mark.parametrize(
    ("name", "form", "n"),
    [("w1", "split", 100), ("w1", "records", 100), ("w2", "inputs", 10), ("w3", "records", 40)],
)
def test_workload_bodies_agree_with_the_emulator(name: str, form: str, n: int, line: str) -> None:
    body = workloads.make_body(name, form, n)
    assert compare(name, line, _raw(body)) == (True, None)
    if name == "w3":
        # As logged, 30% of the records leave the optional ``temperature`` out.
        assert compare(name, line, _raw(null_filled(body))) == (True, None)
    bad = json.loads(_raw(body))
    rows = (
        bad.get("dataframe_split", {}).get("data") or bad.get("dataframe_records") or bad["inputs"]
    )
    middle = rows[len(rows) // 2]
    if name == "w1" and form == "split":
        middle[5] = "oops"
    elif name == "w1":
        middle["l2"] = 1.5
    elif name == "w2":
        middle[3][3] = 300
    else:
        middle["messages"][0]["role"] = 3
    assert compare(name, line, _raw(bad)) == (False, None)


@pytest.mark.parametrize("line", SUPPORTED)
@pytest.mark.parametrize("form", ["split", "records"])
def test_sliced_bodies_msgspec_reads_agree_with_the_emulator(
    form: str, line: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A big body's slices are decoded by msgspec (`sig2jsonschema._fast.typed`):
    # small slices and no quick path put a 300-row body on that route.
    fast, _ = validators("w1", line)
    monkeypatch.setattr(fast._fast, "_quick", None)  # type: ignore[attr-defined]
    monkeypatch.setattr(chunks, "CHUNK", 2048)
    body = workloads.make_body("w1", form, 300)
    assert compare("w1", line, _raw(body)) == (True, None)
    rows = body.get("dataframe_split", {}).get("data") or body["dataframe_records"]
    for row, (column, value) in ((0, ("od", None)), (150, ("l2", 1.5)), (299, ("b1", 2))):
        if form == "split":
            rows[row][body["dataframe_split"]["columns"].index(column)] = value
        else:
            rows[row][column] = value
    assert compare("w1", line, _raw(body)) == (False, None)


@pytest.mark.parametrize("line", SUPPORTED)
@pytest.mark.parametrize(
    "body",
    [
        # An all-empty array of strings comes back from an object Series as <U2 on
        # MLflow 2.22 (pandas 2), <U1 from numpy alone (3.17 and 3.18 on pandas 3).
        b'{"inputs": [{"input": [""]}]}',
        b'{"inputs": [{"input": ["", ""]}, {"input": ["a"]}, {"input": ["", "b"]}]}',
        b'{"inputs": {"input": [[""], ["", ""]]}}',
        b'{"instances": [{"input": [""]}]}',
    ],
)
def test_inputs_records_of_empty_strings_agree_with_the_emulator(body: bytes, line: str) -> None:
    answered, found = compare("x_input_array", line, body)
    assert found is None
    if body.startswith(b'{"inputs": ['):
        assert answered, "the fast path must answer these itself"


#: Signatures some body form works for (the strategies draw nothing for the others).
WORKING = [name for name in [*SIGNATURES, "w1", "w2", "w3"] if working_forms(signature(name))]


@pytest.mark.parametrize("line", SUPPORTED)
@pytest.mark.parametrize("name", WORKING)
def test_generated_bodies_agree_with_the_emulator(name: str, line: str) -> None:
    strategy = st.one_of(
        strategies.requests(signature(name)),
        strategies.invalid_requests(signature(name)).map(lambda miss: miss.body),
    )

    @settings(max_examples=12, suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def check(body: Any) -> None:
        _, found = compare(name, line, _raw(body))
        assert found is None

    check()
