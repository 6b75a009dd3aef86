"""Runs inside one MLflow release's virtualenv: the shared oracle, answering JSON lines.

Started by ``tests/oracles.py`` as ``python oracle_worker.py TOOL.py VERSION``.
It first prints one line of versions (``mlflow_oracle_versions.versions()``),
then for each request line ``{"signature", "bodies", "content_type"}`` one
line ``{"results": [...]}`` (or ``{"error": "..."}``).  A body is a string or
``{"$bytes": base64}``.  Everything else MLflow prints goes to stderr, so the
protocol stream stays clean.  Standard library only: this file runs under
whichever Python and MLflow the virtualenv has.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import traceback
import warnings
from pathlib import Path


def main() -> None:
    tool, _expected = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints (MLflow, pip, numpy) land on stderr
    sys.stdout = sys.stderr
    sys.path.insert(0, str(Path(tool).resolve().parent))

    def send(message: dict) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the identity model's missing type hints
            import mlflow_oracle_versions as tools

            oracle = tools.VersionedOracle()
        send(tools.versions())
    except Exception:
        send({"error": traceback.format_exc()})
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            bodies = [
                base64.b64decode(b["$bytes"]) if isinstance(b, dict) else b
                for b in request["bodies"]
            ]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results = oracle.query(request["signature"], bodies, request["content_type"])
            send({"results": results})
        except Exception:
            send({"error": traceback.format_exc()})
    oracle.close()


if __name__ == "__main__":
    main()
