"""The whole conformance corpus through `emulate`: each release's verdicts, value for value.

For every supported release (3.17.2 labels the corpus itself; 3.18.0 and
2.22.5 relabelled it, fixtures/conformance/versions/), every case's status
class, exact status, ``error_code`` and ``error_class`` must equal that
release's; on accepted cases, what ``predict()`` received (described with
tests/describe.py, compared strictly: ``1`` is not ``1.0``, and 2.22's pandas-2
``object`` strings are not pandas-3 ``str``), the params and the ``unwrapped``
flag must equal its labels.  Known gaps are listed below by (release, case id)
with the reason (none at the moment); they are ``xfail(strict=True)`` so that
a fix shows up.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema._emulator.server import emulate
from sig2jsonschema._releases.table import RELEASES, SUPPORTED
from sig2jsonschema._signature.serialized import parse_signature
from tests.conftest import CONFORMANCE, load_cases, load_release_labels
from tests.describe import describe, encode, first_difference, same

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

#: Cases where our status class differs from the release's: (line, id) -> reason.
KNOWN_STATUS_GAPS: dict[tuple[str, str], str] = {}
#: Accepted cases whose ``received``/``params`` differ from the release's: (line, id) -> reason.
KNOWN_RECEIVED_GAPS: dict[tuple[str, str], str] = {}

CASES = load_cases()
LABELS = {line: load_release_labels(line) for line in SUPPORTED}


@cache
def signature(name: str) -> Signature:
    with (CONFORMANCE / "signatures" / f"{name}.json").open(encoding="utf-8") as f:
        return parse_signature(json.load(f))


def _param(line: str, case: dict[str, Any], gaps: dict[tuple[str, str], str]) -> Any:
    key = (line, case["id"])
    marks = [pytest.mark.xfail(reason=gaps[key], strict=True)] if key in gaps else []
    return pytest.param(line, case, id=f"{line}-{case['id']}", marks=marks)


def _emulate(line: str, case: dict[str, Any]) -> Any:
    body = case["body"].encode("utf-8", "surrogatepass")
    return emulate(signature(case["signature"]), body, release=RELEASES[line])


def test_known_gaps_stay_small() -> None:
    for line in SUPPORTED:
        status_gaps = [k for k in KNOWN_STATUS_GAPS if k[0] == line]
        assert len(status_gaps) <= 0.005 * len(CASES)
        accepted = sum(1 for label in LABELS[line].values() if label["status"] == 200)
        received_gaps = [k for k in KNOWN_RECEIVED_GAPS if k[0] == line]
        assert len(received_gaps) <= 0.005 * accepted


@pytest.mark.parametrize(
    ("line", "case"), [_param(line, c, KNOWN_STATUS_GAPS) for line in SUPPORTED for c in CASES]
)
def test_status_and_error_code_match_the_release(line: str, case: dict[str, Any]) -> None:
    outcome = _emulate(line, case)
    expected = LABELS[line][case["id"]]
    assert (outcome.status == 200) == (expected["status"] == 200), outcome.message
    assert (outcome.status, outcome.error_code, outcome.error_class) == (
        expected["status"],
        expected["error_code"],
        expected["error_class"],
    ), outcome.message


@pytest.mark.parametrize(
    ("line", "case"),
    [
        _param(line, c, KNOWN_RECEIVED_GAPS)
        for line in SUPPORTED
        for c in CASES
        if LABELS[line][c["id"]]["status"] == 200
    ],
)
def test_received_params_and_unwrapped_match_the_release(line: str, case: dict[str, Any]) -> None:
    outcome = _emulate(line, case)
    expected = LABELS[line][case["id"]]
    assert outcome.status == 200, outcome.message
    got = describe(outcome.received)
    assert same(got, expected["received"]), first_difference(expected["received"], got)
    params = encode(outcome.params)
    assert same(params, expected["params"]), first_difference(expected["params"], params)
    assert outcome.unwrapped == expected["unwrapped"]


def test_rejections_carry_a_message_and_a_keyword() -> None:
    for case in CASES[::7]:
        outcome = _emulate("3.17", case)
        if outcome.status != 200:
            assert outcome.message
            assert outcome.keyword
            assert outcome.received is None
