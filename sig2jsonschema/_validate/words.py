"""The words of an error: "expected X, got Y", from the schema and the instance alone.

``expected`` is built only from the failing subschema (its keyword, bounds,
patterns and our annotations), ``got`` only from the instance, never from
jsonschema's message text nor our keywords' messages: both quote the payload,
so a redacted error, which drops ``got``, then holds no payload value at all.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sig2jsonschema._export import values as _values
from sig2jsonschema._signature.param_rules import describe_json

from .schema_index import EXPECTED_ANNOTATION, FORM_ANNOTATION

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from jsonschema.exceptions import ValidationError

_FLOAT32_MAX = _values.FLOAT32_MAX

#: Ranges recognised in ``minimum``/``maximum`` when no annotation names the type.
_RANGES: dict[tuple[float, float], str] = {
    _values.INT32: "integer (int32) range",
    _values.INT64: "long (int64) range",
    (-_FLOAT32_MAX, _FLOAT32_MAX): "float32 range",
    (0, 255): "uint8 range",
    (-128, 127): "int8 range",
    (0, 65535): "uint16 range",
    (-32768, 32767): "int16 range",
    (0, 2**32 - 1): "uint32 range",
    (0, 2**64 - 1): "uint64 range",
}
#: Ranges by MLflow column type (``x-mlflow-type``).
_TYPE_RANGES = {
    "integer": "integer (int32) range",
    "long": "long (int64) range",
    "float": "float32 range",
}

_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a number",
    "string": "a string",
    "boolean": "true or false",
    "array": "an array",
    "object": "an object",
    "null": "null",
}

_FORMAT_WORDS = {
    "date-time": "an RFC 3339 date-time",
    "date": "a date (YYYY-MM-DD)",
    "time": "a time",
}

#: Meanings of the patterns the exporter emits (looked up by the pattern text).
#: A pattern not listed is described by its subschema's ``description``.
PATTERN_WORDS: dict[str, str] = {
    _values.DATETIME_PATTERN: "an ISO 8601 date or datetime without offset "
    "(YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.ffffff])",
    _values.BASE64_PATTERN: "standard base64 text with padding",
    _values.INT_TEXT_PATTERN: "an integer, or text holding one",
    _values.FLOAT_TEXT_PATTERN: "a number, or text holding one",
    _values.ASCII_PATTERN: "ASCII text",
}

#: "expected" words of our vocabulary keywords (payload-free), by keyword.
VOCABULARY_WORDS: dict[str, str] = {
    "x-mlflow-token": "an integer token (no decimal point or exponent)",
    "x-mlflow-datetime": "a real calendar date or datetime without offset (ISO 8601)",
    "x-mlflow-same-keys": "records with the keys of record 0 (MLflow fills a missing key with NaN)",
    "x-mlflow-equal-lengths": "columns of equal length",
    "x-mlflow-uniform-datetime": "the datetime format of the column's first value (pandas "
    "infers one format per column)",
    "x-mlflow-shape": "rectangular nested lists (numpy refuses ragged arrays)",
}


def range_words(schema: Mapping[str, Any]) -> str | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None or high is None:
        return None
    dtype = schema.get("x-mlflow-dtype")
    if isinstance(dtype, str):
        return f"{dtype} range"
    mlflow_type = schema.get("x-mlflow-type")
    if isinstance(mlflow_type, str) and mlflow_type in _TYPE_RANGES:
        return _TYPE_RANGES[mlflow_type]
    return _RANGES.get((low, high))


def type_words(value: Any, schema: Mapping[str, Any]) -> str:
    names = [value] if isinstance(value, str) else list(value)
    text = " or ".join(_TYPE_WORDS.get(n, str(n)) for n in names)
    within = range_words(schema)
    if within and names[0] in {"integer", "number"}:
        text += f" within {within}"
    mlflow_type = schema.get("x-mlflow-type") or schema.get("x-mlflow-dtype")
    if mlflow_type and len(names) > 2:
        text += f" (MLflow casts it to {mlflow_type})"
    return text


def items_words(count: int) -> str:
    return f"{count} item" + ("" if count == 1 else "s")


def literal(value: Any) -> str:
    """A constant from the schema, as JSON-like text."""
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def short_got(value: Any) -> str:
    """``3.5 (number)``; containers summarized by kind and size."""
    if isinstance(value, dict):
        return f"an object with {len(value)} member{'' if len(value) == 1 else 's'}"
    if isinstance(value, list):
        return f"an array of {items_words(len(value))}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} (number)"
    return describe_json(value)


def expected_words(
    error: ValidationError, tensor_dimension: Callable[[ValidationError], str | None]
) -> str:
    """The "expected X" words of one error (schema-derived, payload-free).

    ``tensor_dimension`` names the dimension a ``minItems``/``maxItems`` error
    inside a tensor counts, when it knows the tensor.
    """
    keyword = str(error.validator)
    value: Any = error.validator_value
    schema: Any = error.schema if isinstance(error.schema, dict) else {}
    own = schema.get(EXPECTED_ANNOTATION)
    if own:
        return str(own)
    if keyword == "type":
        return type_words(value, schema)
    if keyword in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        within = range_words(schema)
        if within:
            kind = "an integer" if schema.get("type") == "integer" else "a number"
            return f"{kind} within {within}"
        sign = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">"}.get(keyword, "<")
        return f"a number {sign} {literal(value)}"
    if keyword == "multipleOf":
        return f"a multiple of {literal(value)}"
    if keyword == "pattern":
        return PATTERN_WORDS.get(
            str(value), str(schema.get("description", f"text matching the pattern {value}"))
        )
    if keyword == "format":
        return _FORMAT_WORDS.get(str(value), f"a {value} string")
    if keyword in {"minLength", "maxLength"}:
        bound = "at least" if keyword == "minLength" else "at most"
        return f"a string of {bound} {value} characters"
    if keyword in {"minItems", "maxItems"}:
        dimension = tensor_dimension(error)
        if dimension is not None:
            return dimension
        if schema.get("minItems") == schema.get("maxItems"):
            return f"an array of exactly {items_words(int(value))}"
        bound = "at least" if keyword == "minItems" else "at most"
        return f"an array of {bound} {items_words(int(value))}"
    if keyword == "items" and value is False:
        return f"an array of at most {items_words(len(schema.get('prefixItems', [])))}"
    if keyword in {"minProperties", "maxProperties"}:
        bound = "at least" if keyword == "minProperties" else "at most"
        return f"an object with {bound} {value} member{'' if value == 1 else 's'}"
    if keyword == "uniqueItems":
        return "an array of unique items"
    if keyword == "enum":
        return enum_words(value)
    if keyword == "const":
        return f"exactly {literal(value)}"
    if keyword in {"anyOf", "oneOf"}:
        return alternatives_words(error)
    if keyword == "not":
        if value == {} and "description" in schema:
            return f"nothing here: {schema['description']}"
        return str(schema.get("description", "a value the schema excludes"))
    if keyword.startswith("x-"):
        return vocabulary_words(error)
    return str(schema.get("description", f"a value satisfying {keyword}"))


def alternatives_words(error: ValidationError) -> str:
    """``one of the forms dataframe_split, inputs/records`` for an anyOf/oneOf."""
    value: Any = error.validator_value
    forms = [
        str(b.get(FORM_ANNOTATION) or b.get("title"))
        for b in (value if isinstance(value, list) else [])
        if isinstance(b, dict) and (b.get(FORM_ANNOTATION) or b.get("title"))
    ]
    how = "exactly one" if error.validator == "oneOf" else "one"
    if forms:
        return f"{how} of the forms " + ", ".join(forms)
    return f"{how} of {len(value)} alternatives"


def enum_words(value: Any) -> str:
    if value and all(isinstance(v, list) for v in value):
        longest = max(value, key=len)
        text = "the column names in signature order: " + ", ".join(literal(v) for v in longest)
        return text + (" (optional columns may be left out)" if len(value) > 1 else "")
    return "one of " + ", ".join(literal(v) for v in value)


def vocabulary_words(error: ValidationError) -> str:
    """Words for one of our ``x-mlflow-*`` keywords (never its message: it quotes the body)."""
    keyword = str(error.validator)
    value: Any = error.validator_value
    if keyword == "x-mlflow-nested-double":
        if value == "scalar":
            return (
                "a double with a decimal point, or the integer 0 or 1 (MLflow refuses other "
                "integer tokens for a nested double)"
            )
        items = error.instance if isinstance(error.instance, list) else []
        if items and all(isinstance(v, bool) for v in items if v is not None):
            return "numbers, not booleans"
        return (
            "an array of doubles with at least one float token (2.0), or only 0 and 1 "
            "(MLflow reads an all-integer array as int64 and refuses it)"
        )
    if keyword == "x-mlflow-split":
        own_path = list(error.relative_path)
        if own_path and own_path[0] == "index":
            return "one index label per data row"
        return "a row with one cell per column"
    return VOCABULARY_WORDS.get(keyword, f"a value satisfying {keyword}")


__all__ = [
    "PATTERN_WORDS",
    "VOCABULARY_WORDS",
    "alternatives_words",
    "enum_words",
    "expected_words",
    "items_words",
    "literal",
    "range_words",
    "short_got",
    "type_words",
    "vocabulary_words",
]
