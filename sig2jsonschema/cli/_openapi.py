"""``sig2jsonschema openapi``: an OpenAPI document for a model's MLflow scoring server.

Thin, like every command: `sig2jsonschema._export.openapi.openapi_document` builds the
document; this module parses arguments, writes JSON or YAML, and summarises on
stderr what the schema conversion had to weaken (``--report FILE`` has it all) and
which examples were left out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sig2jsonschema._export.dialects.convert import summarize
from sig2jsonschema._export.openapi import openapi_document
from sig2jsonschema.exceptions import SignatureError, SourceError

from ._common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    add_mlflow_version_argument,
    add_output_file_argument,
    chosen_release,
    write_json,
    write_text,
)

if TYPE_CHECKING:
    from ._common import Streams

_EPILOG = """\
gateways (docs/gateways.md):
  Apigee, Azure API Management     --version 3.0
  IBM DataPower API Gateway        --version 3.1 --schema-dialect draft-04
  Kong, AWS API Gateway (models)   use `sig2jsonschema schema SOURCE --dialect draft-04`

examples:
  sig2jsonschema openapi fixtures/models/iris_sklearn_classifier
  sig2jsonschema openapi fixtures/models/iris_sklearn_classifier --version 3.0 --format yaml \\
      -o openapi.yaml
  sig2jsonschema openapi --model iris=models/iris --model mnist=models/mnist \\
      --server https://gateway.example.com

exit codes: 0 document written, 2 bad input.
"""


def register(subparsers: Any) -> None:
    """Add the ``openapi`` command."""
    parser = subparsers.add_parser(
        "openapi",
        help="write an OpenAPI document for the model's MLflow scoring server",
        description=(
            "Write an OpenAPI document describing an MLflow scoring server (2.22, 3.17 or "
            "3.18) for a model: POST /invocations (JSON and CSV bodies, predictions, "
            "MLflow's error body and status codes) and GET /ping, /health, /version."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "source",
        metavar="SOURCE",
        nargs="?",
        help="an MLmodel file, a model directory, or a signature JSON file (served at "
        "/invocations); optional when --model is given",
    )
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="NAME=SOURCE",
        help="also serve SOURCE under /NAME/invocations (repeatable: one document for a "
        "gateway in front of several models)",
    )
    parser.add_argument(
        "--version",
        dest="oas_version",
        choices=("3.1", "3.0"),
        default="3.1",
        help="OpenAPI version (default: 3.1; 3.0 down-converts the schemas and reports losses)",
    )
    parser.add_argument(
        "--schema-dialect",
        choices=("2020-12", "draft-04"),
        default="2020-12",
        help="JSON Schema dialect of a 3.1 document's schemas (draft-04: IBM DataPower)",
    )
    parser.add_argument(
        "--mode",
        choices=("strict", "mlflow"),
        default="strict",
        help="request schemas for the strict contract (default) or for MLflow's own verdicts",
    )
    parser.add_argument(
        "--format", choices=("json", "yaml"), default="json", help="output format (default: json)"
    )
    add_mlflow_version_argument(parser)
    parser.add_argument("--title", help="info.title of the document")
    parser.add_argument(
        "--server", action="append", default=[], metavar="URL", help="a server URL (repeatable)"
    )
    add_output_file_argument(parser)
    parser.add_argument(
        "--output",
        dest="deprecated_output",
        metavar="FILE",
        help="deprecated spelling of --output-file (warns)",
    )
    parser.add_argument(
        "--report", metavar="FILE", help="write the schema conversion's loss report to FILE"
    )
    parser.set_defaults(run=run)


def _models(pairs: list[str]) -> dict[str, str]:
    models: dict[str, str] = {}
    for pair in pairs:
        name, sep, source = pair.partition("=")
        if not sep or not name or not source:
            raise SignatureError(f"expected NAME=SOURCE, got {pair!r}", where="--model")
        if name in models:
            raise SignatureError(f"model name {name!r} given twice", where="--model")
        models[name] = source
    return models


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Build the document and write it; notes and losses go to stderr."""
    if args.source is None and not args.model:
        streams.error("give a SOURCE or at least one --model NAME=SOURCE")
        return EXIT_BAD_INPUT
    if args.schema_dialect == "draft-04" and args.oas_version != "3.1":
        streams.error("--schema-dialect draft-04 needs --version 3.1")
        return EXIT_BAD_INPUT
    release = None
    if args.mlflow_version is not None:
        release = chosen_release(args, None, streams)
    elif args.source is not None:
        from sig2jsonschema._signature.load import load_signature

        chosen_release(args, load_signature(args.source).mlflow_version, streams)
    result = openapi_document(
        args.source,
        models=_models(args.model),
        mlflow_version=release,
        version=args.oas_version,
        mode=args.mode,
        title=args.title,
        servers=args.server,
        schema_dialect=args.schema_dialect,
    )
    for note in result.notes:
        streams.note(f"sig2jsonschema: {note}")
    if result.losses:
        what = f"OpenAPI {args.oas_version}"
        if args.schema_dialect == "draft-04":
            what += " with draft-04 schemas"
        streams.note(
            f"sig2jsonschema: {what} cannot express everything; "
            f"{len(result.losses)} constraint(s) dropped or weakened:"
        )
        for line in summarize(result.losses):
            streams.note(f"  {line}")
    if args.report:
        try:
            Path(args.report).write_text(json.dumps(result.losses, indent=2) + "\n", "utf-8")
        except OSError as exc:
            raise SourceError(f"{args.report}: cannot write ({exc.strerror})") from None
    if args.format == "yaml":
        import yaml

        text = yaml.safe_dump(result.document, sort_keys=False, allow_unicode=True, width=100)
        write_text(text, streams)
    else:
        write_json(result.document, streams)
    return EXIT_OK


__all__ = ["register", "run"]
