"""`ValidationMiddleware` in a user's own FastAPI app, served by a real uvicorn."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request

from sig2jsonschema.serve import ValidationMiddleware
from tests.conftest import MODELS
from tests.serve.test_sidecar_routes import INVALID, SECRET, VALID


@pytest.fixture(scope="module")
def app_url() -> Any:
    app = FastAPI()
    seen: list[bytes] = []

    @app.post("/invocations")
    async def invocations(request: Request) -> dict[str, Any]:
        body = await request.body()
        seen.append(body)
        return {"sha256": hashlib.sha256(body).hexdigest(), "calls": len(seen)}

    @app.post("/other")
    async def other(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    app.add_middleware(
        ValidationMiddleware, signature=MODELS / "iris_sklearn_classifier", max_body_bytes=4096
    )
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", seen
    server.should_exit = True
    thread.join(10)
    sock.close()


def _post(url: str, path: str, body: str | bytes) -> httpx.Response:
    return httpx.post(url + path, content=body, headers={"Content-Type": "application/json"},
                      trust_env=False)  # fmt: skip


def test_a_valid_body_reaches_the_app_byte_for_byte(app_url: Any) -> None:
    url, seen = app_url
    body = VALID.replace(", ", ",   ").encode()  # spacing kept, as sent
    answer = _post(url, "/invocations", body)
    assert answer.status_code == 200
    assert answer.json()["sha256"] == hashlib.sha256(body).hexdigest()
    assert seen[-1] == body


def test_a_refused_body_never_reaches_the_app(app_url: Any) -> None:
    url, seen = app_url
    calls = len(seen)
    answer = _post(url, "/invocations", INVALID)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["keyword"] == "type"
    assert SECRET not in answer.text  # redacted by default
    assert len(seen) == calls


def test_a_body_over_the_limit_gets_413(app_url: Any) -> None:
    url, seen = app_url
    calls = len(seen)
    assert _post(url, "/invocations", b" " * 5000 + VALID.encode()).status_code == 413
    assert len(seen) == calls


def test_other_routes_pass_through(app_url: Any) -> None:
    url, _ = app_url
    assert _post(url, "/other", INVALID).json() == {"length": len(INVALID)}
