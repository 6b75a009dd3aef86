"""``sig2jsonschema schema`` and ``sig2jsonschema signature``: the two directions.

``schema`` exports a model's signature as JSON Schema 2020-12
(`sig2jsonschema._export.to_schema.to_jsonschema`); ``signature`` reads a JSON Schema
(or a component of an OpenAPI document) back into an MLflow signature
(`sig2jsonschema._export.from_schema.from_jsonschema`).  Both print to stdout or
``-o/--output-file FILE``; bad input (an unreadable file, a schema MLflow cannot represent,
a pointer to nowhere) is exit 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sig2jsonschema._export.dialects.convert import summarize, to_dialect
from sig2jsonschema._export.dialects.tree import DIALECTS
from sig2jsonschema._export.from_schema import from_jsonschema
from sig2jsonschema._export.to_schema import MODES, PARTS, to_jsonschema
from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._signature.serialized import signature_to_dict, signature_to_mlmodel_yaml
from sig2jsonschema.exceptions import SourceError, UnrepresentableSchema

from ._common import (
    EXIT_OK,
    add_mlflow_version_argument,
    add_output_file_argument,
    add_source_argument,
    chosen_release,
    write_json,
    write_text,
)

if TYPE_CHECKING:
    from sig2jsonschema._export.dialects.tree import Dialect
    from sig2jsonschema.typing import JSONObject

    from ._common import Streams

#: The largest schema document read (OpenAPI documents of big services stay far below).
MAX_SCHEMA_BYTES = 32 * 1024 * 1024

_SCHEMA_EPILOG = """\
parts:
  request  the whole POST /invocations JSON body (default)
  inputs   the value of the body's inputs key
  outputs  the value of predictions in the response
  params   the params object

modes:
  strict   only the body forms that reach the model unchanged, values typed
           as tightly as JSON Schema allows (docs/strict-contract.md)
  mlflow   what the chosen MLflow release's server accepts, lossy casts included

examples:
  sig2jsonschema schema fixtures/models/iris_sklearn_classifier
  sig2jsonschema schema path/to/MLmodel --part inputs --mode mlflow -o inputs.json

exit codes: 0 success, 2 bad input.
"""

_SIGNATURE_EPILOG = """\
SCHEMA is a JSON (or YAML) file: a schema exported by `sig2jsonschema schema`
(read back exactly), a hand-written JSON Schema, a pydantic model's
model_json_schema(), or an OpenAPI document with --pointer.

examples:
  sig2jsonschema signature request.schema.json
  sig2jsonschema signature openapi.yaml --pointer /components/schemas/Customer
  sig2jsonschema signature customer.schema.json --format mlmodel

exit codes: 0 success, 2 bad input (unreadable file, bad pointer, or a schema
with no MLflow equivalent: the message names the JSON pointer and keyword).
"""


def register(subparsers: Any) -> None:
    """Add the ``schema`` and ``signature`` commands."""
    schema = subparsers.add_parser(
        "schema",
        help="export a model signature as JSON Schema 2020-12",
        description="Export an MLflow model signature as a JSON Schema 2020-12 document.",
        epilog=_SCHEMA_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(schema)
    schema.add_argument("--part", choices=PARTS, default="request", help="default: request")
    schema.add_argument("--mode", choices=MODES, default="strict", help="default: strict")
    add_output_file_argument(schema)
    add_mlflow_version_argument(schema)
    add_dialect_arguments(schema)
    schema.set_defaults(run=run_schema)

    signature = subparsers.add_parser(
        "signature",
        help="read a JSON Schema back into an MLflow signature",
        description="Map a JSON Schema (or an OpenAPI component) to the closest MLflow signature.",
        epilog=_SIGNATURE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    signature.add_argument("schema", metavar="SCHEMA", help="a JSON or YAML schema file")
    signature.add_argument(
        "--pointer",
        metavar="POINTER",
        help="JSON pointer to the schema inside the document, e.g. /components/schemas/Name",
    )
    signature.add_argument(
        "--format",
        choices=("json", "mlmodel"),
        default="json",
        help="json: ModelSignature.to_dict() form (default); mlmodel: the MLmodel YAML block",
    )
    add_output_file_argument(signature)
    signature.set_defaults(run=run_signature)


def export_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword options for `to_jsonschema` taken from the command line (a hook for new flags)."""
    del args
    return {}


def run_schema(args: argparse.Namespace, streams: Streams) -> int:
    """Print the exported schema."""
    signature = load_signature(args.source)
    release = chosen_release(args, signature.mlflow_version, streams)
    document = to_jsonschema(
        signature, args.part, args.mode, mlflow_version=release, **export_options(args)
    )
    write_json(apply_dialect(document, args, streams), streams)
    return EXIT_OK


def read_schema_file(path_text: str) -> Any:
    """A JSON or YAML document from a file (YAML only for ``.yaml``/``.yml``)."""
    path = Path(path_text)
    try:
        if path.stat().st_size > MAX_SCHEMA_BYTES:
            raise SourceError(f"{path}: larger than {MAX_SCHEMA_BYTES} bytes")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file or directory") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
    if path.suffix in {".yaml", ".yml"}:
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SourceError(f"{path}: malformed YAML ({exc})") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SourceError(f"{path}: malformed JSON ({exc})") from None
    except RecursionError:
        raise SourceError(f"{path}: JSON nested too deeply") from None


def run_signature(args: argparse.Namespace, streams: Streams) -> int:
    """Print the signature a schema describes."""
    document = read_schema_file(args.schema)
    if not isinstance(document, (dict, bool)):
        raise UnrepresentableSchema(
            f"a schema is a JSON object, got {type(document).__name__}", pointer=""
        )
    signature = from_jsonschema(document, pointer=args.pointer)
    if args.format == "mlmodel":
        write_text(signature_to_mlmodel_yaml(signature), streams)
    else:
        write_json(signature_to_dict(signature), streams)
    return EXIT_OK


def add_dialect_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--dialect`` and ``--report`` to a command (the ``schema`` command uses them)."""
    parser.add_argument(
        "--dialect",
        choices=DIALECTS,
        default="2020-12",
        help="JSON Schema dialect of the output (default: 2020-12); older dialects "
        "drop what they cannot express and say so on stderr",
    )
    parser.add_argument(
        "--report",
        metavar="FILE",
        help="write the loss report (a JSON array of {pointer, keyword, consequence, "
        "effect}) to FILE; '-' for stdout is not allowed",
    )


def apply_dialect(
    schema: JSONObject | bool, args: argparse.Namespace, streams: Streams
) -> JSONObject | bool:
    """Convert ``schema`` per ``args.dialect``; summarize losses on stderr, write ``--report``.

    Raises:
        SourceError: the report file cannot be written.
    """
    dialect: Dialect = getattr(args, "dialect", None) or "2020-12"
    converted, losses = to_dialect(schema, dialect)
    if losses:
        streams.note(
            f"sig2jsonschema: {dialect} cannot express everything; "
            f"{len(losses)} constraint(s) dropped or weakened:"
        )
        for line in summarize(losses):
            streams.note(f"  {line}")
    report = getattr(args, "report", None)
    if report:
        if report == "-":
            raise SourceError("--report needs a file name ('-' is the schema's stdout)")
        try:
            Path(report).write_text(json.dumps(losses, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise SourceError(f"{report}: cannot write ({exc.strerror})") from None
    return converted


__all__ = [
    "add_dialect_arguments",
    "apply_dialect",
    "export_options",
    "read_schema_file",
    "register",
    "run_schema",
    "run_signature",
]
