"""One request body judged for the network: the verdict, its status and its answer.

The sidecar answers refused bodies itself, in MLflow's error shape (``error_code``,
``message``) plus our ``errors`` list, so clients written for MLflow keep working.
Its status is 400, except 413 (over the size limit) and 415 (a Content-Type MLflow
does not serve): never 5xx, even where MLflow itself would crash on the body, because
the sidecar did not fail, the body did.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from sig2jsonschema._payload.decode import CSV_TYPE, KW_CONTENT_TYPE, PARQUET_TYPE
from sig2jsonschema._payload.limits import KW_LIMIT_BYTES
from sig2jsonschema._signature.types import field_name
from sig2jsonschema.exceptions import PayloadError

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import ColSpec, Signature, TensorSpec

#: The envelopes of a JSON body, as the ``form`` label names them.
_ENVELOPES = ("dataframe_split", "dataframe_records", "instances", "inputs")
_LLM_KEYS = ("messages", "prompt", "input")
#: Errors listed in one answer; the message says how many more there were.
MAX_LISTED_ERRORS = 20


@dataclass
class Verdict:
    """What the sidecar decided about one body."""

    #: ``valid``, ``invalid``, ``too_large``, ``unsupported_media_type``.
    verdict: str
    #: The body form: an envelope key, ``llm``, ``csv``, ``parquet`` or ``other``.
    form: str
    errors: list[PayloadError] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether the body is forwarded."""
        return self.verdict == "valid"

    @property
    def status(self) -> int:
        """The sidecar's status for a refused body: 400, 413 or 415."""
        return {"too_large": 413, "unsupported_media_type": 415}.get(self.verdict, 400)

    def answer(self) -> dict[str, Any]:
        """The JSON answer to a refused body: MLflow's shape plus ``errors``."""
        first = self.errors[0]
        code = first.error_code if first.status < 500 else "BAD_REQUEST"
        more = len(self.errors) - 1
        message = first.message + (f" (and {more} more error{'s' * (more > 1)})" if more else "")
        return {
            "error_code": code,
            "message": message,
            "errors": [
                {
                    "pointer": e.pointer,
                    "keyword": e.keyword,
                    "field": e.field,
                    "expected": e.expected,
                }
                for e in self.errors[:MAX_LISTED_ERRORS]
            ],
        }


def body_form(body: bytes, content_type: str | None) -> str:
    """The body form, for metrics and logs: a cheap look at the top level only."""
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if mime == CSV_TYPE:
        return "csv"
    if mime == PARQUET_TYPE:
        return "parquet"
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "other"
    if not isinstance(value, dict):
        return "other"
    if any(k in value for k in _LLM_KEYS):
        return "llm"
    keys = [k for k in _ENVELOPES if k in value]
    return keys[0] if len(keys) == 1 else "other"


def verdict_of(errors: list[PayloadError], form: str) -> Verdict:
    """The verdict for a body with these errors (none: valid)."""
    if not errors:
        return Verdict("valid", form)
    keywords = {e.keyword for e in errors}
    if KW_LIMIT_BYTES in keywords:
        return Verdict("too_large", form, errors)
    if KW_CONTENT_TYPE in keywords:
        return Verdict("unsupported_media_type", form, errors)
    return Verdict("invalid", form, errors)


def too_large(limit: int, *, declared: int | None, redact: bool) -> Verdict:
    """The verdict on a body refused before it was all read (over ``limit`` bytes)."""
    error = PayloadError(
        pointer="",
        keyword=KW_LIMIT_BYTES,
        expected=f"a body of at most {limit} bytes (--max-body-bytes)",
        got=f"{declared} bytes" if declared is not None else "more bytes",
        hint="refused unread by the sidecar",
        redacted=redact,
        status=413,
    )
    return Verdict("too_large", "other", [error])


#: Keyword of a body the validator failed on (a bug of ours): refused, never forwarded.
KW_UNJUDGED = "x-sidecar-unjudged"


def unjudged(*, redact: bool) -> PayloadError:
    """The error of a body the validator raised on: the sidecar fails closed."""
    return PayloadError(
        pointer="",
        keyword=KW_UNJUDGED,
        expected="a body the validator can judge",
        hint="judging this body failed inside the sidecar (see its log); it was not forwarded",
        redacted=redact,
    )


class FieldLabels:
    """Bounded ``field`` label values: the signature's own fields, else ``other``."""

    def __init__(self, signature: Signature) -> None:
        known: set[str] = set()
        if signature.inputs is not None:
            specs: tuple[ColSpec | TensorSpec, ...] = signature.inputs.specs
            for index, spec in enumerate(specs):
                known.add(field_name("inputs", spec, index))
        if signature.params is not None:
            for index, param in enumerate(signature.params.params):
                known.add(field_name("params", param, index))
        self.known = frozenset(known)

    def label(self, field_text: str) -> str:
        """The top-level signature field ``field_text`` lies in, ``body`` or ``other``."""
        if not field_text:
            return "body"
        if field_text in self.known:
            return field_text
        for name in self.known:
            if field_text.startswith(name) and field_text[len(name)] in ".[":
                return name
        return "other"


__all__ = [
    "KW_UNJUDGED",
    "MAX_LISTED_ERRORS",
    "FieldLabels",
    "Verdict",
    "body_form",
    "too_large",
    "unjudged",
    "verdict_of",
]
