"""tests/oracles.py: each release's real server, built, cached and driven the same way."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from tests import oracles
from tests.conftest import CONFORMANCE
from tests.oracles import OracleUnavailable, ensure_venv, full_version, start_worker

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.oracles import ReleaseOracle

pytestmark = pytest.mark.mlflow

STRINGS = json.loads((CONFORMANCE / "signatures" / "s_single_string_optional.json").read_text())
#: Bodies that must cross the worker's pipe unchanged: bytes that are not UTF-8, a lone
#: surrogate, a BOM, NaN, non-ASCII text, a body that is not JSON.
BODIES: list[str | bytes] = [
    '{"inputs": [{"prompt": "caf\u00e9 \u2603"}]}',
    b'{"inputs": [{"prompt": "\xff\xfe"}]}',
    '{"inputs": [{"prompt": "\ud800"}]}',
    '\ufeff{"dataframe_records": [{"prompt": "a"}]}',
    '{"dataframe_split": {"data": [[NaN]]}}',
    "not json",
]


@pytest.mark.parametrize(
    ("line", "full"), [("3.18", "3.18.0"), ("2.22.5", "2.22.5"), (" 3.17 ", "3.17.2")]
)
def test_a_release_is_named_by_its_line_or_version(line: str, full: str) -> None:
    assert full_version(line) == full


def test_an_unknown_release_is_a_clear_error() -> None:
    with pytest.raises(OracleUnavailable, match=r"no oracle for MLflow '3\.16'; known: 2\.22\.5"):
        full_version("3.16")


def test_a_virtualenv_that_cannot_be_built_says_which_step_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIG2JSONSCHEMA_ORACLE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(oracles, "REQUIREMENTS", tmp_path)
    (tmp_path / "requirements-mlflow-9.9.9.txt").write_text("not a requirement ==\n")
    with pytest.raises(OracleUnavailable, match="pip install failed") as caught:
        ensure_venv("9.9.9")
    assert "full log" in str(caught.value)
    assert "Invalid requirement" in str(caught.value)  # the log's tail comes along
    # Nothing half-built is taken for a ready virtualenv next time.
    assert not list((tmp_path / "cache").glob("*/oracle-ready.json"))


def test_missing_requirements_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracles, "REQUIREMENTS", tmp_path)
    with pytest.raises(OracleUnavailable, match=r"requirements-mlflow-9\.9\.9\.txt is missing"):
        ensure_venv("9.9.9")


@pytest.mark.parametrize("full", sorted(oracles.VENV_RELEASES.values()))
def test_a_built_virtualenv_is_found_in_the_cache(full: str) -> None:
    ensure_venv(full)
    again = ensure_venv(full)
    assert not again.built
    facts = json.loads((again.path / "oracle-ready.json").read_text())
    assert facts["mlflow"] == full


def test_the_worker_answers_as_the_in_process_oracle(
    release_oracle: Callable[[str], ReleaseOracle],
) -> None:
    # 3.17.2 both ways: in this process, and in a worker subprocess of this Python.
    in_process = release_oracle("3.17").query(STRINGS, BODIES)
    worker = start_worker("3.17")
    try:
        through_pipe = worker.query(STRINGS, BODIES)
    finally:
        worker.close()
    assert worker.version == "3.17.2"
    assert _without_messages(through_pipe) == _without_messages(in_process)
    # Both verdicts occur, so the comparison above covers accepted and rejected bodies.
    assert {r["status"] for r in through_pipe} == {200, 400}


def _without_messages(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Messages may embed Python sets, ordered by the hash seed; the worker fixes it at 0.
    return [{k: v for k, v in r.items() if k != "message"} for r in results]


@pytest.mark.parametrize("line", ["2.22", "3.18"])
def test_each_release_runs_in_its_own_environment(
    release_oracle: Callable[[str], ReleaseOracle], line: str
) -> None:
    oracle = release_oracle(line)
    assert isinstance(oracle, oracles.WorkerOracle)
    assert oracle.info["mlflow"] == oracle.version == full_version(line)
    assert release_oracle(line) is oracle  # one worker per release per session
