"""The real scoring server of every supported MLflow release, behind one interface.

MLflow 3.17.2 is installed in the test environment and is driven in-process
(``tests/conftest.py``'s ``oracle`` fixture).  Other releases cannot share a
process with it, so each gets its own virtualenv, built from the exact
environment that labelled the corpus (``fixtures/oracles/requirements-mlflow-
<version>.txt``), and one long-lived worker subprocess in that virtualenv runs
the shared oracle (``shared/tools/mlflow_oracle_versions.py``'s
``VersionedOracle``), answering JSON lines on its stdin/stdout.

The virtualenvs are cached between runs under
``~/.cache/sig2jsonschema/oracles/mlflow-<version>-<hash>/`` (``$SIG2JSONSCHEMA_ORACLE_CACHE``
overrides the folder); the hash covers the requirements file and the Python
that builds it, so an edited requirements file is a new virtualenv.  A file
lock makes concurrent test processes (pytest-xdist) build each one once.  A
virtualenv that cannot be built is an `OracleUnavailable` naming the step
that failed, which the fixtures turn into a test failure, never a skip.

Nothing here imports pytest: ``scripts/relabel-corpus`` uses it too.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "fixtures" / "oracles"
#: The shared oracle tools, beside the checkout (as CI lays it out; tests/conftest.py too).
ORACLE_TOOLS = ROOT.parent / "shared" / "tools"
WORKER = Path(__file__).resolve().parent / "oracle_worker.py"
JSON = "application/json"

#: The release installed in the test environment itself, served in-process.
IN_PROCESS_VERSION = "3.17.2"
#: The other releases, each with its own virtualenv: line -> full version.
VENV_RELEASES = {"2.22": "2.22.5", "3.18": "3.18.0"}


class OracleUnavailable(RuntimeError):
    """A release's real server cannot be started; the message says why and what to do."""


class ReleaseOracle(Protocol):
    """What every release's oracle answers: the result dicts of ``mlflow_oracle.Oracle``."""

    version: str

    def query(
        self, signature: dict[str, Any], bodies: Sequence[str | bytes], content_type: str = JSON
    ) -> list[dict[str, Any]]: ...


def cache_root() -> Path:
    override = os.environ.get("SIG2JSONSCHEMA_ORACLE_CACHE")
    if override:
        return Path(override)
    return Path.home() / ".cache" / "sig2jsonschema" / "oracles"


def requirements_file(full_version: str) -> Path:
    return REQUIREMENTS / f"requirements-mlflow-{full_version}.txt"


def full_version(line: str) -> str:
    """``"3.18"`` or ``"3.18.0"`` -> ``"3.18.0"``; unknown releases raise `OracleUnavailable`."""
    key = ".".join(line.strip().split(".")[:2])
    known = {**VENV_RELEASES, ".".join(IN_PROCESS_VERSION.split(".")[:2]): IN_PROCESS_VERSION}
    if key not in known:
        raise OracleUnavailable(
            f"no oracle for MLflow {line!r}; known: {', '.join(sorted(known.values()))}"
        )
    return known[key]


# --------------------------------------------------------------------------
# The virtualenvs
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Venv:
    version: str
    path: Path
    built: bool  # False: found in the cache
    seconds: float

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


def venv_dir(full: str) -> Path:
    text = requirements_file(full).read_bytes()
    base = getattr(sys, "_base_executable", sys.executable)
    digest = hashlib.sha256(
        text + f"\0{sys.version_info[0]}.{sys.version_info[1]}\0{base}".encode()
    ).hexdigest()[:12]
    return cache_root() / f"mlflow-{full}-{digest}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(step: str, command: list[str], log: IO[str]) -> None:
    log.write(f"$ {' '.join(command)}\n")
    log.flush()
    done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise OracleUnavailable(f"{step} failed (exit {done.returncode})")


def ensure_venv(full: str) -> Venv:
    """The cached virtualenv of MLflow ``full``, built first if missing (once, under a lock)."""
    requirements = requirements_file(full)
    if not requirements.is_file():
        raise OracleUnavailable(f"no requirements for MLflow {full}: {requirements} is missing")
    target = venv_dir(full)
    marker = target / "oracle-ready.json"
    start = time.perf_counter()
    with _locked(target.with_name(target.name + ".lock")):
        if marker.is_file():
            return Venv(full, target, built=False, seconds=time.perf_counter() - start)
        shutil.rmtree(target, ignore_errors=True)  # a build that died half way
        log_path = target.with_name(target.name + ".log")
        with log_path.open("w", encoding="utf-8") as log:
            try:
                _build(full, target, requirements, log)
            except OracleUnavailable as exc:
                log.flush()
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
                msg = (
                    f"building the MLflow {full} virtualenv at {target}: {exc}; "
                    f"full log {log_path}; it ends:\n{tail}"
                )
                raise OracleUnavailable(msg) from None
        return Venv(full, target, built=True, seconds=time.perf_counter() - start)


def _build(full: str, target: Path, requirements: Path, log: IO[str]) -> None:
    base = getattr(sys, "_base_executable", sys.executable)
    _run("creating the virtualenv", [base, "-m", "venv", str(target)], log)
    python = str(target / "bin" / "python")
    # The file pins the whole environment that labelled the corpus; --no-deps keeps
    # it exact and `pip check` fails loudly if it ever misses a dependency.
    pip = [python, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    _run("pip install", [*pip, "install", "--no-deps", "-r", str(requirements)], log)
    _run("pip check", [*pip, "check"], log)
    tool = str(_tool("mlflow_oracle_versions.py"))
    info = subprocess.run(
        [python, tool, "--info"],
        capture_output=True,
        text=True,
        check=False,
        env=_worker_env(),
        cwd=tempfile.gettempdir(),
    )
    log.write(info.stdout + info.stderr)
    if info.returncode != 0:
        raise OracleUnavailable("the oracle does not start in the new virtualenv")
    facts = json.loads(info.stdout.strip().splitlines()[-1])
    if facts.get("mlflow") != full:
        raise OracleUnavailable(f"the virtualenv runs MLflow {facts.get('mlflow')}, not {full}")
    (target / "oracle-ready.json").write_text(json.dumps(facts) + "\n", encoding="utf-8")


def _tool(name: str) -> Path:
    path = ORACLE_TOOLS / name
    if not path.is_file():
        raise OracleUnavailable(
            f"the MLflow oracle is not at {path}: the tests expect the shared/ folder "
            "beside the checkout"
        )
    return path


def _worker_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    # MLflow's messages embed Python sets; the shared oracle fixes their order this way.
    env["PYTHONHASHSEED"] = "0"
    env["MLFLOW_TRACKING_URI"] = "file:" + str(Path(tempfile.gettempdir()) / "sig-oracle-mlruns")
    return env


# --------------------------------------------------------------------------
# The worker
# --------------------------------------------------------------------------
def _wire(body: str | bytes) -> Any:
    if isinstance(body, bytes):
        return {"$bytes": base64.b64encode(body).decode("ascii")}
    return body


class WorkerOracle:
    """One release's real scoring server in a subprocess of its own Python.

    Bodies are sent per call as one batch (one JSON line each way), so a
    signature's few hundred bodies cost one round trip.
    """

    def __init__(self, full: str, python: Path | str) -> None:
        self.version = full
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._process = subprocess.Popen(
            [str(python), str(WORKER), str(_tool("mlflow_oracle_versions.py")), full],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=_worker_env(),
            cwd=tempfile.gettempdir(),
            text=True,
            encoding="utf-8",
        )
        hello = self._receive()
        if hello.get("mlflow") != full:
            self.close()
            raise OracleUnavailable(f"the worker runs MLflow {hello.get('mlflow')}, not {full}")
        self.info: dict[str, Any] = hello

    def _receive(self) -> dict[str, Any]:
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._log.seek(0)
            tail = self._log.read()[-2000:]
            code = self._process.poll()
            raise OracleUnavailable(f"the MLflow {self.version} worker died (exit {code}):\n{tail}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise OracleUnavailable(f"the MLflow {self.version} worker failed: {answer['error']}")
        return answer

    def query(
        self, signature: dict[str, Any], bodies: Sequence[str | bytes], content_type: str = JSON
    ) -> list[dict[str, Any]]:
        assert self._process.stdin is not None
        request = {
            "signature": signature,
            "bodies": [_wire(b) for b in bodies],
            "content_type": content_type,
        }
        # ASCII escapes carry lone surrogates (bodies that are not UTF-8) intact.
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        results: list[dict[str, Any]] = self._receive()["results"]
        return results

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()


class InProcessOracle:
    """The test environment's own MLflow (``mlflow_oracle.Oracle``), same interface."""

    def __init__(self, oracle: Any) -> None:
        self.version = IN_PROCESS_VERSION
        self._oracle = oracle

    def query(
        self, signature: dict[str, Any], bodies: Sequence[str | bytes], content_type: str = JSON
    ) -> list[dict[str, Any]]:
        with warnings.catch_warnings():
            # A real server only logs numpy's and starlette's warnings; an "error"
            # filter (pytest's) would turn them into 400s inside MLflow.
            warnings.simplefilter("ignore")
            results: list[dict[str, Any]] = self._oracle.query(
                signature, list(bodies), content_type
            )
        return results


def installed_mlflow() -> str | None:
    try:
        return version("mlflow-skinny")
    except PackageNotFoundError:
        return None


def start_worker(line: str) -> WorkerOracle:
    """A worker for ``line``: in its cached virtualenv, or this Python for 3.17.2."""
    full = full_version(line)
    if full == IN_PROCESS_VERSION:
        if installed_mlflow() != full:
            raise OracleUnavailable(
                f"MLflow {full} runs in the test environment, which has "
                f"mlflow-skinny {installed_mlflow()}: pip install -e '.[test]'"
            )
        return WorkerOracle(full, sys.executable)
    return WorkerOracle(full, ensure_venv(full).python)


def supported_lines() -> Sequence[str]:
    return sorted({*VENV_RELEASES, ".".join(IN_PROCESS_VERSION.split(".")[:2])})
