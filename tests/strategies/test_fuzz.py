"""``sig2jsonschema fuzz`` finds planted bugs in a real MLflow scoring server.

The end-to-end test saves a pyfunc model whose ``predict`` breaks on valid
input (an empty string raises ValueError, which MLflow answers with 400; a
negative id raises a bare MlflowException, which MLflow answers with 500),
serves MLflow's own scoring app with uvicorn on 127.0.0.1, and runs the CLI
against it over HTTP.  The unit tests pin the classification, the shrinker and
the curl reproducer without a server.
"""

from __future__ import annotations

import json
import shlex
import threading
import time
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema.cli import run
from sig2jsonschema.strategies._fuzz import Case, Client, Response, classify, curl_command, shrink
from tests.conftest import free_port, require

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

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


# --------------------------------------------------------------------------
# Without a server
# --------------------------------------------------------------------------
def test_a_valid_body_refused_is_a_finding() -> None:
    valid = Case({"inputs": {"id": [1]}}, "inputs/columnar")
    assert classify(valid, 200, Response(400, "{}", 0.1)) == "valid-rejected"
    assert classify(valid, 200, Response(200, "{}", 0.1)) is None


def test_a_5xx_mlflow_would_not_give_is_a_finding() -> None:
    miss = Case({"inputs": {}}, "inputs/columnar", rule="required")
    assert classify(miss, 400, Response(502, "bad gateway", 0.1)) == "server-error"
    assert classify(miss, 500, Response(500, "", 0.1)) is None


def test_a_near_miss_mlflow_accepts_is_a_lossy_acceptance_not_a_finding() -> None:
    miss = Case({"inputs": {"id": [7.0]}}, "inputs/columnar", rule="x-mlflow-token")
    assert classify(miss, 200, Response(200, "{}", 0.1)) == "lossy"
    assert classify(miss, 400, Response(200, "{}", 0.1)) == "verdict-mismatch"
    assert classify(miss, 200, Response(400, "{}", 0.1)) == "verdict-mismatch"
    assert classify(miss, 400, Response(400, "{}", 0.1)) is None


def test_no_answer_is_a_timeout_or_connection_error() -> None:
    case = Case({}, "inputs/columnar")
    assert classify(case, 200, Response(0, "", 5.0, "timeout")) == "timeout"
    assert classify(case, 200, Response(0, "", 0.0, "connection-error: refused")) == (
        "connection-error"
    )


def test_shrink_keeps_the_smallest_body_that_still_fails() -> None:
    body = {"inputs": {"id": [5, 17, 3], "text": ["abc", "", "zz"]}}

    def fails(candidate: Any) -> bool:
        return "" in candidate["inputs"].get("text", [])

    def same_kind(candidate: Any) -> bool:
        cols = candidate.get("inputs", {})
        return set(cols) == {"id", "text"} and len(cols["id"]) == len(cols["text"]) >= 1

    shrunk, posts = shrink(body, fails, same_kind, budget=500)
    assert shrunk == {"inputs": {"id": [0], "text": [""]}}
    assert 0 < posts <= 500


def test_shrink_stops_at_its_budget() -> None:
    body = {"inputs": {"id": list(range(50))}}
    calls = []

    def fails(candidate: Any) -> bool:
        calls.append(candidate)
        return True

    shrink(body, fails, lambda _c: True, budget=7)
    assert len(calls) == 7


def test_curl_reproducer_is_one_shell_line_with_sensitive_headers_masked() -> None:
    body = {"inputs": {"text": ["it's"]}}
    line = curl_command(
        "http://127.0.0.1:5000/invocations", {"Authorization": "Bearer s3cr3t", "X-A": "b"}, body
    )
    assert "\n" not in line
    argv = shlex.split(line)
    assert argv[:5] == ["curl", "-sS", "-X", "POST", "http://127.0.0.1:5000/invocations"]
    assert "Authorization: ***" in argv
    assert "X-A: b" in argv
    assert "s3cr3t" not in line
    assert json.loads(argv[argv.index("--data-binary") + 1]) == body


def test_the_client_refuses_other_schemes() -> None:
    with pytest.raises(ValueError, match="http"):
        Client("file:///etc/passwd", {}, 1.0)


def test_fuzz_reports_an_unreachable_url_as_bad_input(tmp_path: Path) -> None:
    sig = tmp_path / "sig.json"
    sig.write_text(json.dumps(SIGNATURE), encoding="utf-8")
    port = free_port()
    err = StringIO()
    code = run(
        ["fuzz", str(sig), "--url", f"http://127.0.0.1:{port}/invocations", "-n", "2"],
        stdout=StringIO(),
        stderr=err,
    )
    assert code == 2
    assert "cannot reach" in err.getvalue()


# --------------------------------------------------------------------------
# Against MLflow's real scoring app
# --------------------------------------------------------------------------
def _buggy_model_class() -> Any:
    import mlflow.pyfunc
    from mlflow.exceptions import MlflowException

    class Buggy(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
        """Breaks on valid input: an empty text, or a negative id."""

        def predict(self, context, model_input, params=None):  # no hints: MLflow reads them
            if (model_input["text"] == "").any():
                msg = "empty text"
                raise ValueError(msg)
            if (model_input["id"] < 0).any():
                msg = "negative id"
                raise MlflowException(msg)
            return [len(t) for t in model_input["text"]]

    return Buggy


@pytest.fixture(scope="module")
def buggy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    require("mlflow")
    uvicorn = require("uvicorn")
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.pyfunc import scoring_server

    model_dir = tmp_path_factory.mktemp("buggy") / "model"
    mlflow.pyfunc.save_model(
        str(model_dir),
        python_model=_buggy_model_class()(),
        signature=ModelSignature.from_dict(SIGNATURE),
        pip_requirements=["mlflow"],
    )
    app = scoring_server.init(scoring_server.load_model_with_mlflow_config(str(model_dir)))
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
    yield f"http://127.0.0.1:{port}/invocations", model_dir
    server.should_exit = True
    thread.join(timeout=10)


def _rows(body: Any) -> list[dict[str, Any]]:
    """The rows of a body in any column form, as records."""
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        return [dict(zip(split["columns"], row, strict=True)) for row in split["data"]]
    if "dataframe_records" in body:
        return list(body["dataframe_records"])
    value = body.get("inputs", body.get("instances"))
    if isinstance(value, list):
        return list(value)
    if all(isinstance(v, list) for v in value.values()):
        n = len(next(iter(value.values())))
        return [{k: v[i] for k, v in value.items()} for i in range(n)]
    return [value]


@pytest.mark.mlflow
def test_fuzz_finds_shrinks_and_reproduces_the_planted_bugs(
    buggy_server: tuple[str, Path],
) -> None:
    url, model_dir = buggy_server
    out, err = StringIO(), StringIO()
    argv = ["fuzz", str(model_dir), "--url", url, "-n", "40", "--seed", "3"]
    argv += ["--output", "json", "--shrink-budget", "80", "--header", "X-Test: fuzz"]
    code = run(argv, stdout=out, stderr=err)
    assert code == 1, err.getvalue()
    report = json.loads(out.getvalue())
    assert report["url"] == url
    assert report["valid_sent"] == 40
    findings = report["findings"]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        by_kind.setdefault(finding["kind"], []).append(finding)

    # the empty string: a strictly valid body that the server refuses (400)
    rejected = [f for f in by_kind.get("valid-rejected", []) if f["rule"] is None]
    assert rejected, findings
    for finding in rejected:
        rows = _rows(finding["shrunk_body"])
        assert rows == [{"id": 0, "text": ""}], finding["shrunk_body"]
        assert finding["status"] == 400
        assert "empty text" in finding["response"]
        argv_curl = shlex.split(finding["curl"])
        assert url in argv_curl
        assert "X-Test: fuzz" in argv_curl
        sent = json.loads(argv_curl[argv_curl.index("--data-binary") + 1])
        assert sent == finding["shrunk_body"]

    # the negative id: a 5xx MLflow itself would not give for a valid body
    errors = [f for f in by_kind.get("server-error", []) if f["rule"] is None]
    assert errors, findings
    for finding in errors:
        rows = _rows(finding["shrunk_body"])
        assert len(rows) == 1
        assert rows[0]["id"] == -1, finding["shrunk_body"]
        assert finding["status"] == 500


@pytest.mark.mlflow
def test_fuzz_text_report_has_a_summary_table(buggy_server: tuple[str, Path]) -> None:
    url, model_dir = buggy_server
    out = StringIO()
    argv = ["fuzz", str(model_dir), "--url", url, "-n", "6", "--seed", "1"]
    code = run([*argv, "--shrink-budget", "5"], stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert code in (0, 1)
    assert "bodies sent" in text
    assert "lossy acceptances (not findings)" in text
    if code == 1:
        assert "reproduce: curl" in text
