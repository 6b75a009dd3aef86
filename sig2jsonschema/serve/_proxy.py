"""Forwarding to the upstream scoring server, over pooled connections.

A request is forwarded once (`sig2jsonschema.serve._client` never retries), so a POST
that the upstream may have seen is never sent twice; a failure becomes the sidecar's own
answer (502 refused or broken, 504 slower than the timeout) naming the upstream.
The upstream's answer is streamed back as it came: status, end-to-end headers, and
the raw bytes (no decompression, no re-encoding).

.. versionadded:: 0.1
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import anyio

from ._client import Pool, UpstreamError
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
#: Answers up to this size (with a Content-Length) are read whole before they are sent;
#: larger ones, and chunked ones, are streamed as they arrive.
BUFFERED_BYTES = 1024 * 1024
#: Request headers the client library writes itself for the upstream connection.
_REWRITTEN = frozenset({b"host", b"content-length", b"expect"})


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
    """The upstream scoring server: a connection pool, and the forwarding ASGI app.

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
        self.pool = Pool(self.url)

    async def start(self) -> None:
        """Nothing to open: connections are made on first use (ASGI lifespan startup)."""

    async def stop(self) -> None:
        """Close the idle connections (ASGI lifespan shutdown)."""
        await self.pool.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Forward one request and stream the answer back."""
        body = await _read_all(receive) if scope["method"] in {"POST", "PUT", "PATCH"} else b""
        target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        headers = end_to_end(scope["headers"], also=_REWRITTEN)
        started = time.perf_counter()
        sent_head = False
        check = self.on_response is not None and scope["path"].endswith("/invocations")
        kept: list[bytes] = []
        size = 0
        try:
            with anyio.fail_after(self.timeout):
                response = await self.pool.request(scope["method"], target, headers, body)
                self.metrics.upstream_responses.inc(str(response.status))
                scope[UPSTREAM_STATUS] = response.status
                check = check and response.status == 200
                head = {
                    "type": "http.response.start",
                    "status": response.status,
                    "headers": end_to_end(response.headers, also=frozenset()),
                }
                try:
                    if response.length is not None and response.length <= BUFFERED_BYTES:
                        # A small answer is read whole before anything is sent: if the
                        # upstream dies mid-answer the client still gets a 502, not a
                        # cut connection.
                        data = b"".join([chunk async for chunk in response.body()])
                        await send(head)
                        sent_head = True
                        await send({"type": "http.response.body", "body": data})
                        kept, size = [data], len(data)
                    else:
                        await send(head)
                        sent_head = True
                        async for chunk in response.body():
                            await send(
                                {"type": "http.response.body", "body": chunk, "more_body": True}
                            )
                            if check and size <= self.response_cap:
                                kept.append(chunk)
                                size += len(chunk)
                        await send({"type": "http.response.body", "body": b""})
                finally:
                    response.close()
        except TimeoutError:
            if sent_head:
                # The answer broke off after its status was sent: nothing truthful can
                # be added, so the client's connection is dropped (by the server).
                self.metrics.upstream_errors.inc("timeout")
                raise
            await self._fail(send, 504, "timeout")
            return
        except UpstreamError as exc:
            if sent_head:
                self.metrics.upstream_errors.inc("interrupted")
                raise
            await self._fail(send, 502, exc.kind)
            return
        finally:
            elapsed = time.perf_counter() - started
            scope[UPSTREAM_SECONDS] = elapsed
            self.metrics.upstream_seconds.observe(elapsed)
        if check and self.on_response is not None:
            self.on_response(b"".join(kept) if size <= self.response_cap else None)

    async def _fail(self, send: Send, status: int, kind: str) -> None:
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


__all__ = ["BUFFERED_BYTES", "HOP_BY_HOP", "Upstream", "end_to_end"]
