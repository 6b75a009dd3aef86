"""Real processes for the sidecar tests, on loopback ports only.

* `MlflowServer`: a real ``mlflow models serve -m MODEL --env-manager local`` (the
  pinned mlflow-skinny) serving the echo model (`echo_model.py`): it answers with
  what ``predict`` received and counts its invocations in a file.
* `Sidecar`: a real ``python -m sig2jsonschema serve ...`` (uvicorn), started with
  ``--port 0``; its first log line names the port it got.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CONFORMANCE, MODELS, ORACLE_TOOLS, ROOT, free_port, require

ECHO_MODEL = Path(__file__).with_name("echo_model.py")
START_SECONDS = 90.0


def corpus_signature(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((CONFORMANCE / "signatures" / f"{name}.json").read_text())
    return data


def model_signature(model: str) -> dict[str, Any]:
    """The ``to_dict()`` signature of a bundled model, read by MLflow itself."""
    from mlflow.models import Model

    signature = Model.load(str(MODELS / model)).signature
    assert signature is not None
    data: dict[str, Any] = signature.to_dict()
    return data


def save_echo_model(path: Path, signature: dict[str, Any]) -> Path:
    """An echo model saved with ``signature`` (MLflow's "models from code")."""
    require("mlflow")
    import mlflow.pyfunc
    from mlflow.models import ModelSignature

    # save_model runs the model's code once, which imports the oracle from there.
    os.environ.setdefault("S2J_ORACLE_TOOLS", str(ORACLE_TOOLS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # MLflow's advice on type hints and examples
        mlflow.pyfunc.save_model(
            str(path),
            python_model=str(ECHO_MODEL),
            signature=ModelSignature.from_dict(signature),
            pip_requirements=["mlflow"],
        )
    return path


def _wait(check: Any, what: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        if check():
            return
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"{what} did not start within {START_SECONDS:g} s:\n{log.read_text()[-3000:]}")


class MlflowServer:
    """A real ``mlflow models serve`` of an echo model."""

    def __init__(self, model: Path, workdir: Path, *, sleep: float = 0.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.counter = workdir / f"invocations-{self.port}"
        self.counter.write_text("")
        self.log = workdir / f"mlflow-{self.port}.log"
        env = dict(
            os.environ,
            S2J_ORACLE_TOOLS=str(ORACLE_TOOLS),
            S2J_ECHO_COUNT=str(self.counter),
            S2J_ECHO_SLEEP=str(sleep),
        )
        mlflow = Path(sys.executable).with_name("mlflow")
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(mlflow), "models", "serve", "-m", str(model), "--env-manager", "local",
                 "-h", "127.0.0.1", "-p", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )  # fmt: skip
        _wait(self._ready, "mlflow models serve", self.proc, self.log)

    def _ready(self) -> bool:
        try:
            return httpx.get(self.url + "/ping", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def invocations(self) -> int:
        """How many times the model's ``predict`` ran."""
        return len(self.counter.read_text().splitlines())

    def stop(self) -> None:
        if self.proc.poll() is None:
            # mlflow runs uvicorn as a child: end the whole session it leads.
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Sidecar:
    """A real ``python -m sig2jsonschema serve`` subprocess."""

    def __init__(self, source: Path | str, upstream: str, workdir: Path, *args: str) -> None:
        self.log = workdir / f"sidecar-{time.monotonic_ns()}.log"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        with self.log.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sig2jsonschema", "serve", str(source),
                 "--upstream", upstream, "--port", "0", *args],
                stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT,
            )  # fmt: skip
        self.url = ""
        _wait(self._started, "sig2jsonschema serve", self.proc, self.log)
        self.client = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    def _started(self) -> bool:
        for record in self.records():
            if record.get("event") == "started":
                self.url = record["listen"]
                try:
                    return httpx.get(self.url + "/-/live", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False
        return False

    def records(self) -> list[dict[str, Any]]:
        """The JSON log lines written so far."""
        out = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def post(self, body: bytes | str, content_type: str = "application/json") -> httpx.Response:
        data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        return self.client.post(
            "/invocations", content=data, headers={"Content-Type": content_type}
        )

    def stop(self) -> int:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="session")
def serve_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve")


@pytest.fixture(scope="session")
def iris_echo_model(serve_dir: Path) -> Path:
    """An echo model with the bundled iris model's signature."""
    return save_echo_model(serve_dir / "iris-echo", model_signature("iris_sklearn_classifier"))


@pytest.fixture(scope="session")
def iris_mlflow(iris_echo_model: Path, serve_dir: Path) -> Any:
    server = MlflowServer(iris_echo_model, serve_dir)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def iris_sidecar(iris_mlflow: MlflowServer, serve_dir: Path) -> Any:
    """The sidecar for the bundled iris model (with its examples) in front of the echo."""
    sidecar = Sidecar(MODELS / "iris_sklearn_classifier", iris_mlflow.url, serve_dir,
                      "--check-responses")  # fmt: skip
    yield sidecar
    sidecar.stop()
