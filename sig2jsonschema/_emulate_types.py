"""The values the MLflow emulator hands back, and the rejection it raises inside.

`Outcome` is what a real MLflow 3.17.2 scoring server does with one request
body; `ConversionWarning` names one lossy or surprising conversion MLflow makes
on a body it accepts.  `Rejection` is how the emulator's stages stop early: it
carries the HTTP status and MLflow error code the server would answer with,
plus our own words (pointer, field, rule) for the failure.  `emulate` turns
every `Rejection` (and any unexpected crash) into an `Outcome`, so callers
never see an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: MLflow's error code for a parse-stage failure, and its derived class.
BAD_REQUEST = "BAD_REQUEST"
#: MLflow's error code for enforcement and params failures.
INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
#: The error class MLflow adds to every input-schema enforcement failure.
SCHEMA_ENFORCEMENT_FAILED = "SCHEMA_ENFORCEMENT_FAILED"


@dataclass(frozen=True)
class ConversionWarning:
    """A lossy or surprising conversion MLflow makes on an accepted body.

    .. versionadded:: 0.1
    """

    #: RFC 6901 pointer into the body, e.g. ``/dataframe_split/data/3/1``.
    pointer: str
    #: The signature field concerned, e.g. ``inputs['age']`` or ``params['k']``.
    field: str
    #: A stable code, e.g. ``float-truncated`` (listed in docs/mlflow-mode.md).
    code: str
    #: What was sent, rendered as JSON text.
    sent: str
    #: What the model gets, rendered.
    received: str
    #: One sentence for people.
    message: str


@dataclass(frozen=True)
class Outcome:
    """What MLflow's scoring server does with one request body.

    .. versionadded:: 0.1
    """

    #: HTTP status the real server answers with (200, 400, 415, 500).
    status: int
    #: MLflow's ``error_code`` (``None`` on 200 and on plain-text errors).
    error_code: str | None
    #: MLflow's ``error_class`` (``None`` on 200 and on plain-text errors).
    error_class: str | None
    #: Our own explanation of the failure: what was expected, what was got.
    message: str | None
    #: Best-effort RFC 6901 pointer of the failure into the body ("" = whole body).
    pointer: str
    #: The signature field concerned, when known.
    field: str
    #: A stable rule name for the failure (``x-mlflow-envelope``, ``type``, ...).
    keyword: str
    #: The body form used (names from docs/strict-contract.md), when recognised.
    form: str | None
    #: Exactly what ``predict()`` gets (``None`` unless the status is 200).
    received: Any
    #: The params dict ``predict()`` gets (``None`` when it gets ``None``).
    params: dict[str, Any] | None
    #: Whether the server answers without the ``predictions`` wrapper (LLM form).
    unwrapped: bool
    #: Every lossy or surprising conversion made on an accepted body.
    warnings: tuple[ConversionWarning, ...] = ()

    @property
    def accepted(self) -> bool:
        """Whether the server would run the model (HTTP 200)."""
        return self.status == 200


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


@dataclass
class WarningSink:
    """Collects warnings, keeping at most ``per_key`` per (field, code)."""

    per_key: int = 10
    items: list[ConversionWarning] = field(default_factory=list)
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, warning: ConversionWarning) -> None:
        """Record one warning unless its (field, code) pair is already full."""
        key = (warning.field, warning.code)
        seen = self._counts.get(key, 0)
        self._counts[key] = seen + 1
        if seen < self.per_key:
            self.items.append(warning)

    def room(self, field_name: str, code: str) -> int:
        """How many more warnings of this (field, code) pair would be kept."""
        return max(0, self.per_key - self._counts.get((field_name, code), 0))

    def skip(self, field_name: str, code: str, count: int) -> None:
        """Count ``count`` further occurrences that are not rendered."""
        key = (field_name, code)
        self._counts[key] = self._counts.get(key, 0) + count


__all__ = [
    "BAD_REQUEST",
    "INVALID_PARAMETER_VALUE",
    "SCHEMA_ENFORCEMENT_FAILED",
    "ConversionWarning",
    "Outcome",
    "Rejection",
    "WarningSink",
    "bad_request",
    "brief",
    "enforcement_failed",
    "invalid_parameter",
    "server_crash",
]
