"""Generated bodies against MLflow 3.17.2's real scoring server (the in-process oracle).

For every fixture signature with a working body form: 200 generated bodies,
sent in one batch, are all served (HTTP 200), all pass the strict validator,
and what MLflow hands ``predict`` equals what `emulate` says it hands it
(compared with the corpus description format of tests/describe.py).
`inputs()` objects pass MLflow's own schema enforcement unchanged.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema import load_signature, signature_to_dict
from sig2jsonschema._hazards.verdicts import form_verdicts
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.strategies import inputs, requests
from sig2jsonschema.strategies._draw import draw_examples
from tests.conftest import corpus_signature_paths, model_dirs, require
from tests.describe import describe, first_difference, same

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = pytest.mark.mlflow

BODIES_PER_SIGNATURE = 200


def _sources() -> list[Path]:
    """Fixture signatures with a working form, each distinct signature once."""
    seen: set[str] = set()
    out: list[Path] = []
    for path in [*model_dirs(), *corpus_signature_paths()]:
        sig = load_signature(path)
        key = json.dumps([signature_to_dict(sig), sig.from_type_hint], sort_keys=True)
        if key in seen or not any(v.works for v in form_verdicts(sig).values()):
            continue
        seen.add(key)
        out.append(path)
    return out


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.stem if p.suffix else p.name)
def test_generated_bodies_are_served_as_emulated(oracle: Any, path: Path) -> None:
    sig = load_signature(path)
    bodies = draw_examples(requests(sig), BODIES_PER_SIGNATURE, seed_value=20261127)
    texts = [json.dumps(b, ensure_ascii=False, allow_nan=False) for b in bodies]
    # a type-hint model skips envelope parsing; the oracle's identity model has no
    # type hint, so only the verdict (not what predict gets) is comparable there
    results = oracle.query(signature_to_dict(sig), texts)
    validator = Validator(sig, mlflow_version="3.17")  # the in-process oracle's release
    for text, body, result in zip(texts, bodies, results, strict=True):
        assert result["status"] == 200, (text[:300], result["message"])
        # parse() raises the first strict error; in strict mode every lossy
        # conversion the emulator sees is an error, so none happened either
        parsed = validator.parse(body)
        if sig.from_type_hint:
            continue
        got = describe(parsed.inputs)
        assert same(got, result["received"]), (
            text[:300],
            first_difference(got, result["received"]),
        )


@pytest.mark.parametrize("path", _sources(), ids=lambda p: p.stem if p.suffix else p.name)
def test_python_inputs_pass_mlflow_enforcement(path: Path) -> None:
    require("mlflow")
    from mlflow.models import ModelSignature
    from mlflow.models.utils import _enforce_schema

    sig = load_signature(path)
    schema = ModelSignature.from_dict(signature_to_dict(sig)).inputs
    for value in draw_examples(inputs(sig), 20, seed_value=7):
        _enforce_schema(value, schema)


def test_generated_signatures_are_ones_mlflow_can_save() -> None:
    """``Model.save`` writes the signature with ``ModelSignature.to_dict``: it must not fail.

    (A datetime param with a null default parses, but MLflow calls ``.isoformat()`` on it.)
    """
    require("mlflow")
    from mlflow.models import ModelSignature

    from sig2jsonschema.strategies import signatures

    for sig in draw_examples(signatures(), 300, seed_value=17):
        ModelSignature.from_dict(signature_to_dict(sig)).to_dict()
