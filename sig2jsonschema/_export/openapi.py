"""An OpenAPI document for the MLflow scoring server of one model, or of several.

Why: gateways (Apigee, Azure API Management, IBM DataPower, Kong's OAS validation) and
client generators read OpenAPI, not MLflow signatures.  The document describes what a real
MLflow 3.17.2 scoring server does (spec sections 2.1 and 2.9): ``POST /invocations`` with
the request body schema, JSON and CSV bodies, ``{"predictions": ...}`` answers (unwrapped
for the unified-LLM form), MLflow's JSON error body with its status codes, and the
``/ping``, ``/health`` and ``/version`` endpoints, whose bodies are raw text even though
MLflow labels them ``application/json``.

Schemas come from ``to_jsonschema`` and are converted per OpenAPI version by
`sig2jsonschema._export.dialects.convert`; their ``$defs`` become components, so nothing
is inlined twice.
Examples come from the files MLflow writes beside the model (``serving_input_example.json``,
``input_example.json``) and are kept only when they validate against the request schema.

.. versionadded:: 0.1
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from jsonschema import Draft202012Validator, FormatChecker

from sig2jsonschema._releases.table import NEWEST_RELEASE
from sig2jsonschema._signature.types import DataType, Signature
from sig2jsonschema.exceptions import SignatureError

from .dialects.convert import to_components

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sig2jsonschema.typing import JSONObject, Mode

    from .dialects.tree import Dialect

#: The OpenAPI versions a document can be written in.
OpenAPIVersion = Literal["3.1", "3.0"]
#: The JSON Schema dialect of a 3.1 document's Schema Objects (draft-04: IBM DataPower).
SchemaDialect = Literal["2020-12", "draft-04"]

#: The MLflow version whose scoring server the documents describe.
MLFLOW_VERSION = NEWEST_RELEASE.version
_OPENAPI = {"3.1": "3.1.0", "3.0": "3.0.3"}
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_CONTENT_TYPES = "['text/csv', 'application/json', 'application/vnd.apache.parquet']"

#: MLflow's JSON error body (spec 2.9); shared by every model in a document.
ERROR_SCHEMA: JSONObject = {
    "title": "MLflow error",
    "description": "The JSON body of every MlflowException the scoring server reports.",
    "type": "object",
    "required": ["error_code", "message"],
    "properties": {
        "error_code": {
            "description": "MLflow's error code; it decides the HTTP status.",
            "type": "string",
            "examples": ["BAD_REQUEST", "INVALID_PARAMETER_VALUE", "INTERNAL_ERROR"],
        },
        "message": {
            "description": "MLflow's text (embeds reprs of the input; never match on it).",
            "type": "string",
        },
        "error_class": {
            "type": "string",
            "examples": [
                "INVALID_PARAMETER_VALUE",
                "SCHEMA_ENFORCEMENT_FAILED",
                "CLIENT_INTERNAL_ERROR",
            ],
        },
        "sqlstate": {"type": "string", "examples": ["KAM00", "KAM01", "XXM00"]},
        "stack_trace": {
            "description": "Present for CSV/Parquet read failures and model exceptions.",
            "type": "string",
        },
    },
}


@dataclass(frozen=True)
class ModelSpec:
    """What the document needs to know about one served model.

    ``request`` and ``outputs`` are Draft 2020-12 schemas (``outputs`` is None when the
    signature declares no outputs); ``csv`` describes the CSV body, or is None when MLflow
    cannot take CSV for this signature; ``examples`` are candidate JSON request bodies
    (name -> (summary, value)); ``unwrapped`` says whether MLflow may answer without the
    ``predictions`` wrapper (the unified-LLM form).
    """

    name: str | None
    title: str
    request: JSONObject
    outputs: JSONObject | None = None
    csv: str | None = None
    csv_example: str | None = None
    examples: Mapping[str, tuple[str, Any]] = field(default_factory=dict)
    unwrapped: bool = False


@dataclass
class OpenAPIResult:
    """A document, the losses of its schema conversions, and notes for the user."""

    document: JSONObject
    #: Loss entries, each with ``schema``: the component the pointer is relative to.
    losses: list[dict[str, Any]] = field(default_factory=list)
    #: What was left out and why (examples that do not validate, ...).
    notes: list[str] = field(default_factory=list)


# -- from a signature source to a ModelSpec --------------------------------------------------


def _finite(value: Any) -> tuple[Any, bool]:
    """``value`` with NaN/Infinity (which MLflow writes into examples) as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None, True
    if isinstance(value, list):
        pairs = [_finite(v) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    if isinstance(value, dict):
        items = {k: _finite(v) for k, v in value.items()}
        return {k: p[0] for k, p in items.items()}, any(p[1] for p in items.values())
    return value, False


def _read_example(path: Path) -> Any:
    """A JSON file as Python's json reads it (MLflow writes bare NaN), or None."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None


def _csv_description(sig: Signature) -> str | None:
    """How a CSV body looks for ``sig``, or None when MLflow cannot take CSV for it."""
    if sig.from_type_hint:
        return None
    if sig.inputs is None:
        return "A CSV table with a header row; the model declares no input schema."
    if sig.inputs.is_tensor or not all(isinstance(c.type, DataType) for c in sig.inputs.columns):
        return None
    cols = ", ".join(
        f"{c.name if c.name is not None else f'column {i}'} ({c.type}, "
        f"{'required' if c.is_required else 'optional'})"
        for i, c in enumerate(sig.inputs.columns)
    )
    if sig.inputs.has_names:
        header = ",".join(str(c.name) for c in sig.inputs.columns)
        head = f"A CSV table read with pandas.read_csv: a header row naming the columns ({header})"
    else:
        head = "A CSV table read with pandas.read_csv: a header row; columns are taken by position"
    return (
        f"{head}, then one line per row. Columns: {cols}. Cells are cast to the column types "
        "(an empty cell in an integer column is an error); binary cells are not "
        "base64-decoded; params cannot be sent with CSV. The JSON Schema does not check "
        "CSV bodies."
    )


def _csv_example(table: Any) -> str | None:
    """A CSV text from a split-orient example (``{"columns", "data"}``) of scalars."""
    if not isinstance(table, dict) or not {"columns", "data"} <= table.keys():
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table["columns"])
    for row in table["data"]:
        if not isinstance(row, list) or any(isinstance(v, (list, dict)) for v in row):
            return None
        writer.writerow(
            ["" if v is None or (isinstance(v, float) and not math.isfinite(v)) else v for v in row]
        )
    return out.getvalue()


def _examples(model_dir: Path | None) -> tuple[dict[str, tuple[str, Any]], str | None]:
    if model_dir is None:
        return {}, None
    examples: dict[str, tuple[str, Any]] = {}
    serving = _read_example(model_dir / "serving_input_example.json")
    if serving is not None:
        examples["serving_input_example"] = (
            "The serving_input_example.json MLflow saved with the model",
            serving,
        )
    table = _read_example(model_dir / "input_example.json")
    if isinstance(table, dict) and isinstance(table.get("inputs"), dict):
        table = table["inputs"]  # input example saved together with params
    if isinstance(table, dict) and {"columns", "data"} <= table.keys():
        records = [dict(zip(table["columns"], row, strict=False)) for row in table["data"]]
        body: dict[str, Any] = {"dataframe_records": records}
        if isinstance(serving, dict) and "params" in serving:
            body["params"] = serving["params"]
        examples["dataframe_records"] = (
            "The model's input_example.json as dataframe_records",
            body,
        )
    return examples, _csv_example(table)


def _releases_of(specs: Sequence[ModelSpec]) -> list[str]:
    """The MLflow releases the request schemas hold for, in order, once each."""
    lines: dict[str, None] = {}
    for spec in specs:
        stamp = spec.request.get("x-mlflow-version")
        found = [stamp] if isinstance(stamp, str) else spec.request.get("x-mlflow-versions", [])
        lines.update(dict.fromkeys(str(line) for line in found))
    return list(lines) or [MLFLOW_VERSION]


def model_spec(
    source: Any,
    *,
    name: str | None = None,
    mode: Mode = "strict",
    mlflow_version: str | None = None,
) -> ModelSpec:
    """Read a model (or signature) source into a `ModelSpec`.

    ``mlflow_version`` picks the release an ``mlflow``-mode schema describes
    (default: the model's own when supported, else the newest).

    Raises:
        SignatureError: the signature cannot be read, or ``name`` is not usable in a path.
    """
    from sig2jsonschema._hazards.verdicts import applicable_forms
    from sig2jsonschema._signature.load import load_signature, model_dir_of

    from .to_schema import to_jsonschema

    if name is not None and not _NAME.match(name):
        raise SignatureError(
            f"model name {name!r} must use only letters, digits, '_', '.' and '-'",
            where="--model",
        )
    sig = load_signature(source)
    model_dir = model_dir_of(source)
    examples, csv_example = _examples(model_dir)
    if name or model_dir:
        title = name or (model_dir.name if model_dir else "signature")
    else:
        title = Path(source).stem if isinstance(source, (str, os.PathLike)) else "signature"
    csv_text = _csv_description(sig)
    return ModelSpec(
        name=name,
        title=title,
        request=to_jsonschema(sig, part="request", mode=mode, mlflow_version=mlflow_version),
        outputs=(
            to_jsonschema(sig, part="outputs", mode=mode, mlflow_version=mlflow_version)
            if sig.outputs
            else None
        ),
        csv=csv_text,
        csv_example=csv_example if csv_text else None,
        examples=examples,
        # Type-hinted models take only the "inputs" key (spec 2.3): never the LLM form.
        unwrapped=not sig.from_type_hint and (mode == "mlflow" or "llm" in applicable_forms(sig)),
    )


# -- the document ----------------------------------------------------------------------------


class _Builder:
    def __init__(self, version: OpenAPIVersion, schema_dialect: SchemaDialect) -> None:
        self.version = version
        self.dialect: Dialect = (
            "openapi-3.0"
            if version == "3.0"
            else ("draft-04" if schema_dialect == "draft-04" else "openapi-3.1")
        )
        self.schemas: dict[str, Any] = {}
        self.result = OpenAPIResult(document={})

    def component(self, name: str, schema: JSONObject | bool) -> dict[str, str]:
        """File a 2020-12 schema (and its definitions) under ``name``; return a reference."""
        schema = self.checked_defaults(name, schema)
        converted, defs, losses = to_components(schema, self.dialect, prefix=f"{name}.", name=name)
        self.schemas[name] = converted
        self.schemas.update(defs)
        self.result.losses.extend({"schema": name, **loss} for loss in losses)
        return {"$ref": f"#/components/schemas/{name}"}

    def checked_defaults(self, name: str, schema: JSONObject | bool) -> JSONObject | bool:
        """``schema`` without the param ``default`` values their own schema refuses.

        JSON Schema treats ``default`` as an annotation, but OpenAPI validators require it
        to be valid: a ``long`` param whose default is null (MLflow hands the model None)
        would make the document invalid.  The description and ``x-mlflow-param`` keep it.
        Only param definitions carry a ``default`` (`sig2jsonschema._export.defs`).
        """
        if not isinstance(schema, dict) or not isinstance(schema.get("$defs"), dict):
            return schema
        defs: dict[str, Any] = dict(schema["$defs"])
        for key, each in schema["$defs"].items():
            if not isinstance(each, dict) or "x-mlflow-param" not in each or "default" not in each:
                continue
            rest = {k: v for k, v in each.items() if k != "default"}
            check = Draft202012Validator({**rest, "$defs": defs}, format_checker=FormatChecker())
            if not check.is_valid(each["default"]):
                defs[key] = rest
                self.result.notes.append(
                    f"{name}: {each.get('x-mlflow-field', key)}: default "
                    f"{json.dumps(each['default'])} left out of the schema, which refuses it "
                    "(OpenAPI requires a valid default; the description keeps it)"
                )
        return {**schema, "$defs": defs}

    def valid_examples(self, spec: ModelSpec) -> dict[str, Any]:
        validator = Draft202012Validator(spec.request, format_checker=FormatChecker())
        kept: dict[str, Any] = {}
        for key, (summary, raw) in spec.examples.items():
            value, changed = _finite(raw)
            if not validator.is_valid(value):
                self.result.notes.append(
                    f"{spec.title}: example {key} left out: it does not validate against "
                    "the request schema"
                )
                continue
            note = " (NaN/Infinity, which JSON cannot carry, written as null)" if changed else ""
            kept[key] = {"summary": summary + note, "value": value}
        return kept

    def operations(self, spec: ModelSpec, prefix: str) -> dict[str, Any]:
        """The path items of one model."""
        base = f"{spec.name}." if spec.name else ""
        op = f"{spec.name}_" if spec.name else ""
        tags = [spec.name] if spec.name else ["model"]
        request = self.component(f"{base}InvocationRequest", spec.request)
        outputs: Any = {"description": "The model declares no output schema: any JSON value."}
        if spec.outputs is not None:
            outputs = self.component(f"{base}Outputs", spec.outputs)
        # Written directly: only keywords every dialect shares.
        self.schemas[f"{base}Predictions"] = {
            "title": "predictions",
            "description": "MLflow's answer: the model output (DataFrames in records orient, "
            "arrays as nested lists) under 'predictions'.",
            "type": "object",
            "required": ["predictions"],
            "properties": {"predictions": outputs},
        }
        wrapped = {"$ref": f"#/components/schemas/{base}Predictions"}
        answer: dict[str, Any] = wrapped
        if spec.unwrapped:
            answer = {"anyOf": [wrapped, outputs]}
        json_body: dict[str, Any] = {"schema": request}
        examples = self.valid_examples(spec)
        if examples:
            json_body["examples"] = examples
        content: dict[str, Any] = {"application/json": json_body}
        if spec.csv is not None:
            csv_body: dict[str, Any] = {"schema": {"type": "string", "description": spec.csv}}
            if spec.csv_example:
                csv_body["example"] = spec.csv_example
            content["text/csv"] = csv_body
        ok = 'Predictions: {"predictions": ...}' + (
            "; a request in the unified-LLM form (a top-level 'messages', 'prompt' or "
            "'input' key) is answered with the bare output"
            if spec.unwrapped
            else ""
        )
        text_error = {"text/plain": {"schema": {"type": "string"}}}
        json_error = {"application/json": {"schema": {"$ref": "#/components/schemas/MLflowError"}}}
        invocations = {
            "post": {
                "operationId": f"{op}predict",
                "summary": f"Score a batch with {spec.title}",
                "description": "MLflow's scoring endpoint. JSON bodies carry exactly one of "
                "dataframe_split, dataframe_records, instances or inputs (plus optional "
                "params); the schema states which forms this model accepts.",
                "tags": tags,
                "requestBody": {"required": True, "content": content},
                "responses": {
                    "200": {"description": ok, "content": {"application/json": {"schema": answer}}},
                    "400": {
                        "description": "The body is not valid for the model: bad JSON, a wrong "
                        "envelope, a value MLflow cannot cast, a schema or params enforcement "
                        "failure (error_code BAD_REQUEST or INVALID_PARAMETER_VALUE).",
                        "content": json_error,
                    },
                    "415": {
                        "description": "Unsupported Content-Type, charset or media-type "
                        f"parameter. MLflow accepts {_CONTENT_TYPES} (charset utf-8 only).",
                        "content": text_error,
                    },
                    "500": {
                        "description": "MLflow failed (error_code INTERNAL_ERROR in a JSON "
                        "body), or the request had no Content-Type header (plain text "
                        "'Internal Server Error').",
                        "content": {**json_error, **text_error},
                    },
                    "504": {
                        "description": "Scoring took longer than "
                        "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT. The body is the text "
                        "'Request processing time exceeded limit', labelled application/json.",
                        "content": {"application/json": {"schema": {"type": "string"}}},
                    },
                },
            }
        }
        raw = {"application/json": {"schema": {"type": "string"}}}
        health = {
            "description": "Healthy. The body is a single newline, labelled "
            "application/json (it is not JSON).",
            "content": raw,
        }
        paths = {f"{prefix}/invocations": invocations}
        for route in ("ping", "health"):
            paths[f"{prefix}/{route}"] = {
                "get": {
                    "operationId": f"{op}{route}",
                    "summary": "Health check",
                    "tags": tags,
                    "responses": {"200": health, "404": {"description": "No model is loaded."}},
                }
            }
        paths[f"{prefix}/version"] = {
            "get": {
                "operationId": f"{op}version",
                "summary": "The MLflow version serving the model",
                "tags": tags,
                "responses": {
                    "200": {
                        "description": f"The version as raw text (for example {MLFLOW_VERSION}),"
                        " labelled application/json.",
                        "content": raw,
                    }
                },
            }
        }
        return paths

    def build(self, specs: Sequence[ModelSpec], title: str, servers: Sequence[str]) -> None:
        paths: dict[str, Any] = {}
        self.component("MLflowError", ERROR_SCHEMA)
        for spec in specs:
            paths.update(self.operations(spec, f"/{spec.name}" if spec.name else ""))
        releases = ", ".join(_releases_of(specs))
        document: dict[str, Any] = {
            "openapi": _OPENAPI[self.version],
            "info": {
                "title": title,
                "version": releases,
                "description": f"The MLflow {releases} scoring server"
                + (" of " + ", ".join(s.title for s in specs) if specs else "")
                + ", described by sig2jsonschema from the model signature.",
            },
        }
        if self.dialect == "draft-04":
            document["jsonSchemaDialect"] = "http://json-schema.org/draft-04/schema#"
        if servers:
            document["servers"] = [{"url": url} for url in servers]
        document["paths"] = paths
        document["components"] = {"schemas": self.schemas}
        if self.result.losses:
            document["x-sig2jsonschema-losses"] = self.result.losses
        # A JSON round trip: no object is shared between two places of the document (YAML
        # would otherwise write anchors and aliases, which many tools refuse).
        self.result.document = json.loads(json.dumps(document, allow_nan=False))


def build_document(
    specs: Sequence[ModelSpec],
    *,
    version: OpenAPIVersion = "3.1",
    title: str | None = None,
    servers: Sequence[str] = (),
    schema_dialect: SchemaDialect = "2020-12",
) -> OpenAPIResult:
    """An OpenAPI document for already-read models (see `openapi_document`)."""
    if schema_dialect == "draft-04" and version != "3.1":
        raise ValueError("draft-04 Schema Objects need an OpenAPI 3.1 document")
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise SignatureError("every --model needs its own NAME", where="--model")
    builder = _Builder(version, schema_dialect)
    default = f"MLflow model {specs[0].title}" if len(specs) == 1 else "MLflow models"
    builder.build(specs, title or default, servers)
    return builder.result


def openapi_document(
    source: Any = None,
    *,
    models: Mapping[str, Any] | None = None,
    version: OpenAPIVersion = "3.1",
    mode: Mode = "strict",
    title: str | None = None,
    servers: Sequence[str] = (),
    schema_dialect: SchemaDialect = "2020-12",
    mlflow_version: str | None = None,
) -> OpenAPIResult:
    """An OpenAPI document for the MLflow scoring server of ``source`` and/or ``models``.

    Args:
        source: a model directory, MLmodel file or signature file; served at ``/invocations``.
        models: name -> source; each served under ``/<name>/invocations`` (a gateway in
            front of several models), with component names prefixed ``<name>.``.
        version: ``"3.1"`` (JSON Schema 2020-12) or ``"3.0"`` (Schema Objects down-converted).
        mode: ``strict`` or ``mlflow`` request schemas.
        title: ``info.title``.
        servers: server URLs.
        schema_dialect: ``draft-04`` writes a 3.1 document with draft-04 Schema Objects
            (``jsonSchemaDialect``), as IBM DataPower API Gateway reads them.
        mlflow_version: the MLflow release ``mlflow``-mode schemas describe
            (``"2.22"``, ``"3.17"``, ``"3.18"``; default: each model's own release
            when supported, else the newest).  Strict schemas hold for every
            supported release.

    Raises:
        SignatureError: a source cannot be read or a name is unusable.
        ValueError: an unsupported MLflow release.

    .. versionadded:: 0.1
    """
    specs = []
    if source is not None:
        specs.append(model_spec(source, mode=mode, mlflow_version=mlflow_version))
    for name, each in (models or {}).items():
        specs.append(model_spec(each, name=name, mode=mode, mlflow_version=mlflow_version))
    if not specs:
        raise SignatureError("give a SOURCE or at least one --model NAME=SOURCE")
    return build_document(
        specs, version=version, title=title, servers=servers, schema_dialect=schema_dialect
    )


__all__ = [
    "ERROR_SCHEMA",
    "MLFLOW_VERSION",
    "ModelSpec",
    "OpenAPIResult",
    "OpenAPIVersion",
    "SchemaDialect",
    "build_document",
    "model_spec",
    "openapi_document",
]
