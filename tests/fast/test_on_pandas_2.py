"""The fast path equals the reference path on pandas 2 too.

The suite runs on pandas 3, while ``pyproject.toml`` allows pandas 2, which is
what MLflow 2.22 runs on (its oracle's environment holds pandas 2.3.3).  There
a Series keeps strings as ``object``, and numpy's and pandas' quirks reach what
``predict`` receives (``numpy.str_`` cells, ``<U2`` arrays of empty strings):
the fast path must build the same as the reference path, which reproduces
them, and mlflow mode must predict MLflow 2.22.5 (labelled on pandas 2.3.3)
exactly.  This test lays pandas 2.3.3 over the test environment (a folder
installed once, cached beside the oracle virtualenvs) and runs those suites
there, in a child Python; any failure fails this test with their report.  A
folder that cannot be installed fails it too, never a skip.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from tests.oracles import _locked, cache_root

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "fixtures" / "oracles" / "requirements-pandas-2.txt"
#: The suites that hold the fast path to the reference path (both modes, every release).
SUITES = ["tests/fast/test_fast_equivalence.py", "tests/fast/test_mlflow_fast.py"]
SUITES += ["tests/fast/test_typed.py", "tests/fast/test_big_bodies.py"]
#: And mlflow mode against MLflow 2.22.5's own labels, which it gave on pandas 2.3.3 (the
#: other releases' labels come from pandas 3, where a Series of strings is not ``object``).
RELEASES = "tests/validate/test_validate_releases.py::test_mlflow_mode_{}_{}[2.22]"
SUITES += [
    RELEASES.format("verdicts", "equal_the_release_on_every_case"),
    RELEASES.format("parse", "is_what_the_releases_predict_received"),
]


def _overlay() -> Path:
    """The folder holding pandas 2, installed (once, under a lock) if missing."""
    text = REQUIREMENTS.read_bytes()
    digest = hashlib.sha256(text + sys.version.encode()).hexdigest()[:12]
    target = cache_root() / f"pandas-2-{digest}"
    ready = target / "ready"
    with _locked(target.with_name(target.name + ".lock")):
        if not ready.is_file():
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--no-deps",
                    "--upgrade",
                    "--target",
                    str(target),
                    "-r",
                    str(REQUIREMENTS),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            assert done.returncode == 0, (
                f"installing pandas 2 into {target}:\n{done.stderr[-2000:]}"
            )
            ready.write_text("ok\n", encoding="utf-8")
    return target


def test_the_fast_path_equals_the_reference_on_pandas_2() -> None:
    overlay = _overlay()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(overlay), str(ROOT)])
    probe = subprocess.run(
        [sys.executable, "-c", "import pandas; print(pandas.__version__)"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert probe.stdout.strip() == "2.3.3", probe.stdout + probe.stderr
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *SUITES],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, f"on pandas 2.3.3:\n{done.stdout[-6000:]}\n{done.stderr[-2000:]}"
