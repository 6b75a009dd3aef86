"""sig2jsonschema benchmarks: validate + parse vs MLflow 3.17.2 vs orjson, one command.

    python benchmarks/run.py            # everything (several minutes)
    python benchmarks/run.py --quick    # 10,000-row W1, W2 1,000, W3; fewer samples

What is timed, per workload body (see README.md):

* ours, parse:    ``Validator(sig).parse(body_bytes)`` (validate + what predict gets)
* ours, validate: ``Validator(sig).is_valid(body_bytes)``
* MLflow:         ``_parse_json_data`` + ``_enforce_schema`` on the same bytes, in a
                  subprocess (needs mlflow-skinny; skipped with a note otherwise)
* orjson:         ``orjson.loads(body_bytes)`` (the JSON-parsing floor)

Every number is the median of repeated samples; before each sample the GC
collects, and ``gc.freeze()`` moves the set-up objects out of its way, in
every process alike.  Also printed: Validator build time, the time to report
one bad cell among 10,000 rows, and peak memory on 100,000 rows (separate
processes; peak RSS minus RSS before reading the body).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = Path("/work/shared/bench")


# --------------------------------------------------------------------------
# Sampling (used by this process and by the child processes alike)
# --------------------------------------------------------------------------
def median_time(fn: Any, repeat: int) -> float:
    """Median seconds of ``fn()`` over ``repeat`` samples (after one warm-up)."""
    fn()
    samples = []
    for _ in range(repeat):
        gc.collect()
        gc.freeze()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
        gc.unfreeze()
    return statistics.median(samples)


def interleaved(fns: dict[str, Any], repeat: int) -> dict[str, float]:
    """Median seconds of each function, sampled round-robin (one warm-up each).

    Alternating the contenders sample by sample keeps a shared machine's load
    swings from favouring whichever ran in a quiet moment.
    """
    for fn in fns.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            gc.freeze()
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
            gc.unfreeze()
    return {name: statistics.median(found) for name, found in samples.items()}


def _status() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in bytes."""
    out = {}
    with Path("/proc/self/status").open(encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                out[key] = int(rest.split()[0]) * 1024
    return out


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5); False if refused."""
    try:
        with Path("/proc/self/clear_refs").open("w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------
# Child processes: MLflow timing, peak memory
# --------------------------------------------------------------------------
def _mlflow_setup(signature_path: str) -> Any:
    """MLflow's own objects, as mlflow_baseline.py builds them (saved + loaded model)."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    import mlflow.pyfunc
    from mlflow.models import ModelSignature
    from mlflow.models.utils import _enforce_schema
    from mlflow.pyfunc.scoring_server import _parse_json_data

    class Identity(mlflow.pyfunc.PythonModel):
        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            del context, params
            return model_input

    with Path(signature_path).open(encoding="utf-8") as f:
        sig = ModelSignature.from_dict(json.load(f))
    with tempfile.TemporaryDirectory() as d:
        mlflow.pyfunc.save_model(
            d + "/m", python_model=Identity(), signature=sig, pip_requirements=["mlflow"]
        )
        model = mlflow.pyfunc.load_model(d + "/m")
    meta, schema = model.metadata, model.metadata.get_input_schema()

    def handle(body: bytes) -> Any:
        parsed = _parse_json_data(body, meta, schema)
        return _enforce_schema(parsed.data, schema)

    return handle


def install_hook() -> bool:
    """Give `Validator` the fast-path hook if it has none yet (True: installed here).

    This is the hook docs/performance.md asks of ``_validate.py``, applied
    in-process so the benchmark can time the public path before it lands:
    ``__init__`` compiles the plan (strict mode only); ``parse`` returns the
    fast result when there is one; ``_check`` (behind ``validate``,
    ``iter_errors``, ``is_valid``) answers valid bodies from the fast path and
    explains a `FastFailure` by checking only its reduced body.
    """
    from sig2jsonschema._fast.plan import FastFailure, FastResult, compile_fast_plan
    from sig2jsonschema._payload.decode import JSON_TYPE, parse_content_type
    from sig2jsonschema._validate import validator as _validate

    cls = _validate.Validator
    if getattr(cls, "_fast_hook_installed", False):
        return True
    from sig2jsonschema._signature.load import load_signature

    probe = cls(load_signature({"inputs": '[{"type": "double", "name": "x"}]'}))
    if hasattr(probe, "_fast"):
        return False  # the real hook is in
    original_init, original_parse, original_check = cls.__init__, cls.parse, cls._check

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        plan = compile_fast_plan(self.signature, schema=self.schema)
        self._fast = plan if self.mode == "strict" else None

    def parse(self: Any, body: Any, *, content_type: str = JSON_TYPE) -> Any:
        fast = getattr(self, "_fast", None)
        if fast is not None and content_type == JSON_TYPE:
            result = fast.check(body)
            if isinstance(result, FastResult):
                return result.as_parsed_request()
        return original_parse(self, body, content_type=content_type)

    def _check(self: Any, body: Any, content_type: str) -> Any:
        fast = getattr(self, "_fast", None)
        header = parse_content_type(content_type)
        if fast is not None and header.mime == JSON_TYPE and not header.refusal:
            result = fast.check(body, build=False)
            if isinstance(result, FastResult):
                return _validate._Check()  # noqa: SLF001 - the hook lives inside Validator
            if isinstance(result, FastFailure):
                check = original_check(self, result.body, content_type)
                check.errors = [result.remap_error(e) for e in check.errors]
                return check
        return original_check(self, body, content_type)

    cls.__init__ = init  # type: ignore[method-assign]
    cls.parse = parse  # type: ignore[method-assign]
    cls._check = _check  # type: ignore[method-assign]
    cls._fast_hook_installed = True  # type: ignore[attr-defined]
    return True


def make_validator(signature_path: str) -> Any:
    """The public `Validator`, with room for the 100,000-row bodies (> 16 MiB)."""
    import inspect

    from sig2jsonschema._signature.load import load_signature
    from sig2jsonschema._validate import validator as _validate

    install_hook()
    sig = load_signature(signature_path)
    if "limits" in inspect.signature(_validate.Validator).parameters:
        from sig2jsonschema._payload.limits import DEFAULT_LIMITS

        limits = DEFAULT_LIMITS.replace(max_body_bytes=256 * 2**20)
        return _validate.Validator(sig, limits=limits)
    return _validate.Validator(sig)


def _ours_setup(signature_path: str) -> Any:
    return make_validator(signature_path).parse


def child_main(args: list[str]) -> None:
    """``run.py --child {time,memory} {mlflow,ours} SIGNATURE BODY [REPEAT]``."""
    what, who, signature_path, body_path = args[:4]
    handle = (_mlflow_setup if who == "mlflow" else _ours_setup)(signature_path)
    if what == "time":
        import orjson

        with Path(body_path).open("rb") as f:
            body = f.read()
        repeat = int(args[4])
        validator = make_validator(signature_path)
        fns = {
            "mlflow": lambda: handle(body),
            "orjson": lambda: orjson.loads(body),
            "validate": lambda: validator.is_valid(body),
        }
        if validator.is_valid(body):
            fns["parse"] = lambda: validator.parse(body)
        print(json.dumps(interleaved(fns, repeat)))
        return
    if len(args) > 4:
        # Warm up on a small body of the same workload: first calls import
        # lazily (pyarrow, pandas internals), which is no per-body cost.
        with Path(args[4]).open("rb") as f:
            handle(f.read())
    gc.collect()
    exact = _reset_peak()
    before = _status()["VmRSS"]
    with Path(body_path).open("rb") as f:
        body = f.read()
    result = handle(body)
    peak = _status()["VmHWM"]
    del result
    print(json.dumps({"delta": peak - before, "exact_reset": exact}))


def _child(*args: str, timeout: float = 1800) -> dict[str, Any] | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        print(f"  (child failed: {' '.join(args[:2])}: {done.stderr.strip()[-300:]})")
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# The benchmark
# --------------------------------------------------------------------------
def _generator() -> tuple[Any, str]:
    """The workload generator: the shared reference copy if present, else ours."""
    source = (
        SHARED / "workloads.py" if (SHARED / "workloads.py").is_file() else HERE / "workloads.py"
    )
    import importlib.util

    spec = importlib.util.spec_from_file_location("workloads", source)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, str(source)


def write_workloads(outdir: Path, cases: list[tuple[str, str, int]]) -> Any:
    workloads, source = _generator()
    print(f"workloads: {source} -> {outdir}")
    outdir.mkdir(parents=True, exist_ok=True)
    for name, sig in workloads.SIGNATURES.items():
        (outdir / f"{name}.signature.json").write_text(json.dumps(sig, indent=1))
    import orjson

    for wl, form, n in cases:
        path = outdir / f"{wl}_{form}_{n}.json"
        if not path.exists():
            path.write_bytes(orjson.dumps(workloads.make_body(wl, form, n)))
        if wl == "w3":
            filled = outdir / f"{wl}_{form}_{n}_filled.json"
            filled.write_bytes(orjson.dumps(null_filled(workloads.make_body(wl, form, n))))
    return workloads


def null_filled(body: dict[str, Any]) -> dict[str, Any]:
    """W3 with ``"temperature": null`` in the records that lack it.

    The reference W3 bodies leave ``temperature`` out of ~30% of the records;
    the strict contract refuses records with different keys (MLflow turns a
    missing key into NaN), so those bodies are *invalid* in strict mode.  This
    variant sends the same data the strict way (``null`` -> NaN, what the
    model gets is identical).
    """
    for record in next(iter(body.values())):
        record.setdefault("temperature", None)
    return body


def _have_mlflow() -> bool:
    import importlib.util

    return importlib.util.find_spec("mlflow") is not None


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1e3:9.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:6.2f}x"


def _path_of(validator: Any, body: bytes) -> str:
    fast = getattr(validator, "_fast", None)
    if fast is None:
        return "reference"
    from sig2jsonschema._fast.plan import FastResult

    return "fast" if isinstance(fast.check(body), FastResult) else "reference"


def bench_times(data: Path, cases: list[tuple[str, str, int]], repeat: int, mlflow: bool) -> None:
    import orjson

    print()
    print("Times: medians in ms; 'vs MLflow' = MLflow / ours (higher is better);")
    print("'vs orjson' = ours / orjson.loads (lower is better).  With MLflow installed,")
    print("parse, validate, MLflow and orjson are sampled round-robin in one subprocess.")
    head = (
        f"{'workload':<26}{'path':>10}{'parse':>10}{'validate':>10}{'MLflow':>10}"
        f"{'orjson':>10}{'parse vs MLflow':>17}{'validate vs orjson':>20}"
    )
    print(head)
    print("-" * len(head))
    validators: dict[str, Any] = {}
    breakdown: list[tuple[str, Any, bytes, float]] = []
    rows = [(wl, form, n, "") for wl, form, n in cases]
    for wl, form, n in cases:
        if wl == "w3":
            rows.insert(rows.index((wl, form, n, "")) + 1, (wl, form, n, "_filled"))
    for wl, form, n, variant in rows:
        sig_path = data / f"{wl}.signature.json"
        body_path = data / f"{wl}_{form}_{n}{variant}.json"
        body = body_path.read_bytes()
        if wl not in validators:
            validators[wl] = make_validator(str(sig_path))
        v = validators[wl]
        path = _path_of(v, body)
        reps = repeat if path == "fast" else 1
        problems = list(v.iter_errors(body))
        if problems:
            # Not valid in strict mode: time the verdict (validate) only.
            path = "INVALID"
            parse = None
            print(f"  note: {wl} {form} {n} is invalid in strict mode: {problems[0]}"[:160])
        else:
            parse = median_time(lambda v=v, body=body: v.parse(body), reps)
        validate = median_time(lambda v=v, body=body: v.is_valid(body), reps)
        floor = median_time(lambda body=body: orjson.loads(body), repeat)
        theirs = None
        if mlflow:
            # MLflow, orjson and ours again, interleaved sample by sample in
            # one process: the ratios come from the same moments of load.
            found = _child("time", "mlflow", str(sig_path), str(body_path), str(repeat))
            if found:
                theirs = found["mlflow"]
                floor, validate = found["orjson"], found["validate"]
                parse = found.get("parse", parse)
        print(
            f"{wl + ' ' + form + ' ' + str(n) + variant:<26}{path:>10}{_ms(parse):>10}{_ms(validate):>10}"
            f"{_ms(theirs):>10}{_ms(floor):>10}{_ratio(theirs, parse):>17}"
            f"{_ratio(validate, floor):>20}"
        )
        breakdown.append((f"{wl} {form} {n}{variant}", v, body, floor))
    _breakdown(breakdown, repeat)


def _breakdown(rows: list[tuple[str, Any, bytes, float]], repeat: int) -> None:
    """Where validate's time goes: the limits scan vs the fast path itself."""
    from sig2jsonschema._payload.limits import check_body_limits

    print()
    print("Breakdown of 'validate' (ms): the Validator's resource-limits scan")
    print("(check_body_limits) and the fast path alone (FastPlan.check, build=False,")
    print("vouching for the same limits itself); ratios to orjson.loads, all three")
    print("sampled round-robin in this process.")
    for label, v, body, _ in rows:
        fast = getattr(v, "_fast", None)
        if fast is None:
            continue
        import orjson

        limits = getattr(v, "limits", None)
        found = interleaved(
            {
                "scan": lambda body=body, lim=limits: check_body_limits(body, lim),
                "fast": lambda body=body, lim=limits, fast=fast: fast.check(
                    body, build=False, limits=lim
                ),
                "orjson": lambda body=body: orjson.loads(body),
            },
            repeat,
        )
        scan, own, floor = found["scan"], found["fast"], found["orjson"]
        print(
            f"  {label:<26} limits scan {_ms(scan)} ({_ratio(scan, floor)})   "
            f"fast path {_ms(own)} ({_ratio(own, floor)})"
        )


def bench_build(data: Path, repeat: int) -> None:
    from sig2jsonschema._signature.load import load_signature
    from sig2jsonschema._validate.validator import Validator

    print()
    print("Validator build (median ms, fresh Validator per sample, imports warm):")
    for wl in ("w1", "w2", "w3"):
        sig = load_signature(str(data / f"{wl}.signature.json"))
        print(f"  {wl}: {median_time(lambda sig=sig: Validator(sig), repeat) * 1e3:8.2f}")


def bench_bad_cell(data: Path, workloads: Any, repeat: int) -> None:
    import orjson

    print()
    print('One bad cell in 10,000 rows (row 5000, column l2 := "oops"): time to the errors')
    v = make_validator(str(data / "w1.signature.json"))
    for form in ("split", "records"):
        body = workloads.make_body("w1", form, 10_000)
        good = orjson.dumps(body)
        if form == "split":
            body["dataframe_split"]["data"][5000][5] = "oops"
        else:
            body["dataframe_records"][5000]["l2"] = "oops"
        bad = orjson.dumps(body)
        errors = list(v.iter_errors(bad))
        pointers = [e.pointer for e in errors][:3]
        t_bad = median_time(lambda bad=bad: list(v.iter_errors(bad)), max(3, repeat // 3))
        t_good = median_time(lambda good=good: v.is_valid(good), repeat)
        print(
            f"  {form:<8} {_ms(t_bad)} ms (valid body: {_ms(t_good)} ms, "
            f"{_ratio(t_bad, t_good)}); errors at {pointers}"
        )


def bench_memory(data: Path, cases: list[tuple[str, str, int]], mlflow: bool) -> None:
    print()
    print("Peak memory, 100,000 rows (separate processes; peak RSS - RSS before reading):")
    for wl, form, n in cases:
        sig_path = str(data / f"{wl}.signature.json")
        body_path = data / f"{wl}_{form}_{n}.json"
        size = body_path.stat().st_size
        warm = str(data / f"{wl}_{form}_100.json")
        ours = _child("memory", "ours", sig_path, str(body_path), warm)
        theirs = _child("memory", "mlflow", sig_path, str(body_path), warm) if mlflow else None
        line = f"  {wl} {form} {n}: body {size / 2**20:7.1f} MiB"
        if ours:
            line += f"; ours {ours['delta'] / 2**20:7.1f} MiB ({ours['delta'] / size:4.1f}x body)"
        if theirs:
            line += f"; MLflow {theirs['delta'] / 2**20:7.1f} MiB ({theirs['delta'] / size:4.1f}x)"
        if ours and not ours["exact_reset"]:
            line += " [peak not reset: includes import peak]"
        print(line)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child_main(argv[1:])
        return
    sys.path.insert(0, str(HERE.parent))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer workloads and samples")
    parser.add_argument("--data", type=Path, help="where to write the workload bodies")
    parser.add_argument("--repeat", type=int, help="samples per measurement")
    args = parser.parse_args(argv)
    repeat = args.repeat or (5 if args.quick else 11)
    cases = [
        ("w1", "split", 10_000),
        ("w1", "records", 10_000),
        ("w2", "inputs", 1_000),
        ("w3", "records", 1_000),
        ("w3", "inputs", 1_000),
    ]
    if not args.quick:
        cases[2:2] = [("w1", "split", 100), ("w1", "records", 100)]
        cases.insert(cases.index(("w2", "inputs", 1_000)) + 1, ("w2", "inputs", 10_000))
    memory = [("w1", "split", 100_000), ("w1", "records", 100_000)]
    warm = [("w1", "split", 100), ("w1", "records", 100)]
    data = args.data or Path(tempfile.mkdtemp(prefix="sig2jsonschema-bench-"))
    workloads = write_workloads(data, cases + ([] if args.quick else memory + warm))
    mlflow = _have_mlflow()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; repeat={repeat}")
    if install_hook():
        print(
            "note: Validator has no fast-path hook yet; run.py installs the hook of "
            "docs/performance.md in-process (see install_hook)"
        )
    if not mlflow:
        print("note: mlflow-skinny is not installed: MLflow columns are skipped")
    bench_times(data, cases, repeat, mlflow)
    bench_build(data, repeat)
    bench_bad_cell(data, workloads, repeat)
    if not args.quick:
        bench_memory(data, memory, mlflow)
    if args.data is None:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
