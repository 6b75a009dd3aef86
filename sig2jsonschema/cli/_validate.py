"""``sig2jsonschema validate``: check request bodies as MLflow's scoring server would.

A pipeline in the manner of check-jsonschema: read the bodies (`iter_bodies`),
check each with one `Validator` (`check_body` -> `BodyResult`), and hand every
result to a reporter chosen from `REPORTERS` (``text`` or ``json``).  Exit 0
when every body is valid, 1 when any is invalid (the rest are still checked),
2 on bad usage or an unreadable signature or body file.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sig2jsonschema._payload.decode import CSV_TYPE, JSON_TYPE, PARQUET_TYPE
from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema.exceptions import PayloadError, SourceError

from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    Streams,
    add_mlflow_version_argument,
    add_output_file_argument,
    add_source_argument,
    chosen_release,
    positive_int,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sig2jsonschema._validate.validator import Validator

_EPILOG = """\
BODY is a .json file (one request body), a .jsonl file (one body per line) or
'-' for standard input (the default when no BODY is given). Bodies are read as
bytes, exactly as a server receives them. Files ending in .csv or .parquet are
sent as text/csv or application/vnd.apache.parquet unless --content-type says
otherwise.

modes:
  strict   (default) the portable contract: RFC 8259 JSON, a body form that
           works for this signature, every value delivered by the canonical
           decoding table (docs/strict-contract.md)
  mlflow   the chosen MLflow release's own verdict; lossy conversions are warnings

examples:
  sig2jsonschema validate path/to/model body.json
  sig2jsonschema validate path/to/model bodies.jsonl --mode mlflow --output json -o report.jsonl
  curl -s https://example.org/req.json | sig2jsonschema validate signature.json -
  sig2jsonschema validate path/to/model rows.csv --content-type text/csv
  sig2jsonschema validate path/to/model body.json --redact   # no payload values in messages

exit codes: 0 all bodies valid, 1 some body invalid (malformed and empty bodies
included), 2 bad usage or an unreadable signature or body file.
"""

#: Show at most this many errors per body in text output (all in json output).
TEXT_ERRORS_PER_BODY = 5
#: Progress is shown on a terminal once this many bodies have been checked.
PROGRESS_EVERY = 200


def register(subparsers: Any) -> None:
    """Add the ``validate`` command."""
    parser = subparsers.add_parser(
        "validate",
        help="validate request bodies against a signature",
        description="Validate MLflow scoring-server request bodies against a model signature.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(parser)
    parser.add_argument(
        "bodies",
        metavar="BODY",
        nargs="*",
        help="a .json file, a .jsonl file (one body per line) or - for stdin (default: -)",
    )
    parser.add_argument(
        "--mode",
        choices=("strict", "mlflow"),
        default="strict",
        help="strict (default): the portable contract; mlflow: MLflow's own verdict",
    )
    parser.add_argument(
        "--output",
        choices=tuple(REPORTERS),
        default="text",
        help="text (default) or json: one JSON object per body on stdout",
    )
    add_output_file_argument(parser)
    parser.add_argument(
        "--content-type",
        metavar="TYPE",
        default=None,
        help=f"the request Content-Type (default {JSON_TYPE}; {CSV_TYPE} and "
        f"{PARQUET_TYPE} are read as MLflow reads them)",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="never echo payload values in messages (pointers, fields and types only)",
    )
    add_mlflow_version_argument(parser)
    for flag, attribute, what in _LIMIT_FLAGS:
        parser.add_argument(
            flag,
            type=positive_int,
            metavar="N",
            default=getattr(DEFAULT_LIMITS, attribute),
            help=f"{what} (default %(default)s; see docs/limits.md)",
        )
    parser.set_defaults(run=run)


#: The limits a server operator may change from the command line.
_LIMIT_FLAGS = (
    ("--max-body-bytes", "max_body_bytes", "largest body, in bytes"),
    ("--max-depth", "max_depth", "deepest nesting of arrays and objects"),
    ("--max-number-digits", "max_number_digits", "longest number literal, in digits"),
)


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Body:
    """One request body and where it came from."""

    #: The path as given on the command line ("-" for stdin).
    source: str
    #: The raw bytes (or text, from a text-only stdin).
    data: bytes | str
    #: 1-based line number inside a .jsonl file, else None.
    line: int | None = None
    #: The Content-Type to send it with.
    content_type: str = JSON_TYPE


def _content_type_for(path: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return CSV_TYPE
    if suffix == ".parquet":
        return PARQUET_TYPE
    return JSON_TYPE


def _check_readable(paths: list[str]) -> None:
    for path in paths:
        if path == "-":
            continue
        p = Path(path)
        if not p.exists():
            raise SourceError(f"{path}: no such file")
        if p.is_dir():
            raise SourceError(f"{path}: is a directory, expected a body file")
        if not os.access(p, os.R_OK):
            raise SourceError(f"{path}: cannot read (permission denied)")


def _read_stdin(streams: Streams) -> bytes | str:
    buffer = getattr(streams.stdin, "buffer", None)
    if buffer is not None:
        data: bytes = buffer.read()
        return data
    return streams.stdin.read()


def iter_bodies(paths: list[str], streams: Streams, content_type: str | None) -> Iterator[Body]:
    """Every body named on the command line, in order (JSONL files line by line)."""
    for path in paths:
        ctype = _content_type_for(path, content_type)
        if path == "-":
            yield Body("-", _read_stdin(streams), None, ctype)
            continue
        if path.lower().endswith(".jsonl") and ctype == JSON_TYPE:
            try:
                with Path(path).open("rb") as handle:
                    for number, line in enumerate(handle, start=1):
                        text = line.rstrip(b"\r\n")
                        if not text.strip():
                            continue  # blank lines separate nothing in JSONL
                        yield Body(path, text, number, ctype)
            except OSError as exc:
                raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
            continue
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read ({exc.strerror})") from None
        yield Body(path, data, None, ctype)


# -- checking ----------------------------------------------------------------------------


@dataclass
class BodyResult:
    """The verdict on one body."""

    body: Body
    errors: list[PayloadError] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether the body has no error."""
        return not self.errors


def _warning_dict(warning: Any, *, redact: bool) -> dict[str, Any]:
    out = {"pointer": warning.pointer, "field": warning.field, "code": warning.code}
    if not redact:
        out.update(sent=warning.sent, received=warning.received, message=warning.message)
    return out


def check_body(validator: Validator, body: Body) -> BodyResult:
    """Validate one body; in mlflow mode also collect MLflow's lossy conversions."""
    errors = list(validator.iter_errors(body.data, content_type=body.content_type))
    result = BodyResult(body, errors)
    if not errors and validator.mode == "mlflow":
        result.warnings = [
            _warning_dict(w, redact=validator.redact)
            for w in validator.warnings(body.data, content_type=body.content_type)
        ]
    return result


# -- reporting ---------------------------------------------------------------------------


def _label(body: Body) -> str:
    return f"{body.source}:{body.line}" if body.line is not None else body.source


def _error_dict(error: PayloadError) -> dict[str, Any]:
    out = error.to_dict()
    out["status"] = error.status
    out["error_code"] = error.error_code
    for extra in ("line", "column"):
        value = getattr(error, extra, None)
        if value is not None:
            out[extra] = value
    return out


class TextReporter:
    """Short human-readable lines on stdout; a summary at the end."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams

    def report(self, result: BodyResult) -> None:
        """Write one body's verdict."""
        out = self.streams.stdout
        label = _label(result.body)
        if result.valid:
            note = f" ({len(result.warnings)} warnings)" if result.warnings else ""
            out.write(f"{label}: valid{note}\n")
            for warning in result.warnings[:TEXT_ERRORS_PER_BODY]:
                text = warning.get("message") or warning["code"]
                out.write(f"  warning {warning['pointer'] or '/'}: {text}\n")
            return
        count = len(result.errors)
        out.write(f"{label}: invalid ({count} error{'' if count == 1 else 's'})\n")
        for error in result.errors[:TEXT_ERRORS_PER_BODY]:
            out.write(f"  {error.message}\n")
        if count > TEXT_ERRORS_PER_BODY:
            out.write(f"  ... and {count - TEXT_ERRORS_PER_BODY} more\n")

    def summary(self, total: int, invalid: int) -> None:
        """The closing line (only when more than one body was checked)."""
        if total > 1:
            self.streams.stdout.write(
                f"{total} bodies: {total - invalid} valid, {invalid} invalid\n"
            )


class JsonReporter:
    """One JSON object per body on stdout (JSON Lines); the summary on stderr."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams

    def report(self, result: BodyResult) -> None:
        """Write one body's verdict as a JSON line."""
        record: dict[str, Any] = {"body": result.body.source}
        if result.body.line is not None:
            record["line"] = result.body.line
        record["valid"] = result.valid
        record["errors"] = [_error_dict(e) for e in result.errors]
        record["warnings"] = result.warnings
        self.streams.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")

    def summary(self, total: int, invalid: int) -> None:
        """The closing line, on stderr so stdout stays JSON Lines."""
        self.streams.note(f"{total} bodies: {total - invalid} valid, {invalid} invalid")


REPORTERS: dict[str, type[TextReporter | JsonReporter]] = {
    "text": TextReporter,
    "json": JsonReporter,
}


class _Progress:
    """``checked N bodies`` on a terminal's stderr, rewritten in place."""

    def __init__(self, streams: Streams) -> None:
        self.streams = streams
        self.enabled = streams.is_terminal
        self.shown = False

    def tick(self, count: int) -> None:
        if self.enabled and count % PROGRESS_EVERY == 0:
            self.streams.stderr.write(f"\rchecked {count} bodies...")
            self.streams.stderr.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            self.streams.stderr.write("\r" + " " * 40 + "\r")


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Validate every body; return the exit code."""
    from sig2jsonschema._signature.load import load_signature
    from sig2jsonschema._validate.validator import Validator

    paths: list[str] = list(args.bodies) or ["-"]
    if paths.count("-") > 1:
        raise SourceError("standard input ('-') can be given only once")
    _check_readable(paths)
    signature = load_signature(args.source)
    limits = DEFAULT_LIMITS.replace(
        **{attribute: getattr(args, attribute) for _, attribute, _ in _LIMIT_FLAGS}
    )
    release = chosen_release(args, signature.mlflow_version, streams)
    validator = Validator(
        signature, mode=args.mode, redact=args.redact, limits=limits, mlflow_version=release
    )
    reporter = REPORTERS[args.output](streams)
    progress = _Progress(streams)
    total = invalid = 0
    try:
        for body in iter_bodies(paths, streams, args.content_type):
            result = check_body(validator, body)
            total += 1
            invalid += 0 if result.valid else 1
            reporter.report(result)
            progress.tick(total)
    finally:
        progress.done()
    reporter.summary(total, invalid)
    return EXIT_FAILED if invalid else EXIT_OK


__all__ = ["REPORTERS", "Body", "BodyResult", "check_body", "iter_bodies", "register", "run"]
