"""``fuzz --url``: a server's base URL means its ``/invocations``; no endpoint stops early.

Issue 16 class 6.  Against real servers on loopback, started here: MLflow's own
``mlflow models serve -m MODEL --env-manager local`` (the command whose printed
URL users paste), and a real uvicorn app that answers every request with 404
(or 405), counting what it receives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema.cli import run
from sig2jsonschema.strategies._fuzz import scoring_url
from tests.conftest import free_port, require

if TYPE_CHECKING:
    from collections.abc import Iterator

SIGNATURE = {
    "inputs": json.dumps(
        [
            {"type": "long", "name": "id", "required": True},
            {"type": "string", "name": "text", "required": True},
        ]
    ),
    "outputs": None,
    "params": None,
}


def _fuzz(source: Path | str, url: str, *extra: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    argv = ["fuzz", str(source), "--url", url, "-n", "20", "--seed", "6", *extra]
    code = run(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000/invocations"),
        ("http://127.0.0.1:5000/", "http://127.0.0.1:5000/invocations"),
        ("https://host/serving/invocations", "https://host/serving/invocations"),
        ("http://host:8080/v1/models/m", "http://host:8080/v1/models/m"),
        ("http://host?x=1", "http://host/invocations?x=1"),
    ],
)
def test_a_url_without_a_path_means_its_invocations(given: str, meant: str) -> None:
    assert scoring_url(given) == meant


# --------------------------------------------------------------------------
# A real `mlflow models serve`
# --------------------------------------------------------------------------
def _echo_model_class() -> Any:
    import mlflow.pyfunc

    class Echo(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
        def predict(self, context, model_input, params=None):  # no hints: MLflow reads them
            return [0] * len(model_input)  # never fails: findings would be the model's

    return Echo


@pytest.fixture(scope="module")
def mlflow_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``mlflow models serve`` on a free loopback port; yields the URL it prints."""
    require("mlflow")
    import mlflow.pyfunc
    from mlflow.models import ModelSignature

    model_dir = tmp_path_factory.mktemp("served") / "model"
    mlflow.pyfunc.save_model(
        str(model_dir),
        python_model=_echo_model_class()(),
        signature=ModelSignature.from_dict(SIGNATURE),
        pip_requirements=["mlflow"],
    )
    port = free_port()
    mlflow = Path(sys.executable).with_name("mlflow")
    if not mlflow.is_file():
        pytest.fail(f"the mlflow command is not beside {sys.executable}", pytrace=False)
    log = (model_dir.parent / "serve.log").open("wb")
    argv = [str(mlflow), "models", "serve", "-m", str(model_dir), "--env-manager", "local"]
    argv += ["-h", "127.0.0.1", "-p", str(port)]
    # its own process group: the uvicorn worker it starts is stopped with it
    server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{base}/ping", timeout=1):
                break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                text = (model_dir.parent / "serve.log").read_text(errors="replace")
                pytest.fail(f"mlflow models serve did not start:\n{text[-2000:]}")
            time.sleep(0.2)
    yield base, model_dir
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:  # pragma: no cover - only on a stuck machine
        os.killpg(server.pid, signal.SIGKILL)
    log.close()


@pytest.mark.mlflow
@pytest.mark.parametrize("suffix", ["", "/"])
def test_fuzz_given_the_base_url_reaches_invocations(
    mlflow_serve: tuple[str, Path], suffix: str
) -> None:
    base, model_dir = mlflow_serve
    code, out, err = _fuzz(model_dir, base + suffix, "--output", "json")
    assert code in (0, 1), err
    report = json.loads(out)
    assert report["url"] == f"{base}/invocations"
    assert report["sent"] == 30
    statuses = report["statuses"]
    assert "404" not in statuses
    assert "405" not in statuses
    assert statuses.get("200", 0) >= 20  # every strictly valid body is served
    assert not report["findings"], report["findings"]


@pytest.mark.mlflow
def test_fuzz_at_a_path_mlflow_does_not_score_exits_2(mlflow_serve: tuple[str, Path]) -> None:
    base, model_dir = mlflow_serve
    for path, status in (("/ping", "405"), ("/no-such-endpoint", "404")):
        code, out, err = _fuzz(model_dir, base + path)
        assert code == 2
        assert out == ""
        assert err.count("\n") == 1, err
        assert f"answered HTTP {status}: not a scoring endpoint" in err
        assert "/invocations" in err


# --------------------------------------------------------------------------
# A real uvicorn app that answers only 404 (or 405)
# --------------------------------------------------------------------------
@pytest.fixture
def refusing_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """A uvicorn server answering every POST with the status in ``state['status']``."""
    uvicorn = require("uvicorn")
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    state: dict[str, Any] = {"status": 404, "posts": 0}

    async def anything(request: Any) -> PlainTextResponse:
        await request.body()
        state["posts"] += 1
        return PlainTextResponse("no", status_code=state["status"])

    app = Starlette(routes=[Route("/{path:path}", anything, methods=["POST"])])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:  # pragma: no cover - only on a broken machine
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", state
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("status", [404, 405])
def test_a_server_answering_only_404_or_405_stops_after_one_body(
    refusing_server: tuple[str, dict[str, Any]], tmp_path: Path, status: int
) -> None:
    base, state = refusing_server
    state["status"] = status
    sig = tmp_path / "sig.json"
    sig.write_text(json.dumps(SIGNATURE), encoding="utf-8")
    code, out, err = _fuzz(sig, base, "-n", "300")
    assert code == 2
    assert out == ""
    assert err == (
        f"sig2jsonschema: error: {base}/invocations answered HTTP {status}: not a scoring "
        "endpoint (give the server's /invocations URL, e.g. http://127.0.0.1:5000/invocations)\n"
    )
    assert state["posts"] == 1  # stopped early: not 450 bodies, not 22 "findings"
