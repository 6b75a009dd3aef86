"""Round trip: `from_jsonschema(to_jsonschema(sig, part, mode))` gives back what the part carries."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, note, settings

from sig2jsonschema import Signature, load_signature, signature_to_dict
from sig2jsonschema._export.from_schema import from_jsonschema
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema.strategies._signatures import signature_dicts, signatures
from tests.conftest import corpus_signature_paths, model_dirs, require

PARTS = ("request", "inputs", "outputs", "params")
MODES = ("strict", "mlflow")
SOURCES = [*corpus_signature_paths(), *model_dirs()]


def carried(sig: Signature, part: str) -> Signature:
    """The parts of ``sig`` that an export of ``part`` describes."""
    if part == "request":
        return Signature(inputs=sig.inputs, params=sig.params, from_type_hint=sig.from_type_hint)
    if part == "inputs":
        return Signature(inputs=sig.inputs, from_type_hint=sig.from_type_hint)
    if part == "outputs":
        return Signature(outputs=sig.outputs)
    return Signature(params=sig.params)


def back(sig: Signature) -> Signature:
    """The whole signature, read back from the request and outputs exports."""
    request = from_jsonschema(to_jsonschema(sig, "request"))
    outputs = from_jsonschema(to_jsonschema(sig, "outputs", "mlflow"))
    return Signature(request.inputs, outputs.outputs, request.params, request.from_type_hint)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem or p.name)
def test_fixture_signatures_round_trip_through_every_part_and_mode(source):
    sig = load_signature(source)
    for part in PARTS:
        for mode in MODES:
            assert from_jsonschema(to_jsonschema(sig, part, mode)) == carried(sig, part)
    assert back(sig) == sig


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(signatures())
def test_generated_signatures_round_trip_through_every_part_and_mode(sig):
    note(json.dumps(signature_to_dict(sig)))
    for part in PARTS:
        for mode in MODES:
            assert from_jsonschema(to_jsonschema(sig, part, mode)) == carried(sig, part), (
                part,
                mode,
            )


@pytest.mark.mlflow
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem or p.name)
def test_mlflow_reads_the_round_tripped_fixture_as_the_original(source):
    require("mlflow")
    from mlflow.models.signature import ModelSignature

    sig = load_signature(source)
    original = json.loads(
        (source if source.suffix == ".json" else source / "signature.json").read_text()
    )
    assert ModelSignature.from_dict(signature_to_dict(back(sig))) == ModelSignature.from_dict(
        original
    )


@pytest.mark.mlflow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(signature_dicts())
def test_mlflow_reads_round_tripped_generated_signatures_as_the_originals(document):
    require("mlflow")
    from mlflow.models.signature import ModelSignature

    original = {k: json.dumps(v) if v is not None else None for k, v in document.items()}
    note(json.dumps(original))
    ours = back(parse_signature(document))
    assert ModelSignature.from_dict(signature_to_dict(ours)) == ModelSignature.from_dict(original)
