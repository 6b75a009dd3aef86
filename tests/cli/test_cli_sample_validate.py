"""``sample`` then ``validate``: the strict contract accepts every body ``sample`` prints.

Issue 16 class 4: ``sample`` generated ISO strings for ``datetime64`` tensors that
strict refused.  Here, through the command line as a user runs it, ``sample -n
BODIES`` is piped into ``validate`` (strict) for every fixture signature with a
working strict form (the 15 bundled models and the corpus signatures, each
distinct signature once) and for ``datetime64`` tensors; every body must be
valid.  Generated signatures (`strategies.signatures`) go through the same two
steps in the library, so the next such class is found by generation.
"""

from __future__ import annotations

import json
from functools import cache
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema import load_signature, signature_to_dict
from sig2jsonschema._hazards.verdicts import form_verdicts
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.cli import run
from sig2jsonschema.strategies import requests, signatures
from sig2jsonschema.strategies._draw import draw_examples
from tests.conftest import corpus_signature_paths, model_dirs

if TYPE_CHECKING:
    from pathlib import Path

BODIES = 100
GENERATED = 60


def _working_sources() -> list[Path]:
    seen: set[str] = set()
    out: list[Path] = []
    for path in [*model_dirs(), *corpus_signature_paths()]:
        sig = load_signature(path)
        key = json.dumps([signature_to_dict(sig), sig.from_type_hint], sort_keys=True)
        if key not in seen and any(v.works for v in form_verdicts(sig).values()):
            seen.add(key)
            out.append(path)
    return out


def _datetime_tensor(tmp_path: Path, dtype: str, shape: list[int]) -> Path:
    spec = {"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": shape}}
    path = tmp_path / "sig.json"
    path.write_text(json.dumps({"inputs": json.dumps([spec])}), encoding="utf-8")
    return path


def sample_then_validate(source: Path, tmp_path: Path) -> tuple[int, str]:
    """``sample SOURCE -n BODIES -o bodies.jsonl``, then ``validate SOURCE bodies.jsonl``."""
    bodies = tmp_path / "bodies.jsonl"
    argv = ["sample", str(source), "-n", str(BODIES), "--seed", "16", "-o", str(bodies)]
    err = StringIO()
    assert run(argv, stdout=StringIO(), stderr=err) == 0, err.getvalue()
    assert len(bodies.read_text(encoding="utf-8").splitlines()) == BODIES
    report, summary = StringIO(), StringIO()
    argv = ["validate", str(source), str(bodies), "--output", "json"]
    code = run(argv, stdout=report, stderr=summary)
    results = [json.loads(line) for line in report.getvalue().splitlines()]
    assert len(results) == BODIES
    invalid = [r for r in results if not r["valid"]]
    assert not invalid, invalid[:2]
    return code, summary.getvalue()


@pytest.mark.parametrize("source", _working_sources(), ids=lambda p: p.stem or p.name)
def test_every_sampled_body_passes_strict(source: Path, tmp_path: Path) -> None:
    code, summary = sample_then_validate(source, tmp_path)
    assert code == 0
    assert f"{BODIES} bodies: {BODIES} valid, 0 invalid" in summary


@pytest.mark.parametrize(
    ("dtype", "shape"),
    [("datetime64[ns]", [-1, 2]), ("datetime64[s]", [-1]), ("datetime64[ns]", [3])],
)
def test_datetime64_tensors_take_the_iso_strings_sample_prints(
    tmp_path: Path, dtype: str, shape: list[int]
) -> None:
    code, summary = sample_then_validate(_datetime_tensor(tmp_path, dtype, shape), tmp_path)
    assert code == 0, summary


@cache
def _generated_with_a_form() -> list[Any]:
    sigs = draw_examples(signatures(), GENERATED, 416)
    return [s for s in sigs if any(v.works for v in form_verdicts(s).values())]


@pytest.mark.parametrize("index", range(GENERATED))
def test_generated_signatures_sampled_bodies_pass_strict(index: int) -> None:
    sigs = _generated_with_a_form()
    if index >= len(sigs):
        return
    sig = sigs[index]
    validator = Validator(sig)
    try:
        bodies = draw_examples(requests(sig), 20, index)
    except Exception as exc:  # a working form whose every column is optional and must stay out
        assert "can be sent" in str(exc), exc  # noqa: PT017
        return
    for body in bodies:
        errors = list(validator.iter_errors(body))
        assert not errors, (
            json.dumps(signature_to_dict(sig)),
            json.dumps(body)[:300],
            errors[0].message,
        )
