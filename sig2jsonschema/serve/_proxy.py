"""Forwarding to the upstream scoring server, over pooled connections.

A request is forwarded once: ``httpx`` is used with no retries, so a POST that the
upstream may have seen is never sent twice; a failure becomes the sidecar's own
answer (502 refused or broken, 504 slower than the timeout) naming the upstream.
The upstream's answer is streamed back as it came: status, end-to-end headers, and
the raw bytes (no decompression, no re-encoding).

.. versionadded:: 0.1
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._middleware import UPSTREAM_SECONDS, UPSTREAM_STATUS, send_json

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._metrics import ServeMetrics
    from ._middleware import Receive, Scope, Send

#: RFC 9110 section 7.6.1: headers meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
#: Request headers the client library writes itself for the upstream connection.
_REWRITTEN = frozenset({b"host", b"content-length"})


def end_to_end(headers: list[tuple[bytes, bytes]], *, also: frozenset[bytes]) -> list[Any]:
    """``headers`` less the hop-by-hop ones (and those the Connection header names)."""
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    return [
        (name, value)
        for name, value in headers
        if (low := name.lower()) not in HOP_BY_HOP and low not in named and low not in also
    ]


class Upstream:
    """The upstream scoring server: one pooled client, and the forwarding ASGI app.

    Args:
        url: ``http://`` or ``https://`` base URL; its path, if any, prefixes every route.
        timeout: seconds before a request the upstream has not answered gets 504.
        metrics: where upstream statuses, errors and latency are counted.
        on_response: called with the body of every 200 answer to ``/invocations``
            (``--check-responses``), after the client has it; None when the body was
            larger than ``response_cap`` and so was not kept.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        metrics: ServeMetrics,
        on_response: Callable[[bytes | None], None] | None = None,
        response_cap: int = 4 * 1024 * 1024,
    ) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.metrics = metrics
        self.on_response = on_response
        self.response_cap = response_cap
        self.client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the connection pool (ASGI lifespan startup)."""
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout),
            limits=httpx.Limits(max_connections=256, max_keepalive_connections=64),
            # A sidecar talks to one known upstream: proxies and .netrc from the
            # environment would only surprise.
            trust_env=False,
            follow_redirects=False,
            transport=httpx.AsyncHTTPTransport(retries=0),
        )

    async def stop(self) -> None:
        """Close the connection pool (ASGI lifespan shutdown)."""
        if self.client is not None:
            await self.client.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Forward one request and stream the answer back."""
        if self.client is None:  # an app run without its lifespan
            await self.start()
        assert self.client is not None
        body = await _read_all(receive) if scope["method"] in {"POST", "PUT", "PATCH"} else b""
        target = self.url + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope.get("query_string"):
            target += "?" + scope["query_string"].decode("latin-1")
        request = self.client.build_request(
            scope["method"],
            target,
            headers=end_to_end(scope["headers"], also=_REWRITTEN),
            content=body,
        )
        started = time.perf_counter()
        try:
            with anyio.fail_after(self.timeout):
                response = await self.client.send(request, stream=True)
        except (TimeoutError, httpx.TimeoutException):
            await self._fail(scope, send, started, 504, "timeout")
            return
        except httpx.ConnectError:
            await self._fail(scope, send, started, 502, "connect")
            return
        except httpx.HTTPError:
            await self._fail(scope, send, started, 502, "protocol")
            return
        self.metrics.upstream_responses.inc(str(response.status_code))
        scope[UPSTREAM_STATUS] = response.status_code
        check = (
            self.on_response is not None
            and response.status_code == 200
            and scope["path"].endswith("/invocations")
        )
        kept: list[bytes] = []
        size = 0
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": end_to_end(response.headers.raw, also=frozenset()),
                }
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if check and size <= self.response_cap:
                    kept.append(chunk)
                    size += len(chunk)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except httpx.HTTPError:
            # The answer broke off after its status was sent: nothing truthful can be
            # added, so the client's connection is dropped (by the server) instead.
            self.metrics.upstream_errors.inc("interrupted")
            raise
        finally:
            await response.aclose()
            elapsed = time.perf_counter() - started
            scope[UPSTREAM_SECONDS] = elapsed
            self.metrics.upstream_seconds.observe(elapsed)
        if check and self.on_response is not None:
            self.on_response(b"".join(kept) if size <= self.response_cap else None)

    async def _fail(self, scope: Scope, send: Send, started: float, status: int, kind: str) -> None:
        elapsed = time.perf_counter() - started
        scope[UPSTREAM_SECONDS] = elapsed
        self.metrics.upstream_errors.inc(kind)
        what = {
            "timeout": f"did not answer within {self.timeout:g} s",
            "connect": "refused the connection or is down",
            "protocol": "broke the connection without a complete answer",
        }[kind]
        await send_json(
            send,
            status,
            {
                "error_code": "UPSTREAM_TIMEOUT" if status == 504 else "UPSTREAM_UNAVAILABLE",
                "message": f"the upstream {self.url} {what}; the request was not retried",
                "upstream": self.url,
            },
        )


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


__all__ = ["HOP_BY_HOP", "Upstream", "end_to_end"]
