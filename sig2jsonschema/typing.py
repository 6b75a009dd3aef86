"""Public type aliases shared across sig2jsonschema.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import Any, Literal

#: Any JSON value as Python's ``json`` module produces it.
JSON = Any
#: An object (mapping) JSON value.
JSONObject = dict[str, Any]
#: An RFC 6901 JSON pointer, such as ``/dataframe_records/3/age``.
Pointer = str
#: The validation mode: ``strict`` (portable contract) or ``mlflow`` (MLflow's verdict).
Mode = Literal["strict", "mlflow"]
#: The part of a signature a schema describes.
Part = Literal["request", "inputs", "outputs", "params"]
#: The request body forms MLflow's scoring server accepts.
Envelope = Literal["dataframe_split", "dataframe_records", "instances", "inputs", "llm"]
#: A signature in ``ModelSignature.to_dict()`` form (values are JSON strings or lists).
SignatureDict = dict[str, str | list[Any] | None]

__all__ = [
    "JSON",
    "Envelope",
    "JSONObject",
    "Mode",
    "Part",
    "Pointer",
    "SignatureDict",
]
