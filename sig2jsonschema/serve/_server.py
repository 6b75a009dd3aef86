"""Running the sidecar under uvicorn, with the drain on SIGTERM the issue asks for.

uvicorn's own shutdown closes the listening socket at once, so a request arriving
during it is refused at the TCP level.  Here the first SIGTERM (or SIGINT) only
starts a drain: new requests get 503 with ``Retry-After``, in-flight ones complete,
and the server stops when none is left (or after ``timeout`` + 5 s), exiting 0.  A
second signal stops at once.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
import logging
import ssl
import sys
import time
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn

from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema._releases.table import resolve_release
from sig2jsonschema._validate.validator import Validator

from ._app import ServeSettings, Sidecar
from ._middleware import logger

if TYPE_CHECKING:
    import socket
    from types import FrameType
    from typing import TextIO

#: How long the startup probe of the upstream's ``/version`` may take, in seconds.
PROBE_SECONDS = 3.0


def upstream_release(upstream: str, *, timeout: float = PROBE_SECONDS) -> tuple[str | None, str]:
    """The supported MLflow release the upstream's ``/version`` names, and a note.

    Returns ``(None, why)`` when the upstream does not answer, or answers a release
    that is not supported: the caller then falls back as everywhere else (the
    release that saved the model, else the newest).
    """
    try:
        answer = httpx.get(
            upstream.rstrip("/") + "/version",
            timeout=timeout,
            trust_env=False,
            # The same trust as forwarding (`_client`): OpenSSL's default paths, which
            # honour SSL_CERT_FILE and SSL_CERT_DIR.
            verify=ssl.create_default_context(),
        )
    except httpx.HTTPError as exc:
        return None, f"the upstream's /version did not answer ({type(exc).__name__})"
    text = answer.text.strip().strip('"')
    if answer.status_code != 200 or not text:
        return None, f"the upstream's /version answered {answer.status_code}"
    try:
        release = resolve_release(text)
    except ValueError as exc:
        return None, f"the upstream runs {text[:40]}: {exc}"
    return release.version, f"the upstream's /version answered {text}"


def build_sidecar(settings: ServeSettings, source: Any) -> tuple[Sidecar, str]:
    """The sidecar for ``source``, and a note on which MLflow release it judges for."""
    version = settings.mlflow_version
    note = "--mlflow-version"
    if version is None:
        version, note = upstream_release(settings.upstream)
    validator = Validator(
        source,
        mode=settings.mode,
        redact=settings.redact,
        mlflow_version=version,
        limits=DEFAULT_LIMITS.replace(max_body_bytes=settings.max_body_bytes),
    )
    # The first refused body loads the emulator (pandas): better now than on a request.
    validator.is_valid(b"{}")
    if version is None:
        note += "; " + (validator.release_note or "judging for the release that saved the model")
    return Sidecar(settings, source, validator), note


class _DrainingServer(uvicorn.Server):
    """uvicorn's server with a drain: see the module docstring."""

    def __init__(self, config: uvicorn.Config, sidecar: Sidecar) -> None:
        super().__init__(config)
        self.sidecar = sidecar
        self.drain_deadline: float | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # Not uvicorn's handler: it would re-raise the signal after shutdown, and a
        # drained sidecar exits 0.
        del sig, frame
        if self.sidecar.draining:
            self.should_exit = True
            self.force_exit = True
            return
        self.sidecar.draining = True
        self.drain_deadline = time.monotonic() + self.sidecar.settings.timeout + 5.0

    async def on_tick(self, counter: int) -> bool:
        if self.sidecar.draining:
            assert self.drain_deadline is not None
            if self.sidecar.inflight == 0 or time.monotonic() > self.drain_deadline:
                return True
        return await super().on_tick(counter)


def run_sidecar(
    sidecar: Sidecar, sock: socket.socket, *, note: str, stderr: TextIO | None = None
) -> int:
    """Serve on the bound ``sock`` until drained; return the exit code (0)."""
    handler = logging.StreamHandler(stderr or sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    host, port = sock.getsockname()[:2]
    settings = sidecar.settings
    logger.info(
        json.dumps(
            {
                "event": "started",
                "listen": f"http://{host}:{port}",
                "upstream": settings.upstream,
                "mode": settings.mode,
                "mlflow_version": sidecar.validator.release.version,
                "why": note,
            }
        )
    )
    config = uvicorn.Config(
        sidecar.app,
        log_level="warning",
        access_log=False,  # the sidecar writes its own line per request
        server_header=False,  # the upstream's headers are passed through unchanged
        date_header=False,
        lifespan="on",
        timeout_graceful_shutdown=int(settings.timeout) + 5,
    )
    server = _DrainingServer(config, sidecar)
    server.run(sockets=[sock])
    logger.info(json.dumps({"event": "stopped"}))
    return 0


__all__ = ["build_sidecar", "run_sidecar", "upstream_release"]
