"""sig2jsonschema: an MLflow model signature as JSON Schema, validator and generator.

The public API is re-exported here; ``sig2jsonschema.strategies`` stays a
submodule so that importing this package never imports Hypothesis.
"""

from __future__ import annotations

from typing import Any

from ._load import load_signature
from ._model import signature_to_dict, signature_to_mlmodel_yaml
from ._types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    Signature,
    SparkMLVector,
    TensorSpec,
)
from .exceptions import (
    CoercionError,
    PayloadError,
    Sig2JsonSchemaError,
    SignatureError,
    SourceError,
    UnrepresentableSchema,
)

__all__ = [
    "AnyType",
    "Array",
    "CoercionError",
    "ColSpec",
    "DataType",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "PayloadError",
    "Property",
    "Schema",
    "Sig2JsonSchemaError",
    "Signature",
    "SignatureError",
    "SourceError",
    "SparkMLVector",
    "TensorSpec",
    "UnrepresentableSchema",
    "load_signature",
    "signature_to_dict",
    "signature_to_mlmodel_yaml",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("sig2jsonschema")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
