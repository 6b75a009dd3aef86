"""``sig2jsonschema serve``: the signature's contract enforced in front of a scoring server.

Thin, like every command: it checks the arguments (the SOURCE, the upstream URL,
the port) so that bad input is one line and exit 2 before anything starts, then
hands over to `sig2jsonschema.serve`.  The ``serve`` package (and with it
starlette, uvicorn and httpx, the ``[serve]`` extra) is imported only here, inside
`run`, so the rest of the command line never loads a web server.
"""

from __future__ import annotations

import argparse
import socket
from typing import TYPE_CHECKING, Any

from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema.exceptions import Sig2JsonSchemaError

from ._common import (
    EXIT_BAD_INPUT,
    add_mlflow_version_argument,
    add_source_argument,
    positive_int,
)

if TYPE_CHECKING:
    from ._common import Streams

_EPILOG = """\
The sidecar judges every POST /invocations body with the Validator. A refused
body is answered by the sidecar (400; 413 over --max-body-bytes, 415 for a
Content-Type MLflow does not serve), shaped like MLflow's errors plus an
"errors" list, and never reaches the model. A valid body is forwarded byte for
byte; the model's answer comes back unchanged. Payload values are redacted from
answers and logs unless --no-redact (the opposite of `validate`, which is local).

routes:
  POST /invocations              judged, then forwarded (never retried)
  GET  /ping /health /version    forwarded: the model's readiness
  GET  /-/live                   the sidecar's own liveness (never forwarded)
  GET  /openapi.json /docs       the model's OpenAPI 3.1 document and API page
  GET  /metrics                  Prometheus metrics

example, next to `mlflow models serve`:
  mlflow models serve -m runs:/<run_id>/model --port 5001 --env-manager local &
  sig2jsonschema serve path/to/model --upstream http://127.0.0.1:5001 --port 8080
  curl -s localhost:8080/invocations -H 'Content-Type: application/json' \\
       -d '{"dataframe_records": [{"x": "oops"}]}'

--mlflow-version defaults, here, to what the upstream's GET /version answers
when that release is supported; otherwise as above. The first log line says
which release is judged for and why.

SIGTERM drains: new requests get 503 with Retry-After, in-flight ones complete,
then the sidecar exits 0. Logs: one JSON line per request on stderr.
exit codes: 0 stopped cleanly, 2 bad input (unreadable SOURCE, bad URL, port in use).
"""


def register(subparsers: Any) -> None:
    """Add the ``serve`` command."""
    parser = subparsers.add_parser(
        "serve",
        help="run a validating sidecar in front of a scoring server",
        description=(
            "Run a validating HTTP sidecar in front of an MLflow scoring server: refuse "
            "what the signature's contract refuses, forward the rest untouched, and "
            "publish the model's API docs and metrics. Needs the [serve] extra."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(parser)
    parser.add_argument(
        "--upstream",
        metavar="URL",
        required=True,
        help="the scoring server to protect: http:// or https:// URL",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument(
        "--port", type=_port, default=8080, help="port to listen on; 0 picks one (%(default)s)"
    )
    parser.add_argument(
        "--mode",
        choices=("strict", "mlflow"),
        default="strict",
        help="strict (default): the portable contract; mlflow: MLflow's own verdict",
    )
    add_mlflow_version_argument(parser)
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="S",
        default=60.0,
        help="seconds before an unanswered request gets 504 (%(default)s)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=positive_int,
        metavar="N",
        default=DEFAULT_LIMITS.max_body_bytes,
        help="largest body read; larger ones get 413 unread (%(default)s)",
    )
    parser.add_argument(
        "--no-redact",
        action="store_true",
        help="show payload values in error answers and logs (default: withheld)",
    )
    parser.add_argument(
        "--check-responses",
        action="store_true",
        help="check the model's answers against the signature's outputs (logged, counted)",
    )
    parser.add_argument("--no-docs", action="store_true", help="no /openapi.json and /docs")
    parser.add_argument("--no-metrics", action="store_true", help="no /metrics")
    parser.set_defaults(run=run)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def _listen(host: str, port: int) -> socket.socket:
    """The bound listening socket (so 'port in use' is reported before anything starts)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )[0]
        # proto must say TCP: asyncio turns Nagle's algorithm off only on sockets
        # whose proto is IPPROTO_TCP, and with it on every small answer waits for
        # the client's delayed ACK (about 40 ms).
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ValueError(f"cannot listen on {host}:{port} ({reason})") from None
    return sock


def run(args: argparse.Namespace, streams: Streams) -> int:
    """Check the arguments, then serve until drained."""
    try:
        from sig2jsonschema.serve import ServeSettings, build_sidecar, run_sidecar
    except ModuleNotFoundError as exc:
        streams.error(
            f"serve needs the [serve] extra ({exc.name} is missing): "
            "pip install 'sig2jsonschema[serve]'"
        )
        return EXIT_BAD_INPUT
    try:
        settings = ServeSettings(
            upstream=args.upstream,
            mode=args.mode,
            mlflow_version=args.mlflow_version,
            timeout=args.timeout,
            max_body_bytes=args.max_body_bytes,
            redact=not args.no_redact,
            check_responses=args.check_responses,
            docs=not args.no_docs,
            metrics=not args.no_metrics,
        )
        sock = _listen(args.host, args.port)
    except ValueError as exc:
        streams.error(str(exc))
        return EXIT_BAD_INPUT
    with sock:
        try:
            sidecar, note = build_sidecar(settings, args.source)
        except ValueError as exc:
            if isinstance(exc, Sig2JsonSchemaError):
                raise  # one line and exit 2, from the command line's own handler
            streams.error(str(exc))
            return EXIT_BAD_INPUT
        return run_sidecar(sidecar, sock, note=note, stderr=streams.stderr)


__all__ = ["register", "run"]
