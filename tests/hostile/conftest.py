"""Helpers for the hostile-input tests: a hang guard, CLI runner, no-network switch.

No test here asserts on elapsed time.  ``hang_guard`` is a hang *detector*:
it turns "never returns" into a failure after a generous bound, so a
regression to unbounded work fails loudly instead of stalling CI.
"""

from __future__ import annotations

import contextlib
import io
import signal
import socket
import threading
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


#: Seconds after which a hostile input counts as a hang (not a timing assertion).
HANG_SECONDS = 60


class Hang(Exception):
    """Raised in the test's thread when the guarded block runs past its bound."""


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_SECONDS) -> Iterator[None]:
    """Fail (raise `Hang`) if the block runs longer than ``seconds``.

    Uses ``SIGALRM``, so it works only in the main thread (where pytest and
    xdist workers run tests); elsewhere it is a no-op.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def _fire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds} s: treated as a hang")

    previous = signal.signal(signal.SIGALRM, _fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def guard() -> Callable[..., contextlib.AbstractContextManager[None]]:
    return hang_guard


class CliResult:
    """Exit code and the two output streams of one CLI run."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code = code
        self.out = out
        self.err = err

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    def __repr__(self) -> str:
        return f"CliResult(code={self.code}, out={self.out[:300]!r}, err={self.err[:300]!r})"


def run_cli(*argv: str, stdin: bytes = b"") -> CliResult:
    """Run the CLI in-process with captured streams (stdin as bytes, like a pipe)."""
    from sig2jsonschema.cli import run

    out, err = io.StringIO(), io.StringIO()
    stdin_stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with hang_guard():
        code = run(list(argv), stdout=out, stderr=err, stdin=stdin_stream)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    return run_cli


class NetworkAttempt(ConnectionRefusedError):
    """Raised by the patched socket functions: nothing may touch the network.

    An `OSError`, as a refused connection is, so code that handles network
    failures behaves as it would offline; `NetworkLog` still records the try.
    """


class NetworkLog:
    """Every attempted network call, kept even if the caller swallowed the error."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def refuse(self, what: str) -> Callable[..., Any]:
        def _refuse(*args: Any, **kwargs: Any) -> Any:
            self.attempts.append(f"{what}{args[:2]!r}")
            raise NetworkAttempt(f"network access attempted: {what}{args[:2]!r}")

        return _refuse


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> NetworkLog:
    """Make every way out to the network raise (and remember the attempt)."""
    log = NetworkLog()
    monkeypatch.setattr(socket.socket, "connect", log.refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", log.refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", log.refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", log.refuse("socket.getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", log.refuse("socket.gethostbyname"))
    return log
