"""The sidecar's OpenAPI 3.1 document: the model's, plus what the sidecar answers itself.

The model's document comes from `sig2jsonschema.openapi_document` (request schema,
examples, MLflow's answers); the sidecar adds its own statuses to ``POST
/invocations`` (400 with the ``errors`` list, 413, 415, 502, 503, 504) and its own
routes.  No ``servers`` entry: clients, and the ``/docs`` page, send to wherever the
document was fetched from, which is the sidecar.

.. versionadded:: 0.1
"""

from __future__ import annotations

import copy
from typing import Any

from sig2jsonschema._export.openapi import openapi_document

#: The sidecar's error body: MLflow's (error_code, message) plus our errors list.
SIDECAR_ERROR: dict[str, Any] = {
    "title": "Sidecar error",
    "description": (
        "MLflow's error shape (error_code, message) plus, for a refused body, every "
        "error found. Payload values are withheld unless the sidecar runs with --no-redact."
    ),
    "type": "object",
    "required": ["error_code", "message"],
    "properties": {
        "error_code": {"type": "string", "examples": ["BAD_REQUEST", "UPSTREAM_UNAVAILABLE"]},
        "message": {"type": "string"},
        "upstream": {"description": "The upstream URL (502 and 504).", "type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["pointer", "keyword", "field", "expected"],
                "properties": {
                    "pointer": {"description": "RFC 6901 pointer into the body", "type": "string"},
                    "keyword": {"description": "the rule broken", "type": "string"},
                    "field": {"description": "the signature field", "type": "string"},
                    "expected": {"type": "string"},
                },
            },
        },
    },
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SidecarError"}}},
    }


def sidecar_document(
    source: Any, *, mode: str, metrics: bool, max_body_bytes: int, timeout: float
) -> dict[str, Any]:
    """The OpenAPI 3.1 document ``GET /openapi.json`` serves."""
    document: dict[str, Any] = copy.deepcopy(
        openapi_document(source, version="3.1", mode=mode).document  # type: ignore[arg-type]
    )
    info = document["info"]
    info["description"] = (
        info.get("description", "")
        + f" Served through the sig2jsonschema sidecar ({mode} mode): a body the contract"
        " refuses is answered by the sidecar and never reaches the model."
    )
    document["components"].setdefault("schemas", {})["SidecarError"] = SIDECAR_ERROR
    responses = document["paths"]["/invocations"]["post"]["responses"]
    responses["400"] = _error(
        "The sidecar refused the body: it breaks the signature's contract "
        f"({mode} mode). errors lists every problem: pointer, rule, signature field, "
        "expected value. (The model's own 400s have the same shape without errors.)"
    )
    responses["413"] = _error(f"The body is larger than {max_body_bytes} bytes; refused unread.")
    responses["415"] = _error("A Content-Type MLflow does not serve; the body was not forwarded.")
    responses["502"] = _error("The upstream refused the connection, is down, or broke it off.")
    responses["503"] = {
        **_error("The sidecar is shutting down; retry after the Retry-After seconds."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    }
    responses["504"] = _error(f"The upstream did not answer within {timeout:g} s.")
    document["paths"]["/-/live"] = {
        "get": {
            "operationId": "sidecarLive",
            "summary": "Liveness of the sidecar itself (never asks the upstream)",
            "tags": ["sidecar"],
            "responses": {
                "200": {
                    "description": "The sidecar is up.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                "503": {"description": "The sidecar is shutting down."},
            },
        }
    }
    if metrics:
        document["paths"]["/metrics"] = {
            "get": {
                "operationId": "sidecarMetrics",
                "summary": "Prometheus metrics of the sidecar",
                "tags": ["sidecar"],
                "responses": {
                    "200": {
                        "description": "The Prometheus text exposition format 0.0.4.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        }
    return document


__all__ = ["SIDECAR_ERROR", "sidecar_document"]
