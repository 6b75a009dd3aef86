"""One local Spark session (local[2]) per test worker, shared by every Spark test."""

from __future__ import annotations

import os
import shutil
import sys
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import ROOT, require

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="session")
def spark() -> Any:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.fail(
            "Java is not installed: the Spark tests need a JDK 17 (apt-get install "
            "openjdk-17-jre-headless)",
            pytrace=False,
        )
    require("pyspark")
    from pyspark.sql import SparkSession

    # Python workers import this checkout, as executors import their installed copy.
    path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), path) if p)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("sig2jsonschema-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_logs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    from tests.audit.logs import corpus_rows, write_logs

    directory = tmp_path_factory.mktemp("spark-logs")
    return {name: write_logs(directory, name) for name in corpus_rows()}
