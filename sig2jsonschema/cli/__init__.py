"""The ``sig2jsonschema`` command line.

Each command lives in its own module (``_schema``, ``_validate``, ...) that
exposes ``register(subparsers)``; the command's ``run(args, streams)`` returns
the exit code.  Logic stays in the library: commands parse arguments, call
the public API and report.  Exit codes, everywhere: 0 success, 1 a checked
thing failed (an invalid body, a finding), 2 bad input or usage (one line on
stderr, never a traceback).

The top floor: it may import every stage, and nothing imports it
(``python -m sig2jsonschema`` runs it through ``__main__``).
"""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from typing import TYPE_CHECKING, Any

from sig2jsonschema.exceptions import Sig2JsonSchemaError

from ._common import EXIT_BAD_INPUT, Streams, output_file, write_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

#: Command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "_schema",
    "_validate",
    "_sample",
    "_openapi",
    "_check",
    "_audit",
    "_serve",
)

_DESCRIPTION = """\
Make an MLflow model signature usable outside MLflow: export it as JSON Schema
or OpenAPI, validate request bodies exactly as MLflow's scoring server would,
generate conforming inputs, and audit a model before it is served.

SOURCE is an MLmodel file, a model directory, or a signature JSON file in
ModelSignature.to_dict() form.
"""

_EPILOG = """\
examples:
  sig2jsonschema schema fixtures/models/iris_sklearn_classifier
  sig2jsonschema validate path/to/model body.json --mode mlflow
  sig2jsonschema sample path/to/model -n 5 --seed 1
  sig2jsonschema check path/to/model
  sig2jsonschema audit path/to/model inference_log.parquet --status-column status_code
  sig2jsonschema serve path/to/model --upstream http://127.0.0.1:5001

exit codes: 0 success, 1 invalid body or findings, 2 bad input or usage.
"""


class _CommandParser(argparse.ArgumentParser):
    """A command's parser without abbreviations: ``--output`` is never ``--output-file``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available command registered."""
    parser = argparse.ArgumentParser(
        prog="sig2jsonschema",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="store_true", help="print the version")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_CommandParser
    )
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def run(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run the CLI with explicit streams; return the exit code."""
    streams = Streams(
        stdout=stdout or sys.stdout, stderr=stderr or sys.stderr, stdin=stdin or sys.stdin
    )
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.version:
        from .. import __getattr__ as package_attr

        streams.stdout.write(f"sig2jsonschema {package_attr('__version__')}\n")
        return 0
    if not args.command:
        parser.print_help(streams.stderr)
        return EXIT_BAD_INPUT
    try:
        return _run_command(args, streams)
    except Sig2JsonSchemaError as exc:
        streams.error(str(exc))
        return EXIT_BAD_INPUT
    except RecursionError:
        streams.error("input nested too deeply")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        streams.error("interrupted")
        return 130


def _run_command(args: argparse.Namespace, streams: Streams) -> int:
    """Run the command; with ``-o/--output-file``, what it prints goes to that file.

    The file is written only when the command ran to its end (exit 0 or 1).
    """
    target = output_file(args, streams)
    if target is None:
        return int(args.run(args, streams))
    buffer = io.StringIO()
    code = int(args.run(args, Streams(buffer, streams.stderr, streams.stdin)))
    write_text(buffer.getvalue(), streams, target)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point."""
    return run(argv)
