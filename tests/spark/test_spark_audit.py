"""sig2jsonschema.spark on a real local Spark session: the same verdicts as Validator."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from sig2jsonschema.cli import run
from sig2jsonschema.spark import audit, summarize
from tests.audit.logs import (
    MLFLOW_VERSION,
    comparable,
    corpus_rows,
    expected_rows,
    signature_path,
)

FORMATS = ("jsonl", "parquet", "delta")
SCHEMA = "request string, status_code long, timestamp_ms long, client_request_id string"


def read(spark: Any, fmt: str, path: Any) -> Any:
    if fmt == "jsonl":
        return spark.read.schema(SCHEMA).json(str(path))
    if fmt == "parquet":
        return spark.read.parquet(str(path))
    # Delta without the delta-spark jars: the table's current files, as deltalake lists them.
    from deltalake import DeltaTable

    return spark.read.parquet(*DeltaTable(str(path)).file_uris())


def as_rows(result: Any) -> dict[str, dict[str, Any]]:
    """The verdict columns by client_request_id (the test collects; audit never does)."""
    out = {}
    for r in result.collect():
        out[r["client_request_id"]] = {
            "valid": r["valid"],
            "errors": [e.asDict() for e in r["errors"]],
            "mlflow_status": r["mlflow_status"],
            "altered": r["altered"],
            "warnings": [w.asDict() for w in r["warnings"]],
            "form": r["form"],
        }
    return out


def test_spark_rows_match_validator_on_the_corpus(spark, spark_logs):
    """Every corpus signature, its log read in one of the three formats in turn."""
    for n, name in enumerate(corpus_rows()):
        fmt = FORMATS[n % len(FORMATS)]
        df = read(spark, fmt, spark_logs[name][fmt])
        result = audit(df, str(signature_path(name)), mlflow_version=MLFLOW_VERSION)
        assert result.columns == [*df.columns, "valid", "mlflow_status", "altered", "form",
                                  "errors", "warnings"]  # fmt: skip
        got = as_rows(result)
        for row, expected in zip(corpus_rows()[name], expected_rows(name), strict=True):
            verdict = got[row["client_request_id"]]
            assert comparable(verdict) == comparable({k: expected[k] for k in verdict}), (
                name,
                fmt,
                row["client_request_id"],
            )


def test_summarize_gives_the_cli_json_summary(spark, spark_logs):
    name = "s_all_types_required"
    rows = corpus_rows()[name]
    # Two partitions, in log order: the per-partition summaries must merge exactly.
    df = spark.createDataFrame([tuple(r.values()) for r in rows], SCHEMA)
    assert df.rdd.getNumPartitions() == 2
    result = audit(df, str(signature_path(name)), mlflow_version=MLFLOW_VERSION)
    for redact in (True, False):
        doc = summarize(result, status_col="status_code", time_col="timestamp_ms", redact=redact)
        out = io.StringIO()
        args = ["audit", str(signature_path(name)), str(spark_logs[name]["jsonl"]),
                "--status-column", "status_code", "--time-column", "timestamp_ms",
                "--mlflow-version", MLFLOW_VERSION, "--output", "json"]  # fmt: skip
        assert (
            run(args + ([] if redact else ["--no-redact"]), stdout=out, stderr=io.StringIO()) == 0
        )
        assert doc == json.loads(out.getvalue())
    assert doc["examples"]["invalid"][0]["request"] is not None


def test_modes_and_mistakes(spark, spark_logs):
    name = "s_all_types_required"
    df = read(spark, "parquet", spark_logs[name]["parquet"])
    strict = audit(df, str(signature_path(name)), mode="strict").select(
        "valid", "mlflow_status", "altered"
    )
    assert strict.filter("mlflow_status is not null or altered is not null").count() == 0
    mlflow = audit(df, str(signature_path(name)), mode="mlflow", mlflow_version=MLFLOW_VERSION)
    assert mlflow.filter("valid is not null").count() == 0
    assert summarize(mlflow)["mode"] == "mlflow"
    with pytest.raises(ValueError, match="no column 'body'"):
        audit(df, str(signature_path(name)), request_col="body")
    with pytest.raises(ValueError, match="mode must be"):
        audit(df, str(signature_path(name)), mode="lenient")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"not a sig2jsonschema\.spark\.audit result"):
        summarize(df)
