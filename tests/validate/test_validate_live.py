"""Live differential test: the `Validator` against MLflow 3.17.2's real scoring server.

A few hundred bodies that are NOT in the corpus are built (seeded) from the
corpus signatures' well-formed bodies and from the real models' own serving
examples: leaf values swapped for values of other types and at boundaries,
the same rows moved to other envelopes, columns dropped/added/renamed, params
added, JSON-text variations (NaN literals, duplicate keys, a BOM).  Each body
goes to MLflow's own server (shared/tools/mlflow_oracle.py, in-process) and to
our Validator:

* mlflow mode agrees with MLflow's status class on every body;
* strict mode never accepts a body MLflow rejects;
* on every body strict accepts, ``parse()`` equals what MLflow's ``predict``
  received.
"""

from __future__ import annotations

import copy
import json
import random
import warnings
from functools import cache
from typing import Any

import pytest

from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._validate.validator import Validator
from tests.conftest import CONFORMANCE, load_cases, model_dirs
from tests.describe import describe, encode, first_difference, same

pytestmark = [pytest.mark.mlflow, pytest.mark.slow]

SEED = 3172
#: Mutated bodies per source body.
PER_SOURCE = 6

POOL: list[Any] = [
    0, 1, 2, -7, 1.0, 2.5, -0.5, 1e3, "7", "2.5", "x", "", "false", True, False, None,
    2**31 - 1, 2**31, 2**62, 2**63, -(2**63) - 1, "2024-02-29", "2024-02-29T23:59:59.5",
    "2023-02-29", "2024-01-01T00:00:00-05:00", "aGVsbG8gd29ybGQ=", "aGVsbG8", "ü", [2], [0, 1],
    [1, 2], [1.5, "x"], [[1, 2], [3]], {"k": 1}, {"kind": "a"}, [], {},
]  # fmt: skip


# -- bodies ------------------------------------------------------------------------------


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every leaf path of a JSON value (empty containers count as leaves)."""
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in _paths(v, (*path, k))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in _paths(v, (*path, i))]
    return [path]


def _set(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    out = copy.deepcopy(value)
    node = out
    for step in path[:-1]:
        node = node[step]
    if path:
        node[path[-1]] = new
        return out
    return new


def _rows(body: dict[str, Any]) -> tuple[list[str], list[list[Any]]] | None:
    """(columns, rows) of a named tabular body, in any envelope."""
    if "dataframe_split" in body and isinstance(body["dataframe_split"], dict):
        split = body["dataframe_split"]
        if isinstance(split.get("columns"), list) and isinstance(split.get("data"), list):
            return split["columns"], split["data"]
    for key in ("dataframe_records", "inputs", "instances"):
        value = body.get(key)
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            columns = list(value[0])
            return columns, [[r.get(c) for c in columns] for r in value]
        if isinstance(value, dict) and value and all(isinstance(v, list) for v in value.values()):
            columns = list(value)
            length = min(len(v) for v in value.values())
            return columns, [[value[c][i] for c in columns] for i in range(length)]
    return None


def _reshaped(body: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    table = _rows(body)
    if table is None:
        return None
    columns, rows = table
    records = [dict(zip(columns, r, strict=False)) for r in rows]
    columnar = {c: [r[i] if i < len(r) else None for r in rows] for i, c in enumerate(columns)}
    shapes = [
        {"dataframe_split": {"columns": columns, "data": rows}},
        {"dataframe_split": {"data": rows}},
        {"dataframe_records": records},
        {"inputs": records},
        {"inputs": columnar},
        {"instances": records},
        {"instances": columnar},
        {"inputs": records[0] if records else {}},
    ]
    out = rng.choice(shapes)
    if "params" in body:
        out["params"] = body["params"]
    return out


def _structural(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(body)
    key = next(
        (k for k in ("dataframe_split", "dataframe_records", "inputs", "instances") if k in out),
        None,
    )
    choice = rng.randrange(8)
    if choice == 0 and key:
        out[key.upper() if rng.random() < 0.5 else "data"] = out.pop(key)
    elif choice == 1 and key:
        out["inputs" if key != "inputs" else "instances"] = copy.deepcopy(out[key])
    elif choice == 2:
        out["params"] = {
            rng.choice(["k", "temperature", "max_tokens", "stop", "zz"]): rng.choice(POOL)
        }
    elif choice == 3:
        out[rng.choice(["extra", "prompt", "signature_name"])] = rng.choice(POOL)
    elif choice == 4 and key and isinstance(out[key], list) and out[key]:
        out[key] = out[key][:1] * 3
    elif choice == 5 and key and isinstance(out[key], list):
        out[key] = []
    elif choice == 6 and key:
        table = _rows(out)
        if table and table[0]:
            columns, rows = table
            drop = rng.randrange(len(columns))
            out = {"dataframe_records": [
                {c: v for j, (c, v) in enumerate(zip(columns, r, strict=False)) if j != drop}
                for r in rows
            ]}  # fmt: skip
    elif key:
        out[key] = {"wrapped": out[key]}
    return out


def _text(value: Any, rng: random.Random) -> str:
    text = json.dumps(value, allow_nan=True)
    choice = rng.randrange(10)
    if choice == 0:
        return "\ufeff" + text
    if choice == 1 and text.startswith("{") and len(text) > 2:
        return '{"zz": NaN, ' + text[1:]
    if choice == 2 and text.startswith("{"):
        first = next(iter(value), None) if isinstance(value, dict) else None
        if first is not None:
            return "{" + json.dumps(first) + ": 0, " + text[1:]
    if choice == 3:
        return json.dumps(value, indent=2, allow_nan=True)
    return text


def _mutants(body_text: str, rng: random.Random) -> list[str]:
    try:
        body = json.loads(body_text)
    except ValueError:
        return []
    out: list[str] = []
    for _ in range(PER_SOURCE):
        kind = rng.randrange(3)
        if kind == 0 and isinstance(body, dict):
            paths = _paths(body)
            mutated = _set(body, rng.choice(paths), rng.choice(POOL)) if paths else body
        elif kind == 1 and isinstance(body, dict):
            mutated = _reshaped(body, rng) or _structural(body, rng)
        elif isinstance(body, dict):
            mutated = _structural(body, rng)
        else:
            mutated = body
        out.append(_text(mutated, rng))
    return out


@cache
def _corpus_bodies() -> frozenset[str]:
    return frozenset(c["body"] for c in load_cases())


def _sources() -> list[tuple[str, dict[str, Any], list[str]]]:
    """(name, signature dict, source bodies) per corpus signature and real model."""
    cases = load_cases()
    out = []
    for path in sorted((CONFORMANCE / "signatures").glob("*.json")):
        bodies = [
            c["body"]
            for c in cases
            if c["signature"] == path.stem
            and c["kind"] == "valid-shape"
            and c["mlflow"]["status"] == 200
        ][:3]
        out.append((path.stem, json.loads(path.read_text(encoding="utf-8")), bodies))
    for model in model_dirs():
        if model.name == "type_hinted_pyfunc":
            continue  # its verdicts depend on an MLmodel flag the oracle's model lacks
        example = model / "serving_input_example.json"
        if example.is_file():
            signature = json.loads((model / "signature.json").read_text(encoding="utf-8"))
            out.append((model.name, signature, [example.read_text(encoding="utf-8")]))
    return out


def generated() -> list[tuple[str, dict[str, Any], list[str]]]:
    rng = random.Random(SEED)
    corpus = _corpus_bodies()
    out = []
    for name, signature, sources in _sources():
        bodies: list[str] = []
        for source in sources:
            bodies += [b for b in _mutants(source, rng) if b not in corpus and b not in bodies]
        out.append((name, signature, bodies))
    return out


GENERATED = generated()


def test_a_few_hundred_new_bodies() -> None:
    total = sum(len(b) for _, _, b in GENERATED)
    assert 200 <= total <= 1000, total


@pytest.mark.parametrize(("name", "signature", "bodies"), GENERATED, ids=[g[0] for g in GENERATED])
def test_validator_agrees_with_a_real_mlflow_server(
    oracle: Any, name: str, signature: dict[str, Any], bodies: list[str]
) -> None:
    sig = parse_signature(signature)
    # The in-process oracle runs the pinned mlflow-skinny: MLflow 3.17.2.
    lenient = Validator(sig, mode="mlflow", mlflow_version="3.17")
    strict = Validator(sig, mode="strict", mlflow_version="3.17")
    problems = _compare(oracle, signature, lenient, strict, bodies, "application/json")
    csv_bodies = _csv_bodies(sig, bodies)
    problems += _compare(oracle, signature, lenient, strict, csv_bodies, "text/csv")
    assert not problems, problems[:5]


def _csv_bodies(sig: Any, bodies: list[str]) -> list[str]:
    """CSV renderings of the tabular bodies, for signatures MLflow can read as CSV."""
    if sig.inputs is None or sig.inputs.is_tensor or not sig.inputs.has_names:
        return []
    out = []
    for body in bodies[:8]:
        try:
            table = _rows(json.loads(body))
        except (ValueError, AttributeError, TypeError):
            continue
        if table is None:
            continue
        columns, rows = table
        lines = [",".join(str(c) for c in columns)]
        for row in rows:
            cells = [
                "" if v is None else json.dumps(v) if isinstance(v, (list, dict)) else str(v)
                for v in row
            ]
            lines.append(
                ",".join(
                    '"' + c.replace('"', '""') + '"' if "," in c or '"' in c else c for c in cells
                )
            )
        out.append("\n".join(lines) + "\n")
    return out


def _compare(
    oracle: Any,
    signature: dict[str, Any],
    lenient: Validator,
    strict: Validator,
    bodies: list[str],
    content_type: str,
) -> list[Any]:
    if not bodies:
        return []
    with warnings.catch_warnings():
        # A real server only logs numpy's and starlette's warnings; pytest's
        # "error" filter would turn them into failures inside MLflow.
        warnings.simplefilter("ignore")
        verdicts = oracle.query(signature, bodies, content_type=content_type)
    disagreements: list[Any] = []
    for body, verdict in zip(bodies, verdicts, strict=True):
        raw = body.encode("utf-8", "surrogatepass")
        accepted = verdict["status"] == 200
        found = list(lenient.iter_errors(raw, content_type=content_type))
        if (not found) != accepted:
            disagreements.append(
                ("mlflow mode", body[:200], verdict["status"], verdict["message"], found[:1])
            )
        strict_errors = list(strict.iter_errors(raw, content_type=content_type))
        if not strict_errors and not accepted:
            disagreements.append(
                ("strict accepted a rejected body", body[:200], verdict["message"])
            )
        if not strict_errors and accepted:
            parsed = strict.parse(raw, content_type=content_type)
            got = describe(parsed.inputs)
            if not same(got, verdict["received"]) or not same(
                encode(parsed.params), verdict["params"]
            ):
                disagreements.append(
                    ("strict parse", body[:200], first_difference(verdict["received"], got))
                )
    return disagreements
