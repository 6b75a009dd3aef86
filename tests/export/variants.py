"""Near-miss request bodies for the differential tests: one valid body, many shapes.

`variants` takes a valid body of a signature and derives bodies a client could
plausibly send instead, in the classes where MLflow's leniency is hardest to
describe: the same data in every other envelope (``dataframe_records`` for
tensors included), records with ``null`` cells and missing keys, empty and
``null`` data keys, the unified-LLM keys at the top level holding single
values or lists, tensor leaves sent as strings, objects, lists or ``null``,
and one leaf replaced by a boundary value.  Whether MLflow accepts a variant
is left to the oracle; the variants only have to be *near* valid.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from tests.conftest import replace_at

if TYPE_CHECKING:
    import random

    from sig2jsonschema._signature.types import Signature

DATA_KEYS = ("dataframe_split", "dataframe_records", "inputs", "instances")
LLM_KEYS = ("messages", "prompt", "input")

BOUNDARY: list[Any] = [
    0, 1, -1, 1.5, 1.0, "1", " 1 ", "1.5", "abc", "", "true", True, False, None,
    2**31, 2**63 - 1, 2**63, -(2**63), "2024-01-01", "2024-01-01T00:00:00Z", "aGVsbG8=",
    [1], [1.5, 2], {"a": 1}, [], {}, ["a", None], [None], "nan", "é",
]  # fmt: skip


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict) and value:
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))]
    if isinstance(value, list) and value:
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))]
    return [path]


def _table(body: Any) -> tuple[list[Any] | None, list[list[Any]]] | None:
    """Column names and rows of a body, when it holds a table in some envelope."""
    if not isinstance(body, dict):
        return None
    split = body.get("dataframe_split")
    if isinstance(split, dict) and isinstance(split.get("data"), list):
        rows = [r for r in split["data"] if isinstance(r, list)]
        return split.get("columns"), rows
    for key in ("dataframe_records", "inputs", "instances"):
        value = body.get(key)
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            columns = list(dict.fromkeys(k for r in value for k in r))
            return columns, [[r.get(c) for c in columns] for r in value]
        if isinstance(value, dict) and value:
            columns = list(value)
            cols = [v if isinstance(v, list) else [v] for v in value.values()]
            n = max(len(c) for c in cols)
            if all(len(c) == n for c in cols) and n > 0:
                return columns, [[c[i] for c in cols] for i in range(n)]
    return None


def _envelopes(columns: list[Any] | None, rows: list[list[Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"dataframe_split": {"columns": columns, "data": rows}}]
    if not columns:
        return [
            *out,
            {"dataframe_split": {"data": rows}},
            {"inputs": rows},
            {"instances": rows},
            {"dataframe_records": [{"0": r[0]} for r in rows if r]},
        ]
    records = [dict(zip(columns, r, strict=False)) for r in rows]
    by_column = {c: [r[i] for r in rows] for i, c in enumerate(columns)}
    out += [
        {"dataframe_records": records},
        {"inputs": records},
        {"instances": records},
        {"inputs": by_column},
        {"instances": by_column},
        {"inputs": records[0]} if records else {"inputs": {}},
        {"instances": records[0]} if records else {"instances": {}},
    ]
    if len(columns) == 1:
        out.append({"inputs": [r[0] for r in rows]})
        out.append({"instances": [r[0] for r in rows]})
    if records:
        out.append(dict(records[0]))  # the unified-LLM form, when a column is an LLM key
    return out


def _tensor_bodies(sig: Signature, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A tensor body re-sent as frames: records of tensor names, rows of flat cells."""
    value = body.get("inputs", body.get("instances"))
    out: list[dict[str, Any]] = []
    if isinstance(value, dict) and value:
        names = list(value)
        arrays = [v if isinstance(v, list) else [v] for v in value.values()]
        n = min(len(a) for a in arrays)
        records = [{k: a[i] for k, a in zip(names, arrays, strict=True)} for i in range(n)]
        out += [
            {"dataframe_records": records},
            {"instances": records},
            {"dataframe_split": {"columns": names, "data": [list(r.values()) for r in records]}},
            {"dataframe_records": [dict(zip(names, arrays, strict=True))]},
        ]
    elif isinstance(value, list) and value:
        name = "0"
        if sig.inputs is not None and sig.inputs.has_names:
            name = str(sig.inputs.tensors[0].name)
        out += [
            {"dataframe_records": [{name: v} for v in value]},
            {"dataframe_records": [{"x": v} for v in value]},
            {"dataframe_records": value},
            {"dataframe_split": {"data": [[v] for v in value]}},
            {"dataframe_split": {"data": value}},
            {"instances": value},
            {"inputs": value},
            {"inputs": {name: value}},
        ]
    return out


def _leaf_variants(body: Any, rng: random.Random) -> list[Any]:
    """One leaf as a string, an object, a one-element list, null, or a boundary value."""
    paths = [p for p in _leaves(body) if p and p[0] != "params"]
    if not paths:
        return []
    out = []
    for make in (
        lambda v: str(v) if not isinstance(v, str) else v,
        lambda v: {"v": v},
        lambda v: [v],
        lambda v: None,
        lambda v: rng.choice(BOUNDARY),
        lambda v: rng.choice(BOUNDARY),
    ):
        path = rng.choice(paths)
        out.append(replace_at(body, path, make(_get(body, path))))
    return out


def _get(value: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


def _record_variants(body: Any, rng: random.Random) -> list[Any]:
    """Records with a null cell, a missing key, or an extra empty record."""
    out = []
    for key in ("dataframe_records", "inputs", "instances"):
        records = body.get(key) if isinstance(body, dict) else None
        if not (isinstance(records, list) and records and isinstance(records[0], dict)):
            continue
        keys = list(records[0])
        if not keys:
            continue
        k = rng.choice(keys)
        i = rng.randrange(len(records))
        nulled = copy.deepcopy(body)
        nulled[key][i][k] = None
        dropped = copy.deepcopy(body)
        dropped[key][i].pop(k, None)
        all_null = copy.deepcopy(body)
        for r in all_null[key]:
            r[k] = None
        out += [nulled, dropped, all_null, {**copy.deepcopy(body), key: [*records, {}]}]
    return out


def _empty_variants(body: Any) -> list[Any]:
    params = {"params": body["params"]} if isinstance(body, dict) and "params" in body else {}
    return [
        {"inputs": None, **params},
        {"inputs": [], **params},
        {"inputs": {}, **params},
        {"instances": None},
        {"instances": []},
        {"dataframe_records": []},
        {"dataframe_records": None},
        {"dataframe_split": {"data": []}},
        {"dataframe_split": {"columns": [], "data": []}},
    ]


def _llm_variants(sig: Signature, body: Any, rng: random.Random) -> list[Any]:
    """The unified-LLM keys at the top level, holding a value, a list, or a list of lists."""
    table = _table(body)
    out: list[Any] = []
    if table is None or not table[0]:
        row: dict[str, Any] = {}
    else:
        columns, rows = table
        row = dict(zip(columns or [], rows[0] if rows else [], strict=False))
    for key in LLM_KEYS:
        value = row.get(key, rng.choice(["hi", 1, {"role": "user", "content": "hi"}]))
        values = (
            [r[(table[0] or []).index(key)] for r in table[1]]
            if table and key in (table[0] or [])
            else [value, value]
        )
        out += [
            {**row, key: value},
            {**row, key: values},
            {**row, key: [values]},
            {**row, key: []},
            {**row, key: None},
        ]
    if sig.params is not None and out:
        for p in sig.params.params:
            out.append({**out[0], p.name: rng.choice(BOUNDARY)})
    return out


def variants(sig: Signature, body: Any, rng: random.Random) -> list[Any]:
    """Near-miss bodies derived from the valid ``body`` of ``sig`` (JSON-ready values)."""
    if not isinstance(body, dict):
        return []
    out: list[Any] = []
    table = _table(body)
    if table is not None:
        out += _envelopes(*table)
    if sig.inputs is not None and sig.inputs.is_tensor:
        out += _tensor_bodies(sig, body)
    for b in [body, *out]:
        out_b = _record_variants(b, rng)
        out += out_b
    out += _leaf_variants(body, rng)
    for b in list(out):
        if rng.random() < 0.3:
            out += _leaf_variants(b, rng)[:2]
    out += _empty_variants(body)
    out += _llm_variants(sig, body, rng)
    if "params" in body:
        out = [
            {**b, "params": body["params"]}
            if isinstance(b, dict) and "params" not in b and not any(k in b for k in LLM_KEYS)
            else b
            for b in out
        ]
    return out


__all__ = ["variants"]
