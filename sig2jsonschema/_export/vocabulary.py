"""Our ``x-mlflow-*`` keywords, as jsonschema keyword functions.

JSON Schema cannot see what MLflow's server depends on in a few places
(spec 6.2): the ``1`` vs ``1.0`` token, the whole-array rule for nested
doubles, real calendar dates, records with uneven keys, columns of unequal
length, ``dataframe_split`` rows as wide as ``columns``, cells typed by column
label, one datetime format per column, ragged tensors.  Exports carry these
rules as ``x-mlflow-*`` keywords (``x-`` so OpenAPI tooling accepts them;
documented in ``schemas/mlflow-vocabulary.schema.json``).  A plain 2020-12
validator ignores them; `validator_for` builds one that enforces them.

Python's ``json`` keeps the token kind (``1`` -> int, ``1.0`` -> float), so
the token rules are checkable on the parsed object.  Keywords only validate,
never coerce.  Each error says what was expected and what was got.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, cast

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from sig2jsonschema._signature.shipped import registry

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

KeywordFn = Callable[[Any, Any, Any, Mapping[str, Any]], Iterator[ValidationError]]


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def token(_validator: Any, wanted: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    """``x-mlflow-token: "integer"``: a number must be an integer token (no ``.``/exponent)."""
    if wanted == "integer" and isinstance(instance, float):
        yield ValidationError(
            f"expected an integer token (no decimal point or exponent), got {_show(instance)}"
        )


def nested_double(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-nested-double``: MLflow's dtype inference for nested doubles (spec 3.5).

    ``"scalar"``: an integer token must be 0 or 1 (a one-value Series of an
    int is int64, and int64 -> float64 is allowed only for 0/1).
    ``"array"``: the whole list is one Series: all-integer lists pass only
    when every value is 0 or 1; a float token or a null among numbers makes
    the Series float64 and lets integers through; all-boolean lists fail.
    """
    if wanted == "scalar":
        if _is_int(instance) and instance not in {0, 1}:
            yield ValidationError(
                f"expected a double with a decimal point (or 0/1), got integer token "
                f"{instance}; MLflow refuses int64 -> float64 for nested values"
            )
        return
    if wanted != "array" or not isinstance(instance, list) or not instance:
        return
    present = [v for v in instance if v is not None]
    if present and len(present) == len(instance) and all(isinstance(v, bool) for v in present):
        yield ValidationError(f"expected numbers, got booleans {_show(instance)}")
        return
    ints = [v for v in present if _is_int(v)]
    if len(ints) == len(instance) and any(v not in {0, 1} for v in ints):
        yield ValidationError(
            f"expected at least one float token (2.0) in an array of integers other than "
            f"0/1, got {_show(instance)}; MLflow reads it as int64 and refuses int64 -> float64"
        )


_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})")


def datetime_text(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-datetime: "naive"``: the text is a real calendar date/time, no offset."""
    if wanted != "naive" or not isinstance(instance, str):
        return
    try:
        parsed = _dt.datetime.fromisoformat(instance)
    except ValueError:
        yield ValidationError(f"expected a real ISO 8601 date or datetime, got {_show(instance)}")
        return
    if parsed.tzinfo is not None:
        yield ValidationError(f"expected a datetime without offset, got {_show(instance)}")


def same_keys(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-same-keys``: the listed keys (``true``: all keys) appear in every
    record or in none (MLflow turns a missing key into a NaN cell)."""
    if not wanted or not isinstance(instance, list):
        return
    records = [(i, r) for i, r in enumerate(instance) if isinstance(r, dict)]
    if not records:
        return
    first = set(records[0][1])
    watched = None if wanted is True else set(wanted)
    for i, record in records[1:]:
        keys = set(record)
        differ = keys ^ first if watched is None else (keys ^ first) & watched
        if differ:
            missing = sorted(differ & first)
            extra = sorted(differ - first)
            detail = f"lacks {missing}" if missing else f"adds {extra}"
            yield ValidationError(
                f"expected every record to carry {sorted(differ)} like record 0 "
                f"(or no record to), record {i} {detail}; MLflow fills missing keys with NaN",
                path=[i],
            )


def equal_lengths(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-equal-lengths``: all array values of an object have the same length."""
    if not wanted or not isinstance(instance, dict):
        return
    lengths = {k: len(v) for k, v in instance.items() if isinstance(v, list)}
    if len(set(lengths.values())) > 1:
        yield ValidationError(
            f"expected columns of equal length, got lengths {_show(lengths)}",
        )


def split_shape(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-split``: ``index`` as long as ``data``, rows as wide as ``columns``."""
    if not wanted or not isinstance(instance, dict):
        return
    data = instance.get("data")
    if not isinstance(data, list):
        return
    index = instance.get("index")
    # pandas accepts an index with empty data (an empty frame); otherwise lengths agree.
    if isinstance(index, list) and data and len(index) != len(data):
        yield ValidationError(
            f"expected index of length {len(data)} (one label per data row), got {len(index)}",
            path=["index"],
        )
    columns = instance.get("columns")
    if isinstance(columns, list):
        for i, row in enumerate(data):
            if isinstance(row, list) and len(row) != len(columns):
                yield ValidationError(
                    f"expected a row of {len(columns)} cells (one per column), got {len(row)}",
                    path=["data", i],
                )


def columns_by_label(
    validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-columns``: validate each ``dataframe_split`` cell by its column label.

    The value lists ``{"name": label, "schema": subschema}`` entries.
    """
    if not isinstance(wanted, list) or not isinstance(instance, dict):
        return
    by_label = {
        entry["name"]: (k, entry["schema"])
        for k, entry in enumerate(wanted)
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and "schema" in entry
    }
    columns = instance.get("columns")
    data = instance.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        return
    for i, row in enumerate(data):
        if not isinstance(row, list):
            continue
        for j, (label, cell) in enumerate(zip(columns, row, strict=False)):
            found = by_label.get(label) if isinstance(label, str) else None
            if found is None:
                continue
            k, sub = found
            for error in validator.descend(cell, sub, path=j, schema_path=k):
                # The schema path runs through the entry's "schema" member.
                error.relative_schema_path.popleft()
                error.relative_schema_path.extendleft(["schema", k])
                error.relative_path.extendleft([i, "data"])
                yield error


_FORMAT_SHAPE = re.compile(r"[0-9]")


def _format_of(text: str) -> str:
    return _FORMAT_SHAPE.sub("9", text)


def uniform_datetime(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-uniform-datetime``: one text format per datetime column (pandas infers one)."""
    if not isinstance(wanted, list):
        return
    cells: dict[Any, list[tuple[list[Any], str]]] = {}
    if isinstance(instance, dict) and isinstance(instance.get("data"), list):
        columns = instance.get("columns")
        labels: list[Any] = columns if isinstance(columns, list) else []
        for i, row in enumerate(instance["data"]):
            if not isinstance(row, list):
                continue
            for j, cell in enumerate(row):
                label = labels[j] if j < len(labels) else j
                if label in wanted and isinstance(cell, str):
                    cells.setdefault(label, []).append((["data", i, j], cell))
    elif isinstance(instance, list):
        for i, record in enumerate(instance):
            if not isinstance(record, dict):
                continue
            for label in wanted:
                cell = record.get(label) if isinstance(label, str) else None
                if isinstance(cell, str):
                    cells.setdefault(label, []).append(([i, label], cell))
    for label, found in cells.items():
        first = _format_of(found[0][1])
        for path, text in found[1:]:
            if _format_of(text) != first:
                yield ValidationError(
                    f"expected the datetime format of the column's first value "
                    f"{_show(found[0][1])} in column {label!r}, got {_show(text)}; pandas "
                    "infers one format per column",
                    path=path,
                )
                break


def _shape_of(value: Any, depth: int) -> list[int] | None:
    """The numpy shape of nested lists down to ``depth`` levels, or None when ragged."""
    if depth == 0 or not isinstance(value, list):
        return []
    if not value:
        return [0]
    inner = [_shape_of(v, depth - 1) for v in value]
    first = inner[0]
    if first is None or any(s != first for s in inner):
        return None
    return [len(value), *first]


def tensor_shape(
    _validator: Any, wanted: Any, instance: Any, _schema: Any
) -> Iterator[ValidationError]:
    """``x-mlflow-shape``: nested lists are rectangular (numpy refuses ragged input)."""
    if not isinstance(wanted, list) or not isinstance(instance, list):
        return
    if _shape_of(instance, len(wanted)) is None:
        dims = ", ".join(str(d) for d in wanted)
        yield ValidationError(
            f"expected rectangular nested lists for shape ({dims}), got ragged lists; numpy "
            "refuses an inhomogeneous shape"
        )


#: Assertion keywords: name -> implementation.
KEYWORDS: dict[str, KeywordFn] = {
    "x-mlflow-token": token,
    "x-mlflow-nested-double": nested_double,
    "x-mlflow-datetime": datetime_text,
    "x-mlflow-same-keys": same_keys,
    "x-mlflow-equal-lengths": equal_lengths,
    "x-mlflow-split": split_shape,
    "x-mlflow-columns": columns_by_label,
    "x-mlflow-uniform-datetime": uniform_datetime,
    "x-mlflow-shape": tensor_shape,
}

#: Annotation keywords: documented, never validated.
ANNOTATIONS: tuple[str, ...] = (
    "x-mlflow-version",
    "x-mlflow-versions",
    "x-mlflow-part",
    "x-mlflow-mode",
    "x-mlflow-field",
    "x-mlflow-type",
    "x-mlflow-dtype",
    "x-mlflow-column",
    "x-mlflow-tensor",
    "x-mlflow-param",
    "x-mlflow-index",
    "x-mlflow-form",
    "x-mlflow-forms",
    "x-mlflow-recommended-form",
    "x-mlflow-hazards",
    "x-mlflow-from-type-hint",
)


@functools.cache
def request_validator_class() -> type[Validator]:
    """Draft 2020-12 plus our assertion keywords (a `jsonschema.validators.extend` class)."""
    extended = validators.extend(Draft202012Validator, KEYWORDS)  # type: ignore[no-untyped-call]
    return cast("type[Validator]", extended)


def validator_for(schema: Mapping[str, Any], *, format_assertion: bool = True) -> Validator:
    """A validator enforcing ``schema`` and our ``x-mlflow-*`` keywords, offline.

    ``$ref`` resolves within ``schema`` and the shipped ``schemas/`` documents
    (`sig2jsonschema._signature.shipped.registry`); nothing is ever retrieved.
    """
    cls = request_validator_class()
    checker = FormatChecker() if format_assertion else None
    return cls(schema, registry=registry(), format_checker=checker)


__all__ = [
    "ANNOTATIONS",
    "KEYWORDS",
    "request_validator_class",
    "validator_for",
]
