"""Live differential test: `emulate` against MLflow 3.17.2's real scoring server.

Bodies NOT in the corpus are generated (seeded) from the corpus signatures and
the real models' signatures: values at type boundaries, nulls, strings in
numeric columns, the same rows in every envelope, params variations,
structural mutations, and CSV bodies.  Each goes through MLflow's own server
(shared/tools/mlflow_oracle.py, one saved model per signature, one oracle per
module) and through `emulate`; status, error code and class must agree, and
on accepted bodies so must what ``predict()`` received and the params.

A type-hinted model (``predict(self, model_input: list[str])``) is saved and
served here too, since its verdicts depend on the MLmodel flag the corpus
cannot carry.
"""

from __future__ import annotations

import copy
import json
import random
import warnings
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema._emulator.server import emulate
from sig2jsonschema._releases.table import RELEASES
from sig2jsonschema._signature.serialized import parse_signature
from tests.conftest import CONFORMANCE, load_cases, model_dirs, replace_at
from tests.describe import describe, encode, first_difference, same

if TYPE_CHECKING:
    from pathlib import Path

    from sig2jsonschema._signature.types import Signature

pytestmark = pytest.mark.mlflow

SEED = 20241127

BOUNDARY: list[Any] = [
    0, 1, -1, 2, 1.5, -1.5, 1.0, 100.0, "1", " 1 ", "1.5", "abc", "", "true", True, False, None,
    2**31, 2**40, 2**63 - 1, 2**63, 2**64, -(2**63), float("nan"), float("inf"), "2024-01-01",
    "2024-01-01T00:00:00Z", "2024-01-01T10:00:00+02:00", "aGVsbG8=", "a!Gk=", "aGk", [1], [1.5, 2],
    {"a": 1}, [], {}, ["a", None], [None], [True, None], [1, "2"], [0, 1], "é", 1700000000000,
    3.4e39, 16777217,
]  # fmt: skip
PARAM_VALUES: list[Any] = [
    *BOUNDARY, [1, 2], ["a", "b"], [1.5, None], [[1], 2], [[1], [2]], "2024-01-02T03:04:05", "NaT",
]  # fmt: skip

#: The in-process oracle runs the pinned mlflow-skinny: MLflow 3.17.2.
_ORACLE_RELEASE = RELEASES["3.17"]


# --------------------------------------------------------------------------
# Body generation
# --------------------------------------------------------------------------
def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _table(body: dict[str, Any]) -> tuple[list[Any] | None, list[list[Any]]] | None:
    """Columns and rows of a split/records body."""
    if isinstance(body.get("dataframe_split"), dict):
        split = body["dataframe_split"]
        return split.get("columns"), split["data"]
    records = body.get("dataframe_records")
    if isinstance(records, list) and all(isinstance(r, dict) for r in records):
        columns = list(dict.fromkeys(k for r in records for k in r))
        return columns, [[r.get(c) for c in columns] for r in records]
    return None


def _envelopes(columns: list[Any] | None, rows: list[list[Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"dataframe_split": {"columns": columns, "data": rows}}]
    if not columns:
        return [*out, {"inputs": rows}, {"instances": [r[0] for r in rows if r]}]
    records = [dict(zip(columns, r, strict=False)) for r in rows]
    by_column = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    out += [
        {"dataframe_records": records},
        {"inputs": records},
        {"instances": records},
        {"inputs": by_column},
        {"instances": by_column},
    ]
    if records:
        out.append({"inputs": records[0]})
    if len(columns) == 1:
        out.append({"inputs": [r[0] for r in rows]})
    return out


def _structural(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(body)
    objects: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            objects.append(value)
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(out)
    target = rng.choice(objects)
    keys = list(target)
    operation = rng.randrange(4)
    if operation == 0 and keys:
        target.pop(rng.choice(keys))
    elif operation == 1:
        target["zz"] = rng.choice(BOUNDARY)
    elif operation == 2 and keys:
        key = rng.choice(keys)
        target[key] = [target[key]]
    elif keys:
        key = rng.choice(keys)
        if isinstance(target[key], list) and target[key]:
            target[key] = target[key][0]
    return out


def _dump(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


def generate(
    examples: list[dict[str, Any]], params: list[dict[str, Any]], rng: random.Random, budget: int
) -> tuple[list[str], list[str]]:
    """JSON and CSV bodies derived from valid examples (at most ``budget`` JSON ones)."""
    import pandas as pd

    json_bodies: list[str] = []
    csv_bodies: list[str] = []
    for example in examples:
        paths = [p for p in _leaves(example) if p and p[0] != "params"]
        for _ in range(3):
            if paths:
                path = rng.choice(paths)
                json_bodies.append(_dump(replace_at(example, path, rng.choice(BOUNDARY))))
        json_bodies.append(_dump(_structural(example, rng)))
        table = _table(example)
        if table is None:
            continue
        columns, rows = table
        for envelope in _envelopes(columns, rows):
            body: dict[str, Any] = envelope
            leaf_paths = [p for p in _leaves(body) if p]
            if leaf_paths and rng.random() < 0.5:
                body = replace_at(body, rng.choice(leaf_paths), rng.choice(BOUNDARY))
            if params and rng.random() < 0.6:
                chosen = rng.sample(params, rng.randint(1, len(params)))
                body["params"] = {p["name"]: rng.choice(PARAM_VALUES) for p in chosen}
            json_bodies.append(_dump(body))
        if columns and rows:
            frame = pd.DataFrame(rows, columns=columns)
            csv_bodies.append(frame.to_csv(index=False))
            broken = [list(r) for r in rows]
            broken[0][rng.randrange(len(broken[0]))] = rng.choice([None, 1.5, "abc", 2**40, ""])
            csv_bodies.append(pd.DataFrame(broken, columns=columns).to_csv(index=False))
    rng.shuffle(json_bodies)
    return json_bodies[:budget], csv_bodies[:4]


# --------------------------------------------------------------------------
# The comparison
# --------------------------------------------------------------------------
def compare(
    oracle: Any, signature_dict: dict[str, Any], bodies: list[str], content_type: str
) -> list[str]:
    signature = parse_signature(signature_dict)
    with warnings.catch_warnings():
        # A real server only prints numpy's RuntimeWarnings; pytest's "error"
        # filter would turn them into 400s inside MLflow.
        warnings.simplefilter("ignore")
        verdicts = oracle.query(signature_dict, bodies, content_type=content_type)
    return [
        problem
        for body, verdict in zip(bodies, verdicts, strict=True)
        if (problem := _disagreement(signature, body, verdict, content_type))
    ]


def _disagreement(
    signature: Signature, body: str, verdict: dict[str, Any], content_type: str
) -> str | None:
    outcome = emulate(signature, body, content_type=content_type, release=_ORACLE_RELEASE)
    ours = (outcome.status, outcome.error_code, outcome.error_class)
    theirs = (verdict["status"], verdict["error_code"], verdict["error_class"])
    where = f"{content_type} {body[:200]!r}"
    if ours != theirs:
        return f"{where}: MLflow {theirs} {(verdict['message'] or '')[:200]!r}, ours {ours} {outcome.message!r}"
    if outcome.status != 200:
        return None
    received = describe(outcome.received)
    if not same(received, verdict["received"]):
        return f"{where}: received {first_difference(verdict['received'], received)}"
    params = encode(outcome.params)
    if not same(params, verdict["params"]):
        return f"{where}: params {first_difference(verdict['params'], params)}"
    if outcome.unwrapped != verdict["unwrapped"]:
        return f"{where}: unwrapped {outcome.unwrapped} != {verdict['unwrapped']}"
    return None


def _examples_by_signature() -> dict[str, list[dict[str, Any]]]:
    examples: dict[str, list[dict[str, Any]]] = {}
    for case in load_cases():
        if case["kind"] != "valid-shape" or case["mlflow"]["status"] != 200:
            continue
        try:
            examples.setdefault(case["signature"], []).append(json.loads(case["body"]))
        except ValueError:
            continue
    return examples


EXAMPLES = _examples_by_signature()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_mutated_corpus_bodies_agree_with_mlflow(oracle: Any, name: str) -> None:
    with (CONFORMANCE / "signatures" / f"{name}.json").open(encoding="utf-8") as f:
        signature_dict = json.load(f)
    params = json.loads(signature_dict["params"]) if signature_dict.get("params") else []
    rng = random.Random(f"{SEED}-{name}")
    json_bodies, csv_bodies = generate(EXAMPLES[name], params, rng, budget=14)
    problems = compare(oracle, signature_dict, json_bodies, "application/json")
    problems += compare(oracle, signature_dict, csv_bodies, "text/csv")
    assert not problems, "\n".join(problems)


MODELS = [d for d in model_dirs() if d.name != "type_hinted_pyfunc"]


@pytest.mark.parametrize("model", MODELS, ids=[d.name for d in MODELS])
def test_real_model_examples_and_mutations_agree_with_mlflow(oracle: Any, model: Path) -> None:
    with (model / "signature.json").open(encoding="utf-8") as f:
        signature_dict = json.load(f)
    example_text = (model / "serving_input_example.json").read_text(encoding="utf-8")
    params = json.loads(signature_dict["params"]) if signature_dict.get("params") else []
    example = json.loads(example_text)
    rng = random.Random(f"{SEED}-{model.name}")
    json_bodies, csv_bodies = generate([example], params, rng, budget=10)
    problems = compare(oracle, signature_dict, [example_text, *json_bodies], "application/json")
    problems += compare(oracle, signature_dict, csv_bodies, "text/csv")
    assert not problems, "\n".join(problems)


HINT_BODIES = [
    '{"inputs": ["a", "b"]}',
    '{"inputs": ["a", 1]}',
    '{"inputs": "a"}',
    '{"inputs": []}',
    '{"instances": ["a"]}',
    '{"dataframe_split": {"data": [["a"]]}}',
    '{"inputs": ["a"], "instances": ["b"]}',
    '{"inputs": ["a"], "params": {"k": 1}}',
    '{"inputs": [null]}',
    '{"messages": ["a"]}',
    '{"inputs": {"a": "b"}}',
]


def test_type_hinted_model_agrees_with_mlflow(oracle: Any, tmp_path: Path) -> None:
    import mlflow.pyfunc
    from mlflow_oracle import _Served
    from mlflow_oracle import describe as oracle_describe

    class Echo(mlflow.pyfunc.PythonModel):  # type: ignore[misc,name-defined]
        def predict(self, context: Any, model_input: list[str], params: Any = None) -> list[str]:
            return [json.dumps({"__echo__": oracle_describe(model_input)})]

    model_dir = tmp_path / "hinted"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlflow.pyfunc.save_model(str(model_dir), python_model=Echo(), pip_requirements=["mlflow"])
        served = _Served(str(model_dir))
    try:
        signature_dict = mlflow.models.Model.load(str(model_dir)).signature.to_dict()
        signature = parse_signature(signature_dict, from_type_hint=True)
        problems = []
        for body in HINT_BODIES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                response = served.client.post(
                    "/invocations",
                    content=body.encode(),
                    headers={"Content-Type": "application/json"},
                )
            outcome = emulate(signature, body, release=_ORACLE_RELEASE)
            payload = (
                response.json()
                if response.headers.get("content-type", "").startswith("application/json")
                else None
            )
            theirs = (response.status_code, (payload or {}).get("error_code"))
            if (outcome.status, outcome.error_code) != theirs:
                problems.append(f"{body}: MLflow {theirs} {response.text[:200]}, ours {outcome}")
            elif outcome.status == 200:
                predictions = payload if outcome.unwrapped else payload["predictions"]
                got = json.loads(predictions[0])["__echo__"]
                if not same(describe(outcome.received), got):
                    problems.append(f"{body}: received {got} vs {describe(outcome.received)}")
        assert not problems, "\n".join(problems)
    finally:
        served.close()
