"""A small HTTP/1.1 client for the one upstream the sidecar forwards to.

Why not httpx for forwarding: measured on loopback (benchmarks/serve.py), an
``httpx.AsyncClient`` managed about 1,400 requests per second from one client and
about 550 from 50 concurrent ones, so the sidecar could not outpace MLflow's own
server by the margin the issue asks for (3x).  Forwarding to one known upstream needs
little: keep-alive connections in a pool, a request written in one go, a response
read by ``Content-Length``, chunks or connection close.  This module does only that,
on asyncio streams (TLS through ``ssl`` for ``https://`` upstreams).

It never retries: a request is written once, and any failure after that is the
caller's 502, so a POST is never sent twice.  Idle connections older than
`IDLE_SECONDS` are dropped rather than reused, which keeps clear of upstreams closing
idle keep-alive connections (uvicorn, which MLflow runs, closes them after 5 s).

.. versionadded:: 0.1
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

#: Idle pooled connections older than this are closed instead of reused (seconds).
IDLE_SECONDS = 2.0
#: Idle connections kept per upstream.
MAX_IDLE = 64
#: The largest response head (status line and headers) read, in bytes.
MAX_HEAD = 64 * 1024
_CHUNK = 64 * 1024


class UpstreamError(Exception):
    """The upstream could not be reached or broke the exchange (``kind`` says which)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        #: ``connect`` (refused, down, unresolvable) or ``protocol`` (closed, garbled).
        self.kind = kind


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    def usable(self) -> bool:
        return (
            not self.writer.is_closing()
            and not self.reader.at_eof()
            and time.monotonic() - self.idle_since < IDLE_SECONDS
        )

    def close(self) -> None:
        self.writer.close()


class Response:
    """An upstream answer: status and raw headers now, the body streamed by `body`."""

    def __init__(
        self,
        connection: _Connection,
        pool: Pool,
        status: int,
        headers: list[tuple[bytes, bytes]],
        *,
        length: int | None,
        chunked: bool,
        keep_alive: bool,
    ) -> None:
        self._connection: _Connection | None = connection
        self._pool = pool
        self.status = status
        #: Header names lower-cased, values as sent.
        self.headers = headers
        self._length = length
        #: The body's declared length (None: chunked or until the connection closes).
        self.length = None if chunked else length
        self._chunked = chunked
        self._keep_alive = keep_alive

    async def body(self) -> AsyncIterator[bytes]:
        """The body's bytes, de-chunked, as they arrive."""
        connection = self._connection
        assert connection is not None
        reader = connection.reader
        try:
            if self._chunked:
                while True:
                    line = await reader.readuntil(b"\r\n")
                    size = int(line.split(b";", 1)[0].strip(), 16)
                    if size == 0:
                        while (await reader.readuntil(b"\r\n")) != b"\r\n":
                            pass  # trailers: dropped, as hop-by-hop framing
                        break
                    yield await reader.readexactly(size)
                    await reader.readexactly(2)
            elif self._length is not None:
                left = self._length
                while left > 0:
                    data = await reader.read(min(left, _CHUNK))
                    if not data:
                        raise UpstreamError("protocol", "the upstream closed mid-body")
                    left -= len(data)
                    yield data
            else:
                self._keep_alive = False
                while data := await reader.read(_CHUNK):
                    yield data
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            self._keep_alive = False
            raise UpstreamError("protocol", f"the upstream broke off its answer ({exc})") from None
        except ValueError:
            self._keep_alive = False
            raise UpstreamError("protocol", "the upstream sent a malformed chunk") from None
        finally:
            if self._keep_alive:
                self._pool.release(connection)
            else:
                connection.close()
            self._connection = None

    def close(self) -> None:
        """Drop the connection when the body was not read to the end."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class Pool:
    """Keep-alive connections to one upstream base URL."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or ""
        self.tls = parts.scheme == "https"
        self.port = parts.port or (443 if self.tls else 80)
        self.prefix = parts.path.rstrip("/").encode()
        default = 443 if self.tls else 80
        self.authority = (self.host if self.port == default else f"{self.host}:{self.port}").encode(
            "idna"
        )
        self._idle: deque[_Connection] = deque()
        self._ssl = ssl.create_default_context() if self.tls else None

    async def _connect(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()  # the most recently used: the least likely stale
            if connection.usable():
                return connection
            connection.close()
        try:
            reader, writer = await asyncio.open_connection(
                self.host, self.port, ssl=self._ssl, limit=MAX_HEAD
            )
        except (OSError, ssl.SSLError) as exc:
            raise UpstreamError("connect", str(exc) or type(exc).__name__) from None
        return _Connection(reader, writer)

    def release(self, connection: _Connection) -> None:
        """Return a connection whose answer was read to the end."""
        if len(self._idle) < MAX_IDLE and connection.usable():
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    async def request(
        self, method: str, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> Response:
        """Send one request (once) and read the answer's head."""
        connection = await self._connect()
        head = [method.encode("ascii"), b" ", self.prefix, target, b" HTTP/1.1\r\nhost: ",
                self.authority, b"\r\n"]  # fmt: skip
        for name, value in headers:
            head += [name, b": ", value, b"\r\n"]
        if body or method in {"POST", "PUT", "PATCH"}:
            head += [b"content-length: ", str(len(body)).encode("ascii"), b"\r\n"]
        head.append(b"\r\n")
        try:
            connection.writer.write(b"".join(head) + body)
            status, answer_headers = await self._read_head(connection.reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            connection.close()
            detail = str(exc) or type(exc).__name__
            raise UpstreamError("protocol", f"no answer ({detail})") from None
        except BaseException:
            connection.close()  # cancelled (timeout): the connection's state is unknown
            raise
        length: int | None = None
        chunked = keep_alive = False
        keep_alive = True
        for name, value in answer_headers:
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection" and b"close" in value.lower():
                keep_alive = False
        if method == "HEAD" or status in {204, 304}:
            length, chunked = 0, False
        return Response(
            connection, self, status, answer_headers,
            length=length, chunked=chunked, keep_alive=keep_alive,
        )  # fmt: skip

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> tuple[int, list[tuple[bytes, bytes]]]:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head[:-4].split(b"\r\n")
            parts = lines[0].split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
                raise ValueError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
            status = int(parts[1])
            if 100 <= status < 200:
                continue  # 100 Continue and other interim answers
            headers = []
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers.append((name.strip().lower(), value.strip()))
            return status, headers

    async def aclose(self) -> None:
        """Close every idle connection."""
        while self._idle:
            self._idle.pop().close()


__all__ = ["IDLE_SECONDS", "Pool", "Response", "UpstreamError"]
