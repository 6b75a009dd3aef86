"""sig2jsonschema: an MLflow model signature as JSON Schema, validator and generator.

The public API is re-exported here; ``sig2jsonschema.strategies`` stays a
submodule so that importing this package never imports Hypothesis.
"""

from __future__ import annotations

from typing import Any

from ._check.changes import Change
from ._check.diff import diff_signatures
from ._check.report import CheckReport, check
from ._export.dialects.convert import export as export_schema
from ._export.dialects.convert import to_dialect
from ._export.from_schema import from_jsonschema
from ._export.openapi import openapi_document
from ._export.to_schema import to_jsonschema
from ._hazards.verdicts import FormVerdict, Hazard, form_verdicts, hazards
from ._payload.parsed import ParsedRequest
from ._signature.load import load_signature
from ._signature.serialized import signature_to_dict, signature_to_mlmodel_yaml
from ._signature.types import (
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
from ._validate.validator import Validator
from .coercion import coerce
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
    "Change",
    "CheckReport",
    "CoercionError",
    "ColSpec",
    "DataType",
    "FormVerdict",
    "Hazard",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "ParsedRequest",
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
    "Validator",
    "check",
    "coerce",
    "diff_signatures",
    "export_schema",
    "form_verdicts",
    "from_jsonschema",
    "hazards",
    "load_signature",
    "openapi_document",
    "signature_to_dict",
    "signature_to_mlmodel_yaml",
    "to_dialect",
    "to_jsonschema",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("sig2jsonschema")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
