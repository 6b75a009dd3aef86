"""What ``predict`` receives: the result of `Validator.parse` and `coerce`.

A validated request body becomes exactly the objects MLflow 3.17.2's scoring
server hands to the model's ``predict``: a ``pandas.DataFrame`` for column
signatures, an ``ndarray`` (or a dict of them) for tensor signatures, the raw
dict for the unified-LLM form, and the params dict with defaults filled in.

In ``strict`` mode every value reaches ``predict`` by the canonical decoding
table of ``docs/strict-contract.md`` (``long`` -> ``int64``, ``float`` ->
nearest ``float32``, ``binary`` -> ``bytes`` decoded from base64, ``datetime``
-> naive ``datetime64[ns]``, ...), and ``warnings`` is empty by construction.
In ``mlflow`` mode the body is read as MLflow reads it, lossy conversions
included, and each of those is listed in ``warnings`` with the pointer of the
value, what was sent and what the model receives.

numpy/pandas are imported by the emulator only when a body is parsed.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._parsed import ParsedRequest

if TYPE_CHECKING:
    from .typing import Mode


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
    from ._validate import Validator

    return Validator(signature, mode=mode).parse(body, content_type=content_type)


__all__ = ["ParsedRequest", "coerce"]
