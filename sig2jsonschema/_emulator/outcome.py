"""What the MLflow emulator hands back.

`Outcome` is what a real MLflow 3.17.2 scoring server does with one request
body.  `emulate` turns every `Rejection` (and any unexpected crash) into an
`Outcome`, so callers never see an exception.  `WarningSink` collects the
`ConversionWarning`\\ s of an accepted body, a bounded number per field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sig2jsonschema._payload.parsed import ConversionWarning


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


__all__ = ["Outcome", "WarningSink"]
