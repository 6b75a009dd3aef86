"""The sidecar as one ASGI app: routes, the shutdown gate, and what is built at startup.

Layers, outermost first: `_Gate` (503 while draining, the in-flight count, one log
line for the routes the middleware does not log), `ValidationMiddleware` (judges
``POST /invocations``), then Starlette's router: ``/invocations``, ``/ping``,
``/health`` and ``/version`` go to the upstream; ``/-/live``, ``/openapi.json``,
``/docs`` and ``/metrics`` are answered by the sidecar.

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sig2jsonschema._payload.limits import DEFAULT_LIMITS

from ._metrics import CONTENT_TYPE, ServeMetrics
from ._middleware import ValidationMiddleware, logger, send_json
from ._openapi import sidecar_document
from ._proxy import Upstream

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from starlette.requests import Request

    from sig2jsonschema._validate.validator import Validator
    from sig2jsonschema.typing import Mode

    from ._middleware import ASGIApp, Receive, Scope, Send

#: Routes proxied to the upstream for readiness (GET).
READINESS_ROUTES = ("/ping", "/health", "/version")
#: The sidecar's own liveness route: it never touches the upstream.
LIVE_ROUTE = "/-/live"
#: Seconds a client is told to wait (Retry-After) while the sidecar shuts down.
RETRY_AFTER = 5
_ASSETS = {"docs.js": "text/javascript", "docs.css": "text/css"}


@dataclass(frozen=True)
class ServeSettings:
    """What ``sig2jsonschema serve`` is told on its command line.

    Raises:
        ValueError: an upstream URL that is not ``http(s)://host[:port][/path]``,
            or a timeout or size that is not positive.

    .. versionadded:: 0.1
    """

    #: The scoring server to protect: ``http://`` or ``https://``, host, optional port/path.
    upstream: str
    mode: Mode = "strict"
    #: The MLflow release to judge for; None: the upstream's ``/version``, else the model's.
    mlflow_version: str | None = None
    #: Seconds before an unanswered forwarded request gets 504.
    timeout: float = 60.0
    max_body_bytes: int = DEFAULT_LIMITS.max_body_bytes
    #: Withhold payload values from answers and logs (the default on a network face).
    redact: bool = True
    check_responses: bool = False
    docs: bool = True
    metrics: bool = True

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                f"--upstream {self.upstream!r}: expected an http:// or https:// URL "
                "with a host, such as http://127.0.0.1:5001"
            )
        if parts.query or parts.fragment:
            raise ValueError(f"--upstream {self.upstream!r}: a query or fragment is not allowed")
        try:
            parts.port  # noqa: B018 (urllib checks the port only when asked)
        except ValueError:
            raise ValueError(f"--upstream {self.upstream!r}: the port is not a number") from None
        if self.timeout <= 0:
            raise ValueError(f"--timeout must be positive, got {self.timeout:g}")
        if self.max_body_bytes < 1:
            raise ValueError(f"--max-body-bytes must be at least 1, got {self.max_body_bytes}")


class Sidecar:
    """The sidecar's state: validator, metrics, upstream, and the shutdown gate.

    ``app`` is the ASGI app to run.  ``draining`` is set by the server on SIGTERM;
    from then on new requests get 503 and the server exits once ``inflight`` is 0.

    .. versionadded:: 0.1
    """

    def __init__(self, settings: ServeSettings, source: Any, validator: Validator) -> None:
        self.settings = settings
        self.validator = validator
        self.metrics = ServeMetrics()
        self.draining = False
        self.inflight = 0
        self.upstream = Upstream(
            settings.upstream,
            timeout=settings.timeout,
            metrics=self.metrics,
            on_response=self._check_response if settings.check_responses else None,
            response_cap=settings.max_body_bytes,
        )
        self.openapi = json.dumps(
            sidecar_document(
                source,
                mode=settings.mode,
                metrics=settings.metrics,
                max_body_bytes=settings.max_body_bytes,
                timeout=settings.timeout,
            ),
            ensure_ascii=False,
        ).encode("utf-8")
        routes = [Route("/invocations", self.upstream, methods=["POST"])]
        routes += [Route(path, self.upstream, methods=["GET"]) for path in READINESS_ROUTES]
        routes.append(Route(LIVE_ROUTE, self._live, methods=["GET"]))
        if settings.docs:
            routes.append(Route("/openapi.json", self._openapi, methods=["GET"]))
            routes.append(Route("/docs", self._docs, methods=["GET"]))
            routes.append(Route("/docs/assets/{name}", self._asset, methods=["GET"]))
        if settings.metrics:
            routes.append(Route("/metrics", self._metrics, methods=["GET"]))
        router = Starlette(routes=routes, lifespan=self._lifespan)
        guarded = ValidationMiddleware(
            router,
            validator=validator,
            max_body_bytes=settings.max_body_bytes,
            metrics=self.metrics,
        )
        #: The ASGI app to run.
        self.app: ASGIApp = _Gate(guarded, self)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await self.upstream.start()
        try:
            yield
        finally:
            await self.upstream.stop()

    def _check_response(self, body: bytes | None) -> None:
        if body is None or self.validator.signature.outputs is None:
            self.metrics.responses.inc("unchecked")
            return
        errors = list(self.validator.iter_response_errors(body))
        self.metrics.responses.inc("invalid" if errors else "valid")
        for error in errors:
            self.metrics.response_errors.inc(error.keyword)
        if errors:
            logger.warning(
                json.dumps(
                    {
                        "event": "response_invalid",
                        "errors": [
                            {"pointer": e.pointer, "keyword": e.keyword, "field": e.field}
                            for e in errors[:5]
                        ],
                    }
                )
            )

    async def _live(self, _request: Request) -> Response:
        return JSONResponse({"status": "alive", "draining": self.draining})

    async def _openapi(self, _request: Request) -> Response:
        return Response(self.openapi, media_type="application/json")

    async def _docs(self, _request: Request) -> Response:
        return Response(_asset_bytes("docs.html"), media_type="text/html; charset=utf-8")

    async def _asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _ASSETS:
            return JSONResponse({"error_code": "NOT_FOUND", "message": name}, status_code=404)
        return Response(_asset_bytes(name), media_type=_ASSETS[name])

    async def _metrics(self, _request: Request) -> Response:
        return Response(self.metrics.render(), media_type=CONTENT_TYPE)


def _asset_bytes(name: str) -> bytes:
    return (resources.files(__package__) / "assets" / name).read_bytes()


class _Gate:
    """503 while draining; the in-flight count; a log line for the unjudged routes."""

    def __init__(self, app: ASGIApp, sidecar: Sidecar) -> None:
        self.app = app
        self.sidecar = sidecar
        self.judged = "/invocations"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sidecar = self.sidecar
        if sidecar.draining:
            sidecar.metrics.requests.inc("draining", "other")
            await send_json(
                send,
                503,
                {"error_code": "SERVICE_UNAVAILABLE", "message": "the sidecar is shutting down"},
                [(b"retry-after", str(RETRY_AFTER).encode())],
            )
            _log_route(scope, 503, 0.0)
            return
        sidecar.inflight += 1
        try:
            if scope["path"] == self.judged and scope["method"] == "POST":
                await self.app(scope, receive, send)
                return
            started = time.perf_counter()
            status: list[int] = []

            async def send_status(message: Any) -> None:
                if message["type"] == "http.response.start":
                    status.append(message["status"])
                await send(message)

            await self.app(scope, receive, send_status)
            _log_route(scope, status[0] if status else None, time.perf_counter() - started)
        finally:
            sidecar.inflight -= 1


def _log_route(scope: Scope, status: int | None, seconds: float) -> None:
    if logger.isEnabledFor(logging.INFO):
        record = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "ms": round(seconds * 1000, 3),
        }
        logger.info(json.dumps(record))


__all__ = ["LIVE_ROUTE", "READINESS_ROUTES", "RETRY_AFTER", "ServeSettings", "Sidecar"]
