"""The whole conformance corpus through `emulate`: MLflow's verdicts, value for value.

Every case's status class, exact status, ``error_code`` and ``error_class``
must equal MLflow 3.17.2's; on accepted cases, what ``predict()`` received
(described with tests/describe.py, compared strictly: ``1`` is not ``1.0``),
the params and the ``unwrapped`` flag must equal the corpus.  Known gaps are
listed below by case id with the reason (none at the moment); they are
``xfail(strict=True)`` so that a fix shows up.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema._emulator.server import emulate
from sig2jsonschema._signature.serialized import parse_signature
from tests.conftest import CONFORMANCE, load_cases
from tests.describe import describe, encode, first_difference, same

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

#: Cases where our status class differs from MLflow's: id -> reason.
KNOWN_STATUS_GAPS: dict[str, str] = {}
#: Accepted cases whose ``received``/``params`` differ from MLflow's: id -> reason.
KNOWN_RECEIVED_GAPS: dict[str, str] = {}

CASES = load_cases()


@cache
def signature(name: str) -> Signature:
    with (CONFORMANCE / "signatures" / f"{name}.json").open(encoding="utf-8") as f:
        return parse_signature(json.load(f))


def _param(case: dict[str, Any], gaps: dict[str, str]) -> Any:
    marks = [pytest.mark.xfail(reason=gaps[case["id"]], strict=True)] if case["id"] in gaps else []
    return pytest.param(case, id=case["id"], marks=marks)


def _emulate(case: dict[str, Any]) -> Any:
    return emulate(signature(case["signature"]), case["body"].encode("utf-8", "surrogatepass"))


def test_known_gaps_stay_small() -> None:
    assert len(KNOWN_STATUS_GAPS) <= 0.005 * len(CASES)
    accepted = sum(1 for c in CASES if c["mlflow"]["status"] == 200)
    assert len(KNOWN_RECEIVED_GAPS) <= 0.01 * accepted


@pytest.mark.parametrize("case", [_param(c, KNOWN_STATUS_GAPS) for c in CASES])
def test_status_and_error_code_match_mlflow(case: dict[str, Any]) -> None:
    outcome = _emulate(case)
    expected = case["mlflow"]
    assert (outcome.status == 200) == (expected["status"] == 200), outcome.message
    assert (outcome.status, outcome.error_code, outcome.error_class) == (
        expected["status"],
        expected["error_code"],
        expected["error_class"],
    ), outcome.message


ACCEPTED = [c for c in CASES if c["mlflow"]["status"] == 200]


@pytest.mark.parametrize("case", [_param(c, KNOWN_RECEIVED_GAPS) for c in ACCEPTED])
def test_received_params_and_unwrapped_match_mlflow(case: dict[str, Any]) -> None:
    outcome = _emulate(case)
    expected = case["mlflow"]
    assert outcome.status == 200, outcome.message
    got = describe(outcome.received)
    assert same(got, expected["received"]), first_difference(expected["received"], got)
    params = encode(outcome.params)
    assert same(params, expected["params"]), first_difference(expected["params"], params)
    assert outcome.unwrapped == expected["unwrapped"]


def test_rejections_carry_a_message_and_a_keyword() -> None:
    for case in CASES[::7]:
        outcome = _emulate(case)
        if outcome.status != 200:
            assert outcome.message
            assert outcome.keyword
            assert outcome.received is None
