"""The local audit: logs read in batches, every row judged, counted and written.

`audit_logs` drives one audit over one or more logs (read by
`sig2jsonschema.audit.sources`): each row is judged by a `RowJudge`, counted
in a `Summary`, and, when asked, written as one JSON line (the ``--rows``
file).  Nothing but the current batch is held, so memory stays bounded.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

import orjson

from .sources import BATCH_ROWS, Columns, LogFormat, read_log
from .summary import Summary, json_time

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from .judge import RowJudge, RowVerdict


def row_record(
    row: int, verdict: RowVerdict, logged_status: Any = None, time: Any = None
) -> dict[str, Any]:
    """One ``--rows`` line: the row's index, its verdict, its logged status and time."""
    return (
        {"row": row}
        | verdict.to_dict()
        | {
            "logged_status": logged_status,
            "time": json_time(time),
        }
    )


def audit_logs(
    judge: RowJudge,
    logs: Sequence[Path],
    *,
    columns: Columns | None = None,
    fmt: LogFormat = "auto",
    summary: Summary | None = None,
    rows_out: IO[bytes] | None = None,
    progress: Callable[[int, float], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Summary:
    """Judge every row of ``logs`` in order; return the summary.

    Args:
        judge: the validators of this audit.
        logs: the log files (or Delta table directories), read one after another;
            row indices run on across them.
        columns: the request, status and time columns of table logs.
        fmt: the logs' format, or ``"auto"`` to decide by extension.
        summary: the summary to count into (default: a new one, redacted).
        rows_out: a binary stream receiving one JSON line per row.
        progress: called after each batch with (rows so far, share read).

    Raises:
        SourceError: a log is missing, unreadable or lacks a named column.
    """
    columns = columns or Columns()
    if summary is None:
        summary = Summary(judge.mode, judge.release.version)
    row = 0
    for index, path in enumerate(logs):
        for batch in read_log(path, columns, fmt, batch_rows=batch_rows):
            lines: list[bytes] = []
            for body, status, time in zip(batch.requests, batch.statuses, batch.times, strict=True):
                verdict = judge.judge(body)
                summary.add(row, verdict, body, status, time)
                if rows_out is not None:
                    record = row_record(row, verdict, status, time)
                    lines.append(orjson.dumps(record, default=str))
                row += 1
            if rows_out is not None:
                rows_out.write(b"\n".join(lines) + b"\n")
            if progress is not None:
                progress(row, (index + batch.done) / len(logs))
    return summary


__all__ = ["audit_logs", "row_record"]
