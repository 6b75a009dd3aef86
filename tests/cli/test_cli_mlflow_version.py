"""``--mlflow-version`` on every command that judges for a release.

A supported release (its line or a patch release of it) picks the row; an
unsupported one is a one-line error (exit 2) listing the supported ones; a
model saved by an unsupported release is judged for the newest, with a
one-line note on stderr.
"""

from __future__ import annotations

import json
import shutil
from io import StringIO
from typing import TYPE_CHECKING

import pytest

from sig2jsonschema.cli import run
from tests.conftest import MODELS

if TYPE_CHECKING:
    from pathlib import Path

IRIS = MODELS / "iris_sklearn_classifier"  # saved by MLflow 3.17.2

#: Each command with the arguments it needs besides SOURCE and the version.
COMMANDS: dict[str, list[str]] = {
    "schema": [],
    "openapi": [],
    "validate": [],
    "sample": ["-n", "1"],
    # Port 9 (discard) on loopback: the version is refused before anything is sent.
    "fuzz": ["--url", "http://127.0.0.1:9/invocations", "-n", "1"],
    "check": [],
}


def cli(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(list(argv), stdout=out, stderr=err, stdin=StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unsupported_release_is_one_line_listing_the_supported(command: str) -> None:
    code, out, err = cli(command, str(IRIS), *COMMANDS[command], "--mlflow-version", "3.16")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("sig2jsonschema: error: --mlflow-version: MLflow 3.16 is not supported")
    assert "supported: 2.22, 3.17, 3.18" in err


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_documents_the_flag(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(command, "--help")[0] == 0  # argparse prints help to sys.stdout
    out = " ".join(capsys.readouterr().out.split())
    assert "--mlflow-version V" in out
    assert "2.22, 3.17, 3.18" in out


def test_schema_stamps_the_chosen_release() -> None:
    code, out, err = cli("schema", str(IRIS), "--mode", "mlflow", "--mlflow-version", "3.18.0")
    assert (code, err) == (0, "")
    assert json.loads(out)["x-mlflow-version"] == "3.18"
    code, out, _ = cli("schema", str(IRIS), "--mode", "mlflow")
    assert json.loads(out)["x-mlflow-version"] == "3.17"  # the model's own release


def _saved_by(tmp_path: Path, version: str) -> Path:
    model = tmp_path / "model"
    shutil.copytree(IRIS, model)
    mlmodel = model / "MLmodel"
    text = mlmodel.read_text(encoding="utf-8").replace(
        "mlflow_version: 3.17.2", f"mlflow_version: {version}"
    )
    mlmodel.write_text(text, encoding="utf-8")
    return model


def test_a_model_saved_by_an_unsupported_release_is_judged_for_the_newest_with_a_note(
    tmp_path: Path,
) -> None:
    model = _saved_by(tmp_path, "2.9.1")
    code, out, err = cli("schema", str(model), "--mode", "mlflow")
    assert code == 0
    assert json.loads(out)["x-mlflow-version"] == "3.18"
    assert err.count("\n") == 1
    assert "saved by MLflow 2.9.1, which is not supported" in err
    assert "judging for MLflow 3.18" in err
    # Naming a release silences the note.
    assert cli("schema", str(model), "--mlflow-version", "3.17")[2] == ""


def test_validate_follows_the_release_in_mlflow_mode(tmp_path: Path) -> None:
    body = tmp_path / "body.json"
    body.write_text('{"inputs": {"b": [true, null], "n": [1, 2]}}', encoding="utf-8")
    sig = tmp_path / "sig.json"
    sig.write_text(
        json.dumps(
            {
                "inputs": json.dumps(
                    [
                        {"type": "boolean", "name": "b", "required": False},
                        {"type": "long", "name": "n"},
                    ]
                )
            }
        ),
        encoding="utf-8",
    )
    warned = {}
    for line in ("3.17", "3.18"):
        code, out, _ = cli(
            "validate",
            str(sig),
            str(body),
            "--mode",
            "mlflow",
            "--output",
            "json",
            "--mlflow-version",
            line,
        )
        assert code == 0, out
        warned[line] = [w["code"] for w in json.loads(out.splitlines()[0]).get("warnings", [])]
    # 3.17 turns the null into false; 3.18 keeps it: nothing to warn about.
    assert warned == {"3.17": ["null-to-false"], "3.18": []}
