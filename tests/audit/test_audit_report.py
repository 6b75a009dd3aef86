"""The HTML report, rendered by a real headless chromium."""

from __future__ import annotations

import io
import re
import subprocess

from sig2jsonschema.cli import run
from tests.audit.logs import MLFLOW_VERSION, corpus_rows, signature_path, write_logs
from tests.conftest import chromium

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def test_the_report_renders_offline_with_its_charts(tmp_path):
    name = "s_all_types_required"
    paths = write_logs(tmp_path, name)
    report = tmp_path / "report.html"
    code = run(
        [
            "audit", str(signature_path(name)), str(paths["parquet"]),
            "--status-column", "status_code", "--time-column", "timestamp_ms",
            "--mlflow-version", MLFLOW_VERSION, "--output", "html", "-o", str(report),
        ],
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )  # fmt: skip
    assert code == 0
    html = report.read_text(encoding="utf-8")
    # Self-contained: nothing is fetched (the only URL is SVG's namespace name).
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) == {"http://www.w3.org/2000/svg"}
    assert "<script" not in html
    assert "<link" not in html
    browser = [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*browser, "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    ).stdout  # fmt: skip
    days = len(corpus_rows()[name]) // 8 + 1
    # The timeline has one point per UTC day for each verdict series.
    for series in ("invalid", "rejected", "altered"):
        assert dom.count(f'class="series-{series}"') == 1
    assert dom.count("<circle") == 3 * days
    # One bar per failing field, rule and alteration (up to ten each).
    for chart in ("fields", "keywords", "alterations"):
        svg = re.search(rf'<svg id="{chart}".*?</svg>', dom, re.DOTALL)
        assert svg is not None, chart
        assert 1 <= svg.group(0).count("<rect") <= 10
    assert "inputs['binary_c']" in dom
    assert "base64-not-decoded" in dom
    assert dom.count('class="examples"') == 3
    assert "redacted" in dom
    shot = tmp_path / "report.png"
    subprocess.run(
        [*browser, f"--screenshot={shot}", "--window-size=1100,1400", report.as_uri()],
        capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 20_000
