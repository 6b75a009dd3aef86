"""Examples per second: ``strategies.requests(sig)`` versus hypothesis-jsonschema.

    python benchmarks/bench_strategies.py [-n 200] [--hjs-n 50] [--hjs-python PATH]

For the three reference workloads (W1 tabular 12 columns, W2 uint8 (-1,28,28)
tensor, W3 chat records; shared/bench/workloads.py) both generators run under
the same protocol: one ``@given`` test with Hypothesis' default health checks,
no database, no deadline, counting examples over wall time.  The other side is
hypothesis-jsonschema's ``from_schema`` on our exported strict request schema,
down-converted to draft-07 (the newest dialect it reads).  It runs in a
subprocess, with a Python that has hypothesis-jsonschema: this one if it
imports, else ``--hjs-python``, else a virtualenv created under /tmp.
A health check that fires is reported, then the run is repeated with health
checks suppressed so the speed can still be compared.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(tempfile.gettempdir()) / "sig2jsonschema-bench-hjs"

_MEASURE = r"""
import json, sys, time
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import FailedHealthCheck

def measure(strategy, n):
    count = [0]
    def run(suppress):
        count[0] = 0
        @settings(max_examples=n, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck) if suppress else ())
        @given(strategy)
        def test(example):
            json.dumps(example)
            count[0] += 1
        start = time.perf_counter()
        test()
        return time.perf_counter() - start
    health = None
    try:
        seconds = run(False)
    except FailedHealthCheck as exc:
        health = str(exc).strip().splitlines()[0][:160]
        seconds = run(True)
    return {"examples": count[0], "seconds": seconds, "health_check": health}
"""

_HJS_MAIN = r"""
from hypothesis_jsonschema import from_schema
schema = json.load(open(sys.argv[1]))
print(json.dumps(measure(from_schema(schema), int(sys.argv[2]))))
"""


def _workloads() -> dict[str, dict[str, Any]]:
    for candidate in (ROOT / "benchmarks", ROOT.parent / "shared" / "bench"):
        path = candidate / "workloads.py"
        if path.is_file():
            spec = importlib.util.spec_from_file_location("bench_workloads", path)
            assert spec is not None
            assert spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return dict(module.SIGNATURES)
    sys.exit("workloads.py not found (benchmarks/ or ../shared/bench/)")


def _draft07(sig: Any) -> dict[str, Any]:
    """Our strict request schema as draft-07, without our x-mlflow-* annotations."""
    from sig2jsonschema._export.dialects.convert import to_dialect
    from sig2jsonschema._export.to_schema import to_jsonschema

    converted, _losses = to_dialect(to_jsonschema(sig, part="request", mode="strict"), "draft-07")
    assert isinstance(converted, dict)
    # hypothesis-jsonschema resolves "#/definitions/..." against $id and refuses a urn: base
    return {k: v for k, v in _strip(converted).items() if k != "$id"}


def _strip(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items() if not k.startswith("x-")}
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _hjs_python(explicit: str | None) -> str:
    if explicit:
        return explicit
    if importlib.util.find_spec("hypothesis_jsonschema") is not None:
        return sys.executable
    python = VENV / "bin" / "python"
    if not python.is_file():
        print(f"creating {VENV} with hypothesis-jsonschema ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "venv", "--system-site-packages", str(VENV)], check=True
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "hypothesis-jsonschema"], check=True
        )
    return str(python)


def _ours(sig: Any, n: int) -> dict[str, Any]:
    from sig2jsonschema.strategies import requests

    namespace: dict[str, Any] = {}
    exec(_MEASURE, namespace)
    result: dict[str, Any] = namespace["measure"](requests(sig), n)
    return result


def _theirs(python: str, sig: Any, n: int, timeout: float) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(_draft07(sig), f)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [python, "-c", _MEASURE + _HJS_MAIN, f.name, str(n)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"examples": 0, "seconds": time.perf_counter() - start, "error": "timeout"}
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["?"]
        return {"examples": 0, "seconds": 0.0, "error": lines[-1][:160]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _rate(result: dict[str, Any]) -> float:
    seconds = float(result.get("seconds") or 0.0)
    return float(result["examples"]) / seconds if seconds > 0 else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=200, help="examples for requests() (200)")
    parser.add_argument("--hjs-n", type=int, default=50, help="examples for from_schema (50)")
    parser.add_argument("--hjs-python", help="a Python with hypothesis-jsonschema installed")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per from_schema run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args(argv)

    from sig2jsonschema import load_signature

    python = _hjs_python(args.hjs_python)
    rows = []
    for name, signature in _workloads().items():
        sig = load_signature(signature)
        ours = _ours(sig, args.n)
        theirs = _theirs(python, sig, args.hjs_n, args.timeout)
        ratio = _rate(ours) / _rate(theirs) if _rate(theirs) else float("inf")
        rows.append(
            {"workload": name, "ours": ours, "hypothesis_jsonschema": theirs, "ratio": ratio}
        )

    header = f"{'workload':8} {'requests() ex/s':>16} {'from_schema ex/s':>17} {'ratio':>8}  health checks"
    print(header)
    print("-" * len(header))
    for row in rows:
        ours, theirs = row["ours"], row["hypothesis_jsonschema"]
        checks = f"ours: {ours['health_check'] or 'none'}; from_schema: "
        checks += theirs.get("error") or theirs.get("health_check") or "none"
        print(
            f"{row['workload']:8} {_rate(ours):16.1f} {_rate(theirs):17.2f} "
            f"{row['ratio']:7.1f}x  {checks}"
        )
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
