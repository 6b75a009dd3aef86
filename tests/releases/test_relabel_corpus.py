"""scripts/relabel-corpus: each release's real server gives back the labels we ship.

The labels in fixtures/conformance/versions/ were made by the releases' own
servers (shared/conformance/versions/README.md).  Relabelling the whole corpus
with the virtualenv the tests build must give them back byte for byte: that
checks the script, and that the live tests compare with the environment that
made the labels, not one that drifted.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import CONFORMANCE, ROOT
from tests.oracles import VENV_RELEASES

if TYPE_CHECKING:
    from pathlib import Path

SCRIPT = ROOT / "scripts" / "relabel-corpus"

pytestmark = [pytest.mark.mlflow, pytest.mark.slow]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.mark.parametrize("line", sorted(VENV_RELEASES))
def test_relabelling_gives_back_the_shipped_labels(line: str, tmp_path: Path) -> None:
    full = VENV_RELEASES[line]
    shipped = CONFORMANCE / "versions" / f"mlflow-{full}.jsonl"
    written = tmp_path / "labels.jsonl"
    done = _run(line, "-o", str(written), "--expect", str(shipped))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1297/1297 labels equal" in done.stdout
    assert "  status: 0\n" in done.stdout  # no release changed a verdict on this corpus
    assert written.read_bytes() == shipped.read_bytes()


def test_a_label_that_moved_is_reported(tmp_path: Path) -> None:
    # A three-case corpus keeps this cheap; the expected labels have one status edited.
    cases = (CONFORMANCE / "cases.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    shipped = CONFORMANCE / "versions" / "mlflow-3.18.0.jsonl"
    labels = shipped.read_text(encoding="utf-8").splitlines(keepends=True)
    corpus = tmp_path / "corpus"
    (corpus / "signatures").mkdir(parents=True)
    (corpus / "cases.jsonl").write_text("".join(cases[:3]), encoding="utf-8")
    name = "fx_binary_column_pyfunc.json"
    (corpus / "signatures" / name).write_bytes((CONFORMANCE / "signatures" / name).read_bytes())
    edited = tmp_path / "edited.jsonl"
    edited.write_text(
        labels[0].replace('"status": 200', '"status": 400') + "".join(labels[1:3]),
        encoding="utf-8",
    )
    done = _run("3.18", "--corpus", str(corpus), "--expect", str(edited))
    assert done.returncode == 1, done.stderr
    assert "2/3 labels equal" in done.stdout
    assert "differs: public-fx_binary_column_pyfunc-000" in done.stdout
    assert (corpus / "versions" / "mlflow-3.18.0.jsonl").read_text(encoding="utf-8") == "".join(
        labels[:3]
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["4.1"], "no oracle for MLflow '4.1'; known: 2.22.5, 3.17.2, 3.18.0"),
        ([], "the following arguments are required: release"),
        (["3.18", "--corpus", "/nonexistent"], "no corpus at /nonexistent"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    done = _run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert message in done.stderr
