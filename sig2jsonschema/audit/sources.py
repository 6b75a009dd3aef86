"""Reading recorded scoring traffic in bounded batches.

A log is a JSONL file (raw bodies, or records holding a request column), a
Parquet file, a Delta table (through ``deltalake``) or a CSV file.  Each is
read in Arrow record batches (JSONL line by line), so memory stays bounded
whatever the log size.  `request_text` is the one rule for turning a logged
request value into the body that is judged; the Spark job uses it too.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson

from sig2jsonschema.exceptions import SourceError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

LogFormat = Literal["auto", "jsonl", "parquet", "delta", "csv"]
LOG_FORMATS: tuple[LogFormat, ...] = ("auto", "jsonl", "parquet", "delta", "csv")
#: Rows per batch: large enough to amortise Arrow's per-batch cost, small
#: enough that a batch of large bodies stays well inside the memory budget.
BATCH_ROWS = 2048
_EXTENSIONS: dict[str, LogFormat] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
}


@dataclass(frozen=True)
class Columns:
    """Which columns of a table log hold the request, status and time."""

    request: str = "request"
    status: str | None = None
    time: str | None = None


@dataclass
class LogBatch:
    """Consecutive logged rows: bodies to judge, and the logged status and time."""

    requests: list[str | bytes]
    statuses: list[Any]
    times: list[Any]
    #: How much of this log has been read, from 0 to 1 (for progress bars).
    done: float


def request_text(value: Any) -> str | bytes:
    """The body a logged request value stands for.

    Text and bytes are judged exactly as sent; an object (a JSON record's
    value, an Arrow or Spark struct) is judged as its JSON text; a missing
    value as an empty body.
    """
    if isinstance(value, (str, bytes)):
        return value
    if value is None:
        return b""
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    msg = f"cannot write {type(value).__name__} as JSON"
    raise TypeError(msg)


def detect_format(path: Path, fmt: LogFormat = "auto") -> LogFormat:
    """The log's format: ``fmt`` when given, else by extension (a directory holding
    ``_delta_log`` is a Delta table)."""
    if fmt != "auto":
        return fmt
    if path.is_dir():
        if (path / "_delta_log").is_dir():
            return "delta"
        raise SourceError(f"{path}: a directory that is not a Delta table (no _delta_log)")
    found = _EXTENSIONS.get(path.suffix.lower())
    if found is None:
        raise SourceError(
            f"{path}: cannot tell the log format from the extension; pass --format "
            "jsonl, parquet, delta or csv"
        )
    return found


def read_log(
    path: Path, columns: Columns, fmt: LogFormat = "auto", *, batch_rows: int = BATCH_ROWS
) -> Iterator[LogBatch]:
    """Yield the log's rows in input order, ``batch_rows`` at a time.

    Raises:
        SourceError: the log is missing, unreadable or lacks a named column.
    """
    if not path.exists():
        raise SourceError(f"{path}: no such file or directory")
    found = detect_format(path, fmt)
    if found == "jsonl":
        yield from _read_jsonl(path, columns, batch_rows)
        return
    yield from _read_table(path, columns, found, batch_rows)


def _read_jsonl(path: Path, columns: Columns, batch_rows: int) -> Iterator[LogBatch]:
    size = max(path.stat().st_size, 1)
    batch = LogBatch([], [], [], 0.0)
    key = columns.request
    try:
        with path.open("rb") as f:
            for raw in f:
                line = raw.rstrip(b"\r\n")
                if not line.strip():
                    continue
                record = _record(line, key)
                if record is None:
                    batch.requests.append(line)
                    batch.statuses.append(None)
                    batch.times.append(None)
                else:
                    batch.requests.append(request_text(record[key]))
                    batch.statuses.append(record.get(columns.status) if columns.status else None)
                    batch.times.append(record.get(columns.time) if columns.time else None)
                if len(batch.requests) >= batch_rows:
                    batch.done = f.tell() / size
                    yield batch
                    batch = LogBatch([], [], [], 0.0)
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
    if batch.requests:
        batch.done = 1.0
        yield batch


def _record(line: bytes, key: str) -> dict[str, Any] | None:
    """The line as a table row: a JSON object holding the request column."""
    if not line.lstrip().startswith(b"{"):
        return None
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) and key in value else None


def _read_table(
    path: Path, columns: Columns, fmt: LogFormat, batch_rows: int
) -> Iterator[LogBatch]:
    wanted = [c for c in (columns.request, columns.status, columns.time) if c]
    batches, total, names = _open_table(path, fmt, wanted, batch_rows)
    missing = [c for c in wanted if c not in names]
    if missing:
        raise SourceError(
            f"{path}: no column {missing[0]!r} (columns: {', '.join(names) or 'none'})"
        )
    seen = 0
    for record_batch in _guarded(batches, path, fmt):
        n = record_batch.num_rows
        seen += n
        requests = [request_text(v) for v in record_batch.column(columns.request).to_pylist()]
        statuses = record_batch.column(columns.status).to_pylist() if columns.status else [None] * n
        times = record_batch.column(columns.time).to_pylist() if columns.time else [None] * n
        yield LogBatch(requests, statuses, times, seen / total if total else 1.0)


def _guarded(batches: Iterator[Any], path: Path, fmt: LogFormat) -> Iterator[Any]:
    """The batches, with a read error past the first one worded as bad input too."""
    import pyarrow as pa  # type: ignore[import-untyped]

    try:
        yield from batches
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise SourceError(f"{path}: cannot read as {fmt} ({_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _open_table(
    path: Path, fmt: LogFormat, wanted: list[str], batch_rows: int
) -> tuple[Iterator[Any], int, list[str]]:
    """(record batches of the wanted columns, total rows or 0, every column name)."""
    try:
        import pyarrow as pa
    except ImportError:
        raise SourceError(
            "reading Parquet, Delta or CSV logs needs pyarrow: pip install 'sig2jsonschema[audit]'"
        ) from None
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            # Pre-buffering keeps every row group's bytes for the reader's
            # lifetime: memory would grow with the log.
            parquet = pq.ParquetFile(path, pre_buffer=False)
            names = parquet.schema_arrow.names
            cols = [c for c in wanted if c in names]
            return (
                parquet.iter_batches(batch_size=batch_rows, columns=cols),
                parquet.metadata.num_rows,
                names,
            )
        if fmt == "delta":
            try:
                from deltalake import DeltaTable
            except ImportError:
                raise SourceError(
                    "reading Delta tables needs deltalake: pip install 'sig2jsonschema[audit]'"
                ) from None
            import pyarrow.dataset as pds  # type: ignore[import-untyped]

            dataset = DeltaTable(str(path)).to_pyarrow_dataset()
            names = dataset.schema.names
            cols = [c for c in wanted if c in names]
            batches = dataset.to_batches(
                columns=cols,
                batch_size=batch_rows,
                fragment_scan_options=pds.ParquetFragmentScanOptions(pre_buffer=False),
                batch_readahead=2,
                fragment_readahead=1,
            )
            return (
                iter(batches),
                dataset.count_rows(),
                names,
            )
        import pyarrow.csv as pcsv  # type: ignore[import-untyped]

        request = wanted[0]
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(block_size=1 << 20),
            convert_options=pcsv.ConvertOptions(
                column_types={request: pa.string()}, strings_can_be_null=False
            ),
        )
        return iter(reader), 0, reader.schema.names
    except SourceError:
        raise
    except (OSError, pa.ArrowException, ValueError) as exc:
        raise SourceError(f"{path}: cannot read as {fmt} ({_first_line(exc)})") from None


__all__ = [
    "BATCH_ROWS",
    "LOG_FORMATS",
    "Columns",
    "LogBatch",
    "LogFormat",
    "detect_format",
    "read_log",
    "request_text",
]
