"""MLflow's enforcement of nested values (spec section 3.5): placeholder.

Replaced by the emulator work; `check_object_param` enforces an object
param's value the way ``_enforce_object`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._types import Object


def check_object_param(obj: Object, value: Any) -> None:
    """Enforce an object param value (kind-level only until the emulator lands)."""
    if not isinstance(value, dict):
        msg = f"expected an object {obj}"
        raise ValueError(msg)  # noqa: TRY004 - callers catch ValueError as MLflow does
