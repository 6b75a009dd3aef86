"""The sidecar's figures (issue 17), on loopback, in one run:

    python benchmarks/serve.py            # the issue's sizes
    python benchmarks/serve.py --quick    # fewer requests, same shape

Processes: a real ``mlflow models serve`` (one worker) of a W1 model that records the
request ids it gets (benchmarks/serve_upstreams.py), the sidecar (``python -m
sig2jsonschema serve``, one uvicorn worker), and a trivial ASGI upstream under uvicorn.
The load generator is this process: asyncio, raw HTTP/1.1 keep-alive connections.

1. Added latency: one sequential client, 2,000 one-row W1 bodies, each sent directly
   to MLflow and through the sidecar (interleaved); p50/p99 of both and the
   difference; the sidecar's own time from its ``sig2jsonschema_sidecar_seconds``
   histogram (scraped before and after).
2. Throughput and loss: 50 concurrent clients, 20,000 one-row W1 bodies (80% valid,
   20% invalid) through the sidecar to MLflow: lost, duplicated (counted at the model
   by request id), sidecar-made 5xx.
3. The sidecar alone: the same load in front of the trivial upstream, against the same
   load sent straight to MLflow: requests per second and their ratio (with 20% invalid
   bodies, and again all valid, to show what the refused bodies cost).
4. Fault run: 20 clients through the sidecar (``--timeout 5``) while MLflow is killed
   and restarted 2 s later: every answer's status, the slowest answer, duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "bench" / "workloads.py"
if SHARED.is_file():
    sys.path.insert(0, str(SHARED.parent))
import workloads  # noqa: E402  (shared/bench when present, else benchmarks/)

NAMES = workloads.W1_NAMES
L3 = NAMES.index("l3")
TIMEOUT = 5.0


# -- bodies ---------------------------------------------------------------------------


def bodies(count: int, invalid_share: float) -> tuple[list[bytes], list[bool]]:
    """One-row W1 bodies; request i carries id i in column l3; every 1/share-th invalid."""
    rows = workloads.w1_rows(count, seed=7)
    out, valid = [], []
    every = round(1 / invalid_share) if invalid_share else 0
    for i, values in enumerate(rows):
        record = dict(zip(NAMES, values, strict=True))
        record["l3"] = i
        good = not (every and i % every == every - 1)
        if not good:
            kind = (i // every) % 4
            if kind == 0:
                record["l1"] = 1.5  # a float for a long
            elif kind == 1:
                record["b1"] = "true"  # a string for a boolean
            elif kind == 2:
                del record["d1"]  # a required column missing
            else:
                record["ts"] = "2024-01-01T00:00:00+02:00"  # an offset
        out.append(json.dumps({"dataframe_records": [record]}).encode())
        valid.append(good)
    return out, valid


# -- processes ------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited:\n{log.read_text()[-2000:]}")
        try:
            if httpx.get(url, timeout=1, trust_env=False).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} did not start:\n{log.read_text()[-2000:]}")


class Mlflow:
    def __init__(self, model: Path, work: Path, port: int) -> None:
        self.model, self.work, self.port = model, work, port
        self.url = f"http://127.0.0.1:{port}"
        self.ids = work / "ids.txt"
        self.ids.write_text("")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.work / "mlflow.log"
        env = dict(os.environ, S2J_BENCH_MODEL="1", S2J_BENCH_IDS=str(self.ids),
                   PYTHONPATH=str(ROOT))  # fmt: skip
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("mlflow")), "models", "serve", "-m",
                 str(self.model), "--env-manager", "local", "-w", "1", "-h", "127.0.0.1",
                 "-p", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True,
            )  # fmt: skip
        wait_http(self.url + "/ping", self.proc, "mlflow models serve", log)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def seen(self) -> list[int]:
        return [int(x) for x in self.ids.read_text().split()]

    def reset(self) -> None:
        self.ids.write_text("")


def start_sidecar(signature: Path, upstream: str, work: Path, *args: str) -> tuple[Any, str]:
    log = work / f"sidecar-{time.monotonic_ns()}.log"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sig2jsonschema", "serve", str(signature), "--upstream",
             upstream, "--port", "0", *args],
            stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r'"listen": "(http://[^"]+)"', log.read_text())
        if found:
            wait_http(found.group(1) + "/-/live", proc, "sidecar", log)
            return proc, found.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    raise SystemExit(f"the sidecar did not start:\n{log.read_text()[-2000:]}")


def start_trivial(work: Path) -> tuple[Any, str]:
    port = free_port()
    log = work / "trivial.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "benchmarks.serve_upstreams:app", "--host",
             "127.0.0.1", "--port", str(port), "--workers", "1", "--log-level", "warning",
             "--no-access-log"],
            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_http(url + "/", proc, "trivial upstream", log)
    return proc, url


def stop(proc: Any) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return int(proc.wait(timeout=30))
        except subprocess.TimeoutExpired:
            proc.kill()
    return int(proc.wait())


# -- the load generator ---------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection; raw, so the client costs little CPU."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            b"POST /invocations HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)}
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        else:
            data = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                data += chunk[:-2]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def load(url: str, payloads: list[bytes], clients: int, deadline: float) -> dict[str, Any]:
    """``clients`` connections send ``payloads`` (each once) as fast as answered."""
    queue = iter(range(len(payloads)))
    results: list[tuple[int, int, float, bytes]] = []  # (index, status, seconds, body)

    async def client() -> None:
        conn = Connection(url)
        for i in queue:
            started = time.perf_counter()
            try:
                status, data = await asyncio.wait_for(conn.post(payloads[i]), deadline)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, data = -1, b""  # no answer: the connection broke
                conn.close()
            except asyncio.TimeoutError:
                status, data = -2, b""  # no answer within the deadline
                conn.close()
            results.append((i, status, time.perf_counter() - started, data))
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - started
    return {"results": results, "seconds": elapsed, "rps": len(results) / elapsed}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def histogram(url: str, name: str) -> tuple[dict[float, float], float, float]:
    import httpx

    text = httpx.get(url + "/metrics", trust_env=False).text
    buckets = {}
    for bound, value in re.findall(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', text, re.MULTILINE):
        buckets[float(bound)] = float(value)
    total = float(re.search(rf"^{name}_sum (\S+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    count = float(re.search(rf"^{name}_count (\S+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    return buckets, total, count


def bucket_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """The upper bound of the bucket holding quantile q (Prometheus-style, no interpolation)."""
    diff = {b: after[b] - before.get(b, 0) for b in after}
    total = diff[float("inf")]
    for bound in sorted(diff):
        if diff[bound] >= q * total:
            return bound
    return float("inf")


# -- the runs -------------------------------------------------------------------------


def latency_run(direct: str, sidecar: str, count: int) -> None:
    payloads, _ = bodies(count, 0.0)
    name = "sig2jsonschema_sidecar_seconds"
    before, sum0, n0 = histogram(sidecar, name)

    async def run() -> tuple[list[float], list[float]]:
        a, b = Connection(direct), Connection(sidecar)
        for body in payloads[:50]:  # warm both paths
            await a.post(body)
            await b.post(body)
        times_a, times_b = [], []
        for body in payloads:
            t0 = time.perf_counter()
            status_a, _ = await a.post(body)
            t1 = time.perf_counter()
            status_b, _ = await b.post(body)
            t2 = time.perf_counter()
            assert status_a == status_b == 200, (status_a, status_b)
            times_a.append(t1 - t0)
            times_b.append(t2 - t1)
        return times_a, times_b

    times_direct, times_side = asyncio.run(run())
    after, sum1, n1 = histogram(sidecar, name)
    ms = 1000.0
    p50d, p50s = pct(times_direct, 0.5) * ms, pct(times_side, 0.5) * ms
    p99d, p99s = pct(times_direct, 0.99) * ms, pct(times_side, 0.99) * ms
    print(f"1. added latency, {count} sequential one-row W1 requests (dataframe_records)")
    print(f"   direct to MLflow   p50 {p50d:7.3f} ms   p99 {p99d:7.3f} ms")
    print(f"   through sidecar    p50 {p50s:7.3f} ms   p99 {p99s:7.3f} ms")
    print(f"   added              p50 {p50s - p50d:7.3f} ms   p99 {p99s - p99d:7.3f} ms"
          "   (goals: p50 <= 1 ms, p99 <= 5 ms)")  # fmt: skip
    n = n1 - n0 - 100  # the warm-up requests are in the histogram too
    mean = (sum1 - sum0) / (n1 - n0) * ms
    print(f"   sidecar's own time ({name}, {int(n1 - n0)} requests incl. 50 warm-up): "
          f"mean {mean:.3f} ms, p50 <= {bucket_quantile(before, after, 0.5) * ms:g} ms, "
          f"p99 <= {bucket_quantile(before, after, 0.99) * ms:g} ms (bucket bounds)")  # fmt: skip
    del n


def loss_run(sidecar: str, mlflow: Mlflow, count: int, clients: int) -> float:
    payloads, valid = bodies(count, 0.2)
    mlflow.reset()
    out = asyncio.run(load(sidecar, payloads, clients, 60.0))
    results = out["results"]
    seen = mlflow.seen()
    expected = {i for i, good in enumerate(valid) if good}
    answered = {i for i, status, _, _ in results if status > 0}
    lost = (len(payloads) - len(answered)) + len(expected - set(seen))
    duplicated = len(seen) - len(set(seen))
    leaked = len(set(seen) - expected)
    fivexx = sum(1 for _, s, _, _ in results if s >= 500)
    wrong = sum(1 for i, s, _, _ in results if s > 0 and s != (200 if valid[i] else 400))
    print(f"2. throughput and loss: {clients} clients, {count} one-row W1 requests "
          f"({sum(valid)} valid, {count - sum(valid)} invalid), sidecar -> MLflow")  # fmt: skip
    print(f"   {out['rps']:.0f} req/s; lost {lost}, duplicated {duplicated}, "
          f"sidecar 5xx {fivexx}, invalid bodies reaching the model {leaked}, "
          f"unexpected statuses {wrong}")  # fmt: skip
    return float(out["rps"])


def alone_run(sidecar_trivial: str, mlflow: Mlflow, count: int, clients: int) -> None:
    print(f"3. the sidecar alone: {clients} clients, the same {count} bodies, one worker each")
    for share, label in ((0.2, "80% valid, 20% invalid"), (0.0, "all valid")):
        payloads, _ = bodies(count, share)
        mlflow.reset()
        direct = asyncio.run(load(mlflow.url, payloads, clients, 60.0))
        side = asyncio.run(load(sidecar_trivial, payloads, clients, 60.0))
        bad = sum(1 for _, s, _, _ in side["results"] if s < 0 or s >= 500)
        print(f"   {label:24s} MLflow alone {direct['rps']:6.0f} req/s; sidecar -> trivial "
              f"upstream {side['rps']:6.0f} req/s (failed {bad}); ratio "
              f"{side['rps'] / direct['rps']:.2f}x (goal >= 3x)")  # fmt: skip


def fault_run(sidecar: str, mlflow: Mlflow, clients: int, seconds: float) -> None:
    payloads, valid = bodies(200_000, 0.2)
    mlflow.reset()
    results: list[tuple[int, int, float, bytes]] = []

    async def run() -> None:
        stop_at = time.perf_counter() + seconds
        counter = iter(range(len(payloads)))

        async def client() -> None:
            conn = Connection(sidecar)
            while time.perf_counter() < stop_at:
                i = next(counter)
                started = time.perf_counter()
                try:
                    status, data = await asyncio.wait_for(conn.post(payloads[i]), TIMEOUT + 5)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    status, data = -1, b""
                    conn.close()
                except asyncio.TimeoutError:
                    status, data = -2, b""
                    conn.close()
                results.append((i, status, time.perf_counter() - started, data))
                if status == 502:
                    await asyncio.sleep(0.01)  # a client backing off, as a real one would
            conn.close()

        async def chaos() -> None:
            await asyncio.sleep(seconds / 4)
            mlflow.kill()
            killed = time.perf_counter()
            await asyncio.sleep(2.0)
            await asyncio.to_thread(mlflow.start)
            print(f"   upstream killed at {seconds / 4:.1f} s, restarted 2 s later, "
                  f"serving again after {time.perf_counter() - killed:.1f} s")  # fmt: skip

        await asyncio.gather(chaos(), *(client() for _ in range(clients)))

    print(f"4. fault run: {clients} clients for {seconds:g} s through the sidecar "
          f"(--timeout {TIMEOUT:g}); MLflow killed and restarted")  # fmt: skip
    asyncio.run(run())
    statuses: dict[int, int] = {}
    for _, status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    seen = mlflow.seen()
    slowest = max(t for _, _, t, _ in results)
    allowed = all(s in {200, 400, 502, 503, 504} for s in statuses)
    print(f"   {len(results)} requests; statuses {dict(sorted(statuses.items()))}; "
          f"all answered with 2xx/4xx/502/503/504: {allowed}")  # fmt: skip
    print(f"   slowest answer {slowest:.3f} s (--timeout {TIMEOUT:g} s); "
          f"duplicated at the model {len(seen) - len(set(seen))}; "
          f"forwarded valid bodies the model saw {len(set(seen))}")  # fmt: skip
    del valid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, same shape")
    parser.add_argument("--runs", default="1234", help="which runs, e.g. 4 (default: 1234)")
    args = parser.parse_args()
    latency_n, load_n, clients = (300, 3000, 50) if args.quick else (2000, 20_000, 50)
    warnings.simplefilter("ignore")
    import mlflow.pyfunc
    from mlflow.models import ModelSignature

    with tempfile.TemporaryDirectory(prefix="s2j-serve-bench-") as tmp:
        work = Path(tmp)
        signature = work / "w1.json"
        signature.write_text(json.dumps(workloads.SIGNATURES["w1"]))
        model = work / "model"
        os.environ["S2J_BENCH_MODEL"] = "1"
        mlflow.pyfunc.save_model(
            str(model), python_model=str(ROOT / "benchmarks" / "serve_upstreams.py"),
            signature=ModelSignature.from_dict(workloads.SIGNATURES["w1"]),
            pip_requirements=["mlflow"],
        )  # fmt: skip
        server = Mlflow(model, work, free_port())
        server.start()
        sidecar, side_url = start_sidecar(signature, server.url, work, "--timeout", str(TIMEOUT))
        trivial, trivial_url = start_trivial(work)
        side2, side2_url = start_sidecar(signature, trivial_url, work)
        try:
            print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, loopback; "
                  "MLflow 3.17.2 (mlflow models serve, 1 worker); sidecar: 1 uvicorn worker")  # fmt: skip
            if "1" in args.runs:
                latency_run(server.url, side_url, latency_n)
            if "2" in args.runs:
                loss_run(side_url, server, load_n, clients)
            if "3" in args.runs:
                alone_run(side2_url, server, load_n, clients)
            if "4" in args.runs:
                fault_run(side_url, server, 20, 12.0)
        finally:
            codes = [stop(side2), stop(sidecar)]
            stop(trivial)
            server.kill()
        print(f"sidecars exited with {codes} after SIGTERM")


if __name__ == "__main__":
    main()
