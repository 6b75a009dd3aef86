"""How MLflow's scoring server refuses a body: HTTP status, error code, error class.

Every stage that judges a body the way MLflow does (decoding the JSON, the
parse stage, enforcement, params) stops at the first refusal by raising a
`Rejection`.  It carries what the real server answers (status, ``error_code``,
``error_class``) plus our own words for the failure (pointer, field, rule).
The helpers build the refusals MLflow actually gives, so a stage never spells
an error code by hand.
"""

from __future__ import annotations

#: MLflow's error code for a parse-stage failure, and its derived class.
BAD_REQUEST = "BAD_REQUEST"
#: MLflow's error code for enforcement and params failures.
INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
#: The error class MLflow adds to every input-schema enforcement failure.
SCHEMA_ENFORCEMENT_FAILED = "SCHEMA_ENFORCEMENT_FAILED"


class Rejection(Exception):
    """A stage of the emulated server refuses the body (never escapes `emulate`)."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        error_code: str | None = BAD_REQUEST,
        error_class: str | None = INVALID_PARAMETER_VALUE,
        keyword: str = "x-mlflow",
        pointer: str = "",
        field: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.error_class = error_class
        self.keyword = keyword
        self.pointer = pointer
        self.field = field


def brief(exc: BaseException, limit: int = 160) -> str:
    """A library exception in one line: ``ValueError: invalid literal ...``."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def bad_request(message: str, *, keyword: str, pointer: str = "", field: str = "") -> Rejection:
    """A parse-stage failure: MLflow answers 400 ``BAD_REQUEST``."""
    return Rejection(message, keyword=keyword, pointer=pointer, field=field)


def enforcement_failed(
    message: str, *, keyword: str, pointer: str = "", field: str = ""
) -> Rejection:
    """An input-schema enforcement failure: 400 ``SCHEMA_ENFORCEMENT_FAILED``."""
    return Rejection(
        message,
        error_code=INVALID_PARAMETER_VALUE,
        error_class=SCHEMA_ENFORCEMENT_FAILED,
        keyword=keyword,
        pointer=pointer,
        field=field,
    )


def invalid_parameter(
    message: str, *, keyword: str, pointer: str = "", field: str = ""
) -> Rejection:
    """A params (or type-hint) failure: 400 ``INVALID_PARAMETER_VALUE``."""
    return Rejection(
        message,
        error_code=INVALID_PARAMETER_VALUE,
        error_class=INVALID_PARAMETER_VALUE,
        keyword=keyword,
        pointer=pointer,
        field=field,
    )


def server_crash(message: str, *, keyword: str, pointer: str = "") -> Rejection:
    """An exception MLflow does not handle: 500 with a plain-text body."""
    return Rejection(
        message, status=500, error_code=None, error_class=None, keyword=keyword, pointer=pointer
    )


__all__ = [
    "BAD_REQUEST",
    "INVALID_PARAMETER_VALUE",
    "SCHEMA_ENFORCEMENT_FAILED",
    "Rejection",
    "bad_request",
    "brief",
    "enforcement_failed",
    "invalid_parameter",
    "server_crash",
]
