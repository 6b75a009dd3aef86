"""Traffic-audit benchmark: rows/s of `sig2jsonschema audit` and of the Spark job, one command.

    python benchmarks/audit.py            # the full run
    python benchmarks/audit.py --quick    # small sizes, a smoke run
    python benchmarks/audit.py --modes both --skip spark rss   # one mode, the CLI only

What is measured (benchmarks/README.md; docs/audit.md quotes the output):

* an inference-table log (request, status_code, timestamp_ms, client_request_id)
  of logged one-row W1 requests (``dataframe_split``, benchmarks/workloads.py),
  written once as Parquet under a temporary directory;
* the CLI, one process: ``sig2jsonschema audit w1 LOG --mode M --output json``,
  wall time of the whole command (start-up and signature compile included);
* Spark ``local[2]``: ``sig2jsonschema.spark.audit(df, w1, mode=M)`` written to
  Spark's ``noop`` sink (every row judged, nothing collected), session start
  excluded;
* per core: the CLI's rate (one process, one core) and Spark's rate / 2;
* peak RSS of the CLI (strict mode) on a log of about ``--rss-gb`` GB of
  100-row W1 requests in JSONL, from ``wait4``'s rusage of the child.

``--rows`` (default 1,000,000) rows are judged in strict and both modes (both
runs the MLflow emulator only on the rows strict refuses, and these W1 rows are
valid); mlflow mode runs the emulator per row (a few hundred rows/s per core),
so it is measured on ``--slow-rows`` rows (default 20,000) and the rate is
what scales.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODES = ("strict", "mlflow", "both")


def _workloads() -> Any:
    spec = importlib.util.spec_from_file_location("workloads", HERE / "workloads.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_inputs(tmp: Path, rows: int) -> tuple[Path, Path]:
    """(the W1 signature file, an inference-table Parquet log of one-row requests)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    w = _workloads()
    sig = tmp / "w1.signature.json"
    sig.write_text(json.dumps(w.SIGNATURES["w1"]), encoding="utf-8")
    log = tmp / "w1_log.parquet"
    writer = None
    start, chunk = 1_733_270_400_000, 100_000
    for first in range(0, rows, chunk):
        n = min(chunk, rows - first)
        data = w.w1_rows(n, seed=w.SEED + first)
        requests = [
            json.dumps({"dataframe_split": {"columns": w.W1_NAMES, "data": [r]}}) for r in data
        ]
        table = pa.table(
            {
                "request": requests,
                "status_code": pa.array([200] * n, pa.int32()),
                "timestamp_ms": [start + (first + i) * 600 for i in range(n)],
                "client_request_id": [f"r{first + i}" for i in range(n)],
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(log, table.schema)
        writer.write_table(table, row_group_size=25_000)
    assert writer is not None
    writer.close()
    return sig, log


def head(log: Path, rows: int, tmp: Path) -> Path:
    import pyarrow.parquet as pq

    out = tmp / f"w1_log_{rows}.parquet"
    pq.write_table(pq.read_table(log).slice(0, rows), out, row_group_size=5_000)
    return out


#: Runs the CLI and then reports the process's own peak RSS (VmHWM) on stderr's last
#: line.  A child's rusage would not do: Linux carries the forking parent's high-water
#: mark across exec, so it would count this benchmark's memory too.
_CHILD = """
import sys
from sig2jsonschema.cli import run
code = run(sys.argv[1:])
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
sys.stderr.write(f"\\nVmHWM {hwm}\\n")
sys.exit(code)
"""


def run_cli(args: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes, stdout) of one CLI process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, "audit", *args],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"audit failed: {args}: {proc.stderr[-500:]}")
    peak_kb = int(proc.stderr.strip().splitlines()[-1].split()[1])
    return seconds, peak_kb * 1024, proc.stdout


def bench_cli(
    sig: Path, logs: dict[str, Path], sizes: dict[str, int], modes: list[str]
) -> dict[str, float]:
    rates = {}
    for mode in modes:
        seconds, rss, out = run_cli([str(sig), str(logs[mode]), "--mode", mode, "--output", "json"])
        assert json.loads(out)["rows"] == sizes[mode]
        rates[mode] = sizes[mode] / seconds
        print(
            f"  cli    {mode:<6} {sizes[mode]:>9,} rows  {seconds:7.1f} s  "
            f"{rates[mode]:>9,.0f} rows/s  (peak RSS {rss / 2**20:.0f} MB)",
            flush=True,
        )
    return rates


def bench_spark(
    sig: Path, logs: dict[str, Path], sizes: dict[str, int], modes: list[str]
) -> dict[str, float]:
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    sys.path.insert(0, str(ROOT))
    from pyspark.sql import SparkSession

    from sig2jsonschema.spark import audit

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.pyspark.python", sys.executable)
        .config("spark.driver.memory", "2g")
        # Several input splits per core, so both cores are busy.
        .config("spark.sql.files.maxPartitionBytes", str(2**20))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    rates = {}
    try:
        for mode in modes:
            df = spark.read.parquet(str(logs[mode]))
            # Warm every partition's Python worker first: each builds its judge once
            # (a one-off cost per worker, reported by the warm-up line, not a per-row one).
            warm = df.where("client_request_id like '%00'")
            start = time.perf_counter()
            audit(warm, str(sig), mode=mode).write.format("noop").mode("overwrite").save()
            print(
                f"  spark  {mode:<6} warm-up (1% of rows, judges built) {time.perf_counter() - start:.1f} s"
            )
            start = time.perf_counter()
            audit(df, str(sig), mode=mode).write.format("noop").mode("overwrite").save()
            seconds = time.perf_counter() - start
            rates[mode] = sizes[mode] / seconds
            print(
                f"  spark  {mode:<6} {sizes[mode]:>9,} rows  {seconds:7.1f} s  "
                f"{rates[mode]:>9,.0f} rows/s  ({df.rdd.getNumPartitions()} partitions)",
                flush=True,
            )
    finally:
        spark.stop()
    return rates


def bench_rss(sig: Path, tmp: Path, gigabytes: float) -> None:
    w = _workloads()
    body = json.dumps(w.w1_body("split", 100))
    line = (json.dumps({"request": body, "status_code": 200}) + "\n").encode()
    count = int(gigabytes * 2**30 // len(line))
    log = tmp / "big.jsonl"
    with log.open("wb") as f:
        for _ in range(count // 1000):
            f.write(line * 1000)
    size = log.stat().st_size
    seconds, rss, out = run_cli([str(sig), str(log), "--mode", "strict", "--output", "json"])
    assert json.loads(out)["rows"] == count // 1000 * 1000
    log.unlink()
    print(
        f"  cli strict on a {size / 2**30:.2f} GB JSONL log ({count // 1000 * 1000:,} 100-row "
        f"W1 requests): {seconds:.0f} s, peak RSS {rss / 2**20:.0f} MB "
        f"({'under' if rss < 500 * 2**20 else 'OVER'} the 500 MB budget)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--slow-rows", type=int, default=20_000)
    parser.add_argument("--rss-gb", type=float, default=2.0)
    parser.add_argument("--quick", action="store_true", help="20,000 / 2,000 rows, 0.1 GB")
    parser.add_argument("--skip", nargs="*", default=(), choices=("cli", "spark", "rss"))
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.slow_rows, args.rss_gb = 20_000, 2_000, 0.1
    print(f"audit benchmark: {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="audit-bench-") as name:
        tmp = Path(name)
        sig, log = write_inputs(tmp, args.rows)
        slow = head(log, args.slow_rows, tmp)
        logs = {"strict": log, "mlflow": slow, "both": log}
        sizes = {"strict": args.rows, "mlflow": args.slow_rows, "both": args.rows}
        cli = spark = None
        if "cli" not in args.skip:
            print("CLI, one process (wall time of the whole command):")
            cli = bench_cli(sig, logs, sizes, args.modes)
        if "spark" not in args.skip:
            print("Spark local[2] (mapInArrow, noop sink):")
            spark = bench_spark(sig, logs, sizes, args.modes)
        if cli and spark:
            print("per core (rows/s):       CLI   Spark local[2] / 2")
            for mode in args.modes:
                print(f"  {mode:<6}            {cli[mode]:>9,.0f}   {spark[mode] / 2:>9,.0f}")
        if "rss" not in args.skip:
            print("memory:")
            bench_rss(sig, tmp, args.rss_gb)


if __name__ == "__main__":
    main()
