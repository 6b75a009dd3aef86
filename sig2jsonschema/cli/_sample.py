"""``sample`` and ``fuzz``: generated request bodies, printed or sent to a server.

``sample SOURCE`` prints ``-n`` bodies as JSON lines (``--invalid``: labelled
near misses); the same ``--seed`` prints the same lines.  ``fuzz SOURCE
--url URL`` posts valid bodies and near misses to a running scoring server
and reports findings (`sig2jsonschema.strategies._fuzz`).  Hypothesis is imported only
when one of these commands runs.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from sig2jsonschema.exceptions import Sig2JsonSchemaError

from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    Streams,
    add_mlflow_version_argument,
    add_output_file_argument,
    add_source_argument,
    chosen_release,
)

if TYPE_CHECKING:
    from sig2jsonschema.strategies._fuzz import Case

_SAMPLE_EPILOG = """\
examples:
  sig2jsonschema sample fixtures/models/iris_sklearn_classifier -n 3 --seed 1
  sig2jsonschema sample path/to/model --envelope dataframe_split -o bodies.jsonl
  sig2jsonschema sample path/to/model --invalid -n 20

exit codes: 0 bodies printed, 1 no body form works for the signature, 2 bad input.
"""

_FUZZ_EPILOG = """\
examples:
  mlflow models serve -m path/to/model --env-manager local --port 5000 &
  sig2jsonschema fuzz path/to/model --url http://127.0.0.1:5000 -n 300
  sig2jsonschema fuzz path/to/model --url https://host/serving/invocations \\
      --header 'Authorization: Bearer TOKEN' --output json -o findings.json

exit codes: 0 no findings, 1 findings, 2 bad input or no scoring endpoint at URL.
"""


class UsageError(Sig2JsonSchemaError):
    """A bad option value (exit 2)."""


class NoBodyForm(Exception):
    """No body can be generated for the signature (exit 1; the message names the hazard)."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``sample`` and ``fuzz`` commands."""
    sample = subparsers.add_parser(
        "sample",
        help="print generated request bodies (JSON lines)",
        description=(
            "Print N request bodies that MLflow's scoring server serves unchanged, one "
            "compact JSON per line, in a body form that works for the signature. The same "
            "--seed prints the same lines. With --invalid, print labelled near misses "
            '({"rule": ..., "body": ...}) instead.'
        ),
        epilog=_SAMPLE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(sample)
    _common_options(sample)
    sample.add_argument(
        "--envelope",
        metavar="NAME",
        help="a body form (dataframe_split, inputs/records, ...) or a top-level key (inputs)",
    )
    sample.add_argument(
        "--invalid", action="store_true", help="print near misses labelled with the rule broken"
    )
    sample.set_defaults(run=run_sample)

    fuzz = subparsers.add_parser(
        "fuzz",
        help="send generated bodies to a running scoring server and report findings",
        description=(
            "POST strictly valid bodies and near misses to URL (and nothing else) and "
            "report: valid bodies rejected, 5xx answers, timeouts, and verdicts that differ "
            "from the chosen MLflow release's. Each finding is shrunk by re-posting smaller "
            "bodies and comes with a curl reproducer. Exit 1 when there are findings; exit 2 "
            "when the URL is no scoring endpoint (the first body is answered 404/405 or not "
            "at all: the run stops there)."
        ),
        epilog=_FUZZ_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(fuzz)
    _common_options(fuzz)
    fuzz.add_argument(
        "--url",
        required=True,
        help="the scoring server's URL: http://HOST:PORT (as `mlflow models serve` prints "
        "it) means its /invocations; any other path is used as given",
    )
    fuzz.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="an extra request header (repeatable)",
    )
    fuzz.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    fuzz.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    fuzz.add_argument("--shrink-budget", type=int, default=200, help="re-posts allowed per finding")
    fuzz.add_argument("--output", choices=("text", "json"), default="text", help="report format")
    fuzz.set_defaults(run=run_fuzz)


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", type=int, default=10, help="how many bodies (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    add_mlflow_version_argument(parser)
    add_output_file_argument(parser)


def _signature(args: argparse.Namespace) -> Any:
    from sig2jsonschema._signature.load import load_signature

    return load_signature(args.source)


def _draw(strategy: Any, n: int, seed: int) -> list[Any]:
    from sig2jsonschema.strategies._draw import CannotDraw, draw_examples

    try:
        return draw_examples(strategy, n, seed)
    except CannotDraw as exc:
        raise NoBodyForm(str(exc)) from None


def run_sample(args: argparse.Namespace, streams: Streams) -> int:
    """Print generated bodies (or near misses) as JSON lines."""
    from .. import strategies

    sig = _signature(args)
    release = chosen_release(args, sig.mlflow_version, streams)
    if args.n < 0:
        raise UsageError("-n must be 0 or more")
    _check_envelope(args.envelope)
    if args.invalid:
        strategy = strategies.invalid_requests(sig, args.envelope, mlflow_version=release)
    elif sig.inputs is None:
        streams.note(
            "sig2jsonschema: the signature declares no input schema: MLflow serves these "
            "bodies unchecked; the strict contract refuses every body (validate with --mode "
            "mlflow)"
        )
        strategy = strategies.schemaless_requests(sig, args.envelope)
    else:
        strategy = strategies.requests(sig, args.envelope, mlflow_version=release)
    try:
        examples = _draw(strategy, args.n, args.seed)
    except NoBodyForm as exc:
        streams.error(str(exc))
        return EXIT_FAILED
    for example in examples:
        document = example.to_dict() if args.invalid else example
        streams.stdout.write(json_line(document) + "\n")
    return EXIT_OK


def _check_envelope(envelope: str | None) -> None:
    from sig2jsonschema._hazards.verdicts import FORM_KEY, FORMS

    if envelope is not None and envelope not in FORMS and envelope not in FORM_KEY.values():
        known = ", ".join(FORMS)
        raise UsageError(f"unknown envelope {envelope!r}; expected a key or one of {known}")


#: Characters JSON may leave raw that line-splitting tools (``str.splitlines``) break on.
_LINE_BREAKERS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_line(document: Any) -> str:
    """Compact JSON on one line: UTF-8 text, with every line separator escaped."""
    line = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in _LINE_BREAKERS.items():
        line = line.replace(raw, escaped)
    return line


def _headers(raw: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for item in raw:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header must look like 'Name: value', got {item!r}")
        headers[name.strip()] = value.strip()
    return headers


def _cases(sig: Any, n: int, seed: int, release: str) -> list[Case]:
    """``n`` valid bodies and ``n // 2`` near misses, deterministic for ``seed``."""
    from sig2jsonschema._validate.validator import Validator
    from sig2jsonschema.strategies._fuzz import Case

    from .. import strategies

    validator = Validator(sig, mlflow_version=release)
    cases = [
        Case(body, validator.parse(body).form or "")
        for body in _draw(strategies.requests(sig, mlflow_version=release), n, seed)
    ]
    misses = _draw(strategies.invalid_requests(sig, mlflow_version=release), n // 2, seed)
    cases += [Case(m.body, m.form, m.rule, m.why) for m in misses]
    return cases


def run_fuzz(args: argparse.Namespace, streams: Streams) -> int:
    """Fuzz a running server; exit 1 when there are findings."""
    from sig2jsonschema.strategies._fuzz import Client, Fuzzer, NotAScoringEndpoint, render_text

    sig = _signature(args)
    release = chosen_release(args, sig.mlflow_version, streams)
    headers = _headers(args.header)
    try:
        client = Client(args.url, headers, args.timeout)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        cases = _cases(sig, max(args.n, 1), args.seed, release)
    except NoBodyForm as exc:
        streams.error(str(exc))
        return EXIT_FAILED
    progress = _progress(streams) if streams.is_terminal else None
    fuzzer = Fuzzer(
        sig,
        client,
        concurrency=args.concurrency,
        shrink_budget=args.shrink_budget,
        progress=progress,
        mlflow_version=release,
    )
    try:
        report = fuzzer.run(cases)
    except NotAScoringEndpoint as exc:
        raise UsageError(str(exc)) from None
    finally:
        if progress is not None:
            streams.stderr.write("\n")
    if args.output == "json":
        streams.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        streams.stdout.write(render_text(report))
    return EXIT_FAILED if report.findings else EXIT_OK


def _progress(streams: Streams) -> Any:
    def show(done: int, total: int) -> None:
        streams.stderr.write(f"\rfuzz: {done}/{total} requests")
        streams.stderr.flush()

    return show


__all__ = ["register", "run_fuzz", "run_sample"]
