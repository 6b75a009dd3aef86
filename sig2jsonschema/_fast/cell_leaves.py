"""The leaves of a first error: which values are plain mistakes, and putting them right.

Held apart from `sig2jsonschema._fast.first_error` (the locators) for size:
`_kind` names the plain mismatches whose verdict cannot vary within the kind,
`_bad_leaf` finds a nested cell's one plain bad leaf, `_repaired_text` puts a
bad token right in a body's text.
"""

from __future__ import annotations

from typing import Any

import orjson

from sig2jsonschema._signature.types import Array, DataType, Object

_NUMBERS = frozenset({DataType.long, DataType.integer, DataType.double, DataType.float})
#: Words some reader (Python, numpy, pandas, MLflow) takes for a number, a
#: boolean or a missing value.
_SPECIAL = frozenset(
    {"nan", "inf", "infinity", "true", "false", "none", "null", "na", "nat", "n", "t", "f"}
    | {"y", "yes", "no", "on", "off", "e"}
)


_INT32 = 2**31
#: The longest word of letters a kind holds.
_LONGEST = 40
_INT64 = 2**63


#: A value of each leaf type the quick checks accept (to put a bad leaf right).
_CANONICAL: dict[DataType, Any] = {
    DataType.long: 0,
    DataType.integer: 0,
    DataType.double: 0.0,
    DataType.float: 0.0,
    DataType.string: "a",
    DataType.boolean: True,
}


def _kind(value: Any, target: DataType) -> str | None:
    """The value's kind, when it is a certain, plain mismatch for ``target``."""
    kind = type(value)
    if kind is bool:
        return f"bool:{value}" if target in _NUMBERS or target is DataType.string else None
    if target in _NUMBERS:
        # [A-Za-z]{1,40}: an ASCII text is alphabetic exactly when it holds only these
        if (
            kind is str
            and len(value) <= _LONGEST
            and value.isascii()
            and value.isalpha()
            and value.lower() not in _SPECIAL
        ):
            return "letters"
        if kind is int and target is DataType.integer and _INT32 <= abs(value) < _INT64:
            return "int64+" if value > 0 else "int64-"
        return None
    if target is DataType.string and kind is int and abs(value) < _INT32:
        return "int"
    return None


#: id of each `Object` type inside a locator's columns -> (its properties' types by
#: name, the names when all are required, else None); the locator keeps the types
#: alive, so the ids stay theirs.
_Objects = dict[int, tuple[dict[str, Any], "frozenset[str] | None"]]


def _objects_of(t: Any, found: _Objects) -> None:
    if isinstance(t, Array):
        _objects_of(t.items, found)
    elif isinstance(t, Object):
        props = {p.name: p.type for p in t.properties}
        required = all(p.required for p in t.properties)
        found[id(t)] = (props, frozenset(props) if required else None)
        for inner in props.values():
            _objects_of(inner, found)


#: Bytes that may not touch a number token (a longer number, an exponent, a word).
_NUMBER_TOUCH = frozenset(b"0123456789.eE+-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _number_at(raw: bytes, token: bytes) -> int | None:
    """Where ``token`` stands alone as a number in ``raw``, when it does exactly once."""
    found = None
    start = raw.find(token)
    end = len(raw)
    while start >= 0:
        after = start + len(token)
        if (start == 0 or raw[start - 1] not in _NUMBER_TOUCH) and (
            after == end or raw[after] not in _NUMBER_TOUCH
        ):
            if found is not None:
                return None
            found = start
        start = raw.find(token, after)
    return found


def _repaired_text(raw: bytes, leaf: Any, target: DataType) -> bytes | None:
    """``raw`` with the one token spelling ``leaf`` replaced by a valid ``target`` value."""
    token = orjson.dumps(leaf)
    if type(leaf) is str:
        if raw.count(token) != 1:
            return None
        start = raw.index(token)
    else:
        at = _number_at(raw, token)
        if at is None:
            return None
        start = at
    return raw[:start] + orjson.dumps(_CANONICAL[target]) + raw[start + len(token) :]


def _bad_leaf(
    t: Any, value: Any, objects: _Objects
) -> tuple[tuple[Any, ...], str, Any, Any, DataType] | None:
    """(path, kind, the leaf, the cell put right, its type) of the one plainly bad leaf."""
    path: list[Any] = []
    node = value
    parents: list[tuple[Any, Any]] = []
    while True:
        if isinstance(t, Array):
            if type(node) is not list or not node:
                return None
            at = [i for i, item in enumerate(node) if not _leaf_ok(t.items, item, objects)]
            if len(at) != 1:
                return None
            parents.append((node, at[0]))
            path.append(at[0])
            node, t = node[at[0]], t.items
        elif isinstance(t, Object):
            if type(node) is not dict:
                return None
            props, names = objects[id(t)]
            if names is None or node.keys() != names:
                return None
            bad = [k for k, item in node.items() if not _leaf_ok(props[k], item, objects)]
            if len(bad) != 1:
                return None
            parents.append((node, bad[0]))
            path.append(bad[0])
            node, t = node[bad[0]], props[bad[0]]
        elif isinstance(t, DataType):
            kind = _kind(node, t)
            if kind is None or t not in _CANONICAL:
                return None
            return tuple(path), kind, node, _repaired(parents, _CANONICAL[t]), t
        else:
            return None


def _leaf_ok(t: Any, item: Any, objects: _Objects) -> bool:
    """Whether ``item`` is plainly of ``t``'s JSON type (containers: looked into later)."""
    if isinstance(t, Array):
        if type(item) is not list:
            return False
        return all(_leaf_ok(t.items, i, objects) for i in item)
    if isinstance(t, Object):
        if type(item) is not dict:
            return False
        props, _ = objects[id(t)]
        return item.keys() == props.keys() and all(
            _leaf_ok(props[k], v, objects) for k, v in item.items()
        )
    return _kind(item, t) is None if isinstance(t, DataType) else False


def _repaired(parents: list[tuple[Any, Any]], leaf: Any) -> Any:
    """A copy of the cell with the bad leaf replaced by ``leaf`` (only the path copied)."""
    if not parents:
        return leaf
    copies = [type(node)(node) for node, _ in parents]
    for (_, at), copy, child in zip(parents, copies, [*copies[1:], leaf], strict=True):
        copy[at] = child
    return copies[0]
