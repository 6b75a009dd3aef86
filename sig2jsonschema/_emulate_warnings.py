"""The warning pass: what MLflow changed on the way to ``predict`` (placeholder)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._emulate_types import ConversionWarning

if TYPE_CHECKING:
    from ._emulate_parse import Parsed
    from ._emulate_types import WarningSink
    from ._types import Signature


def collect_warnings(  # noqa: PLR0917 - one call site, all arguments needed
    signature: Signature,
    parsed: Parsed,
    received: Any,
    dropped: list[Any],
    body: Any,
    sink: WarningSink,
) -> None:
    """Add a `ConversionWarning` for every lossy or surprising conversion."""
    del signature, received, body
    for label in dropped:
        sink.add(
            ConversionWarning(
                parsed.column_pointer(label),
                "",
                "unknown-column-dropped",
                repr(label),
                "(dropped)",
                f"column {label!r} is not in the signature; MLflow drops it",
            )
        )


__all__ = ["collect_warnings"]
