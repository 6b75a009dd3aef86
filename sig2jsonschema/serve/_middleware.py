"""`ValidationMiddleware`: the sidecar's checks as ASGI middleware for any app.

It sits in front of a user's own Starlette or FastAPI app (or the sidecar's proxy)
and judges every ``POST /invocations`` body before the app sees it:

* a refused body is answered here (400, 413 or 415; see `sig2jsonschema.serve._verdict`)
  and never reaches the app;
* a valid body is handed to the app byte for byte, as one ``http.request`` message;
* a client that disconnects before its body is complete reaches nothing.

The body is read at most ``max_body_bytes`` far: a declared ``Content-Length`` over the
limit is refused before a byte is read, and a streamed body as soon as it passes it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema._validate.validator import Validator

from ._metrics import ServeMetrics
from ._verdict import FieldLabels, Verdict, body_form, too_large, unjudged, verdict_of

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, MutableMapping

    from sig2jsonschema.typing import Mode

    Scope = MutableMapping[str, Any]
    Message = MutableMapping[str, Any]
    Receive = Callable[[], Awaitable[Message]]
    Send = Callable[[Message], Awaitable[None]]
    ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The logger of one structured line per request (JSON), redacted as the answers are.
logger = logging.getLogger("sig2jsonschema.serve")

#: Bodies larger than this are judged in a worker thread, so that one large body does
#: not stall every other connection; smaller ones are judged inline, where a thread
#: hop would cost more than the judging.
OFFLOAD_BYTES = 64 * 1024
#: Scope key where the proxy records the upstream's share of the request time.
UPSTREAM_SECONDS = "sig2jsonschema.upstream_seconds"
#: Scope key where the proxy records the upstream's status.
UPSTREAM_STATUS = "sig2jsonschema.upstream_status"


class _Disconnected(Exception):
    """The client went away before its body was complete."""


class ValidationMiddleware:
    """Refuse what the signature's contract refuses before an ASGI app sees it.

    Args:
        app: the ASGI app to protect (a Starlette or FastAPI app, or any ASGI callable).
        signature: a `Signature` or anything `load_signature` reads; or give ``validator``.
        validator: a ready `Validator` (then ``mode``, ``redact`` and ``mlflow_version``
            are its own).
        path: the scoring route to guard (other routes pass through untouched).
        mode: ``strict`` (default) or ``mlflow``.
        redact: withhold payload values from answers and logs (default True: this is a
            network face; ``validate --redact`` is opt-in because it is local).
        mlflow_version: the MLflow release to judge for (see `Validator`).
        max_body_bytes: the largest body read; larger ones get 413 unread.
        metrics: where to count verdicts and errors (a new `ServeMetrics` by default).

    Example::

        from fastapi import FastAPI
        from sig2jsonschema.serve import ValidationMiddleware

        app = FastAPI()
        app.add_middleware(ValidationMiddleware, signature="path/to/model")

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        app: ASGIApp,
        signature: Any = None,
        *,
        validator: Validator | None = None,
        path: str = "/invocations",
        mode: Mode = "strict",
        redact: bool = True,
        mlflow_version: str | None = None,
        max_body_bytes: int = DEFAULT_LIMITS.max_body_bytes,
        metrics: ServeMetrics | None = None,
    ) -> None:
        if validator is None:
            if signature is None:
                raise ValueError("give a signature or a validator")
            validator = Validator(
                signature,
                mode=mode,
                redact=redact,
                mlflow_version=mlflow_version,
                limits=DEFAULT_LIMITS.replace(max_body_bytes=max_body_bytes),
            )
        self.app = app
        self.validator = validator
        self.path = path
        self.max_body_bytes = min(max_body_bytes, validator.limits.max_body_bytes)
        self.metrics = metrics or ServeMetrics()
        self.fields = FieldLabels(validator.signature)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or scope["path"] != self.path or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            verdict, body = await self._judge(scope, receive)
        except _Disconnected:
            self.metrics.requests.inc("disconnected", "other")
            self._log(scope, started, None, Verdict("disconnected", "other"))
            return
        judged = time.perf_counter()
        self.metrics.validation_seconds.observe(judged - started)
        self.metrics.requests.inc(verdict.verdict, verdict.form)
        if not verdict.valid:
            for error in verdict.errors:
                self.metrics.errors.inc(error.keyword, self.fields.label(error.field))
            await _send_json(send, verdict.status, verdict.answer())
            self.metrics.own_seconds.observe(time.perf_counter() - started)
            self._log(scope, started, verdict.status, verdict)
            return
        status: list[int] = []

        body_box: list[bytes | None] = [body]

        async def receive_once() -> Message:
            if body_box[0] is not None:
                data, body_box[0] = body_box[0], None
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        try:
            await self.app(scope, receive_once, send_status)
        finally:
            upstream = scope.get(UPSTREAM_SECONDS, 0.0)
            self.metrics.own_seconds.observe(time.perf_counter() - started - upstream)
            self._log(scope, started, status[0] if status else None, verdict)

    async def _judge(self, scope: Scope, receive: Receive) -> tuple[Verdict, bytes]:
        headers = dict(scope["headers"])
        # A missing header is judged as an empty one: MLflow crashes (500) on it, the
        # sidecar refuses it (415) like any Content-Type MLflow does not serve.
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        redact = self.validator.redact
        declared = _content_length(headers.get(b"content-length"))
        if declared is not None and declared > self.max_body_bytes:
            return too_large(self.max_body_bytes, declared=declared, redact=redact), b""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return too_large(self.max_body_bytes, declared=None, redact=redact), b""
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return await self._verdict(body, content_type), body

    async def _verdict(self, body: bytes, content_type: str) -> Verdict:
        def judge() -> Verdict:
            try:
                errors = list(self.validator.iter_errors(body, content_type=content_type))
            except Exception:
                # Fail closed: a body the validator cannot judge is not forwarded, and
                # it is still the body's 400, not a 500 of the sidecar's.
                logger.exception("the validator failed on a body; refused")
                errors = [unjudged(redact=self.validator.redact)]
            return verdict_of(errors, body_form(body, content_type))

        if len(body) <= OFFLOAD_BYTES:
            return judge()
        import anyio.to_thread

        return await anyio.to_thread.run_sync(judge)

    def _log(self, scope: Scope, started: float, status: int | None, verdict: Verdict) -> None:
        if not logger.isEnabledFor(logging.INFO):
            return
        record: dict[str, Any] = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "ms": round((time.perf_counter() - started) * 1000, 3),
            "verdict": verdict.verdict,
            "form": verdict.form,
        }
        if UPSTREAM_STATUS in scope:
            record["upstream_status"] = scope[UPSTREAM_STATUS]
            record["upstream_ms"] = round(scope.get(UPSTREAM_SECONDS, 0.0) * 1000, 3)
        if verdict.errors:
            record["errors"] = [
                {"pointer": e.pointer, "keyword": e.keyword, "field": e.field}
                | ({} if self.validator.redact else {"message": e.message})
                for e in verdict.errors[:5]
            ]
        logger.info(json.dumps(record, ensure_ascii=False))


def _content_length(value: bytes | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


async def _send_json(
    send: Send, status: int, document: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer with a JSON document (the sidecar's own answers)."""
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode("ascii")),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


send_json = _send_json

__all__ = [
    "OFFLOAD_BYTES",
    "UPSTREAM_SECONDS",
    "UPSTREAM_STATUS",
    "ValidationMiddleware",
    "send_json",
]
