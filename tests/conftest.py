"""Shared fixtures and Hypothesis profiles.

Profiles (pick with ``--hypothesis-profile``): ``dev`` (few examples, the
default), ``ci`` (more, no deadline; chosen automatically when CI is set) and
``debug`` (verbose).
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import shutil
import socket
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, Verbosity, settings

from tests.oracles import (
    IN_PROCESS_VERSION,
    InProcessOracle,
    OracleUnavailable,
    WorkerOracle,
    full_version,
    start_worker,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.oracles import ReleaseOracle

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
MODELS = FIXTURES / "models"
CONFORMANCE = FIXTURES / "conformance"
#: MLflow's real scoring server, driven in-process: shared/ lies beside the checkout
#: (as CI lays it out).
ORACLE_TOOLS = ROOT.parent / "shared" / "tools"

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("debug", max_examples=50, deadline=None, verbosity=Verbosity.verbose)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def model_dirs() -> list[Path]:
    """Every real MLflow model bundled in fixtures/models."""
    return sorted(p for p in MODELS.iterdir() if (p / "MLmodel").is_file())


def corpus_signature_paths() -> list[Path]:
    """Every conformance-corpus signature file."""
    return sorted((CONFORMANCE / "signatures").glob("*.json"))


def load_cases() -> list[dict[str, Any]]:
    """The labelled conformance cases (MLflow 3.17.2 verdicts)."""
    with (CONFORMANCE / "cases.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


#: The relabelled corpora (fixtures/conformance/versions/README.md), by release line;
#: 3.17's labels are the ``mlflow`` key of cases.jsonl itself.
RELEASE_LABELS = {
    "2.22": CONFORMANCE / "versions" / "mlflow-2.22.5.jsonl",
    "3.18": CONFORMANCE / "versions" / "mlflow-3.18.0.jsonl",
}


def load_release_labels(line: str) -> dict[str, dict[str, Any]]:
    """One release's real-server labels of the public corpus, by case id.

    Each label has the keys of a case's ``mlflow`` (``status``, ``error_code``,
    ``message``, ``error_class``, ``received``, ``params``, ``unwrapped``).
    """
    if line == "3.17":
        return {c["id"]: c["mlflow"] for c in load_cases()}
    with RELEASE_LABELS[line].open(encoding="utf-8") as f:
        rows = [json.loads(text) for text in f if text.strip()]
    return {row["id"]: row for row in rows}


@pytest.fixture(scope="session")
def cases() -> list[dict[str, Any]]:
    return load_cases()


def reference_only(validator: Any) -> Any:
    """``validator`` (a `Validator`) with its fast path switched off: every body,
    ``is_valid``'s too, takes the reference path the fast path is held to."""
    validator._fast = None
    validator._quick_valid = None
    vars(validator).pop("is_valid", None)  # the quick path's own function (`_answer_small_bodies`)
    return validator


def free_port() -> int:
    """A loopback port nothing listens on now (for servers the tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def replace_at(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A deep copy of a JSON value with the item at ``path`` replaced by ``new``."""
    out = copy.deepcopy(value)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return out


def chromium() -> str:
    """The headless browser's path, or a failure saying how to install it (never a skip)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail(
            "chromium is not installed; run scripts/install-test-system-deps "
            "(the README's test command does)",
            pytrace=False,
        )
    return path


def require(module: str) -> Any:
    """Import a component the tests compare against, or fail saying how to get it.

    A missing component is a failure, never a silent skip: a suite that skips
    MLflow would pass without checking the ground truth.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        pytest.fail(
            f"{module} is not importable ({exc}); install the test extras: "
            "pip install -e '.[test]'",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def oracle() -> Any:
    """MLflow's own scoring server in-process (one saved model per signature)."""
    require("mlflow")
    if not (ORACLE_TOOLS / "mlflow_oracle.py").is_file():
        pytest.fail(
            f"the MLflow oracle is not at {ORACLE_TOOLS}: the tests expect the shared/ "
            "folder beside the checkout",
            pytrace=False,
        )
    sys.path.insert(0, str(ORACLE_TOOLS))
    with warnings.catch_warnings():
        # MLflow warns about type hints when the oracle's model class is defined.
        warnings.simplefilter("ignore")
        from mlflow_oracle import Oracle

        instance = Oracle()
    yield instance
    instance.close()


@pytest.fixture(scope="session")
def release_oracle(request: pytest.FixtureRequest) -> Iterator[Callable[[str], ReleaseOracle]]:
    """``release_oracle("3.18")``: that release's real scoring server (tests/oracles.py).

    3.17 is the in-process `oracle`; other releases run in their own cached
    virtualenv (built on first use), one worker per release per session.  A
    release that cannot be started fails the test that asked for it.
    """
    workers: dict[str, WorkerOracle] = {}

    def get(line: str) -> ReleaseOracle:
        try:
            full = full_version(line)
            if full == IN_PROCESS_VERSION:
                return InProcessOracle(request.getfixturevalue("oracle"))
            if full not in workers:
                workers[full] = start_worker(full)
        except OracleUnavailable as exc:
            pytest.fail(f"MLflow {line}: {exc}", pytrace=False)
        return workers[full]

    yield get
    for worker in workers.values():
        worker.close()
