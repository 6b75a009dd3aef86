"""The exports against MLflow's real verdicts on generated signatures and near-miss bodies.

The public corpus missed whole classes of bodies the ``mlflow``-mode export refused
although MLflow accepted them (records for tensor signatures, null and missing
keys, empty or null ``inputs``, unified-LLM fields sent as lists, tensor leaves
MLflow converts from strings or objects).  This test looks for such classes by
itself: signatures from `sig2jsonschema.strategies.signatures` (seeded), for each
one valid bodies, near misses and their `tests.export.variants` (other envelopes,
nulls, missing keys, empty data keys, LLM keys, converted leaves), all labelled
live by the real scoring server of each release, then judged by

* the ``mlflow``-mode request export as pure JSON Schema (python-jsonschema, formats
  asserted, no ``x-mlflow-*`` implementations): it must accept >= 99.5% of the
  bodies MLflow accepted;
* the ``strict`` request export with our vocabulary keywords: it must reject >= 99%
  of the bodies MLflow rejected (the pure figure is printed beside it).

Run ``pytest tests/export/test_export_differential.py -s`` to see the figures and
the classes still missed.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import random
import warnings
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._export.vocabulary import validator_for
from sig2jsonschema._releases.table import SUPPORTED
from sig2jsonschema._signature.serialized import signature_to_dict
from sig2jsonschema.strategies import invalid_requests, requests, signatures
from tests.export.variants import variants

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

pytestmark = pytest.mark.mlflow

#: The releases whose real server labels the bodies: every supported one.
RELEASES = SUPPORTED
SIGNATURES = 60
BODIES_PER_SIGNATURE = 60
SEED = 16


def _draw_cases() -> list[tuple[Signature, list[str]]]:
    """Seeded signatures, each with its valid bodies, near misses and their variants."""
    drawn: list[tuple[Signature, list[str]]] = []

    @settings(
        max_examples=SIGNATURES,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        sig = data.draw(signatures(), label="signature")
        # The oracle saves the serialized signature, which cannot carry the type-hint flag.
        sig = dataclasses.replace(sig, from_type_hint=False)
        seeds: list[Any] = []
        for strategy in (requests(sig), requests(sig), invalid_requests(sig)):
            try:
                drawn_body = data.draw(strategy)
            except Exception:
                continue
            seeds.append(getattr(drawn_body, "body", drawn_body))
        rng = random.Random(data.draw(st.integers(0, 2**32 - 1), label="rng"))
        bodies = [*seeds]
        for seed in seeds:
            bodies += variants(sig, seed, rng)
        if not seeds:
            bodies += variants(sig, {"inputs": []}, rng)
        texts = list(dict.fromkeys(t for b in bodies if (t := _json(b)) is not None))
        rng.shuffle(texts)
        drawn.append((sig, texts[:BODIES_PER_SIGNATURE]))

    collect()
    return drawn


def _json(body: Any) -> str | None:
    try:
        return json.dumps(body, allow_nan=False)
    except (TypeError, ValueError):
        return None


@pytest.fixture(scope="module")
def cases() -> list[tuple[Signature, list[str]]]:
    return _draw_cases()


@pytest.fixture(scope="module", params=RELEASES)
def labeller(request: pytest.FixtureRequest, release_oracle: Any) -> tuple[str, Any]:
    """(release line, its real server): ``.query(signature_dict, bodies)`` as mlflow_oracle's."""
    return request.param, release_oracle(request.param)


def _export(sig: Signature, mode: str, line: str) -> dict[str, Any]:
    return to_jsonschema(sig, "request", mode, mlflow_version=line)  # type: ignore[arg-type]


def _label(oracle: Any, sig: Signature, bodies: list[str]) -> tuple[Signature, list[int]] | None:
    """The signature MLflow saved and the status it answers to each body.

    Some generated signatures MLflow cannot save (a params default it cannot
    serialize, say): then the same inputs are tried without params and outputs,
    and None means MLflow cannot save even those.
    """
    bare = dataclasses.replace(sig, params=None, outputs=None)
    for candidate in (sig, bare):
        if _saveable(candidate):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                answers = oracle.query(signature_to_dict(candidate), bodies)
            return candidate, [a["status"] for a in answers]
    return None


def _saveable(sig: Signature) -> bool:
    """Whether MLflow can write the signature into an MLmodel file.

    Checked before the oracle saves a model: a failed save leaves its folder
    behind, which the shared oracle would try to reuse for the next signature.
    """
    from mlflow.models import ModelSignature

    document = signature_to_dict(sig)
    if not any(document.get(k) for k in ("inputs", "outputs", "params")):
        return False
    try:
        ModelSignature.from_dict(document).to_dict()
    except Exception:
        return False
    return True


def test_exports_against_live_mlflow_on_generated_bodies(
    cases: list[tuple[Signature, list[str]]], labeller: tuple[str, Any]
) -> None:
    line, oracle = labeller
    accepted = rejected = kept = refused_by_strict = refused_by_pure_strict = 0
    missed: collections.Counter[str] = collections.Counter()
    examples: dict[str, str] = {}
    unsaved = 0
    for drawn, bodies in cases:
        labelled = _label(oracle, drawn, bodies)
        if labelled is None:
            unsaved += 1
            continue
        sig, statuses = labelled
        pure = Draft202012Validator(_export(sig, "mlflow", line), format_checker=FormatChecker())
        strict_schema = _export(sig, "strict", line)
        strict = validator_for(strict_schema)
        pure_strict = Draft202012Validator(strict_schema, format_checker=FormatChecker())
        for text, status in zip(bodies, statuses, strict=True):
            body = json.loads(text)
            if status == 200:
                accepted += 1
                if pure.is_valid(body):
                    kept += 1
                else:
                    error = next(pure.iter_errors(body))
                    where = "/".join(str(s) for s in list(error.absolute_schema_path)[-3:])
                    key = f"{error.validator} at {where}"
                    missed[key] += 1
                    examples.setdefault(key, f"{signature_to_dict(sig)['inputs']} {text[:160]}")
            else:
                rejected += 1
                refused_by_strict += not strict.is_valid(body)
                refused_by_pure_strict += not pure_strict.is_valid(body)
    acceptance = kept / accepted
    rejection = refused_by_strict / rejected
    print(
        f"\nMLflow {line}, {len(cases) - unsaved} generated signatures "
        f"({unsaved} MLflow cannot save), {accepted + rejected} bodies:"
        f"\n  mlflow-mode export (pure, formats asserted) accepts {acceptance:.2%} "
        f"of the {accepted} bodies MLflow accepted"
        f"\n  strict export rejects {rejection:.2%} of the {rejected} bodies MLflow rejected "
        f"({refused_by_pure_strict / rejected:.2%} as pure JSON Schema)"
    )
    for key, count in missed.most_common():
        print(f"  missed {count}: {key}: {examples[key]}")
    assert accepted > 500
    assert rejected > 500
    assert acceptance >= 0.995
    assert rejection >= 0.99
