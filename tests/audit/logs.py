"""The public corpus as inference-table logs, and the verdicts Validator gives each row.

Each corpus signature gets a log shaped like a Databricks inference table
(request, status_code, timestamp_ms, client_request_id): the request is the
case's body as sent, the status MLflow 3.17.2's real answer (the corpus
label), the timestamps three hours apart so the rows span several UTC days.
"""

from __future__ import annotations

import json
from functools import cache
from typing import TYPE_CHECKING, Any

from sig2jsonschema import PayloadError, Validator
from tests.conftest import CONFORMANCE, load_cases

if TYPE_CHECKING:
    from pathlib import Path

#: The corpus labels are MLflow 3.17.2's answers.
MLFLOW_VERSION = "3.17"
START_MS = 1_733_270_400_000  # 2024-12-04T00:00:00Z
STEP_MS = 3 * 3600 * 1000


def signature_path(name: str) -> Path:
    return CONFORMANCE / "signatures" / f"{name}.json"


@cache
def corpus_rows() -> dict[str, tuple[dict[str, Any], ...]]:
    """Inference-table rows per corpus signature, in corpus order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for case in load_cases():
        rows = out.setdefault(case["signature"], [])
        rows.append(
            {
                "request": case["body"],
                "status_code": case["mlflow"]["status"],
                "timestamp_ms": START_MS + len(rows) * STEP_MS,
                "client_request_id": case["id"],
            }
        )
    return {k: tuple(v) for k, v in sorted(out.items())}


def write_logs(directory: Path, name: str) -> dict[str, Path]:
    """One signature's log as JSONL, Parquet and a Delta table."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from deltalake import write_deltalake

    rows = corpus_rows()[name]
    paths = {
        "jsonl": directory / f"{name}.jsonl",
        "parquet": directory / f"{name}.parquet",
        "delta": directory / f"{name}_delta",
    }
    with paths["jsonl"].open("w", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    table = pa.Table.from_pylist(list(rows))
    pq.write_table(table, paths["parquet"], row_group_size=16)
    write_deltalake(str(paths["delta"]), table)
    return paths


@cache
def validators(name: str) -> tuple[Validator, Validator]:
    path = signature_path(name)
    return (
        Validator(path, "strict", redact=True, mlflow_version=MLFLOW_VERSION),
        Validator(path, "mlflow", redact=True, mlflow_version=MLFLOW_VERSION),
    )


@cache
def expected_rows(name: str) -> tuple[dict[str, Any], ...]:
    """Each row's verdict from Validator's public API, independently of the audit code."""
    strict, mlflow = validators(name)
    out = []
    for i, row in enumerate(corpus_rows()[name]):
        body = row["request"]
        errors = [_record(e) for e in strict.iter_errors(body)]
        refusals = list(mlflow.iter_errors(body))
        status = refusals[0].status if refusals else 200
        warnings = [
            {"pointer": w.pointer, "code": w.code, "message": w.message}
            for w in mlflow.warnings(body)
        ]
        out.append(
            {
                "row": i,
                "valid": not errors,
                "errors": errors,
                "mlflow_status": status,
                "altered": bool(warnings),
                "warnings": warnings,
                "form": mlflow.parse(body).form if status == 200 else None,
                "logged_status": row["status_code"],
                "time": row["timestamp_ms"],
            }
        )
    return tuple(out)


def _record(error: PayloadError) -> dict[str, str]:
    return {
        "pointer": error.pointer,
        "keyword": error.keyword,
        "field": error.field,
        "expected": error.expected,
    }


def comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A row verdict without the envelope guessed for bodies MLflow refuses."""
    return row | {"form": row["form"] if row["mlflow_status"] == 200 else None}
