"""``sig2jsonschema validate``: bodies from files, JSONL and stdin; text and JSON output; exit codes."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema.cli import run
from tests.conftest import CONFORMANCE, MODELS

if TYPE_CHECKING:
    from pathlib import Path

SIGNATURE = str(CONFORMANCE / "signatures" / "fx_mixed_types_sklearn_regressor.json")
BINARY = str(CONFORMANCE / "signatures" / "fx_binary_column_pyfunc.json")
VALID = (
    '{"dataframe_records": [{"age": 30, "weight": 70.5, "is_member": true, '
    '"city": "Paris", "signup": "2024-01-02T03:04:05"}]}'
)
TRUNCATED = VALID.replace('"age": 30', '"age": 30.5')  # MLflow truncates: strict refuses
WRONG = VALID.replace('"age": 30', '"age": "old"')  # everyone refuses
SECRET = VALID.replace('"city": "Paris"', '"city": 12345678.25').replace(
    '"age": 30', '"age": "TOPSECRET"'
)


def cli(*argv: str, stdin: str = "", tty: bool = False) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    if tty:
        err.isatty = lambda: True  # type: ignore[method-assign]
    code = run(["validate", *argv], stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def json_lines(stdout: str) -> list[dict[str, Any]]:
    lines = stdout.splitlines()
    records = [json.loads(line) for line in lines]  # stdout holds JSON lines only
    assert all(isinstance(r, dict) for r in records)
    return records


# -- exit codes and text output ----------------------------------------------------------


def test_valid_json_file_exits_0(tmp_path: Path) -> None:
    body = write(tmp_path, "ok.json", VALID)
    code, out, _ = cli(SIGNATURE, body)
    assert code == 0
    assert out == f"{body}: valid\n"


def test_invalid_body_exits_1_with_pointer_and_field(tmp_path: Path) -> None:
    body = write(tmp_path, "bad.json", WRONG)
    code, out, _ = cli(SIGNATURE, body)
    assert code == 1
    assert out.startswith(f"{body}: invalid")
    assert "/dataframe_records/0/age" in out
    assert "inputs['age']" in out


def test_mode_changes_the_verdict(tmp_path: Path) -> None:
    body = write(tmp_path, "t.json", TRUNCATED)
    assert cli(SIGNATURE, body)[0] == 1
    code, out, _ = cli(SIGNATURE, body, "--mode", "mlflow")
    assert code == 0
    assert "warning" in out  # MLflow truncates 30.5 to 30


def test_model_directory_as_source(tmp_path: Path) -> None:
    example = MODELS / "iris_sklearn_classifier" / "serving_input_example.json"
    assert cli(str(MODELS / "iris_sklearn_classifier"), str(example))[0] == 0


def test_jsonl_checks_every_line_even_after_malformed_and_empty_ones(tmp_path: Path) -> None:
    lines = [VALID, "{not json", "", WRONG, VALID, "   "]
    body = write(tmp_path, "many.jsonl", "\n".join(lines) + "\n")
    code, out, _ = cli(SIGNATURE, body, "--output", "json")
    assert code == 1
    records = json_lines(out)
    # blank lines separate nothing: lines 3 and 6 are skipped
    assert [(r["line"], r["valid"]) for r in records] == [
        (1, True),
        (2, False),
        (4, False),
        (5, True),
    ]
    assert records[1]["errors"][0]["keyword"] == "x-json-syntax"
    assert all(r["body"] == body for r in records)


def test_empty_json_file_is_invalid_not_a_crash(tmp_path: Path) -> None:
    body = write(tmp_path, "empty.json", b"")
    code, out, _ = cli(SIGNATURE, body, "--output", "json")
    assert code == 1
    (record,) = json_lines(out)
    assert record["errors"][0]["keyword"] == "x-json-empty"


def test_bom_and_invalid_utf8_are_read_as_bytes(tmp_path: Path) -> None:
    bom = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + VALID.encode())
    assert cli(SIGNATURE, bom)[0] == 1
    assert cli(SIGNATURE, bom, "--mode", "mlflow")[0] == 0
    latin = write(tmp_path, "latin.json", VALID.replace("Paris", "Par\xeds").encode("latin-1"))
    code, out, _ = cli(SIGNATURE, latin, "--output", "json", "--mode", "mlflow")
    assert code == 1
    assert json_lines(out)[0]["errors"][0]["keyword"] == "x-json-encoding"


def test_summary_after_several_bodies(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", VALID)
    b = write(tmp_path, "b.json", WRONG)
    code, out, _ = cli(SIGNATURE, a, b)
    assert code == 1
    assert out.splitlines()[-1] == "2 bodies: 1 valid, 1 invalid"


def test_text_output_caps_errors_per_body(tmp_path: Path) -> None:
    rows = ", ".join(['{"age": "x", "weight": "y", "is_member": 3, "city": 1, "signup": 2}'] * 3)
    body = write(tmp_path, "bad.json", '{"dataframe_records": [' + rows + "]}")
    code, out, _ = cli(SIGNATURE, body)
    assert code == 1
    assert "... and" in out
    assert len(out.splitlines()) == 1 + 5 + 1


# -- JSON output -------------------------------------------------------------------------


def test_json_output_one_object_per_body_and_summary_on_stderr(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", VALID)
    b = write(tmp_path, "b.json", WRONG)
    code, out, err = cli(SIGNATURE, a, b, "--output", "json")
    assert code == 1
    first, second = json_lines(out)
    assert first == {"body": a, "valid": True, "errors": [], "warnings": []}
    assert second["body"] == b
    assert second["valid"] is False
    error = second["errors"][0]
    assert {"pointer", "field", "keyword", "message"} <= set(error)
    assert (error["pointer"], error["field"]) == ("/dataframe_records/0/age", "inputs['age']")
    assert "2 bodies: 1 valid, 1 invalid" in err


def test_json_output_carries_mlflow_warnings(tmp_path: Path) -> None:
    body = write(tmp_path, "t.json", TRUNCATED)
    code, out, _ = cli(SIGNATURE, body, "--output", "json", "--mode", "mlflow")
    assert code == 0
    (record,) = json_lines(out)
    assert record["valid"] is True
    assert record["warnings"][0]["pointer"] == "/dataframe_records/0/age"
    assert {"pointer", "field", "code", "sent", "received", "message"} <= set(record["warnings"][0])


# -- stdin -------------------------------------------------------------------------------


def test_stdin_is_the_default_body() -> None:
    code, out, _ = cli(SIGNATURE, stdin=VALID)
    assert code == 0
    assert out == "-: valid\n"


def test_dash_reads_stdin_among_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.json", VALID)
    code, out, _ = cli(SIGNATURE, a, "-", "--output", "json", stdin=WRONG)
    assert code == 1
    assert [r["body"] for r in json_lines(out)] == [a, "-"]


def test_stdin_bytes_when_available() -> None:
    class BinaryStdin(io.StringIO):
        buffer = io.BytesIO(b"\xef\xbb\xbf" + VALID.encode())

    out, err = io.StringIO(), io.StringIO()
    code = run(["validate", SIGNATURE], stdout=out, stderr=err, stdin=BinaryStdin())
    assert code == 1  # the BOM arrived as bytes: strict refuses it
    assert "x-json-bom" not in out.getvalue()  # text output shows messages, not keywords
    assert "byte order mark" in out.getvalue()


# -- redaction ---------------------------------------------------------------------------


@pytest.mark.parametrize("output", ["text", "json"])
def test_redact_hides_payload_values(tmp_path: Path, output: str) -> None:
    body = write(tmp_path, "s.json", SECRET)
    code, out, _ = cli(SIGNATURE, body, "--redact", "--output", output)
    assert code == 1
    assert "TOPSECRET" not in out
    assert "12345678.25" not in out
    assert "/dataframe_records/0/age" in out
    code, out, _ = cli(SIGNATURE, body, "--output", output)
    assert "TOPSECRET" in out  # without --redact the value is shown


# -- CSV ---------------------------------------------------------------------------------


def test_csv_content_type(tmp_path: Path) -> None:
    signature = str(CONFORMANCE / "signatures" / "s_numeric_mixed_optional.json")
    good = write(tmp_path, "rows.txt", "a,b,c,d\n1,2.5,3.5,4\n")
    bad = write(tmp_path, "bad.txt", "a,b,c,d\n1.5,2.5,3.5,4\n")
    assert cli(signature, good, "--content-type", "text/csv")[0] == 0
    code, out, _ = cli(signature, bad, "--content-type", "text/csv", "--output", "json")
    assert code == 1
    assert json_lines(out)[0]["errors"][0]["keyword"] == "x-mlflow-csv"
    # without the flag the same text is (malformed) JSON
    assert cli(signature, good)[0] == 1


def test_csv_file_extension_picks_the_content_type(tmp_path: Path) -> None:
    signature = str(CONFORMANCE / "signatures" / "s_numeric_mixed_optional.json")
    good = write(tmp_path, "rows.csv", "a,b,c,d\n1,2.5,3.5,4\n")
    assert cli(signature, good)[0] == 0


def test_unsupported_content_type_is_invalid_415(tmp_path: Path) -> None:
    body = write(tmp_path, "a.json", VALID)
    code, out, _ = cli(SIGNATURE, body, "--content-type", "application/xml", "--output", "json")
    assert code == 1
    assert json_lines(out)[0]["errors"][0]["status"] == 415


# -- bad input: exit 2 -------------------------------------------------------------------


def test_unreadable_signature_exits_2(tmp_path: Path) -> None:
    body = write(tmp_path, "a.json", VALID)
    code, out, err = cli(str(tmp_path / "missing.json"), body)
    assert (code, out) == (2, "")
    assert err.startswith("sig2jsonschema: error:")
    broken = write(tmp_path, "sig.json", "{not a signature")
    assert cli(broken, body)[0] == 2


def test_missing_body_file_exits_2_before_checking_anything(tmp_path: Path) -> None:
    body = write(tmp_path, "a.json", VALID)
    code, out, err = cli(SIGNATURE, body, str(tmp_path / "nope.json"))
    assert (code, out) == (2, "")
    assert "nope.json" in err


def test_directory_as_body_exits_2(tmp_path: Path) -> None:
    assert cli(SIGNATURE, str(tmp_path))[0] == 2


def test_stdin_twice_exits_2() -> None:
    assert cli(SIGNATURE, "-", "-", stdin=VALID)[0] == 2


@pytest.mark.parametrize("argv", [["--mode", "lenient"], ["--output", "xml"], []])
def test_bad_usage_exits_2(argv: list[str]) -> None:
    code = run(["validate", *argv], stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 2


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code = run(["validate", "--help"], stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0
    text = capsys.readouterr().out  # argparse prints help to sys.stdout
    assert "examples:" in text
    assert "--redact" in text
    assert "exit codes" in text


# -- progress ----------------------------------------------------------------------------


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    body = write(tmp_path, "many.jsonl", "\n".join([VALID] * 450) + "\n")
    code, out, err = cli(SIGNATURE, body, "--output", "json", tty=True)
    assert code == 0
    assert "checked 400 bodies" in err
    assert len(json_lines(out)) == 450
    code, out, err = cli(SIGNATURE, body, "--output", "json")
    assert "checked" not in err
