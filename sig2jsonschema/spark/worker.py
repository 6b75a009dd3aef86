"""What runs inside Spark's Python workers: Arrow batches in, verdicts or counts out.

The functions here are handed to ``mapInArrow`` by `sig2jsonschema.spark.job`
and pickled by reference, so executors import them from their own
sig2jsonschema installation.  Each worker builds its `RowJudge` once, from
the broadcast signature, and keeps it for every later task (Spark reuses
Python workers), so a partition pays for validation only, never for
compiling schemas.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa  # type: ignore[import-untyped]

from sig2jsonschema.audit.judge import RowJudge, RowVerdict
from sig2jsonschema.audit.sources import request_text
from sig2jsonschema.audit.summary import Summary

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sig2jsonschema.audit.judge import AuditMode

ERROR_TYPE = pa.struct(
    [(name, pa.string()) for name in ("pointer", "keyword", "field", "expected")]
)
WARNING_TYPE = pa.struct([(name, pa.string()) for name in ("pointer", "code", "message")])
#: The columns `audit` adds, in order, as Arrow types.
VERDICT_FIELDS = (
    pa.field("valid", pa.bool_()),
    pa.field("mlflow_status", pa.int32()),
    pa.field("altered", pa.bool_()),
    pa.field("form", pa.string()),
    pa.field("errors", pa.list_(ERROR_TYPE)),
    pa.field("warnings", pa.list_(WARNING_TYPE)),
)
#: One judge per (signature, mode, release) in this Python worker.
_JUDGES: dict[tuple[str, str, str], RowJudge] = {}


def judge_for(broadcast: Any, mode: AuditMode, mlflow_version: str) -> RowJudge:
    """This worker's judge for the broadcast signature, built on first use."""
    signature = broadcast.value
    key = (json.dumps(signature, sort_keys=True), mode, mlflow_version)
    judge = _JUDGES.get(key)
    if judge is None:
        judge = _JUDGES[key] = RowJudge(signature, mode, mlflow_version=mlflow_version, redact=True)
    return judge


def judge_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    broadcast: Any,
    mode: AuditMode,
    mlflow_version: str,
    request_col: str,
) -> Iterator[pa.RecordBatch]:
    """Each batch with the verdict columns appended (``mapInArrow``'s function)."""
    judge = judge_for(broadcast, mode, mlflow_version)
    for batch in batches:
        verdicts = [judge.judge(request_text(v)) for v in batch.column(request_col).to_pylist()]
        columns = [
            pa.array([v.valid for v in verdicts], pa.bool_()),
            pa.array([v.mlflow_status for v in verdicts], pa.int32()),
            pa.array([v.altered for v in verdicts], pa.bool_()),
            pa.array([v.form for v in verdicts], pa.string()),
            pa.array([list(v.errors) for v in verdicts], pa.list_(ERROR_TYPE)),
            pa.array([list(v.warnings) for v in verdicts], pa.list_(WARNING_TYPE)),
        ]
        schema = pa.schema(list(batch.schema) + list(VERDICT_FIELDS))
        yield pa.RecordBatch.from_arrays(list(batch.columns) + columns, schema=schema)


def summarize_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    mode: AuditMode,
    mlflow_version: str | None,
    request_col: str | None,
    status_col: str | None,
    time_col: str | None,
    examples: int,
    redact: bool,
) -> Iterator[pa.RecordBatch]:
    """One row per partition: its index and its partial summary as JSON text."""
    from pyspark import TaskContext

    context = TaskContext.get()
    partition = context.partitionId() if context is not None else 0
    summary = Summary(mode, mlflow_version, examples=examples, redact=redact)
    row = 0
    for batch in batches:
        n = batch.num_rows
        cols = {name: batch.column(name).to_pylist() for name in batch.schema.names}
        bodies = cols[request_col] if request_col in cols else [b""] * n
        statuses = cols[status_col] if status_col else [None] * n
        times = cols[time_col] if time_col else [None] * n
        for i in range(n):
            verdict = RowVerdict(
                cols["valid"][i],
                tuple(cols["errors"][i] or ()),
                cols["mlflow_status"][i],
                cols["altered"][i],
                tuple(cols["warnings"][i] or ()),
                cols["form"][i],
            )
            summary.add(row, verdict, request_text(bodies[i]), statuses[i], times[i])
            row += 1
    yield pa.RecordBatch.from_pydict(
        {"partition": [partition], "state": [json.dumps(summary.to_state())]},
        schema=pa.schema([("partition", pa.int32()), ("state", pa.string())]),
    )


__all__ = ["VERDICT_FIELDS", "judge_batches", "judge_for", "summarize_batches"]
