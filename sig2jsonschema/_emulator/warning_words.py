"""What each warning code means, and how a warning shows the values it names.

Shared by the column warnings (`sig2jsonschema._emulator.conversion_warnings`) and the
tensor warnings (`sig2jsonschema._emulator.tensor_warnings`), so every
`ConversionWarning` of one code reads the same whatever found it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sig2jsonschema._payload.mlflow_json import render_json
from sig2jsonschema._payload.parsed import ConversionWarning

from .parse import MISSING

#: One sentence per warning code (the codes are listed in docs/mlflow-mode.md).
_MESSAGES = {
    "float-truncated": "the fraction is dropped: MLflow truncates numbers toward zero here",
    "int-wrapped": "the number does not fit the column's integer type and wraps around",
    "string-parsed-as-number": "the string is parsed as a number",
    "boolean-as-number": "the boolean is read as the number 1 or 0",
    "truthy-string": "a string is read as a boolean by truthiness (only '' is false)",
    "truthy-number": "a number is read as a boolean by truthiness (only 0 is false)",
    "null-to-false": "null becomes false",
    "null-to-true": "null becomes NaN, which is true as a boolean",
    "missing-key-to-true": "the record lacks this key: pandas fills NaN, which is true as a "
    "boolean",
    "missing-key-to-nan": "the record lacks this key: pandas fills NaN",
    "null-to-nan": "null in a required column becomes NaN/NaT",
    "null-to-None-string": "null becomes the text 'None' (or a truncation of it)",
    "number-stringified": "the value is turned into its text",
    "non-string-kept": "a non-string value reaches the model unchanged inside a string column",
    "base64-not-decoded": "this form does not base64-decode binary values: the model gets the "
    "text's bytes",
    "base64-lenient": "base64 decoding skips characters outside the alphabet",
    "timezone-converted": "the offset is applied (converted to UTC) and dropped",
    "int-as-nanoseconds": "the number is read as nanoseconds since 1970-01-01",
    "float32-rounded": "float32 cannot hold this value: it is rounded, overflows or underflows",
    "precision-lost": "float64 cannot hold this integer exactly",
    "float-overflow": "the number overflows the tensor's dtype",
}


def make_warning(pointer: str, field: str, code: str, sent: Any, final: Any) -> ConversionWarning:
    """A `ConversionWarning` with the standard message for ``code``."""
    return ConversionWarning(
        pointer, field, code, render_value(sent), render_value(final), f"{field}: {_MESSAGES[code]}"
    )


def render_value(value: Any) -> str:
    if value is MISSING:
        return "(missing)"
    if isinstance(value, np.datetime64):
        return "NaT" if np.isnat(value) else str(pd.Timestamp(value))
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bytes, bytearray)):
        return repr(bytes(value))
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return "NaT" if pd.isna(value) else str(pd.Timestamp(value))
    if value is pd.NaT:
        return "NaT"
    return render_json(value)


__all__ = ["make_warning", "render_value"]
