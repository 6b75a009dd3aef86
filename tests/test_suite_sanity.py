"""The language-neutral conformance suite (fixtures/suite/) checks itself.

As in referencing-suite's ``test_sanity.py`` and JSON-Schema-Test-Suite's
``jsonschema_suite check``: every file validates against ``test-schema.json``,
case descriptions are unique and never use modal verbs, and the suite is exactly
what ``build.py`` makes from ``fixtures/conformance/`` (so no label was edited by hand).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import CONFORMANCE, FIXTURES, load_cases

if TYPE_CHECKING:
    from pathlib import Path

SUITE = FIXTURES / "suite"
FILES = sorted((SUITE / "validate").glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_there_is_one_file_per_corpus_signature() -> None:
    assert [p.stem for p in FILES] == sorted(
        p.stem for p in (CONFORMANCE / "signatures").glob("*.json")
    )


def test_the_test_schema_is_a_valid_2020_12_schema() -> None:
    Draft202012Validator.check_schema(_load(SUITE / "test-schema.json"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_file_validates_against_the_test_schema(path: Path) -> None:
    validator = Draft202012Validator(_load(SUITE / "test-schema.json"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(_load(path))]
    assert errors == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_all_case_descriptions_are_unique(path: Path) -> None:
    counts = Counter(t["description"] for t in _load(path)["tests"])
    assert [d for d, n in counts.items() if n > 1] == []


def test_case_descriptions_do_not_use_modal_verbs() -> None:
    modal = re.compile(r"\b(should|must|ought|shall)\b", re.IGNORECASE)
    offending = [
        t["description"] for p in FILES for t in _load(p)["tests"] if modal.search(t["description"])
    ]
    assert offending == []


def test_the_suite_carries_every_corpus_case_and_its_label_verbatim() -> None:
    by_id = {t["id"]: (p.stem, t) for p in FILES for t in _load(p)["tests"]}
    cases = load_cases()
    assert len(by_id) == len(cases) == 1297
    for case in cases:
        stem, test = by_id[case["id"]]
        assert stem == case["signature"]
        assert test["body"] == case["body"]
        assert test["strict_json"] == case["strict_json"]
        assert test["mlflow"] == case["mlflow"]


def test_build_script_reports_the_suite_up_to_date(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("suite_build", SUITE / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0, capsys.readouterr().out
