"""``sig2jsonschema sample``: JSON lines of generated bodies, deterministic per seed."""

from __future__ import annotations

import json
from io import StringIO

from sig2jsonschema import load_signature
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.cli import run
from tests.conftest import CONFORMANCE, MODELS

MIXED = str(MODELS / "mixed_types_sklearn_regressor")
NO_FORM = str(CONFORMANCE / "signatures" / "n_object_arrays_maps.json")


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_sample_prints_n_strictly_valid_bodies_one_per_line() -> None:
    code, out, err = _run("sample", MIXED, "-n", "12", "--seed", "4")
    assert code == 0, err
    lines = out.splitlines()  # every line separator inside strings is escaped
    assert len(lines) == 12
    validator = Validator(load_signature(MIXED))
    for line in lines:
        assert validator.is_valid(json.loads(line)), line


def test_the_same_seed_prints_the_same_lines() -> None:
    first = _run("sample", MIXED, "-n", "8", "--seed", "11")
    again = _run("sample", MIXED, "-n", "8", "--seed", "11")
    other = _run("sample", MIXED, "-n", "8", "--seed", "12")
    assert first == again
    assert first[1] != other[1]


def test_envelope_restricts_the_body_form() -> None:
    code, out, _ = _run("sample", MIXED, "-n", "5", "--envelope", "dataframe_records")
    assert code == 0
    assert all(set(json.loads(line)) == {"dataframe_records"} for line in out.splitlines())


def test_a_top_level_key_as_envelope() -> None:
    code, out, _ = _run("sample", MIXED, "-n", "6", "--envelope", "instances")
    assert code == 0
    assert all(set(json.loads(line)) == {"instances"} for line in out.splitlines())


def test_invalid_prints_labelled_near_misses() -> None:
    code, out, _ = _run("sample", MIXED, "-n", "10", "--invalid", "--seed", "2")
    assert code == 0
    validator = Validator(load_signature(MIXED))
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 10
    for line in lines:
        assert {"rule", "body", "why", "form"} <= set(line)
        keywords = [e.keyword for e in validator.iter_errors(line["body"])]
        assert line["rule"] in keywords


def test_no_working_form_prints_nothing_and_names_the_hazard() -> None:
    code, out, err = _run("sample", NO_FORM, "-n", "3")
    assert code == 1
    assert out == ""
    assert "nested-float-unusable" in err


def test_a_form_that_does_not_work_names_its_hazard() -> None:
    code, out, err = _run("sample", str(MODELS / "binary_column_pyfunc"), "--envelope", "inputs")
    assert code == 1
    assert out == ""
    assert "binary" in err


def test_an_unknown_envelope_is_bad_input() -> None:
    code, out, err = _run("sample", MIXED, "--envelope", "payload")
    assert code == 2
    assert out == ""
    assert "unknown envelope" in err


def test_zero_bodies() -> None:
    assert _run("sample", MIXED, "-n", "0") == (0, "", "")


def test_a_bad_header_is_bad_input() -> None:
    code, _, err = _run("fuzz", MIXED, "--url", "http://127.0.0.1:9/x", "--header", "nocolon")
    assert code == 2
    assert "--header" in err


def test_help_lists_sample_and_fuzz() -> None:
    from sig2jsonschema.cli import build_parser

    text = build_parser().format_help()
    assert "sample" in text
    assert "fuzz" in text
