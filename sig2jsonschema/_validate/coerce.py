"""`coerce`: validate one body and return what ``predict`` receives.

The one-call convenience behind the public ``sig2jsonschema.coercion``
module; a `Validator` built once serves many bodies faster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .validator import Validator

if TYPE_CHECKING:
    from sig2jsonschema._payload.parsed import ParsedRequest
    from sig2jsonschema.typing import Mode


def coerce(
    signature: Any,
    body: Any,
    *,
    mode: Mode = "strict",
    content_type: str = "application/json",
) -> ParsedRequest:
    """Validate ``body`` and return what ``predict`` receives.

    A convenience for ``Validator(signature, mode=mode).parse(body, ...)``;
    build a `Validator` once when parsing many bodies.

    Args:
        signature: a `Signature`, or anything `load_signature` reads.
        body: raw JSON text/bytes as a server receives it, or a parsed object.
        mode: ``strict`` (the portable contract) or ``mlflow`` (MLflow's verdict).
        content_type: ``application/json``, ``text/csv`` or
            ``application/vnd.apache.parquet``.

    Raises:
        PayloadError: the body is invalid in ``mode`` (the best error).
    """
    return Validator(signature, mode=mode).parse(body, content_type=content_type)


__all__ = ["coerce"]
