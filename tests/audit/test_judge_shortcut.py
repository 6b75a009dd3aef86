"""``both`` mode answers a strict-valid row's mlflow verdict from the strict contract.

`RowJudge` skips the MLflow emulator for a body strict accepts (served by
every supported release, unchanged: docs/strict-contract.md).  These tests
hold that shortcut to the emulator's own answer on the whole public corpus,
for every supported release.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import Any

import pytest

from sig2jsonschema import Validator
from sig2jsonschema._releases.table import SUPPORTED
from sig2jsonschema.audit.judge import RowJudge, RowVerdict
from tests.audit.logs import corpus_rows, signature_path
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import workloads


@cache
def judge(name: str, mode: str, line: str) -> RowJudge:
    return RowJudge(signature_path(name), mode, mlflow_version=line)  # type: ignore[arg-type]


def _mlflow_part(verdict: RowVerdict) -> tuple[Any, ...]:
    return (verdict.mlflow_status, verdict.altered, verdict.warnings, verdict.form)


@pytest.mark.parametrize("line", SUPPORTED)
def test_strict_valid_rows_equal_the_emulators_rows(line: str) -> None:
    checked = 0
    differ: list[tuple[str, tuple[Any, ...], tuple[Any, ...]]] = []
    for name, rows in corpus_rows().items():
        strict = Validator(signature_path(name), "strict", redact=True, mlflow_version=line)
        for row in rows:
            body = row["request"]
            both = judge(name, "both", line).judge(body)
            assert both.valid == strict.is_valid(body), row["client_request_id"]
            if not both.valid:
                continue
            checked += 1
            full = judge(name, "mlflow", line).judge(body)
            if _mlflow_part(both) != _mlflow_part(full) or full.errors:
                differ.append((row["client_request_id"], _mlflow_part(both), _mlflow_part(full)))
    assert checked > 0
    assert not differ, f"{len(differ)} of {checked} strict-valid rows differ: {differ[:3]}"


@pytest.mark.parametrize("line", SUPPORTED)
def test_logged_w1_requests_equal_the_emulators_rows(line: str) -> None:
    # The benchmark's traffic (benchmarks/audit.py): one-row W1 dataframe_split and
    # dataframe_records bodies, which strict answers on its quick path.
    signature = dict(workloads.SIGNATURES["w1"])
    both = RowJudge(signature, "both", mlflow_version=line)
    full = RowJudge(signature, "mlflow", mlflow_version=line)
    rows = workloads.w1_rows(100)
    bodies = [
        json.dumps({"dataframe_split": {"columns": workloads.W1_NAMES, "data": [r]}}) for r in rows
    ] + [json.dumps({"dataframe_records": [dict(zip(workloads.W1_NAMES, r))]}) for r in rows]
    valid = [b for b in bodies if both.judge(b).valid]
    assert len(valid) > len(bodies) // 2
    differ = [b for b in valid if _mlflow_part(both.judge(b)) != _mlflow_part(full.judge(b))]
    assert not differ, differ[:3]


def test_the_emulator_runs_only_for_rows_strict_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Any] = []
    counted = {"valid": 0, "invalid": 0}
    for name, rows in corpus_rows().items():
        judged = RowJudge(signature_path(name), "both", mlflow_version=SUPPORTED[-1])
        assert judged.mlflow is not None
        parse = judged.mlflow.parse

        def counted_parse(body: Any, parse: Any = parse) -> Any:
            calls.append(body)
            return parse(body)

        monkeypatch.setattr(judged.mlflow, "parse", counted_parse)
        for row in rows:
            before = len(calls)
            verdict = judged.judge(row["request"])
            ran = len(calls) > before
            assert ran is not verdict.valid, row["client_request_id"]
            counted["valid" if verdict.valid else "invalid"] += 1
    assert counted["valid"] > 0
    assert counted["invalid"] > 0
