"""`Validator.errors_and_form`: `iter_errors`' answer, and the form `parse` reports."""

from __future__ import annotations

import pytest

from sig2jsonschema._validate.validator import Validator
from tests.conftest import CONFORMANCE, load_cases

CASES = load_cases()


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_errors_and_form_agree_with_iter_errors_and_parse(mode: str) -> None:
    validators: dict[str, Validator] = {}
    valid = 0
    for case in CASES:
        name = case["signature"]
        if name not in validators:
            path = CONFORMANCE / "signatures" / f"{name}.json"
            validators[name] = Validator(path, mode)  # type: ignore[arg-type]
        validator = validators[name]
        body = case["body"]
        errors, form = validator.errors_and_form(body)
        want = [(e.pointer, e.keyword, e.message) for e in validator.iter_errors(body)]
        assert [(e.pointer, e.keyword, e.message) for e in errors] == want, case["id"]
        if not errors:
            valid += 1
            assert form == validator.parse(body).form, case["id"]
    assert valid > 0
