"""The conformance corpus as a test of the `Validator` (MLflow 3.17.2's real verdicts).

* mlflow mode agrees with MLflow's status class (200 vs not) on every case;
* strict mode accepts no case MLflow rejected;
* on every case strict accepts, ``parse()`` equals what MLflow's ``predict``
  received (columns, dtypes, index, values, params);
* strict accepts at least 85% of the ``valid-shape`` cases MLflow accepted;
  every refusal belongs to a class documented in docs/validation.md;
* in mlflow mode ``parse()`` equals ``received`` on at least 99% of accepted cases;
* redacted messages hold no payload value, over the whole corpus.

Gaps are listed by case id with the reason and marked ``xfail(strict=True)``,
so that a fix shows up.  Figures: ``pytest tests/test_validate_corpus.py -s
-k figures``.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._validate.validator import Validator
from tests.conftest import CONFORMANCE, ROOT, load_cases
from tests.describe import describe, encode, first_difference, same

if TYPE_CHECKING:
    from sig2jsonschema import PayloadError

#: mlflow-mode verdicts that differ from MLflow's status class: id -> reason.
KNOWN_VERDICT_GAPS: dict[str, str] = {}
#: Accepted cases where mlflow-mode ``parse()`` differs from MLflow's ``received``.
KNOWN_PARSE_GAPS: dict[str, str] = {}

#: Why strict refuses a valid-shape body MLflow accepts: class -> (predicate, reason).
#: docs/validation.md lists every class.
REFUSAL_CLASSES: dict[str, str] = {
    "binary-outside-frames": "binary columns are base64-decoded only by dataframe_split and "
    "dataframe_records; inputs/instances hand the model the ASCII bytes of the text",
    "object-tensor-frame": "an object tensor sent as a DataFrame: list cells are stringified",
    "any-column-columnar": "an any column in a columnar inputs/instances object: MLflow cannot "
    "tell a column of values from one value that is an array or an object",
    "nan-literal": "NaN is not RFC 8259 JSON (MLflow's own serving_input_example.json writes it)",
    "split-index-not-portable": "a dataframe_split index with array/object/map/any columns: "
    "MLflow 2.22 resets it or misaligns the rows (strict holds on every supported release)",
}

#: The share of accepted valid-shape cases strict must accept.  Strict is one
#: contract for 2.22, 3.17 and 3.18 (their intersection): 5 cases with a
#: dataframe_split index 2.22 loses are refused since (docs/mlflow-versions.md).
STRICT_ACCEPTANCE_FLOOR = 0.84
#: The share of accepted cases whose mlflow-mode parse() must equal MLflow's.
PARSE_EQUALITY_FLOOR = 0.99

CASES = load_cases()
ACCEPTED = [c for c in CASES if c["mlflow"]["status"] == 200]
REJECTED = [c for c in CASES if c["mlflow"]["status"] != 200]
VALID_SHAPE_ACCEPTED = [c for c in ACCEPTED if c["kind"] == "valid-shape"]


@cache
def _signature(name: str) -> Any:
    with (CONFORMANCE / "signatures" / f"{name}.json").open(encoding="utf-8") as f:
        return parse_signature(json.load(f))


@cache
def validator(name: str, mode: str, redact: bool = False) -> Validator:
    # The corpus labels are MLflow 3.17.2's (tests/validate/test_validate_releases.py
    # covers every release).
    return Validator(  # type: ignore[arg-type]
        _signature(name), mode=mode, redact=redact, mlflow_version="3.17"
    )


def body_of(case: dict[str, Any]) -> bytes:
    return case["body"].encode("utf-8", "surrogatepass")


@cache
def _errors(case_id: str, mode: str) -> tuple[PayloadError, ...]:
    case = BY_ID[case_id]
    return tuple(validator(case["signature"], mode).iter_errors(body_of(case)))


BY_ID = {c["id"]: c for c in CASES}


def errors(case: dict[str, Any], mode: str) -> tuple[PayloadError, ...]:
    return _errors(case["id"], mode)


def _param(case: dict[str, Any], gaps: dict[str, str]) -> Any:
    marks = [pytest.mark.xfail(reason=gaps[case["id"]], strict=True)] if case["id"] in gaps else []
    return pytest.param(case, id=case["id"], marks=marks)


def parse_matches(case: dict[str, Any], mode: str) -> str | None:
    """None when parse() reproduces MLflow's received/params, else the first difference."""
    parsed = validator(case["signature"], mode).parse(body_of(case))
    expected = case["mlflow"]
    got = describe(parsed.inputs)
    if not same(got, expected["received"]):
        return first_difference(expected["received"], got) or "received differs"
    params = encode(parsed.params)
    if not same(params, expected["params"]):
        return first_difference(expected["params"], params) or "params differ"
    if parsed.unwrapped != expected["unwrapped"]:
        return "unwrapped differs"
    return None


def refusal_class(case: dict[str, Any]) -> str | None:
    """The documented class a strict refusal of an MLflow-accepted body belongs to."""
    found = errors(case, "strict")
    if not found:
        return None
    keywords = {e.keyword for e in found}
    sig = _signature(case["signature"])
    nan_places = {e.pointer for e in found if e.keyword == "x-json-nonfinite"}
    if nan_places and all(e.pointer in nan_places for e in found):
        return "nan-literal"  # every error is about a NaN literal's place
    if {e.pointer for e in found} == {"/dataframe_split/index"}:
        return "split-index-not-portable"
    if "x-mlflow-form" in keywords:
        columns = sig.inputs.columns if sig.inputs is not None else ()
        if any(str(c.type) == "binary" for c in columns):
            return "binary-outside-frames"
        tensors = sig.inputs.tensors if sig.inputs is not None else ()
        if any(t.dtype == "object" for t in tensors):
            return "object-tensor-frame"
        forms = {e.pointer for e in found if e.keyword == "x-mlflow-form"}
        if any(str(c.type) == "Any" for c in columns) and forms <= {"/inputs", "/instances"}:
            return "any-column-columnar"
    return None


# -- mlflow mode: the verdict ------------------------------------------------------------


def test_known_gaps_stay_small() -> None:
    assert len(KNOWN_VERDICT_GAPS) <= 0.005 * len(CASES)
    assert len(KNOWN_PARSE_GAPS) <= (1 - PARSE_EQUALITY_FLOOR) * len(ACCEPTED)


@pytest.mark.parametrize("case", [_param(c, KNOWN_VERDICT_GAPS) for c in CASES])
def test_mlflow_mode_agrees_with_mlflows_status_class(case: dict[str, Any]) -> None:
    found = errors(case, "mlflow")
    accepted = case["mlflow"]["status"] == 200
    assert (not found) == accepted, found[0].message if found else "accepted"
    if found:
        # The best error carries the status MLflow answered with.
        assert found[0].status == case["mlflow"]["status"]


@pytest.mark.parametrize("case", [_param(c, KNOWN_PARSE_GAPS) for c in ACCEPTED])
def test_mlflow_mode_parse_equals_what_predict_received(case: dict[str, Any]) -> None:
    difference = parse_matches(case, "mlflow")
    assert difference is None, difference


# -- strict mode -------------------------------------------------------------------------


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in REJECTED])
def test_strict_accepts_no_body_mlflow_rejects(case: dict[str, Any]) -> None:
    assert errors(case, "strict"), "strict accepted a body MLflow rejects"


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"]) for c in ACCEPTED])
def test_strict_parse_equals_what_predict_received(case: dict[str, Any]) -> None:
    if errors(case, "strict"):
        pytest.skip("strict refuses this body")
    difference = parse_matches(case, "strict")
    assert difference is None, difference
    assert validator(case["signature"], "strict").parse(body_of(case)).warnings == ()


def test_strict_accepts_most_well_formed_bodies() -> None:
    accepted = [c for c in VALID_SHAPE_ACCEPTED if not errors(c, "strict")]
    share = len(accepted) / len(VALID_SHAPE_ACCEPTED)
    assert share >= STRICT_ACCEPTANCE_FLOOR, f"{len(accepted)}/{len(VALID_SHAPE_ACCEPTED)}"


def test_every_strict_refusal_of_a_well_formed_body_is_a_documented_class() -> None:
    docs = (ROOT / "docs" / "validation.md").read_text(encoding="utf-8")
    unclassified = []
    for case in VALID_SHAPE_ACCEPTED:
        if not errors(case, "strict"):
            continue
        found = refusal_class(case)
        if found is None:
            unclassified.append((case["id"], errors(case, "strict")[0].message))
        else:
            assert f"`{found}`" in docs, found
    assert not unclassified


def test_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the corpus figures (run with -s to see them)."""
    agree = sum(1 for c in CASES if (not errors(c, "mlflow")) == (c["mlflow"]["status"] == 200))
    strict_ok = [c for c in VALID_SHAPE_ACCEPTED if not errors(c, "strict")]
    parse_ok = sum(
        1 for c in ACCEPTED if not errors(c, "mlflow") and parse_matches(c, "mlflow") is None
    )
    refused: dict[str, int] = {}
    for case in VALID_SHAPE_ACCEPTED:
        if errors(case, "strict"):
            key = refusal_class(case) or "unclassified"
            refused[key] = refused.get(key, 0) + 1
    with capsys.disabled():
        print(
            f"\nmlflow-mode agreement: {agree}/{len(CASES)} ({agree / len(CASES):.2%})"
            f"\nstrict acceptance of accepted valid-shape cases: {len(strict_ok)}/"
            f"{len(VALID_SHAPE_ACCEPTED)} ({len(strict_ok) / len(VALID_SHAPE_ACCEPTED):.2%})"
            f"\nstrict refusals by class: {refused}"
            f"\nmlflow-mode parse equality: {parse_ok}/{len(ACCEPTED)}"
            f" ({parse_ok / len(ACCEPTED):.2%})"
            f"\nstrict accepted among MLflow-rejected: "
            f"{sum(1 for c in REJECTED if not errors(c, 'strict'))}"
        )


# -- redaction over the whole corpus -----------------------------------------------------

_TOKENS = re.compile(r'"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')


def _leaves(case: dict[str, Any]) -> set[str]:
    """Payload values of a body as text: every string and number, even of malformed JSON."""
    out: set[str] = set()
    try:
        value = json.loads(case["body"])
    except (ValueError, RecursionError):
        for text, number in _TOKENS.findall(case["body"]):
            out.add(text or number)
        return out
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            out.add(node)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            if isinstance(node, float) and not math.isfinite(node):
                continue
            out.add(json.dumps(node))
            out.add(repr(node))
    return out


def _vocabulary(case: dict[str, Any]) -> str:
    """Text a redacted message may legitimately share with a body: the signature."""
    path = CONFORMANCE / "signatures" / f"{case['signature']}.json"
    return Path(path).read_text(encoding="utf-8")


#: Words our messages use that corpus bodies also hold as values (json's own
#: syntax-error words among them: "Extra data", "Expecting value").
_COMMON = {
    "true", "false", "null", "None", "True", "False", "NaN", "inputs", "instances",
    "data", "value", "name", "string", "columns", "index", "params",
}  # fmt: skip


def _occurs(leaf: str, text: str) -> bool:
    """Whether ``leaf`` appears in ``text`` as a whole token (not inside a word)."""
    return re.search(r"(?<![\w.])" + re.escape(leaf) + r"(?![\w])", text) is not None


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_redacted_messages_echo_no_payload_value(mode: str) -> None:
    leaks = []
    for case in CASES:
        leaves = _leaves(case)
        vocabulary = _vocabulary(case)
        redacting = validator(case["signature"], mode, redact=True)
        for error in redacting.iter_errors(body_of(case)):
            assert error.redacted
            # Pointers and fields name places, not values: leave them out.
            text = " ".join(
                [
                    error.expected,
                    error.hint,
                    error.to_mlflow_error()["message"],
                    json.dumps(error.to_dict()),
                ]
            )
            text = text.replace(error.pointer, "").replace(error.field, "")
            for leaf in leaves:
                if len(leaf) < 3 or leaf in _COMMON or leaf in vocabulary:
                    continue
                if _occurs(leaf, text):
                    leaks.append((case["id"], leaf, error.message))
    assert not leaks, leaks[:10]
