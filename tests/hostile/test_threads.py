"""One `Validator` shared between threads gives the single-threaded answers.

A server builds one validator per model and calls it from every worker
thread, so a validator must hold no per-body state and must not mutate the
signature or the body it is given.  Each thread validates the same corpus
bodies in its own order, several times; every answer must equal the
single-threaded one, and afterwards the signature, the exported schema and
every parsed body must equal copies taken before.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import sig2jsonschema._validate.validator as validate
from sig2jsonschema import load_signature, signature_to_dict

ROOT = Path(__file__).resolve().parent.parent.parent
CONFORMANCE = ROOT / "fixtures" / "conformance"
#: Signatures covering tables, tensors, nested types, params and LLM bodies.
SIGNATURES = ("u_double", "tn_tokens_var", "n_object_arrays_maps", "p_llm_chat", "m_map_object")
PER_SIGNATURE = 6
THREADS = 6
ROUNDS = 2


def _cases() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in SIGNATURES}
    with (CONFORMANCE / "cases.jsonl").open(encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            bodies = out.get(case["signature"])
            if bodies is not None and len(bodies) < PER_SIGNATURE:
                bodies.append(case["body"])
    return out


def _answer(validator: Any, body: Any) -> tuple[Any, ...]:
    """Everything observable about one validation, as plain comparable data."""
    errors = tuple(
        (e.pointer, e.keyword, e.expected, e.got, e.field, e.status, e.message)
        for e in validator.iter_errors(body)
    )
    parsed: tuple[str, str] | None = None
    if not errors:
        request = validator.parse(body)
        parsed = (repr(request.inputs), repr(request.params))
    return errors, parsed


def _snapshot(value: Any) -> str:
    """A comparable image of a parsed body (NaN-safe, order-sensitive)."""
    return json.dumps(value, allow_nan=True, sort_keys=False)


@pytest.mark.parametrize("mode", ["mlflow", "strict"])
def test_shared_validator_matches_single_threaded_results(mode: str, guard: Any) -> None:
    cases = _cases()
    jobs: list[tuple[Any, Any]] = []
    parsed_bodies: list[Any] = []
    for name, bodies in cases.items():
        validator = validate.Validator(
            load_signature(CONFORMANCE / "signatures" / f"{name}.json"), mode=mode
        )
        for text in bodies:
            jobs.append((validator, text.encode("utf-8")))
            try:
                value = json.loads(text)
            except ValueError:
                continue
            parsed_bodies.append(value)
            jobs.append((validator, value))
    with guard():
        expected = [_answer(v, b) for v, b in jobs]
    signatures = {id(v): (v.signature, copy.deepcopy(v.signature)) for v, _ in jobs}
    schemas = {id(v): json.dumps(v.schema, sort_keys=True) for v, _ in jobs}
    body_images = [_snapshot(b) for b in parsed_bodies]
    start = threading.Barrier(THREADS)

    def worker(seed: int) -> list[tuple[int, tuple[Any, ...]]]:
        order = list(range(len(jobs))) * ROUNDS
        random.Random(seed).shuffle(order)
        start.wait()
        return [(i, _answer(*jobs[i])) for i in order]

    with guard(), ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    mismatches = [
        (i, got, expected[i]) for answers in results for i, got in answers if got != expected[i]
    ]
    assert mismatches == []
    for validator, _ in jobs:
        original, before = signatures[id(validator)]
        assert validator.signature is original
        assert original == before
        assert signature_to_dict(original) == signature_to_dict(before)
        assert json.dumps(validator.schema, sort_keys=True) == schemas[id(validator)]
    assert [_snapshot(b) for b in parsed_bodies] == body_images


@pytest.mark.parametrize("mode", ["mlflow", "strict"])
def test_validation_never_mutates_the_body(mode: str) -> None:
    """Bodies MLflow edits in place (params popped, records re-filled) stay untouched."""
    sig = load_signature(CONFORMANCE / "signatures" / "p_llm_chat.json")
    validator = validate.Validator(sig, mode=mode)
    bodies: list[Any] = []
    with (CONFORMANCE / "cases.jsonl").open(encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            if case["signature"] == "p_llm_chat":
                try:
                    bodies.append(json.loads(case["body"]))
                except ValueError:
                    continue
    assert bodies
    for text in (json.dumps(b, allow_nan=True) for b in bodies[:10]):
        raw = bytearray(text.encode("utf-8"))
        list(validator.iter_errors(raw))
        assert raw.decode("utf-8") == text  # a mutable raw body is not written to
    for body in bodies:
        before = _snapshot(body)
        list(validator.iter_errors(body))
        validator.is_valid(body)
        with contextlib.suppress(ValueError):
            validator.parse(body)
        assert _snapshot(body) == before
