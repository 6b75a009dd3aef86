"""What a subschema evaluates in place: the static analysis behind ``unevaluated*`` lowering.

Why: "unevaluated" means "not evaluated by any in-place subschema that *passed*", a dynamic
notion that draft-07, draft-04 and OpenAPI 3.0 cannot state.  The converter replaces
``unevaluatedProperties: U`` by ``additionalProperties: U`` plus a ``properties`` stub for
every name some in-place subschema declares (``unevaluatedItems`` likewise, with a
prefix length).  That is exact when every declaring subschema applies unconditionally
(the schema itself, ``allOf``, ``$ref``), and also for the dispatch idiom
``if: {required: [k]}, then: {properties: {k: ...}}``: ``k`` present means the branch
applied.  Names that only conditional branches (``anyOf``, ``oneOf``, other
``if/then/else``) declare are the approximation: this module tells them apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .tree import resolve_pointer


def _matches(pattern: str, name: str) -> bool:
    try:
        return re.search(pattern, name) is not None
    except re.error:
        return False


@dataclass
class Props:
    """Which properties a subschema evaluates: by name, by pattern, or all of them."""

    names: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)
    all: bool = False

    def update(self, other: Props) -> None:
        self.names |= other.names
        self.patterns |= other.patterns
        self.all = self.all or other.all

    def covers(self, name: str) -> bool:
        """Whether a property called ``name`` is evaluated."""
        return self.all or name in self.names or any(_matches(p, name) for p in self.patterns)


@dataclass
class Items:
    """Which array positions a subschema evaluates: a prefix, all, and ``contains`` matches."""

    prefix: int = 0
    all: bool = False
    #: ``contains`` subschemas (with their pointers): the elements they match are evaluated.
    contains: list[tuple[str, Any]] = field(default_factory=list)

    def update(self, other: Items) -> None:
        self.prefix = max(self.prefix, other.prefix)
        self.all = self.all or other.all
        self.contains += other.contains


def required_guard(condition: Any) -> str | None:
    """``k`` if ``condition`` is exactly ``{"required": [k]}`` (``k`` present <=> it passes)."""
    if isinstance(condition, dict) and set(condition) == {"required"}:
        required = condition["required"]
        if isinstance(required, list) and len(required) == 1 and isinstance(required[0], str):
            return required[0]
    return None


class Analysis:
    """Evaluated-location analysis over one source document (local ``$ref``s followed)."""

    def __init__(self, root: Any) -> None:
        self.root = root
        self._resolving: set[str] = set()

    def _target(self, node: dict[str, Any]) -> tuple[str, Any] | None:
        for keyword in ("$ref", "$dynamicRef"):
            ref = node.get(keyword)
            if isinstance(ref, str) and ref.startswith("#/") and ref not in self._resolving:
                try:
                    return ref, resolve_pointer(self.root, ref[1:])
                except (KeyError, IndexError, ValueError):
                    return None
        return None

    def props(self, node: Any) -> tuple[Props, Props]:
        """``(always, maybe)``: properties evaluated unconditionally / only by some branch."""
        always, maybe = Props(), Props()
        if not isinstance(node, dict):
            return always, maybe
        always.names |= set(node.get("properties", {}))
        always.patterns |= set(node.get("patternProperties", {}))
        always.all = "additionalProperties" in node or "unevaluatedProperties" in node
        found = self._target(node)
        if found:
            self._resolving.add(found[0])
            try:
                sub_always, sub_maybe = self.props(found[1])
            finally:
                self._resolving.discard(found[0])
            always.update(sub_always)
            maybe.update(sub_maybe)
        for sub in node.get("allOf", []):
            sub_always, sub_maybe = self.props(sub)
            always.update(sub_always)
            maybe.update(sub_maybe)
        guarded: list[tuple[Any, str | None]] = []
        if "if" in node:
            guarded.append((node["if"], None))
            guarded.append((node.get("then"), required_guard(node["if"])))
            guarded.append((node.get("else"), None))
        guarded += [(s, k) for k, s in node.get("dependentSchemas", {}).items()]
        guarded += [(s, None) for s in (*node.get("anyOf", []), *node.get("oneOf", []))]
        for sub, guard in guarded:
            sub_always, sub_maybe = self.props(sub)
            if guard is not None and guard in sub_always.names:
                always.names.add(guard)
            maybe.update(sub_always)
            maybe.update(sub_maybe)
        return always, maybe

    def items(self, node: Any, pointer: str) -> tuple[Items, Items]:
        """``(always, maybe)``: array positions evaluated unconditionally / by some branch."""
        always, maybe = Items(), Items()
        if not isinstance(node, dict):
            return always, maybe
        always.prefix = len(node.get("prefixItems", []))
        always.all = "items" in node or "unevaluatedItems" in node
        if "contains" in node:
            always.contains.append((f"{pointer}/contains", node["contains"]))
        found = self._target(node)
        if found:
            self._resolving.add(found[0])
            try:
                sub_always, sub_maybe = self.items(found[1], found[0][1:])
            finally:
                self._resolving.discard(found[0])
            always.update(sub_always)
            maybe.update(sub_maybe)
        subs: list[tuple[str, Any, bool]] = [
            (f"{pointer}/allOf/{i}", s, True) for i, s in enumerate(node.get("allOf", []))
        ]
        for keyword in ("anyOf", "oneOf"):
            subs += [
                (f"{pointer}/{keyword}/{i}", s, False) for i, s in enumerate(node.get(keyword, []))
            ]
        subs += [(f"{pointer}/{k}", node[k], False) for k in ("if", "then", "else") if k in node]
        subs += [
            (f"{pointer}/dependentSchemas/{k}", s, False)
            for k, s in node.get("dependentSchemas", {}).items()
        ]
        for here, sub, certain in subs:
            sub_always, sub_maybe = self.items(sub, here)
            (always if certain else maybe).update(sub_always)
            maybe.update(sub_maybe)
        return always, maybe


__all__ = ["Analysis", "Items", "Props", "required_guard"]
