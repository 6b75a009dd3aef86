"""Signatures without an input schema (issue 16 class 5), against MLflow 3.17.2 live.

MLflow serves any JSON input for such a model, unchecked.  ``sample`` (and
`strategies.schemaless_requests`) must print bodies MLflow accepts; the strict
contract refuses every body with one clear reason (docs/strict-contract.md),
while ``mlflow`` mode predicts MLflow's verdict.  Generated signatures
(`signature_dicts` with the inputs taken away: outputs and params as drawn)
are checked body by body with the in-process oracle.
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from hypothesis.errors import InvalidArgument

from sig2jsonschema._signature.serialized import parse_signature, signature_to_dict
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.cli import run
from sig2jsonschema.strategies import requests, schemaless_requests
from sig2jsonschema.strategies._draw import draw_examples
from sig2jsonschema.strategies._signatures import signature_dicts

pytestmark = pytest.mark.mlflow

SIGNATURES = 12
BODIES = 40

NO_INPUTS = {"inputs": None, "outputs": json.dumps([{"type": "double"}]), "params": None}


def _schemaless() -> list[Any]:
    drawn = draw_examples(signature_dicts(), SIGNATURES, 5)
    sigs = [
        parse_signature({**d, "inputs": None, "outputs": d["outputs"] or d["inputs"]})
        for d in drawn
    ]
    return [parse_signature(NO_INPUTS), *sigs]


@pytest.mark.parametrize("index", range(SIGNATURES + 1))
def test_schemaless_bodies_are_served_by_mlflow_and_refused_by_strict(
    oracle: Any, index: int
) -> None:
    sig = _schemaless()[index]
    assert sig.inputs is None
    bodies = draw_examples(schemaless_requests(sig), BODIES, index)
    texts = [json.dumps(b, ensure_ascii=False, allow_nan=False) for b in bodies]
    results = oracle.query(signature_to_dict(sig), texts)
    mlflow, strict = Validator(sig, mode="mlflow"), Validator(sig)
    for text, body, result in zip(texts, bodies, results, strict=True):
        assert result["status"] == 200, (text[:300], result["message"])
        assert mlflow.is_valid(body), text[:300]
        (error,) = list(strict.iter_errors(body))
        assert "no input schema" in error.message
    # the forms of a table: columns and records, under every key MLflow reads
    assert len({next(iter(b)) for b in bodies}) >= 3


def test_requests_still_refuses_a_schemaless_signature_naming_the_hazard() -> None:
    with pytest.raises(InvalidArgument, match="no-input-schema"):
        draw_examples(requests(NO_INPUTS), 1)


def test_sample_prints_served_bodies_with_a_note(oracle: Any, tmp_path: Any) -> None:
    path = tmp_path / "sig.json"
    path.write_text(json.dumps(NO_INPUTS), encoding="utf-8")
    out, err = StringIO(), StringIO()
    code = run(["sample", str(path), "-n", "20", "--seed", "2"], stdout=out, stderr=err)
    assert code == 0
    assert err.getvalue().count("\n") == 1
    assert "no input schema" in err.getvalue()
    lines = out.getvalue().splitlines()
    assert len(lines) == 20
    results = oracle.query(NO_INPUTS, lines)
    assert [r["status"] for r in results] == [200] * 20
    # strict refuses each with one line of reason; mlflow mode accepts all
    body_file = tmp_path / "bodies.jsonl"
    body_file.write_text(out.getvalue(), encoding="utf-8")
    assert run(["validate", str(path), str(body_file)], stdout=StringIO(), stderr=StringIO()) == 1
    argv = ["validate", str(path), str(body_file), "--mode", "mlflow"]
    assert run(argv, stdout=StringIO(), stderr=StringIO()) == 0
