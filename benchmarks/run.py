"""sig2jsonschema per-request speed: ours against jsonschema-rs, orjson, pandas and MLflow.

    python benchmarks/run.py            # everything (about a minute on 2 cores, plus ~30 s per
                                        # MLflow release virtualenv built on first use)
    python benchmarks/run.py --quick    # fewer sizes and samples, no 100,000 rows, no memory

Prints issue 15's grid, each figure next to its goal (see README.md):

* strict ``Validator.is_valid`` against the peer, ``orjson.loads`` +
  ``jsonschema_rs.validator_for(schema, validate_formats=True).is_valid`` on
  the frozen strict exports in ``benchmarks/peer/`` (W1 split/records at
  1/10/100/10,000/100,000 rows, W2 1/100 images, W3 1/100 records);
* W1 validation alone against ``orjson.loads``;
* strict ``parse`` against MLflow's parse + enforce and against pandas' own
  construction of the same typed frame;
* the first error of an invalid body against the valid body's ``is_valid``;
* mlflow-mode ``is_valid``/``parse`` against MLflow's parse + enforce;
* 2,000 double columns: load + build, and ``is_valid`` against the peer;
* Validator build time, peak memory at 100,000 rows.

Contenders are timed *interleaved*: sample by sample, round-robin, and each
figure is the best of 3 rounds' medians.  A sample of a call shorter than a
millisecond is a loop of calls (per-call time = loop time / calls).  MLflow
runs in a child process (with ours interleaved again there), so its imports
never weigh on the other figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from mlflow_timer import Remote  # noqa: E402 - beside this file, not a package

PEER = HERE / "peer"
#: The MLflow release the installed mlflow-skinny is (mlflow mode is compared with it).
MLFLOW_LINE = "3.17"
BIG_LIMIT = 512 * 2**20


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------
def race(
    fns: dict[str, Any], *, samples: int, rounds: int = 3, target: float = 2e-3
) -> dict[str, float]:
    """Seconds per call of each function: the best of ``rounds`` rounds' medians.

    Within a round the functions take turns sample by sample, so a busy
    moment of a shared machine weighs on all of them alike.  Before each
    round the GC collects and freezes the set-up objects (every process alike).
    """
    loops: dict[str, int] = {}
    for name, fn in fns.items():
        _loop(fn, 1)
        once = _loop(fn, 1)
        loops[name] = max(1, min(10_000, int(target / max(once, 1e-7))))
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        gc.collect()
        gc.freeze()
        found: dict[str, list[float]] = {name: [] for name in fns}
        for _ in range(samples):
            for name, fn in fns.items():
                found[name].append(_loop(fn, loops[name]) / loops[name])
        gc.unfreeze()
        for name, times in found.items():
            best[name] = min(best[name], statistics.median(times))
    return best


def _loop(fn: Any, k: int) -> float:
    """Seconds ``k`` calls of ``fn`` take (a `Remote` times itself, in its process)."""
    if isinstance(fn, Remote):
        return fn.loop(k)
    start = time.perf_counter()
    for _ in range(k):
        fn()
    return time.perf_counter() - start


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


class Report:
    """Rows of (what, ours, theirs, ratio, goal), printed as they come; tallies goals."""

    def __init__(self) -> None:
        self.met: list[str] = []
        self.missed: list[str] = []

    def title(self, text: str) -> None:
        print()
        print(text)

    def row(
        self,
        label: str,
        ours: float | None,
        theirs: float | None,
        *,
        most: float | None = None,
        least: float | None = None,
        speedup: bool = False,
        tally: bool = True,
    ) -> float | None:
        """``most``: ours/theirs at most this; ``least``: theirs/ours at least this.

        Returns the ratio; ``tally=False`` prints the goal without counting it
        (a goal with alternatives is tallied once, by the caller).
        """
        if ours is None or theirs is None or theirs == 0 or ours == 0:
            print(f"  {label:<34} {_fmt(ours):>10} {_fmt(theirs):>10}   (not measured)")
            return None
        ratio = theirs / ours if speedup or least is not None else ours / theirs
        goal, ok = "", None
        if most is not None:
            goal, ok = f"<= {most:g}x", ratio <= most
        elif least is not None:
            goal, ok = f">= {least:g}x", ratio >= least
        shown = f"{ratio:6.2f}x" + (" faster" if speedup or least is not None else "")
        verdict = "" if ok is None else ("met" if ok else "MISSED")
        print(f"  {label:<34} {_fmt(ours):>10} {_fmt(theirs):>10} {shown:>14}  {goal:<8} {verdict}")
        if ok is not None and tally:
            (self.met if ok else self.missed).append(f"{label}: {ratio:.2f}x (goal {goal})")
        return ratio

    def goal(self, label: str, value: str, ok: bool, goal: str) -> None:
        print(f"  {label:<34} {value:>21} {'':>14}  {goal:<8} {'met' if ok else 'MISSED'}")
        (self.met if ok else self.missed).append(f"{label}: {value} (goal {goal})")


# --------------------------------------------------------------------------
# Workloads
# --------------------------------------------------------------------------
def _workloads() -> Any:
    shared = HERE.parent.parent / "shared" / "bench" / "workloads.py"
    source = shared if shared.is_file() else HERE / "workloads.py"
    import importlib.util

    spec = importlib.util.spec_from_file_location("workloads", source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


WORKLOADS = _workloads()
WIDE = 2000


def wide_signature() -> dict[str, Any]:
    """2,000 required ``double`` columns ``f0``...``f1999`` (the frozen peer schema's)."""
    cols = [{"type": "double", "name": f"f{i}", "required": True} for i in range(WIDE)]
    return {"inputs": json.dumps(cols), "outputs": None, "params": None}


def body(workload: str, form: str, n: int) -> bytes:
    """A compact body; W3 records all carry ``temperature`` (null where absent).

    The reference W3 bodies leave ``temperature`` out of ~30% of the records,
    which the strict contract refuses (records carry the same keys; MLflow
    would turn a misspelled key into NaN): ``null`` gives the model the same frame.
    """
    import orjson

    if workload == "wide":
        import random

        rng = random.Random(n)
        rows = [[rng.uniform(-1e3, 1e3) for _ in range(WIDE)] for _ in range(n)]
        names = [f"f{i}" for i in range(WIDE)]
        if form == "split":
            return orjson.dumps({"dataframe_split": {"columns": names, "data": rows}})
        return orjson.dumps({"dataframe_records": [dict(zip(names, r, strict=True)) for r in rows]})
    value = WORKLOADS.make_body(workload, form, n)
    if workload == "w3":
        for record in next(iter(value.values())):
            record.setdefault("temperature", None)
    return orjson.dumps(value)


def signature_dict(workload: str) -> dict[str, Any]:
    return wide_signature() if workload == "wide" else dict(WORKLOADS.SIGNATURES[workload])


def validator(workload: str, mode: str = "strict", line: str = MLFLOW_LINE) -> Any:
    from sig2jsonschema._payload.limits import DEFAULT_LIMITS
    from sig2jsonschema._signature.load import load_signature
    from sig2jsonschema._validate.validator import Validator

    limits = DEFAULT_LIMITS.replace(max_body_bytes=BIG_LIMIT)
    sig = load_signature(signature_dict(workload))
    return Validator(sig, mode=mode, limits=limits, mlflow_version=line)  # type: ignore[arg-type]


def peer(workload: str) -> Callable[[bytes], bool]:
    """The peer: ``orjson.loads`` + jsonschema-rs on the frozen strict export."""
    import jsonschema_rs
    import orjson

    name = "wide2000" if workload == "wide" else workload
    schema = json.loads((PEER / f"{name}.strict.json").read_text(encoding="utf-8"))
    check = jsonschema_rs.validator_for(schema, validate_formats=True).is_valid

    def is_valid(raw: bytes) -> bool:
        return bool(check(orjson.loads(raw)))

    return is_valid


def with_bad_cell(workload: str, form: str, n: int) -> bytes:
    """W1 with ``l2 := "oops"`` in the middle row (W2: pixel 300, W3: a role of 3)."""
    import orjson

    value = orjson.loads(body(workload, form, n))
    mid = n // 2
    if workload == "w1" and form == "split":
        value["dataframe_split"]["data"][mid][5] = "oops"
    elif workload == "w1":
        value["dataframe_records"][mid]["l2"] = "oops"
    elif workload == "w2":
        value["inputs"][mid][10][10] = 300
    else:
        next(iter(value.values()))[mid]["messages"][0]["role"] = 3
    return orjson.dumps(value)


# --------------------------------------------------------------------------
# The child process: MLflow, and ours beside it
# --------------------------------------------------------------------------
def _mlflow_handler(workload: str, directory: str) -> Callable[[bytes], Any]:
    """What MLflow's scoring server does before ``predict`` (as mlflow_baseline.py)."""
    from mlflow_timer import handler

    return handler(signature_dict(workload), f"{directory}/{workload}")


def child_time(jobs: list[dict[str, Any]]) -> list[dict[str, float]]:
    """Each job: MLflow and the named contenders of ours, interleaved, on one body."""
    out = []
    handlers: dict[str, Any] = {}
    validators: dict[tuple[str, str], Any] = {}
    with tempfile.TemporaryDirectory() as directory:
        for job in jobs:
            wl, form, n = job["workload"], job["form"], job["n"]
            if wl not in handlers:
                handlers[wl] = _mlflow_handler(wl, directory)
            raw = body(wl, form, n)
            fns: dict[str, Callable[[], Any]] = {"mlflow": lambda h=handlers[wl], r=raw: h(r)}
            for name in job["ours"]:
                mode, _, what = name.partition(" ")
                v = validators.get((wl, mode)) or validators.setdefault(
                    (wl, mode), validator(wl, mode)
                )
                fns[name] = (
                    (lambda v=v, r=raw: v.parse(r))
                    if what == "parse"
                    else (lambda v=v, r=raw: v.is_valid(r))
                )
            out.append(race(fns, samples=job["samples"]))
    return out


def child_memory(workload: str, form: str, path: str, who: str) -> dict[str, Any]:
    """Peak RSS of one parse of a big body, minus the RSS before the body was read.

    The body is read from a file: making it here would leave its freed Python
    objects' memory in the process, which a parse could then reuse unseen.
    """
    if who == "mlflow":
        with tempfile.TemporaryDirectory() as directory:
            handle = _mlflow_handler(workload, directory)
    else:
        handle = validator(workload).parse
    handle(body(workload, form, 100))  # first calls import lazily: no per-body cost
    gc.collect()
    exact = _reset_peak()
    before = _status()["VmRSS"]
    raw = Path(path).read_bytes()
    size = len(raw)
    result = handle(raw)
    peak = _status()["VmHWM"]
    del result
    return {"delta": peak - before, "size": size, "exact_reset": exact}


def _status() -> dict[str, int]:
    out = {}
    with Path("/proc/self/status").open(encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                out[key] = int(rest.split()[0]) * 1024
    return out


def _reset_peak() -> bool:
    try:
        with Path("/proc/self/clear_refs").open("w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


def _child(payload: dict[str, Any]) -> Any:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(payload)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        print(f"  (child failed: {done.stderr.strip()[-400:]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _have(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# --------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------
def strict_grid(report: Report, sizes: list[int], samples: int) -> dict[str, float]:
    report.title(
        "strict is_valid against the peer (orjson.loads + jsonschema-rs on benchmarks/peer/),\n"
        "valid bodies; ratio = ours / peer"
    )
    print(f"  {'body':<34} {'ours':>10} {'peer':>10} {'ratio':>14}  goal")
    valid: dict[str, float] = {}
    cases = [("w1", form, n) for n in sizes for form in ("split", "records")]
    cases += [("w2", "inputs", 1), ("w2", "inputs", 100)]
    cases += [("w3", "records", 1), ("w3", "records", 100)]
    validators = {wl: validator(wl) for wl in ("w1", "w2", "w3")}
    peers = {wl: peer(wl) for wl in ("w1", "w2", "w3")}
    for wl, form, n in cases:
        raw = body(wl, form, n)
        v, p = validators[wl], peers[wl]
        assert v.is_valid(raw), (wl, form, n)
        assert p(raw), (wl, form, n)
        found = race(
            {"ours": lambda v=v, r=raw: v.is_valid(r), "peer": lambda p=p, r=raw: p(r)},
            samples=samples if n < 10_000 else max(3, samples // 2),
        )
        label = f"{wl} {form} {n:,}"
        valid[label] = found["ours"]
        report.row(label, found["ours"], found["peer"], most=1.5 if n <= 100 else 1.1)
    return valid


def against_orjson(report: Report, samples: int) -> None:
    import orjson

    report.title("W1 validation alone against orjson.loads, 10,000 rows; ratio = ours / orjson")
    v = validator("w1")
    for form in ("split", "records"):
        raw = body("w1", form, 10_000)
        found = race(
            {"ours": lambda r=raw: v.is_valid(r), "orjson": lambda r=raw: orjson.loads(r)},
            samples=samples,
        )
        report.row(f"w1 {form} 10,000", found["ours"], found["orjson"], most=1.5)


def pandas_frame(raw: bytes) -> Any:
    """pandas' own construction of W1's typed frame from the parsed body (no checks)."""
    import numpy as np
    import orjson
    import pandas as pd

    value = orjson.loads(raw)
    if "dataframe_split" in value:
        split = value["dataframe_split"]
        columns = dict(zip(split["columns"], zip(*split["data"], strict=True), strict=True))
    else:
        records = value["dataframe_records"]
        columns = {k: [r[k] for r in records] for k in records[0]}
    text = pd.Series(["a"]).dtype
    dtypes = {"s1": text, "s2": text, "b1": bool, "ts": "datetime64[ns]"}
    arrays = {
        name: pd.array(list(values), dtype=dtypes[name])
        if name in {"s1", "s2"}
        else np.array(values, dtype=dtypes.get(name, np.int64 if name[0] == "l" else np.float64))
        for name, values in columns.items()
    }
    return pd.DataFrame(arrays)


def parse_section(report: Report, samples: int, mlflow: bool, big: int) -> None:
    # At one row the goal has two alternatives: >= 15x faster than MLflow, or at most
    # 1.5x pandas' own construction (the floor); each is printed, the goal tallied once.
    report.title("strict parse against pandas' own construction of the same typed frame")
    v = validator("w1")
    floor: dict[str, float | None] = {}
    for form in ("split", "records"):
        raw = body("w1", form, 1)
        found = race(
            {"ours": lambda r=raw: v.parse(r), "pandas": lambda r=raw: pandas_frame(r)},
            samples=samples,
        )
        floor[form] = report.row(
            f"w1 {form} 1 (ours / pandas)", found["ours"], found["pandas"], most=1.5, tally=False
        )
    if not mlflow:
        print("  (mlflow-skinny is not installed: the MLflow comparisons are skipped)")
        for form, ratio in floor.items():
            report.goal(
                f"w1 {form} 1 parse", f"{ratio or 0:.2f}x pandas", (ratio or 9) <= 1.5, "<= 1.5x"
            )
        return
    report.title(
        "strict parse against MLflow 3.17.2's parse + enforce (child process, interleaved);\n"
        "ratio = MLflow / ours"
    )
    jobs = [
        {"workload": "w1", "form": form, "n": n, "ours": ["strict parse"], "samples": samples}
        for n in (1, big)
        for form in ("split", "records")
    ]
    results = _child({"what": "time", "jobs": jobs}) or []
    for job, found in zip(jobs, results, strict=False):
        one = job["n"] == 1
        label = f"w1 {job['form']} {job['n']:,}"
        ratio = report.row(
            label, found["strict parse"], found["mlflow"], least=15.0 if one else 5.0, tally=not one
        )
        if one:
            pandas = floor[job["form"]]
            report.goal(
                f"{label} parse: MLflow or the floor",
                f"{ratio or 0:.2f}x / {pandas or 0:.2f}x",
                (ratio or 0) >= 15.0 or (pandas or 9.0) <= 1.5,
                ">= 15x or <= 1.5x",
            )


def invalid_section(report: Report, sizes: list[int], samples: int) -> None:
    report.title(
        "invalid bodies: the first error (exact pointer) against the valid body's is_valid;\n"
        "ratio = invalid / valid.  A validator learns the error of each kind of plain mistake\n"
        "from its first body (docs/performance.md); the next row times that first body"
    )
    validators = {wl: validator(wl) for wl in ("w1", "w2", "w3")}
    cases = [("w1", form, n) for n in sizes for form in ("split", "records")]
    cases += [
        ("w2", "inputs", 1),
        ("w2", "inputs", 100),
        ("w3", "records", 1),
        ("w3", "records", 100),
    ]
    from sig2jsonschema._validate.first_error import FirstErrors

    def cold(v: Any, b: bytes) -> Any:
        v._first_errors = FirstErrors()  # noqa: SLF001 - forget what earlier bodies taught
        return next(iter(v.iter_errors(b)))

    for wl, form, n in cases:
        v = validators[wl]
        good, bad = body(wl, form, n), with_bad_cell(wl, form, n)
        first = next(iter(v.iter_errors(bad)))  # the validator learns this kind of mistake
        found = race(
            {
                "bad": lambda v=v, b=bad: next(iter(v.iter_errors(b))),
                "good": lambda v=v, g=good: v.is_valid(g),
                "cold": lambda v=v, b=bad: cold(v, b),
            },
            samples=max(3, samples // 2),
        )
        report.row(f"{wl} {form} {n:,} {first.pointer}", found["bad"], found["good"], most=3.0)
        report.row("  the first of its kind (no goal)", found["cold"], found["good"])


def release_python(line: str) -> str | None:
    """The Python whose MLflow is release ``line``: ours for the installed one, else its
    oracle virtualenv (``tests/oracles.py``, built on first use, ~30 s)."""
    from tests.oracles import OracleUnavailable, ensure_venv, full_version, installed_mlflow

    full = full_version(line)
    if installed_mlflow() == full:
        return sys.executable
    try:
        return str(ensure_venv(full).python)
    except OracleUnavailable as exc:
        print(f"  (MLflow {full} is not available: {exc})")
        return None


def mlflow_mode_section(report: Report, samples: int, sizes: list[int], lines: list[str]) -> None:
    """mlflow mode for each release against that release's own parse + enforce."""
    for line in lines:
        python = release_python(line)
        if python is None:
            continue
        remote = Remote(python)
        report.title(
            f"mlflow mode (release {line}) against MLflow {remote.version}'s parse + enforce\n"
            "(its own Python, sample by sample interleaved); ratio = MLflow / ours"
        )
        with tempfile.TemporaryDirectory() as directory:
            for wl in ("w1", "w2", "w3"):
                remote.setup(wl, signature_dict(wl))
            for n in sizes:
                for wl, form in (
                    ("w1", "split"),
                    ("w1", "records"),
                    ("w2", "inputs"),
                    ("w3", "records"),
                ):
                    if n >= 10_000 and wl != "w1":
                        continue  # MLflow takes seconds a call there: W1 only
                    raw = body(wl, form, n)
                    path = Path(directory, f"{wl}-{form}-{n}.json")
                    path.write_bytes(raw)
                    remote.use(wl, str(path))
                    v = validator(wl, "mlflow", line)
                    found = race(
                        {
                            "is_valid": lambda v=v, r=raw: v.is_valid(r),
                            "parse": lambda v=v, r=raw: v.parse(r),
                            "mlflow": remote,
                        },
                        samples=max(3, samples // (1 if n < 10_000 else 3)),
                    )
                    label = f"{wl} {form} {n:,}"
                    report.row(label + " is_valid", found["is_valid"], found["mlflow"], least=3.0)
                    report.row(label + " parse", found["parse"], found["mlflow"], least=3.0)
        remote.close()


def wide_section(report: Report, samples: int) -> None:
    from sig2jsonschema._signature.load import load_signature
    from sig2jsonschema._validate.validator import Validator

    report.title(f"{WIDE:,} double columns, one row")
    text = json.dumps(wide_signature())
    times = []
    for _ in range(3):
        start = time.perf_counter()
        Validator(load_signature(json.loads(text)))
        times.append(time.perf_counter() - start)
    report.goal("load + Validator build", _fmt(min(times)), min(times) < 1.0, "< 1 s")
    v, p = validator("wide"), peer("wide")
    for form in ("split", "records"):
        raw = body("wide", form, 1)
        assert v.is_valid(raw)
        assert p(raw)
        found = race(
            {"ours": lambda r=raw: v.is_valid(r), "peer": lambda r=raw: p(r)}, samples=samples
        )
        report.row(f"is_valid {form} (ours / peer)", found["ours"], found["peer"], most=2.0)


def build_section(report: Report, samples: int) -> None:
    from sig2jsonschema._signature.load import load_signature
    from sig2jsonschema._validate.validator import Validator

    report.title("Validator build (imports warm)")
    for wl in ("w1", "w2", "w3"):
        sig = load_signature(signature_dict(wl))
        found = race({"build": lambda sig=sig: Validator(sig)}, samples=samples, target=0.0)
        report.goal(f"{wl}", _fmt(found["build"]), found["build"] < 0.05, "< 50 ms")


def memory_section(report: Report, mlflow: bool) -> None:
    report.title(
        "peak memory, strict parse of 100,000 W1 rows (separate processes; peak RSS minus\n"
        "RSS before reading the body file, the body included)"
    )
    for form in ("split", "records"):
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            f.write(body("w1", form, 100_000))
            f.flush()
            ours = _child({"what": "memory", "args": ["w1", form, f.name, "ours"]})
            theirs = None
            if mlflow:
                theirs = _child({"what": "memory", "args": ["w1", form, f.name, "mlflow"]})
        if not ours:
            continue
        ratio = ours["delta"] / ours["size"]
        extra = f"; MLflow {theirs['delta'] / theirs['size']:.1f}x" if theirs else ""
        value = f"{ours['delta'] / 2**20:.0f} MiB = {ratio:.1f}x body{extra}"
        report.goal(f"w1 {form} 100,000", value, ratio <= 8.0, "<= 8x")


#: The sections `main` runs, in order (``--only`` picks some).
SECTIONS = ("strict", "orjson", "parse", "invalid", "mlflow", "wide", "build", "memory")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(HERE.parent))
    if argv[:1] == ["--child"]:
        payload = json.loads(argv[1])
        if payload["what"] == "time":
            print(json.dumps(child_time(payload["jobs"])))
        else:
            print(json.dumps(child_memory(*payload["args"])))
        return
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n")[0],
        epilog=(
            "examples:\n"
            "  python benchmarks/run.py                  # every section (about a minute)\n"
            "  python benchmarks/run.py --quick          # fewer sizes and samples\n"
            "  python benchmarks/run.py --only invalid   # one section: its goals only\n"
            "  python benchmarks/run.py --only strict --only orjson"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="fewer sizes and samples")
    parser.add_argument("--samples", type=int, help="samples per round (3 rounds)")
    parser.add_argument(
        "--only",
        action="append",
        choices=SECTIONS,
        metavar="SECTION",
        help=f"run only this section (repeatable): {', '.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    only = set(args.only or SECTIONS)
    samples = args.samples or (5 if args.quick else 11)
    sizes = [1, 10, 100, 10_000] + ([] if args.quick else [100_000])
    mlflow = _have("mlflow")
    from importlib.metadata import PackageNotFoundError, version

    import orjson

    try:
        # jsonschema_rs has no __version__: its distribution's metadata has it.
        peer_version = version("jsonschema-rs")
    except PackageNotFoundError:
        print("error: the peer, jsonschema-rs, is not installed: pip install -e '.[bench]'")
        raise SystemExit(2) from None
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"jsonschema-rs {peer_version}, orjson {orjson.__version__}; "
        f"best of 3 rounds' medians, {samples} samples a round"
    )
    report = Report()
    if "strict" in only:
        strict_grid(report, sizes, samples)
    if "orjson" in only:
        against_orjson(report, samples)
    if "parse" in only:
        parse_section(report, samples, mlflow, 10_000)
    if "invalid" in only:
        invalid_section(report, [1, 100, 10_000], samples)
    if mlflow and "mlflow" in only:
        from sig2jsonschema._releases.table import SUPPORTED

        mode_sizes = [1, 100] + ([] if args.quick else [10_000])
        mlflow_mode_section(report, samples, mode_sizes, list(SUPPORTED))
    if "wide" in only:
        wide_section(report, samples)
    if "build" in only:
        build_section(report, samples)
    if not args.quick and "memory" in only:
        memory_section(report, mlflow)
    print()
    print(f"goals met: {len(report.met)}; missed: {len(report.missed)}")
    for line in report.missed:
        print(f"  missed: {line}")


if __name__ == "__main__":
    main()
