"""Wide signatures: the export grows with the columns, not with columns x body forms.

Gateways cap schema sizes (Azure API Management: 4 MB), and a strict request
export used to repeat every column in every form: 3 MB for 2,000 columns.  Each
column's schema now lives once in ``$defs`` and row-shaped forms share one list
of names (`sig2jsonschema._export.column_forms`).  The 2,000-column signature is
the benchmark's (``shared/bench/peer/wide2000.strict.json``: required ``double``
columns ``f0`` ... ``f1999``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft7Validator, Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS30Validator, OAS31Validator

from sig2jsonschema import Validator, from_jsonschema
from sig2jsonschema._export import column_forms
from sig2jsonschema._export.dialects.convert import to_components, to_dialect
from sig2jsonschema._export.dialects.tree import DIALECTS
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._signature.serialized import parse_signature
from sig2jsonschema._signature.types import Signature
from sig2jsonschema.strategies import invalid_requests, requests

LIMIT = 600_000
VALIDATORS: dict[str, Any] = {
    "2020-12": Draft202012Validator,
    "draft-07": Draft7Validator,
    "draft-04": Draft4Validator,
    "openapi-3.1": OAS31Validator,
    "openapi-3.0": OAS30Validator,
}


def _signature(columns: list[dict[str, Any]]) -> Signature:
    return parse_signature({"inputs": json.dumps(columns), "outputs": None, "params": None})


WIDE = _signature([{"type": "double", "name": f"f{i}", "required": True} for i in range(2000)])
#: Mixed types, optional columns and a few odd names: the wide row's explicit columns.
MIXED = _signature(
    [
        {"type": t, "name": f"{t[0]}{i}", "required": i % 7 != 3}
        for i, t in enumerate(["double", "long", "string", "boolean", "datetime"] * 20)
    ]
    + [{"type": "double", "name": n, "required": True} for n in ("a/b", "t~0", "with space")]
)


def _compact(schema: Any) -> int:
    return len(json.dumps(schema, separators=(",", ":")))


def _row(value: Any = 1.5) -> dict[str, Any]:
    return {f"f{i}": value for i in range(2000)}


def test_the_2000_column_strict_export_is_at_most_600_kb() -> None:
    size = _compact(to_jsonschema(WIDE, "request", "strict"))
    print(f"\n2,000-column strict request export: {size:,} bytes as compact JSON")
    assert size <= LIMIT


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_wide_export_is_valid_and_keeps_its_verdicts_in_every_dialect(dialect: str) -> None:
    original = to_jsonschema(WIDE, "request", "strict")
    converted, _ = to_dialect(original, dialect)  # type: ignore[arg-type]
    cls = VALIDATORS[dialect]
    cls.check_schema(converted)
    check = cls(converted, format_checker=cls.FORMAT_CHECKER)
    good = _row()
    columns = {k: [v, v] for k, v in good.items()}
    assert check.is_valid({"dataframe_records": [good, good]})
    assert check.is_valid({"inputs": columns})
    assert check.is_valid({"instances": [good]})
    assert not check.is_valid({"dataframe_records": [{**good, "f1999": "1.5"}]})
    assert not check.is_valid({"inputs": {**columns, "f7": [1.5, "x"]}})
    assert not check.is_valid({"inputs": {**columns, "zz": [1, 2]}})
    missing = dict(good)
    del missing["f1234"]
    assert not check.is_valid({"instances": [missing]})


def test_openapi_components_of_the_wide_export_are_valid() -> None:
    original = to_jsonschema(WIDE, "request", "strict")
    for dialect in ("openapi-3.0", "openapi-3.1"):
        schema, components, _ = to_components(
            original,
            dialect,  # type: ignore[arg-type]
            prefix="Wide.",
            name="Wide",
        )
        document = {"components": {"schemas": {"Wide": schema, **components}}}
        text = json.dumps(document)
        assert "#/$defs/" not in text
        for component in document["components"]["schemas"].values():
            VALIDATORS[dialect].check_schema(component)


def test_the_wide_export_reads_back_exactly() -> None:
    for mode in ("strict", "mlflow"):
        for sig in (WIDE, MIXED):
            assert from_jsonschema(to_jsonschema(sig, "request", mode)) == Signature(
                inputs=sig.inputs
            )


def test_errors_in_shared_column_checks_still_name_their_column() -> None:
    validator = Validator(WIDE)
    records = {"dataframe_records": [{**_row(), "f1717": "x"}]}
    columnar = {"inputs": {**{k: [v] for k, v in _row().items()}, "f42": ["x"]}}
    (first,) = list(validator.iter_errors(records))
    assert (first.pointer, first.field) == ("/dataframe_records/0/f1717", "inputs['f1717']")
    (second,) = list(validator.iter_errors(columnar))
    assert (second.pointer, second.field) == ("/inputs/f42/0", "inputs['f42']")


def _mixed_bodies() -> list[Any]:
    """Seeded valid bodies and near misses of MIXED."""
    bodies: list[Any] = []

    @settings(
        max_examples=40,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        bodies.append(data.draw(requests(MIXED)))
        bodies.append(data.draw(invalid_requests(MIXED)).body)

    collect()
    return bodies


def test_sharing_changes_no_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    wide = {m: to_jsonschema(MIXED, "request", m) for m in ("strict", "mlflow")}  # type: ignore[arg-type]
    monkeypatch.setattr(column_forms, "WIDE_ROW", 10_000)
    narrow = {m: to_jsonschema(MIXED, "request", m) for m in ("strict", "mlflow")}  # type: ignore[arg-type]
    assert _compact(wide["strict"]) < _compact(narrow["strict"])
    bodies = _mixed_bodies()
    for mode in ("strict", "mlflow"):
        checks = [
            Draft202012Validator(s[mode], format_checker=FormatChecker()) for s in (narrow, wide)
        ]
        verdicts = [[c.is_valid(b) for b in bodies] for c in checks]
        assert verdicts[0] == verdicts[1], mode
        if mode == "strict":
            assert any(verdicts[0])
            assert not all(verdicts[0])
