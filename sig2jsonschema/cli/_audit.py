"""``sig2jsonschema audit``: judge recorded scoring traffic against the contract.

Reads the logs in batches (`sig2jsonschema.audit.engine`), judges every row
with strict and/or mlflow mode, and prints the summary (text, json or a
self-contained HTML report); ``--rows`` keeps every row's verdict.  Exit 0
when the audit completes, 1 when ``--fail-on`` matches a row, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import IO, Any

from sig2jsonschema.audit.engine import audit_logs
from sig2jsonschema.audit.judge import AUDIT_MODES, RowJudge
from sig2jsonschema.audit.sources import LOG_FORMATS, Columns
from sig2jsonschema.audit.summary import Summary, render_text
from sig2jsonschema.exceptions import SourceError

from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    Streams,
    add_mlflow_version_argument,
    add_output_file_argument,
    add_source_argument,
    write_json,
    write_text,
)

_EPILOG = """\
LOG is a JSONL file of raw request bodies, or a table with a request column
(and optionally status and time columns): JSONL records, Parquet, a Delta
table directory, or CSV. With --format auto (the default) the extension
decides; in a .jsonl file, a line that is a JSON object holding the request
column is a table row, anything else is a raw body. A request value that is
text is judged exactly as sent; an object or struct as its JSON text.

modes:
  both     (default) strict's verdict and the MLflow release's
  strict   the portable contract only (fastest)
  mlflow   what the MLflow release would answer, and what it silently alters

examples:
  sig2jsonschema audit path/to/model bodies.jsonl
  sig2jsonschema audit path/to/model inference_table.parquet \\
      --status-column status_code --time-column timestamp_ms
  sig2jsonschema audit path/to/model /data/inference_delta --output html -o report.html
  sig2jsonschema audit signature.json logs/*.jsonl --rows verdicts.jsonl --fail-on rejected

exit codes: 0 the audit completed, 1 --fail-on matched some row, 2 bad input
or usage. On a cluster, use sig2jsonschema.spark.audit (docs/audit.md).
"""

_FAIL_ON = {"invalid": "invalid", "rejected": "rejected", "altered": "altered"}


def register(subparsers: Any) -> None:
    """Add the ``audit`` command."""
    parser = subparsers.add_parser(
        "audit",
        help="judge recorded scoring traffic (inference-table logs) against the signature",
        description="Judge every logged scoring request against the model's contract.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(parser)
    parser.add_argument("logs", metavar="LOG", nargs="+", help="log files or Delta tables")
    parser.add_argument(
        "--format",
        choices=LOG_FORMATS,
        default="auto",
        dest="log_format",
        help="the logs' format (auto: by extension; a directory with _delta_log is Delta)",
    )
    parser.add_argument(
        "--request-column", default="request", metavar="COL", help="the request body (request)"
    )
    parser.add_argument(
        "--status-column",
        metavar="COL",
        help="the logged HTTP status, compared with what MLflow would answer",
    )
    parser.add_argument(
        "--time-column",
        metavar="COL",
        help="the logged time (epoch ms or s, timestamp, ISO 8601) for rates per UTC day",
    )
    parser.add_argument(
        "--mode", choices=AUDIT_MODES, default="both", help="which verdicts (both; see below)"
    )
    add_mlflow_version_argument(parser)
    parser.add_argument(
        "--output",
        choices=("text", "json", "html"),
        default="text",
        help="the summary's format: text (default), json, or a self-contained HTML report",
    )
    add_output_file_argument(parser)
    parser.add_argument(
        "--rows", metavar="OUT.jsonl", default=None, help="write one verdict per row here"
    )
    parser.add_argument(
        "--examples", type=int, default=5, metavar="N", help="examples per verdict (5)"
    )
    parser.add_argument(
        "--no-redact",
        action="store_true",
        help="show request bodies and values in examples (redacted by default)",
    )
    parser.add_argument(
        "--fail-on",
        choices=tuple(_FAIL_ON),
        help="exit 1 when some row is invalid (strict), rejected or altered (MLflow)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Run the audit; see the module docstring for the exit codes."""
    if args.fail_on == "invalid" and args.mode == "mlflow":
        raise SourceError("--fail-on invalid needs strict's verdict: use --mode both or strict")
    if args.fail_on in {"rejected", "altered"} and args.mode == "strict":
        raise SourceError(f"--fail-on {args.fail_on} needs --mode both or mlflow")
    if args.examples < 0:
        raise SourceError("--examples must be 0 or more")
    redact = not args.no_redact
    try:
        judge = RowJudge(args.source, args.mode, mlflow_version=args.mlflow_version, redact=redact)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    summary = Summary(args.mode, judge.release.version, examples=args.examples, redact=redact)
    columns = Columns(args.request_column, args.status_column, args.time_column)
    progress = _ProgressBar(streams.stderr) if streams.is_terminal else None
    rows_file: IO[bytes] | None = None
    try:
        if args.rows:
            try:
                rows_file = Path(args.rows).open("wb")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise SourceError(f"{args.rows}: cannot write ({exc.strerror})") from None
        audit_logs(
            judge,
            [Path(p) for p in args.logs],
            columns=columns,
            fmt=args.log_format,
            summary=summary,
            rows_out=rows_file,
            progress=progress,
        )
    finally:
        if rows_file is not None:
            rows_file.close()
        if progress is not None:
            progress.finish()
    doc = summary.to_dict()
    if args.output == "json":
        write_json(doc, streams)
    elif args.output == "html":
        from sig2jsonschema.audit.report import render_html

        write_text(render_html(doc, title=f"audit of {args.source}"), streams)
    else:
        write_text(render_text(doc), streams)
    if args.fail_on and getattr(summary, _FAIL_ON[args.fail_on]):
        return EXIT_FAILED
    return EXIT_OK


class _ProgressBar:
    """A one-line bar redrawn on stderr (only when stderr is a terminal)."""

    def __init__(self, stream: Any = sys.stderr, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, rows: int, done: float) -> None:
        filled = int(self.width * min(done, 1.0))
        rate = rows / max(time.monotonic() - self.start, 1e-9)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r[{bar}] {100 * done:5.1f}%  {rows} rows  {rate:,.0f} rows/s")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


__all__ = ["register", "run"]
