"""The faults table of docs/serve.md, each produced for real.

Upstreams: a real ``mlflow models serve`` whose model sleeps (slow answers), a port
nobody listens on (down), and, to see what reaches the wire, a bare TCP server that
counts the requests it receives and closes without answering (broken).
"""

from __future__ import annotations

import io
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from sig2jsonschema.cli import run as cli_run
from tests.conftest import MODELS, free_port
from tests.serve.conftest import MlflowServer, Sidecar
from tests.serve.test_sidecar_routes import VALID

if TYPE_CHECKING:
    from pathlib import Path

pytestmark = [pytest.mark.mlflow]

IRIS = MODELS / "iris_sklearn_classifier"


class CountingUpstream:
    """A TCP server that counts the scoring requests it gets and never answers them."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests = 0
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                if data:
                    # The sidecar's startup probe (GET /version) is not counted.
                    self.requests += data.count(b"POST /invocations HTTP/1.1\r\n")
                    self.received += data
                # Closed without an answer: the upstream broke the exchange.

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def slow_mlflow(iris_echo_model: Path, serve_dir: Path) -> Any:
    server = MlflowServer(iris_echo_model, serve_dir, sleep=2.0)
    yield server
    server.stop()


def test_an_upstream_that_is_down_gets_502_naming_it(serve_dir: Path) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    sidecar = Sidecar(IRIS, down, serve_dir)
    try:
        response = sidecar.post(VALID)
        assert response.status_code == 502
        assert response.json()["upstream"] == down
        assert down in response.json()["message"]
        assert sidecar.client.get("/ping").status_code == 502  # readiness says so
        assert sidecar.client.get("/-/live").status_code == 200  # liveness does not
    finally:
        assert sidecar.stop() == 0


def test_a_broken_upstream_gets_502_and_the_post_is_sent_once(serve_dir: Path) -> None:
    upstream = CountingUpstream()
    sidecar = Sidecar(IRIS, upstream.url, serve_dir)
    try:
        response = sidecar.post(VALID)
        assert response.status_code == 502
        time.sleep(0.3)
        assert upstream.requests == 1  # never retried: no request is duplicated
        assert b"POST /invocations HTTP/1.1" in upstream.received
    finally:
        sidecar.stop()
        upstream.close()


def test_a_client_that_disconnects_mid_body_forwards_nothing(serve_dir: Path) -> None:
    upstream = CountingUpstream()
    sidecar = Sidecar(IRIS, upstream.url, serve_dir)
    try:
        host, port = sidecar.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         b"application/json\r\nContent-Length: 1000\r\n\r\n" + VALID.encode()[:40])  # fmt: skip
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if any(r.get("verdict") == "disconnected" for r in sidecar.records()):
                break
            time.sleep(0.05)
        assert any(r.get("verdict") == "disconnected" for r in sidecar.records())
        assert upstream.requests == 0
    finally:
        sidecar.stop()
        upstream.close()


def test_an_upstream_slower_than_the_timeout_gets_504(
    slow_mlflow: MlflowServer, serve_dir: Path
) -> None:
    sidecar = Sidecar(IRIS, slow_mlflow.url, serve_dir, "--timeout", "0.5")
    try:
        started = time.monotonic()
        response = sidecar.post(VALID)
        elapsed = time.monotonic() - started
        assert response.status_code == 504
        assert response.json()["error_code"] == "UPSTREAM_TIMEOUT"
        assert elapsed < 2.5  # the timeout, plus room for a loaded CI machine
    finally:
        assert sidecar.stop() == 0


def test_sigterm_drains_in_flight_requests_and_exits_0(
    slow_mlflow: MlflowServer, serve_dir: Path
) -> None:
    sidecar = Sidecar(IRIS, slow_mlflow.url, serve_dir, "--timeout", "10")
    results: dict[str, Any] = {}

    def in_flight() -> None:
        with httpx.Client(trust_env=False, timeout=30) as client:
            results["slow"] = client.post(sidecar.url + "/invocations", content=VALID,
                                          headers={"Content-Type": "application/json"})  # fmt: skip

    before = slow_mlflow.invocations()
    thread = threading.Thread(target=in_flight)
    thread.start()
    deadline = time.monotonic() + 30
    while slow_mlflow.invocations() == before and time.monotonic() < deadline:
        time.sleep(0.05)  # until the slow request is with the model (it sleeps 2 s there)
    sidecar.proc.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    with httpx.Client(trust_env=False, timeout=10) as client:
        late = client.post(sidecar.url + "/invocations", content=VALID,
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert late.status_code == 503
    assert int(late.headers["retry-after"]) > 0
    thread.join(30)
    assert results["slow"].status_code == 200
    assert "predictions" in results["slow"].json()
    assert sidecar.proc.wait(timeout=30) == 0
    assert slow_mlflow.invocations() == before + 1  # the 503 reached nobody


def _cli(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    code = cli_run(["serve", *argv], stdout=io.StringIO(), stderr=err)
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["no/such/model", "--upstream", "http://127.0.0.1:5000"], "no/such/model"),
        ([str(IRIS), "--upstream", "ftp://127.0.0.1:5000"], "http:// or https://"),
        ([str(IRIS), "--upstream", "127.0.0.1:5000"], "http:// or https://"),
        ([str(IRIS), "--upstream", "http://127.0.0.1:50x0"], "port"),
        ([str(IRIS), "--upstream", "http://h", "--timeout", "-1"], "--timeout must be positive"),
        ([str(IRIS), "--upstream", "http://h", "--mlflow-version", "1.0"], "not supported"),
    ],
    ids=["unreadable-source", "ftp", "no-scheme", "bad-port", "bad-timeout", "bad-release"],
)
def test_bad_command_line_input_is_one_line_and_exit_2(argv: list[str], words: str) -> None:
    code, err = _cli(*argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert words in err
    assert "Traceback" not in err


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        code, err = _cli(str(IRIS), "--upstream", "http://127.0.0.1:1", "--port", port)
    assert code == 2
    assert err.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err


def test_help_teaches_with_an_example_next_to_mlflow_models_serve() -> None:
    import contextlib

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = cli_run(["serve", "--help"])
    assert code == 0
    text = buffer.getvalue()
    assert "mlflow models serve" in text
    assert "sig2jsonschema serve path/to/model --upstream" in text
