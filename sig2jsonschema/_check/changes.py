"""The kinds of change between two signatures, and one `Change`.

`CHANGE_KINDS` is the table `diff_signatures` reads: one row per change
code, with its kind for requests (``inputs`` and ``params``) and for
response consumers (``outputs``), since whether a change breaks anything
depends on which side of the server it is on.  The table is data,
documented in ``docs/check.md``; tests check every code is in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: How a change affects clients.
ChangeKind = Literal["breaking", "behaviour", "safe"]

_B: ChangeKind = "breaking"
_H: ChangeKind = "behaviour"
_S: ChangeKind = "safe"

#: change_code -> (kind for requests: inputs/params, kind for response consumers: outputs).
CHANGE_KINDS: dict[str, tuple[ChangeKind, ChangeKind]] = {
    # A whole part appears or disappears.
    "schema-added": (_B, _S),
    "schema-removed": (_H, _H),
    "schema-kind-changed": (_B, _B),  # tensors <-> columns
    "naming-changed": (_B, _B),  # named <-> unnamed
    "type-hint-added": (_B, _B),
    "type-hint-removed": (_H, _H),
    # Top-level columns.
    "column-added-required": (_B, _S),
    "column-added-optional": (_S, _S),
    "column-removed": (_H, _B),  # MLflow drops unknown columns: requests still pass
    "column-made-required": (_B, _S),
    "column-made-optional": (_S, _B),
    "columns-reordered": (_H, _S),  # predict receives the signature's column order
    # A column, property, item, value or param type.
    "type-widened": (_S, _H),
    "type-relaxed": (_H, _H),
    "type-narrowed": (_B, _S),
    "type-changed": (_B, _B),
    "type-equivalent": (_S, _S),
    # Object properties (MLflow rejects unknown properties).
    "property-added-required": (_B, _S),
    "property-added-optional": (_S, _S),
    "property-removed": (_B, _B),
    "property-made-required": (_B, _S),
    "property-made-optional": (_S, _B),
    # Tensors.
    "tensor-added": (_B, _S),
    "tensor-removed": (_H, _B),
    "tensor-dtype-widened": (_H, _H),
    "tensor-dtype-changed": (_B, _B),
    "tensor-shape-relaxed": (_S, _H),
    "tensor-shape-changed": (_B, _B),
    # Params (every param is optional and has a default).
    "param-added": (_S, _S),
    "param-removed": (_H, _H),  # unknown params are dropped: the value is ignored
    "param-shape-changed": (_B, _B),
    "param-default-changed": (_H, _H),
}


@dataclass(frozen=True)
class Change:
    """One difference between two signatures, as a client sees it.

    .. versionadded:: 0.1
    """

    #: ``breaking``, ``behaviour`` or ``safe`` (see the module docstring).
    kind: ChangeKind
    #: The signature field: ``inputs['age']``, ``params['k']``, ``outputs[0]``, ``inputs``.
    field: str
    #: A stable code from `CHANGE_KINDS`.
    change_code: str
    #: What changed and what it does to clients.
    message: str

    @property
    def part(self) -> str:
        """``inputs``, ``params`` or ``outputs``: the part of the signature concerned."""
        for part in ("inputs", "outputs", "params"):
            if self.field.startswith(part):
                return part
        return "inputs"

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready description (used by ``diff --output json``)."""
        return {
            "kind": self.kind,
            "part": self.part,
            "field": self.field,
            "change_code": self.change_code,
            "message": self.message,
        }


def make_change(code: str, field: str, message: str) -> Change:
    """A `Change` of ``code``, its kind read from `CHANGE_KINDS` for the field's side."""
    request, response = CHANGE_KINDS[code]
    kind = response if field.startswith("outputs") else request
    return Change(kind, field, code, message)


__all__ = ["CHANGE_KINDS", "Change", "ChangeKind", "make_change"]
