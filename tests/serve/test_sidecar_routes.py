"""The sidecar's routes, answers, docs and metrics, against real processes.

The sidecar (a real uvicorn) fronts the bundled iris model's signature and examples;
its upstream is a real ``mlflow models serve`` of an echo model with that signature.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.conftest import chromium, require

if TYPE_CHECKING:
    from pathlib import Path

    from tests.serve.conftest import MlflowServer, Sidecar

pytestmark = [pytest.mark.mlflow]

ROW = {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4,
       "petal width (cm)": 0.2}  # fmt: skip
VALID = json.dumps({"dataframe_records": [ROW]})
SECRET = "TOP-SECRET-VALUE"
INVALID = json.dumps({"dataframe_records": [{**ROW, "sepal width (cm)": SECRET}]})


def _metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "")
    found = re.search(rf"^{pattern} (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_valid_body_is_answered_by_the_model_unchanged(
    iris_sidecar: Sidecar, iris_mlflow: MlflowServer
) -> None:
    import httpx

    direct = httpx.post(iris_mlflow.url + "/invocations", content=VALID,
                        headers={"Content-Type": "application/json"}, trust_env=False)  # fmt: skip
    through = iris_sidecar.post(VALID)
    assert through.status_code == direct.status_code == 200
    assert through.content == direct.content
    assert through.headers["content-type"] == direct.headers["content-type"]
    assert "predictions" in through.json()


def test_a_refused_body_is_redacted_and_never_reaches_the_model(
    iris_sidecar: Sidecar, iris_mlflow: MlflowServer
) -> None:
    before = iris_mlflow.invocations()
    response = iris_sidecar.post(INVALID)
    assert response.status_code == 400
    answer = response.json()
    assert answer["error_code"] == "BAD_REQUEST"
    assert answer["errors"][0]["pointer"] == "/dataframe_records/0/sepal width (cm)"
    assert answer["errors"][0]["field"] == "inputs['sepal width (cm)']"
    assert SECRET not in response.text
    assert SECRET not in iris_sidecar.log.read_text()
    assert iris_mlflow.invocations() == before


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("[" * 5000 + "]" * 5000, "application/json", 400),  # MLflow itself crashes: 500
        ("1" * 5000, "application/json", 400),  # MLflow's int() crashes: 500
        (VALID, "text/plain", 415),
        (VALID, "application/json; charset=latin-1", 415),
        ("sepal length (cm)\n1", "text/csv", 400),
        ("", "application/json", 400),
    ],
    ids=["deep", "long-number", "text-plain", "latin-1", "csv-missing-columns", "empty"],
)
def test_the_sidecar_never_answers_5xx_for_a_body(
    iris_sidecar: Sidecar, iris_mlflow: MlflowServer, body: str, content_type: str, status: int
) -> None:
    before = iris_mlflow.invocations()
    response = iris_sidecar.post(body, content_type)
    assert response.status_code == status
    assert response.json()["errors"]
    assert iris_mlflow.invocations() == before


def test_a_body_over_the_limit_is_refused_before_it_is_sent(iris_sidecar: Sidecar) -> None:
    host, port = iris_sidecar.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        # Declares 10 MB and sends none of it: the answer must come anyway.
        sock.sendall(b"POST /invocations HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n")  # fmt: skip
        answer = b""
        while b"}" not in answer:  # the head and the JSON body may come apart
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"x-limit-body-bytes" in answer


def test_readiness_is_proxied_and_liveness_is_the_sidecars_own(
    iris_sidecar: Sidecar, iris_mlflow: MlflowServer
) -> None:
    client = iris_sidecar.client
    assert client.get("/version").text.strip() == "3.17.2"
    assert client.get("/ping").status_code == 200
    assert client.get("/health").status_code == 200
    live = client.get("/-/live")
    assert live.json() == {"status": "alive", "draining": False}
    started = next(r for r in iris_sidecar.records() if r.get("event") == "started")
    assert started["mlflow_version"] == "3.17.2"  # the upstream's /version, not a guess
    assert "/version answered 3.17.2" in started["why"]


def test_every_request_is_one_structured_log_line(iris_sidecar: Sidecar) -> None:
    iris_sidecar.post(VALID)
    iris_sidecar.client.get("/ping")
    records = iris_sidecar.records()
    posted = [r for r in records if r.get("path") == "/invocations" and r["status"] == 200]
    assert posted
    assert posted[-1]["verdict"] == "valid"
    assert posted[-1]["upstream_status"] == 200
    assert any(r.get("path") == "/ping" for r in records)


def test_metrics_count_verdicts_errors_and_upstream_answers(iris_sidecar: Sidecar) -> None:
    client = iris_sidecar.client
    before = client.get("/metrics").text
    for _ in range(3):
        iris_sidecar.post(VALID)
    iris_sidecar.post(INVALID)
    iris_sidecar.post(json.dumps({"dataframe_records": [{**ROW, "surprise-column": 1}]}))
    after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = after.text

    def grew(name: str, **labels: str) -> float:
        return _metric(text, name, **labels) - _metric(before, name, **labels)

    assert grew("sig2jsonschema_requests_total", verdict="valid", form="dataframe_records") == 3
    assert grew("sig2jsonschema_requests_total", verdict="invalid", form="dataframe_records") == 2
    assert grew("sig2jsonschema_request_errors_total", keyword="type",
                field="inputs['sepal width (cm)']") >= 1  # fmt: skip
    # A column name the client chose is not a label value: it counts as 'other'.
    assert "surprise-column" not in text
    assert grew("sig2jsonschema_upstream_responses_total", status="200") == 3
    assert grew("sig2jsonschema_validation_seconds_count") == 5
    assert grew("sig2jsonschema_upstream_seconds_count") == 3
    # --check-responses: the echo model's answers are not the signature's outputs
    # (a long class label); each is counted and logged, the answer left unchanged.
    assert grew("sig2jsonschema_response_checks_total", verdict="invalid") == 3
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(
            r"[a-z_][a-z0-9_]*(\{[^}]*\})? [0-9.e+-]+", line
        ), line


def test_openapi_document_is_valid_and_has_examples(iris_sidecar: Sidecar) -> None:
    validator = require("openapi_spec_validator")
    document = iris_sidecar.client.get("/openapi.json").json()
    validator.validate(document)
    post = document["paths"]["/invocations"]["post"]
    assert post["requestBody"]["content"]["application/json"]["examples"]
    assert {"400", "413", "415", "502", "503", "504"} <= set(post["responses"])
    assert "/-/live" in document["paths"]
    assert "servers" not in document  # "try it" sends to the sidecar itself
    # The example is one the sidecar forwards.
    example = next(iter(post["requestBody"]["content"]["application/json"]["examples"].values()))
    assert iris_sidecar.post(json.dumps(example["value"])).status_code == 200


def test_the_docs_page_renders_the_invocations_operation_in_a_browser(
    iris_sidecar: Sidecar, tmp_path: Path
) -> None:
    page = iris_sidecar.client.get("/docs")
    assert page.status_code == 200
    for asset in ("/docs", "/docs/assets/docs.js", "/docs/assets/docs.css"):
        text = iris_sidecar.client.get(asset).text
        assert "http://" not in text, asset  # bundled: no CDN, works offline
        assert "https://" not in text, asset
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path}", "--virtual-time-budget=10000",
         "--dump-dom", iris_sidecar.url + "/docs"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    dom = done.stdout
    assert done.returncode == 0, done.stderr[-2000:]
    # Rendered by the page's script from /openapi.json (the static page has none of it).
    assert 'id="op-post-invocations"' in dom, dom[:2000]
    assert 'data-rendered="true"' in dom
    assert "MLflow model iris_sklearn_classifier" in dom
    assert "sepal length (cm)" in dom  # the example, ready to send


def test_docs_and_metrics_can_be_turned_off(
    iris_echo_model: Path, iris_mlflow: MlflowServer, serve_dir: Path
) -> None:
    from tests.serve.conftest import Sidecar

    sidecar = Sidecar(iris_echo_model, iris_mlflow.url, serve_dir, "--no-docs", "--no-metrics")
    try:
        for path in ("/docs", "/openapi.json", "/metrics"):
            assert sidecar.client.get(path).status_code == 404
        assert sidecar.post(VALID).status_code == 200
    finally:
        assert sidecar.stop() == 0


def test_a_large_valid_body_is_judged_off_the_event_loop_and_forwarded_unchanged(
    iris_sidecar: Sidecar, iris_mlflow: MlflowServer
) -> None:
    import httpx

    rows = [{**ROW, "sepal length (cm)": 4.0 + i / 1000} for i in range(2000)]
    body = json.dumps({"dataframe_records": rows})
    assert len(body) > 64 * 1024  # over the inline threshold: a worker thread judges it
    direct = httpx.post(iris_mlflow.url + "/invocations", content=body,
                        headers={"Content-Type": "application/json"}, trust_env=False)  # fmt: skip
    through = iris_sidecar.post(body)
    assert through.status_code == 200
    assert through.content == direct.content


def test_mlflow_mode_forwards_what_mlflow_serves(
    iris_echo_model: Path, iris_mlflow: MlflowServer, serve_dir: Path
) -> None:
    from tests.serve.conftest import Sidecar

    parsed = json.dumps({"dataframe_records": [{**ROW, "sepal width (cm)": "3.5"}]})
    strict = Sidecar(iris_echo_model, iris_mlflow.url, serve_dir)
    lenient = Sidecar(iris_echo_model, iris_mlflow.url, serve_dir, "--mode", "mlflow")
    try:
        assert strict.post(parsed).status_code == 400  # MLflow would parse the string
        through = lenient.post(parsed)
        assert through.status_code == 200
        assert lenient.post(INVALID).status_code == 400  # MLflow itself refuses this one
    finally:
        assert strict.stop() == 0
        assert lenient.stop() == 0
