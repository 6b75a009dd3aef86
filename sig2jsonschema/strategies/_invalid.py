"""Near misses: valid bodies with exactly one rule of the strict contract broken.

A near miss is built from a valid draw (`_bodies`' table of
columns, batch of tensors, or params dict), then one mutation is applied
*before* the layout, so the same mutation reaches every body form.  Each
mutation knows the keyword the strict validator reports for it (JSON Schema
keywords or our ``x-mlflow-*`` ones); that keyword is the near miss's
``rule``.  Some near misses are accepted by MLflow itself, lossily (``7.0`` in
a long column, an unknown param): those are exactly what ``fuzz`` reports as
lossy acceptances.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st

from sig2jsonschema._hazards.verdicts import is_one_row_type
from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColType,
    DataType,
    Map,
    Object,
    Signature,
    SparkMLVector,
)

from . import _bodies as bodies
from . import _values as values

if TYPE_CHECKING:
    from collections.abc import Callable

    from hypothesis.strategies import DrawFn, SearchStrategy


@dataclass(frozen=True)
class NearMiss:
    """A request body that breaks one rule; ``rule`` is the strict validator's keyword.

    .. versionadded:: 0.1
    """

    #: The keyword of the error the strict validator reports (``required``, ``type``, ...).
    rule: str
    #: The request body (JSON-ready).
    body: Any
    #: What was changed, in words (``"long column 'age' holds 7.0"``).
    why: str = ""
    #: The body form the valid body came in.
    form: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON line ``sample --invalid`` prints."""
        return {"rule": self.rule, "why": self.why, "form": self.form, "body": self.body}


#: A mutation: (rule, why, function applied to a deep copy of the drawn data).
Mutation = tuple[str, str, "Callable[[Any], None]"]

_WRONG_KIND: dict[DataType, Any] = {
    DataType.boolean: "true",
    DataType.integer: "1",
    DataType.long: "1",
    DataType.float: "1.5",
    DataType.double: "1.5",
    DataType.string: 1,
    DataType.binary: 1,
    DataType.datetime: 20240101,
}


def _set_cell(column: int, row: int, value: Any) -> Callable[[Any], None]:
    def apply(table: Any) -> None:
        table[1][column][row] = value

    return apply


def _scalar_mutations(dtype: DataType, where: str, col: int, row: int) -> list[Mutation]:
    out: list[Mutation] = [
        ("type", f"{where} holds {_WRONG_KIND[dtype]!r}", _set_cell(col, row, _WRONG_KIND[dtype]))
    ]
    bounds = {DataType.integer: values.INT32, DataType.long: values.INT64}
    if dtype in bounds:
        lo, hi = bounds[dtype]
        out += [
            ("maximum", f"{where} holds {hi + 1}", _set_cell(col, row, hi + 1)),
            ("minimum", f"{where} holds {lo - 1}", _set_cell(col, row, lo - 1)),
            ("x-mlflow-token", f"{where} holds 7.0", _set_cell(col, row, 7.0)),
        ]
    if dtype is DataType.float:
        out.append(("maximum", f"{where} holds 1e39", _set_cell(col, row, 1e39)))
    if dtype is DataType.datetime:
        out.append(("pattern", f"{where} holds month 13", _set_cell(col, row, "2024-13-01")))
    if dtype is DataType.binary:
        out.append(("pattern", f"{where} is not base64", _set_cell(col, row, "not base64!")))
    return out


def _nested_mutations(
    t: ColType, value: Any, path: list[Any]
) -> list[tuple[str, str, list[Any], Any]]:
    """Mutations inside one nested value: (rule, why, path, replacement)."""
    out: list[tuple[str, str, list[Any], Any]] = []
    if isinstance(t, Object) and isinstance(value, dict):
        for prop in t.properties:
            if prop.required and prop.name in value:
                smaller = {k: v for k, v in value.items() if k != prop.name}
                out.append(("required", f"property {prop.name!r} left out", path, smaller))
                break
        out.append(
            ("additionalProperties", "an unknown property", path, {**value, "zz_unknown": 1})
        )
        for prop in t.properties:
            if prop.name in value:
                out += _nested_mutations(prop.type, value[prop.name], [*path, prop.name])
    elif isinstance(t, (Array, SparkMLVector)) and isinstance(value, list):
        items = t.items if isinstance(t, Array) else DataType.double
        if items is DataType.double:
            out.append(("x-mlflow-nested-double", "doubles as integer tokens", path, [2, 3]))
        elif items is DataType.long:
            out.append(("x-mlflow-token", "a long as 7.0", path, [7.0]))
        elif value:
            out += _nested_mutations(items, value[0], [*path, 0])
    elif isinstance(t, Map) and isinstance(value, dict) and value:
        key = next(iter(value))
        out += _nested_mutations(t.values, value[key], [*path, key])
    elif t is DataType.long:
        out.append(("x-mlflow-token", "a nested long as 7.0", path, 7.0))
    elif t is DataType.double:
        out.append(("x-mlflow-nested-double", "a nested double as 2", path, 2))
    elif t in (DataType.string, DataType.boolean):
        out.append(("type", "a nested value of the wrong kind", path, [1]))
    return out


def _replace_at(container: Any, path: list[Any], replacement: Any) -> Any:
    if not path:
        return replacement
    head, *rest = path
    container[head] = _replace_at(container[head], rest, replacement)
    return container


def _column_mutations(sig: Signature, form: str, table: Any) -> list[Mutation]:
    """Every mutation that applies to a drawn column table in ``form``."""
    assert sig.inputs is not None
    labels, columns, rows = table
    specs = {
        (s.name if s.name is not None else bodies.unnamed_label(i)): s
        for i, s in enumerate(sig.inputs.columns)
    }
    out: list[Mutation] = []
    direct = form == "llm"
    for col, label in enumerate(labels):
        spec = specs[label]
        where = f"column {label!r}"
        if isinstance(spec.type, DataType) and not direct:
            out += _scalar_mutations(spec.type, where, col, 0)
        elif not isinstance(spec.type, AnyType):
            for rule, why, path, new in _nested_mutations(spec.type, columns[col][0], []):
                out.append((rule, f"{where}: {why}", _nested_set(col, path, new)))
            if not isinstance(spec.type, DataType):
                out.append(("type", f"{where} holds a number", _set_cell(col, 0, 12345)))
    named = sig.inputs.has_names
    if named and form not in ("inputs/list", "instances/list"):
        missing_rule = "enum" if form == "dataframe_split" else "required"
        for col, label in enumerate(labels):
            keeps = _keeps_form(form, table, col) and not (
                form == "inputs/row" and is_one_row_type(specs[label].type)
            )
            if specs[label].is_required and len(labels) > 1 and keeps:
                out.append((missing_rule, f"required column {label!r} left out", _drop(col)))
                break
        extra_rule = "enum" if form == "dataframe_split" else "additionalProperties"
        out.append((extra_rule, "an unknown column 'zz_unknown'", _extra_column(rows)))
    return out


def _keeps_form(form: str, table: Any, dropped: int) -> bool:
    """Whether a one-row body is still read as one row without column ``dropped``.

    MLflow (and the strict validator) read an ``inputs`` object as columns unless
    a one-row column is left, and an object of lists looks columnar.
    """
    if form != "inputs/row":
        return True
    rest = [column[0] for i, column in enumerate(table[1]) if i != dropped]
    return any(not isinstance(value, list) for value in rest)


def _nested_set(col: int, path: list[Any], new: Any) -> Callable[[Any], None]:
    def apply(table: Any) -> None:
        columns = table[1]
        columns[col][0] = _replace_at(columns[col][0], path, copy.deepcopy(new))

    return apply


def _drop(col: int) -> Callable[[Any], None]:
    def apply(table: Any) -> None:
        del table[0][col]
        del table[1][col]

    return apply


def _extra_column(rows: int) -> Callable[[Any], None]:
    def apply(table: Any) -> None:
        table[0].append("zz_unknown")
        table[1].append([1] * rows)

    return apply


@st.composite
def column_near_miss(draw: DrawFn, sig: Signature, form: str) -> NearMiss | None:
    table = draw(bodies.column_table(sig, form))
    mutations = _column_mutations(sig, form, table)
    if not mutations:
        return None
    rule, why, apply = draw(st.sampled_from(mutations), label="mutation")
    labels: list[str] = list(table[0])
    columns: list[list[Any]] = copy.deepcopy(table[1])
    apply([labels, columns, table[2]])
    body = bodies.layout_columns(sig, form, (labels, columns, table[2]))
    return NearMiss(rule, body, why, form)


def _tensor_mutations(sig: Signature, batch: dict[str | None, Any]) -> list[Mutation]:
    assert sig.inputs is not None
    out: list[Mutation] = []
    for spec in sig.inputs.tensors:
        name = spec.name
        where = f"tensor {name!r}" if name is not None else "the tensor"
        kind = np.dtype(spec.dtype).kind
        path = _leaf_path(batch[name])
        if spec.shape and path is not None:
            if kind in "iu":
                info = np.iinfo(spec.dtype)
                out.append(
                    (
                        "maximum",
                        f"{where} holds {int(info.max) + 1}",
                        _leaf(name, path, int(info.max) + 1),
                    )
                )
                out.append(
                    (
                        "minimum",
                        f"{where} holds {int(info.min) - 1}",
                        _leaf(name, path, int(info.min) - 1),
                    )
                )
                out.append(("x-mlflow-token", f"{where} holds 7.0", _leaf(name, path, 7.0)))
            if kind in "iufb":
                out.append(("type", f"{where} holds a string", _leaf(name, path, "x")))
            for axis, dim in enumerate(spec.shape[1:], start=1):
                if dim > 0:
                    out.append(
                        (
                            "maxItems",
                            f"{where}: axis {axis} one too long",
                            _resize(name, axis, grow=True),
                        )
                    )
                    out.append(
                        (
                            "minItems",
                            f"{where}: axis {axis} one too short",
                            _resize(name, axis, grow=False),
                        )
                    )
                    break
    return out


def _leaf_path(value: Any) -> list[int] | None:
    """The path to the first leaf of a nested list (None when every list is empty)."""
    if not isinstance(value, list):
        return []
    for i, item in enumerate(value):
        inner = _leaf_path(item)
        if inner is not None:
            return [i, *inner]
    return None


def _leaf(name: str | None, path: list[int], new: Any) -> Callable[[Any], None]:
    def apply(batch: Any) -> None:
        batch[name] = _replace_at(batch[name], list(path), new)

    return apply


def _resize(name: str | None, axis: int, *, grow: bool) -> Callable[[Any], None]:
    def apply(batch: Any) -> None:
        level = batch[name]
        for _ in range(axis):
            level = level[0]
        if grow:
            level.append(copy.deepcopy(level[0]))
        else:
            level.pop()

    return apply


@st.composite
def tensor_near_miss(draw: DrawFn, sig: Signature, form: str) -> NearMiss | None:
    batch = draw(bodies.tensor_batch(sig))
    mutations = _tensor_mutations(sig, batch)
    if not mutations:
        return None
    rule, why, apply = draw(st.sampled_from(mutations), label="mutation")
    mutable = copy.deepcopy(batch)
    apply(mutable)
    return NearMiss(rule, bodies.layout_tensors(sig, form, mutable), why, form)


def _param_mutations(sig: Signature) -> list[tuple[str, str, str, Any]]:
    # MLflow drops undeclared params with a warning; the strict schema refuses them,
    # and with no param schema at all it wants params empty.
    if sig.params is None or not sig.params.params:
        return [("maxProperties", "a param the signature does not declare", "zz_unknown", 1)]
    out: list[tuple[str, str, str, Any]] = [
        ("additionalProperties", "an undeclared param", "zz_unknown", 1)
    ]
    for spec in sig.params.params:
        name = spec.name
        if isinstance(spec.type, Object):
            out.append(("type", f"object param {name!r} as a string", name, "x"))
            continue
        if spec.shape is not None:
            out.append(("type", f"list param {name!r} as a scalar", name, {"a": 1}))
            continue
        wrong = _WRONG_KIND[spec.type] if spec.type is not DataType.string else 1
        if spec.type is DataType.datetime:
            wrong = 1
        out.append(("type", f"param {name!r} holds {wrong!r}", name, wrong))
        if spec.type is DataType.integer:
            out.append(("maximum", f"param {name!r} beyond int32", name, values.INT32[1] + 1))
        if spec.type in (DataType.integer, DataType.long):
            out.append(("x-mlflow-token", f"param {name!r} holds 7.0", name, 7.0))
    return out


def _envelope_mutations(form: str) -> list[tuple[str, str, Callable[[Any], Any]]]:
    if form == "llm":
        return []
    key = form.split("/", maxsplit=1)[0]
    other = "inputs" if key != "inputs" else "dataframe_records"
    return [
        (
            "required",
            f"unknown envelope instead of {key!r}",
            lambda body: {("zz_" + k if k == key else k): v for k, v in body.items()},
        ),
        ("not", f"two envelopes ({key!r} and {other!r})", lambda body: {**body, other: body[key]}),
    ]


@st.composite
def body_near_miss(draw: DrawFn, sig: Signature, form: str) -> NearMiss:
    """Params and envelope mutations, applied to a whole valid body."""
    body = draw(bodies.form_body(sig, form, params=False))
    choices: list[tuple[str, str, Callable[[Any], Any]]] = list(_envelope_mutations(form))
    for rule, why, name, value in _param_mutations(sig):
        if form == "llm":
            continue
        choices.append((rule, why, _with_param(name, value)))
    if not choices:
        choices.append(("required", "the envelope left out", lambda _body: {}))
    rule, why, apply = draw(st.sampled_from(choices), label="mutation")
    return NearMiss(rule, apply(copy.deepcopy(body)), why, form)


def _with_param(name: str, value: Any) -> Callable[[Any], Any]:
    return lambda body: {**body, "params": {name: value}}


def near_misses(sig: Signature, forms: list[str]) -> SearchStrategy[NearMiss]:
    """Near misses of bodies in ``forms`` (each a form that works for ``sig``)."""
    assert sig.inputs is not None
    per_form: list[SearchStrategy[Any]] = []
    for form in forms:
        data = tensor_near_miss(sig, form) if sig.inputs.is_tensor else column_near_miss(sig, form)
        per_form.append(st.one_of(data, body_near_miss(sig, form)))
    fallback = st.one_of([body_near_miss(sig, form) for form in forms])
    return st.one_of(per_form).flatmap(lambda miss: st.just(miss) if miss else fallback)


__all__ = ["NearMiss", "near_misses"]
