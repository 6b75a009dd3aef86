"""MLflow's own parse + enforce, timed on request in any release's Python.

``run.py`` races our mlflow mode against each supported MLflow release's
scoring-server code path (``scoring_server._parse_json_data`` +
``models.utils._enforce_schema`` on a saved-and-loaded identity model, as
``mlflow_baseline.py`` does).  Only one MLflow can be imported in a process, so
each release runs this file in its own Python (3.17.2: the benchmark's own
environment; 2.22.5 and 3.18.0: the oracle virtualenvs of ``tests/oracles.py``),
and `Remote` drives it sample by sample, so the two sides stay interleaved.

Protocol: one JSON command a line on stdin, one JSON answer a line on stdout:

* ``{"setup": name, "signature": {...}}``: save and load an identity model;
* ``{"use": name, "body": path}``: time that model on the body in that file;
* ``{"loop": k}``: run it ``k`` times, answer ``{"seconds": total}``.

This file imports nothing of sig2jsonschema, so it runs wherever MLflow does.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable


def handler(signature: dict[str, Any], path: str) -> Callable[[bytes], Any]:
    """What MLflow's scoring server does with a JSON body before ``predict``."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.models.utils import _enforce_schema
    from mlflow.pyfunc.scoring_server import _parse_json_data

    class Identity(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            del context, params
            return model_input

    sig = ModelSignature.from_dict(signature)
    mlflow.pyfunc.save_model(
        path, python_model=Identity(), signature=sig, pip_requirements=["mlflow"]
    )
    model = mlflow.pyfunc.load_model(path)
    meta, schema = model.metadata, model.metadata.get_input_schema()

    def handle(raw: bytes) -> Any:
        parsed = _parse_json_data(raw, meta, schema)
        return _enforce_schema(parsed.data, schema)

    return handle


class Remote:
    """MLflow in another Python, timed there: a contender for ``run.race``."""

    def __init__(self, python: str) -> None:
        # MLflow's own warnings go to a log, shown only if the timer fails.
        self._log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen(
            [python, str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.version = self._ask({"version": True})["version"]

    def _ask(self, command: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()
        line = stdout.readline()
        if not line:
            self._log.seek(0)
            tail = self._log.read()[-1500:]
            msg = f"the MLflow timer stopped (exit {self._process.wait()}):\n{tail}"
            raise RuntimeError(msg)
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer

    def setup(self, name: str, signature: dict[str, Any]) -> None:
        self._ask({"setup": name, "signature": signature})

    def use(self, name: str, path: str) -> None:
        self._ask({"use": name, "body": path})

    def loop(self, k: int) -> float:
        """Seconds ``k`` calls take, measured in the other process."""
        return float(self._ask({"loop": k})["seconds"])

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=60)
        self._log.close()


def serve(commands: IO[str], answers: IO[str]) -> None:
    """Answer `Remote`'s commands until stdin closes."""
    handlers: dict[str, Callable[[bytes], Any]] = {}
    current: tuple[Callable[[bytes], Any], bytes] | None = None
    with tempfile.TemporaryDirectory() as directory:
        # MLflow opens its default tracking store along the way, which would leave
        # an ``mlruns/`` in the benchmark's working directory: it goes here instead.
        os.environ.setdefault("MLFLOW_TRACKING_URI", Path(directory, "mlruns").as_uri())
        for line in commands:
            command = json.loads(line)
            answer: dict[str, Any] = {}
            try:
                if "version" in command:
                    import mlflow

                    answer["version"] = mlflow.__version__
                elif "setup" in command:
                    name = command["setup"]
                    handlers[name] = handler(command["signature"], f"{directory}/{name}")
                elif "use" in command:
                    handle = handlers[command["use"]]
                    raw = Path(command["body"]).read_bytes()
                    handle(raw)  # the first call imports lazily
                    gc.collect()
                    gc.freeze()
                    current = (handle, raw)
                else:
                    assert current is not None
                    handle, raw = current
                    start = time.perf_counter()
                    for _ in range(command["loop"]):
                        handle(raw)
                    answer["seconds"] = time.perf_counter() - start
            except Exception as exc:
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            answers.write(json.dumps(answer) + "\n")
            answers.flush()


if __name__ == "__main__":
    answers, sys.stdout = sys.stdout, sys.stderr  # nothing MLflow prints mixes in
    serve(sys.stdin, answers)
