"""What every command shares: streams, exit codes, reading sources and writing output."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sig2jsonschema.exceptions import SourceError

if TYPE_CHECKING:
    import argparse
    from typing import TextIO

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


@dataclass
class Streams:
    """The three standard streams, injectable for tests."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO

    def error(self, message: str) -> None:
        """One line on stderr, prefixed with the program name."""
        first = message.strip().splitlines()[0] if message.strip() else "error"
        self.stderr.write(f"sig2jsonschema: error: {first}\n")

    def note(self, message: str) -> None:
        """An informational line on stderr."""
        self.stderr.write(f"{message}\n")

    @property
    def is_terminal(self) -> bool:
        """Whether stderr is a terminal (progress is shown only there)."""
        isatty = getattr(self.stderr, "isatty", None)
        return bool(isatty and isatty())


def add_source_argument(parser: argparse.ArgumentParser) -> None:
    """The positional SOURCE every signature-reading command takes."""
    parser.add_argument(
        "source",
        metavar="SOURCE",
        help="an MLmodel file, a model directory, or a signature JSON file",
    )


def add_mlflow_version_argument(parser: argparse.ArgumentParser) -> None:
    """``--mlflow-version``: the MLflow release to judge for (every command takes it)."""
    from sig2jsonschema._releases.table import SUPPORTED

    parser.add_argument(
        "--mlflow-version",
        metavar="V",
        default=None,
        help=(
            f"the MLflow release to judge for: {', '.join(SUPPORTED)} (a patch "
            "release such as 3.18.0 means its line); default: the release that "
            "saved the model when supported, else the newest"
        ),
    )


def chosen_release(args: argparse.Namespace, recorded: str | None, streams: Streams) -> str:
    """The release line a command judges for, from ``--mlflow-version`` or the model.

    The model's own release (its MLmodel's ``mlflow_version``) when supported,
    else the newest, with a one-line note on stderr saying so.

    Raises:
        SourceError: ``--mlflow-version`` names an unsupported release (exit 2).
    """
    from sig2jsonschema._releases.table import release_for_model

    try:
        release, note = release_for_model(getattr(args, "mlflow_version", None), recorded)
    except ValueError as exc:
        raise SourceError(f"--mlflow-version: {exc}") from None
    if note:
        streams.note(f"sig2jsonschema: note: {note}")
    return release.line


def add_output_file_argument(parser: argparse.ArgumentParser) -> None:
    """``-o/--output-file FILE``: what the command prints goes to FILE (every command)."""
    parser.add_argument(
        "-o",
        "--output-file",
        metavar="FILE",
        default=None,
        help="write what would go to stdout to FILE ('-': stdout)",
    )


def output_file(args: argparse.Namespace, streams: Streams) -> str | None:
    """The file ``-o/--output-file`` names (None: stdout); warns on a deprecated spelling.

    ``openapi --output FILE`` predates the one grammar (``--output`` is a format
    everywhere else): it still works, with one line on stderr.
    """
    deprecated = getattr(args, "deprecated_output", None)
    if deprecated is not None:
        streams.note(
            "sig2jsonschema: warning: --output FILE is deprecated; use -o/--output-file FILE"
        )
    target = getattr(args, "output_file", None) or deprecated
    return None if target in (None, "-") else str(target)


def positive_int(text: str) -> int:
    """An argparse ``type=`` for counts and sizes: a whole number of at least 1."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def write_json(
    document: Any, streams: Streams, output: str | None = None, *, indent: int | None = 2
) -> None:
    """Write a JSON document to ``output`` (a path) or stdout."""
    text = json.dumps(document, indent=indent, ensure_ascii=False) + "\n"
    write_text(text, streams, output)


def write_text(text: str, streams: Streams, output: str | None = None) -> None:
    """Write text to ``output`` (a path) or stdout."""
    if output and output != "-":
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise SourceError(f"{output}: cannot write ({exc.strerror})") from None
    else:
        streams.stdout.write(text)


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_OK",
    "Streams",
    "add_mlflow_version_argument",
    "add_output_file_argument",
    "add_source_argument",
    "chosen_release",
    "output_file",
    "positive_int",
    "write_json",
    "write_text",
]
