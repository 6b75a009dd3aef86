"""The exports against MLflow's real verdicts on the conformance corpus.

Over the RFC 8259 bodies (``strict_json: true``), with format assertion on:

* the ``mlflow``-mode request schema, as pure JSON Schema (no ``x-mlflow-*``
  implementations), accepts >= 99.5% of the bodies MLflow accepted;
* the ``strict`` request schema, as pure JSON Schema, rejects >= 90% of the
  bodies MLflow rejected.

The same figures with our vocabulary keywords on are printed and asserted too,
and every body pure JSON Schema cannot catch falls in a class documented in
docs/export.md ("What JSON Schema cannot catch").  Run
``pytest tests/export/test_schema_corpus.py -s`` to see the figures.
"""

from __future__ import annotations

import collections
import json
import re
from functools import cache

from jsonschema import Draft202012Validator, FormatChecker

from sig2jsonschema import load_signature
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._export.vocabulary import validator_for
from tests.conftest import CONFORMANCE, ROOT, load_cases

#: Mutation classes (the case's ``mutation`` without its "[envelope]" suffix) of bodies
#: MLflow refuses that pure JSON Schema in strict mode cannot refuse, and why.  The same
#: list, with counts, is in docs/export.md.
UNCATCHABLE = {
    "dataframe_split: index longer than data": "an array's length tied to a sibling's",
    "ragged records: second row lacks a required key": "columns of equal length",
    "param 'i' (integer): 1.0": "1 vs 1.0 (JSON Schema's integer accepts 1.0)",
    "tensor: ragged rows along variable axis 1": "rectangular nested lists along -1 axes",
}


@cache
def _signature(name):
    return load_signature(CONFORMANCE / "signatures" / f"{name}.json")


@cache
def pure(name, mode):
    # The corpus labels are MLflow 3.17.2's.
    schema = to_jsonschema(_signature(name), "request", mode, mlflow_version="3.17")
    return Draft202012Validator(schema, format_checker=FormatChecker())


@cache
def with_vocabulary(name, mode):
    return validator_for(to_jsonschema(_signature(name), "request", mode, mlflow_version="3.17"))


def _strict_cases():
    return [c for c in load_cases() if c["strict_json"]]


def _label(case):
    return re.sub(r" \[[^\]]*\]$", "", case["mutation"])


def figures(validator_of):
    accepted = [c for c in _strict_cases() if c["mlflow"]["status"] == 200]
    rejected = [c for c in _strict_cases() if c["mlflow"]["status"] != 200]
    ok = [
        c
        for c in accepted
        if validator_of(c["signature"], "mlflow").is_valid(json.loads(c["body"]))
    ]
    caught = [
        c
        for c in rejected
        if not validator_of(c["signature"], "strict").is_valid(json.loads(c["body"]))
    ]
    missed = [c for c in rejected if c not in caught]
    return len(ok) / len(accepted), len(caught) / len(rejected), accepted, rejected, missed


def test_pure_json_schema_figures():
    acceptance, rejection, accepted, rejected, missed = figures(pure)
    print(
        f"\npure JSON Schema (format assertion on), {len(accepted) + len(rejected)} RFC 8259 bodies:"
        f"\n  mlflow mode accepts {acceptance:.1%} of the {len(accepted)} bodies MLflow accepted"
        f"\n  strict mode rejects {rejection:.1%} of the {len(rejected)} bodies MLflow rejected"
    )
    assert acceptance >= 0.995
    assert rejection >= 0.90
    classes = collections.Counter(_label(c) for c in missed)
    print("  not caught:", dict(classes))
    for c in missed:
        print(f"    {c['id']}: {_label(c)} -> {UNCATCHABLE.get(_label(c), '?')}")
    assert set(classes) <= set(UNCATCHABLE)


def test_figures_with_our_vocabulary_keywords():
    acceptance, rejection, accepted, rejected, missed = figures(with_vocabulary)
    print(
        f"\nwith x-mlflow keywords:"
        f"\n  mlflow mode accepts {acceptance:.1%} of the {len(accepted)} bodies MLflow accepted"
        f"\n  strict mode rejects {rejection:.1%} of the {len(rejected)} bodies MLflow rejected"
    )
    assert acceptance >= 0.99
    assert rejection >= 0.99
    assert not missed


def test_uncatchable_classes_are_documented_in_export_md():
    text = (ROOT / "docs" / "export.md").read_text(encoding="utf-8")
    for label in UNCATCHABLE:
        assert label in text, label


def test_vocabulary_keywords_refuse_nothing_mlflow_accepts_in_mlflow_mode():
    """Our keywords only add MLflow's own refusals: every accepted body stays valid."""
    for case in _strict_cases():
        if case["mlflow"]["status"] == 200:
            body = json.loads(case["body"])
            assert with_vocabulary(case["signature"], "mlflow").is_valid(body), case["id"]
