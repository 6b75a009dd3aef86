"""Exit codes, everywhere in the CLI.

* A broken or unreadable signature, schema or file is bad input: exit 2, one
  stderr line naming the file (and the place, when there is one).
* A readable body that fails validation, malformed JSON and empty bodies
  included, is reported invalid: exit 1, and the other bodies of the same run
  are still checked and reported.
* Never a traceback.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema._payload.limits import KW_LIMIT_BYTES, KW_LIMIT_DEPTH

if TYPE_CHECKING:
    from pathlib import Path

from pathlib import Path as _Path

ROOT = _Path(__file__).resolve().parent.parent.parent
SIGNATURE = ROOT / "fixtures" / "conformance" / "signatures" / "u_double.json"
MB = 1024 * 1024
VALID = b'{"dataframe_records": [{"c0": 1.5}]}'


def _need(command: str) -> None:
    from sig2jsonschema.cli import build_parser

    for action in build_parser()._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and command in choices:
            return
    pytest.fail(f"the {command!r} command is missing from the CLI")


def _body(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


#: Readable bodies that are invalid: exit 1 in both modes.
INVALID_BODIES: dict[str, bytes] = {
    "malformed JSON": b'{"dataframe_records": [{"c0": 1.5}]',
    "empty": b"",
    "whitespace only": b"  \n",
    "invalid UTF-8": b'{"dataframe_records": [{"c0": "\xff"}]}',
    "bare string": b'"hello"',
    "bare number": b"42",
    "null": b"null",
    "nested 10,000 deep": b'{"zz": ' + b"[" * 10_000 + b"]" * 10_000 + b"}",
    "5000-digit integer": b'{"dataframe_records": [{"c0": ' + b"9" * 5000 + b"}]}",
    "wrong type": b'{"dataframe_records": [{"c0": "x"}]}',
    "no envelope": b'{"data": [1]}',
}


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
@pytest.mark.parametrize("name", list(INVALID_BODIES))
def test_invalid_readable_body_exits_1(name: str, mode: str, tmp_path: Path, cli: Any) -> None:
    _need("validate")
    body = _body(tmp_path, "body.json", INVALID_BODIES[name])
    result = cli("validate", str(SIGNATURE), str(body), "--mode", mode)
    assert result.code == 1, result
    assert "Traceback" not in result.err
    assert "invalid" in result.out


def test_other_bodies_of_the_run_are_still_checked(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    paths = [
        _body(tmp_path, "a-good.json", VALID),
        _body(tmp_path, "b-malformed.json", b"{nope"),
        _body(tmp_path, "c-empty.json", b""),
        _body(tmp_path, "d-deep.json", b"[" * 10_000 + b"]" * 10_000),
        _body(tmp_path, "e-good.json", VALID),
    ]
    result = cli("validate", str(SIGNATURE), *map(str, paths), "--output", "json")
    assert result.code == 1, result
    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["body"] for r in records] == [str(p) for p in paths]
    assert [r["valid"] for r in records] == [True, False, False, False, True]


def test_jsonl_lines_are_each_checked(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    lines = [VALID, b"{nope", b'"x"', b"[" * 5000 + b"]" * 5000, VALID, b"\xff\xfe"]
    path = _body(tmp_path, "bodies.jsonl", b"\n".join(lines) + b"\n")
    result = cli("validate", str(SIGNATURE), str(path), "--output", "json", "--mode", "mlflow")
    assert result.code == 1, result
    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["valid"] for r in records] == [True, False, False, False, True, False]


def test_malformed_stdin_body_exits_1(cli: Any) -> None:
    _need("validate")
    result = cli("validate", str(SIGNATURE), "-", stdin=b"{nope")
    assert result.code == 1, result
    result = cli("validate", str(SIGNATURE), "-", stdin=b"")
    assert result.code == 1, result


def test_valid_hostile_looking_body_exits_0_in_mlflow_mode(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    body = _body(tmp_path, "nan.json", b'\xef\xbb\xbf{"dataframe_records": [{"c0": NaN}]}')
    assert cli("validate", str(SIGNATURE), str(body), "--mode", "mlflow").code == 0
    assert cli("validate", str(SIGNATURE), str(body), "--mode", "strict").code == 1


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        ("malformed JSON", b'{"inputs": ', "line 1"),
        ("unknown type", json.dumps({"inputs": '[{"type": "int"}]'}).encode(), "inputs[0].type"),
        ("not UTF-8", b'{"inputs": "\xff"}', ""),
        ("nested 10,000 deep", b"[" * 10_000 + b"]" * 10_000, ""),
    ],
)
def test_broken_signature_exits_2_with_one_line(
    name: str, data: bytes, where: str, tmp_path: Path, cli: Any
) -> None:
    _need("validate")
    source = _body(tmp_path, "sig.json", data)
    body = _body(tmp_path, "body.json", VALID)
    result = cli("validate", str(source), str(body))
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert str(source) in result.err_lines[0]
    assert where in result.err_lines[0]
    assert result.out == ""


def test_missing_signature_exits_2(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    body = _body(tmp_path, "body.json", VALID)
    result = cli("validate", str(tmp_path / "nope.json"), str(body))
    assert result.code == 2, result
    assert len(result.err_lines) == 1
    assert "nope.json" in result.err_lines[0]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_signature_and_body_exit_2(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    source = _body(tmp_path, "sig.json", SIGNATURE.read_bytes())
    body = _body(tmp_path, "body.json", VALID)
    source.chmod(0)
    result = cli("validate", str(source), str(body))
    assert (result.code, len(result.err_lines)) == (2, 1), result
    assert str(source) in result.err
    source.chmod(0o600)
    body.chmod(0)
    result = cli("validate", str(source), str(body))
    assert (result.code, len(result.err_lines)) == (2, 1), result
    assert str(body) in result.err


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_unreadable_body_file_exits_2(kind: str, tmp_path: Path, cli: Any) -> None:
    _need("validate")
    body = tmp_path / "body.json"
    if kind == "directory":
        body.mkdir()
    result = cli("validate", str(SIGNATURE), str(body))
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert str(body) in result.err_lines[0]


def test_schema_command_on_broken_signature_exits_2(tmp_path: Path, cli: Any) -> None:
    _need("schema")
    source = _body(tmp_path, "sig.json", b'{"inputs": "[{\\"type\\": \\"nope\\"}]"}')
    result = cli("schema", str(source))
    assert result.code == 2, result
    assert len(result.err_lines) == 1
    assert "inputs[0].type" in result.err_lines[0]


def test_signature_command_on_unreadable_schema_exits_2(tmp_path: Path, cli: Any) -> None:
    _need("signature")
    for data in (b"", b"{", b"\xff", b"[" * 10_000 + b"]" * 10_000, b'{"$ref": "http://x/"}'):
        path = _body(tmp_path, "schema.json", data)
        result = cli("signature", str(path))
        assert result.code == 2, (data[:20], result)
        assert len(result.err_lines) == 1, result
        assert "Traceback" not in result.err


@pytest.mark.parametrize("output", ["text", "json"])
def test_redact_keeps_payload_values_out_of_every_output(
    output: str, tmp_path: Path, cli: Any
) -> None:
    _need("validate")
    secret = "s3cr3t-Payload-7731"
    bodies = [
        _body(tmp_path, "a.json", b'{"dataframe_records": [{"c0": "' + secret.encode() + b'"}]}'),
        _body(tmp_path, "b.json", b'{"dataframe_records": [{"c0": "' + secret.encode() + b"}"),
        _body(tmp_path, "c.json", b'"' + secret.encode() + b'"'),
        _body(tmp_path, "d.json", b'{"inputs": {"c0": ' + secret.encode() + b"}}"),
    ]
    for mode in ("strict", "mlflow"):
        result = cli(
            "validate",
            str(SIGNATURE),
            *map(str, bodies),
            "--redact",
            "--mode",
            mode,
            "--output",
            output,
        )
        assert result.code == 1, result
        assert secret not in result.out
        assert secret not in result.err


def test_100_mb_body_is_invalid_not_read(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    import inspect

    from sig2jsonschema._validate.validator import Validator

    assert "limits" in inspect.signature(Validator).parameters, "no limits= option"
    body = tmp_path / "huge.json"
    with body.open("wb") as f:
        f.write(b'{"dataframe_records": [')
        f.truncate(100 * MB)  # sparse: nothing is allocated unless the CLI reads it
    good = _body(tmp_path, "good.json", VALID)
    result = cli("validate", str(SIGNATURE), str(body), str(good), "--output", "json")
    assert result.code == 1, result
    records = [json.loads(line) for line in result.out.splitlines()]
    assert records[0]["errors"][0]["keyword"] == KW_LIMIT_BYTES
    assert records[1]["valid"] is True


def test_limits_are_cli_options(tmp_path: Path, cli: Any) -> None:
    _need("validate")
    body = _body(tmp_path, "deep.json", b'{"zz": ' + b"[" * 20 + b"]" * 20 + b", " + VALID[1:])
    result = cli("validate", str(SIGNATURE), str(body), "--max-depth", "8", "--output", "json")
    assert result.code == 1, result
    assert json.loads(result.out)["errors"][0]["keyword"] == KW_LIMIT_DEPTH
