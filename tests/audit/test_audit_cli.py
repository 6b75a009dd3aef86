"""``sig2jsonschema audit`` on the public corpus written as inference-table logs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema.cli import run
from tests.audit.logs import (
    MLFLOW_VERSION,
    comparable,
    corpus_rows,
    expected_rows,
    signature_path,
    validators,
    write_logs,
)

if TYPE_CHECKING:
    from pathlib import Path

TABLE_ARGS = ["--status-column", "status_code", "--time-column", "timestamp_ms"]


def audit(*args: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["audit", *map(str, args)], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    directory = tmp_path_factory.mktemp("logs")
    return {name: write_logs(directory, name) for name in corpus_rows()}


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "delta"])
def test_every_row_gets_validators_verdict_in_every_format(logs, tmp_path, fmt):
    for name, paths in logs.items():
        rows = tmp_path / f"{name}.rows.jsonl"
        code, _, err = audit(
            signature_path(name),
            paths[fmt],
            *TABLE_ARGS,
            "--mlflow-version",
            MLFLOW_VERSION,
            "--rows",
            rows,
            "--output",
            "json",
        )
        assert code == 0, err
        got = [comparable(r) for r in read_rows(rows)]
        assert got == [comparable(r) for r in expected_rows(name)], name


def test_the_summary_counts_what_the_rows_say(logs, tmp_path):
    name = "s_all_types_required"
    rows_path = tmp_path / "rows.jsonl"
    code, out, _ = audit(
        signature_path(name),
        logs[name]["parquet"],
        *TABLE_ARGS,
        "--mlflow-version",
        MLFLOW_VERSION,
        "--rows",
        rows_path,
        "--output",
        "json",
    )
    assert code == 0
    doc = json.loads(out)
    rows = read_rows(rows_path)
    n = len(rows)
    assert doc["rows"] == n
    assert doc["verdicts"]["invalid"]["rows"] == sum(not r["valid"] for r in rows)
    assert doc["verdicts"]["rejected"]["rows"] == sum(r["mlflow_status"] != 200 for r in rows)
    assert doc["verdicts"]["altered"]["rows"] == sum(bool(r["altered"]) for r in rows)
    by_keyword = {k["keyword"]: k["rows"] for k in doc["keywords"]}
    for keyword, count in by_keyword.items():
        assert count == sum(any(e["keyword"] == keyword for e in r["errors"]) for r in rows)
    # Timestamps three hours apart: eight rows per UTC day, the last day partial.
    assert [d["rows"] for d in doc["days"]] == [8] * (n // 8) + ([n % 8] if n % 8 else [])
    assert sum(d["invalid"] for d in doc["days"]) == doc["verdicts"]["invalid"]["rows"]
    # The logged statuses are MLflow 3.17.2's real answers: all agree, no hint.
    agreement = doc["status_agreement"]
    assert agreement["compared"] == n
    assert agreement["agree"] == agreement["same_status"] == n
    assert agreement["hint"] is None
    # Examples are redacted by default: no request text anywhere in them.
    assert doc["redacted"] is True
    for listed in doc["examples"].values():
        assert all(e["request"] is None for e in listed)


def test_statuses_from_another_contract_raise_the_hint(tmp_path):
    """A log served by a looser model: every request was answered 200."""
    name = "s_all_types_required"
    log = tmp_path / "served.jsonl"
    with log.open("w", encoding="utf-8") as f:
        for row in corpus_rows()[name]:
            f.write(json.dumps(row | {"status_code": 200}) + "\n")
    rejected = [r["row"] for r in expected_rows(name) if r["mlflow_status"] != 200]
    code, out, _ = audit(
        signature_path(name), log, *TABLE_ARGS, "--mlflow-version", MLFLOW_VERSION,
        "--output", "json",
    )  # fmt: skip
    assert code == 0
    agreement = json.loads(out)["status_agreement"]
    assert agreement["disagree"] == len(rejected)
    listed = [r["row"] for r in agreement["disagreeing_rows"]]
    assert listed == rejected[: len(listed)]
    assert "served signature or MLflow release likely differs" in agreement["hint"]
    code, text, _ = audit(signature_path(name), log, *TABLE_ARGS, "--mlflow-version", "3.17")
    assert "likely differs" in text
    assert "logged 200 but MLflow would answer 400" in text


def test_raw_bodies_objects_and_csv_are_judged_as_sent(tmp_path):
    name = "s_all_types_required"
    rows = corpus_rows()[name]
    expected = [comparable(r) for r in expected_rows(name)]
    # A JSONL of raw bodies: one body per line (the corpus bodies have no newlines
    # once re-serialised; a body that is not a record of the request column is a body).
    bodies = [json.dumps(json.loads(r["request"])) for r in rows[:6]]
    raw = tmp_path / "raw.jsonl"
    raw.write_text("\n".join(bodies) + "\n", encoding="utf-8")
    rows_path = tmp_path / "raw.rows.jsonl"
    code, _, err = audit(signature_path(name), raw, "--rows", rows_path, "--mlflow-version", "3.17")
    assert code == 0, err
    got = read_rows(rows_path)
    assert [r["valid"] for r in got] == [e["valid"] for e in expected[:6]]
    assert all(r["logged_status"] is None and r["time"] is None for r in got)
    # A request logged as an object is judged as its JSON text.
    objects = tmp_path / "objects.jsonl"
    objects.write_text(
        "".join(json.dumps({"request": json.loads(b)}) + "\n" for b in bodies), encoding="utf-8"
    )
    code, _, _ = audit(
        signature_path(name), objects, "--rows", rows_path, "--mlflow-version", "3.17"
    )
    assert [r["valid"] for r in read_rows(rows_path)] == [e["valid"] for e in expected[:6]]
    # CSV: the request column is read as text, exactly as logged.
    import csv

    table = tmp_path / "log.csv"
    with table.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, _, err = audit(
        signature_path(name), table, *TABLE_ARGS, "--rows", rows_path, "--mlflow-version", "3.17"
    )
    assert code == 0, err
    assert [comparable(r) for r in read_rows(rows_path)] == expected


def test_fail_on_and_bad_input_exit_codes(logs, tmp_path):
    name = "s_all_types_required"
    sig, log = signature_path(name), logs[name]["jsonl"]
    assert audit(sig, log, "--fail-on", "rejected")[0] == 1
    assert audit(sig, log, "--fail-on", "invalid", "--mode", "strict")[0] == 1
    valid_only = tmp_path / "valid.jsonl"
    valid_only.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r, e in zip(corpus_rows()[name], expected_rows(name))
            if e["valid"] and not e["altered"]
        ),
        encoding="utf-8",
    )
    for flag in ("invalid", "rejected", "altered"):
        assert audit(sig, valid_only, "--fail-on", flag)[0] == 0
    bad_csv = tmp_path / "ragged.csv"
    bad_csv.write_text('request,status\n"{}",200\n"{}",200,extra\n', encoding="utf-8")
    bad_parquet = tmp_path / "not.parquet"
    bad_parquet.write_text("not parquet", encoding="utf-8")
    bad = [
        (sig, tmp_path / "missing.jsonl"),
        (sig, logs[name]["delta"], "--request-column", "body"),
        (sig, tmp_path),
        (sig, log, "--fail-on", "invalid", "--mode", "mlflow"),
        (sig, logs[name]["parquet"], "--status-column", "nope"),
        (sig, log, "--mlflow-version", "1.0"),
        (tmp_path / "no-signature.json", log),
        (sig, bad_csv),
        (sig, bad_parquet),
    ]
    for args in bad:
        code, out, err = audit(*args)
        assert code == 2, args
        assert err.count("\n") == 1, err
        assert err.startswith("sig2jsonschema: error: "), err
        assert out == ""


def test_progress_is_drawn_on_a_terminal_only(logs):
    name = "s_all_types_required"
    sig, log = signature_path(name), logs[name]["jsonl"]
    master, replica = os.openpty()
    with os.fdopen(replica, "w") as terminal:
        code = run(
            ["audit", str(sig), str(log), "--mode", "strict"], stdout=io.StringIO(), stderr=terminal
        )
    drawn = os.read(master, 65536).decode()
    os.close(master)
    assert code == 0
    assert "100.0%" in drawn
    assert f"{len(corpus_rows()[name])} rows" in drawn
    _, _, err = audit(sig, log, "--mode", "strict")
    assert err == ""


def test_importing_the_audit_loads_no_arrow():
    """JSONL audits need neither pyarrow nor deltalake; the [audit] extra is for tables."""
    code = (
        "import sys, sig2jsonschema.audit, sig2jsonschema.cli._audit; "
        "print(sorted(m for m in ('pyarrow', 'deltalake', 'pyspark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_single_modes_fill_only_their_keys(logs, tmp_path):
    name = "s_all_types_required"
    expected = expected_rows(name)
    _, mlflow = validators(name)
    rows_path = tmp_path / "rows.jsonl"
    sig, log = signature_path(name), logs[name]["parquet"]
    # strict's verdict is one for every release; its errors explain in the chosen one's words.
    strict_run = ("--mode", "strict", "--mlflow-version", MLFLOW_VERSION, "--rows", rows_path)
    assert audit(sig, log, *strict_run)[0] == 0
    for got, want in zip(read_rows(rows_path), expected, strict=True):
        assert (got["valid"], got["errors"]) == (want["valid"], want["errors"])
        assert (got["mlflow_status"], got["altered"], got["warnings"]) == (None, None, [])
    code = audit(
        sig, log, "--mode", "mlflow", "--mlflow-version", MLFLOW_VERSION, "--rows", rows_path
    )[0]
    assert code == 0
    for got, want, row in zip(read_rows(rows_path), expected, corpus_rows()[name], strict=True):
        assert got["valid"] is None
        assert got["errors"] == [
            {"pointer": e.pointer, "keyword": e.keyword, "field": e.field, "expected": e.expected}
            for e in mlflow.iter_errors(row["request"])
        ]
        assert (got["mlflow_status"], got["altered"]) == (want["mlflow_status"], want["altered"])
