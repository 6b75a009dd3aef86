"""Shared pieces of the fast path: its two signals, the body census and the GC pause.

The fast path (`sig2jsonschema._fast.plan`) answers only when it is certain.  Its
checkers speak through two exceptions:

* `Bail`: "I am not certain" (an unusual shape, a value whose fate depends on
  more than its own cell, a Python object that is not JSON, ...).  The caller
  then runs the reference path on the whole body, which is always right.
* `BadRows`: "these rows hold a value the strict contract refuses, and every
  other row is fine as far as this column goes".  The reference path can then
  explain the failure from those rows alone.

`Census` closes the one gap ``orjson`` leaves in RFC 8259 checking: a repeated
object key (last one wins, silently).  Every member and every ``:`` inside a
string is counted while the checkers walk the tree; the raw text must hold
exactly that many ``:`` bytes, else a key was repeated (or ``:`` was written
as an escape, which is refused up front).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from collections.abc import Iterator

NoneType = type(None)

#: The exact Python types ``orjson.loads`` builds: anything else in a parsed
#: body is not JSON, and only the reference path knows what to say about it.
JSON_TYPES = frozenset({dict, list, str, int, float, bool, NoneType})
#: JSON scalars (`Census.column` counts them without a walk).
_FLAT = frozenset({str, int, float, bool, NoneType})


class Bail(Exception):
    """The fast path is not certain about this body; the reference path decides."""


class BadRows(Exception):
    """These rows (0-based, sorted) hold a value the strict contract refuses."""

    def __init__(self, rows: list[int], values: dict[int, dict[str, Any]] | None = None) -> None:
        super().__init__(rows)
        self.rows = rows
        #: The offending rows' values by column, when the rows are not kept
        #: anywhere else (slice-by-slice parsing).
        self.values = values


@dataclass
class Census:
    """What the walked tree accounts for in the raw text (see the module docstring)."""

    #: Object members seen (each is one structural ``:`` in the text).
    members: int = 0
    #: ``:`` characters inside strings (keys and values) seen.
    colons: int = 0
    #: ``r`` / ``s`` letters in strings and literals seen (lean mode only: see
    #: `Ctx.lean`); ``true`` holds one ``r``, ``false`` one ``s``.
    r: int = 0
    s: int = 0

    def add_letters(self, text: str) -> None:
        """Count the ``r``/``s`` letters of a text (keys and string values)."""
        self.r += text.count("r")
        self.s += text.count("s")

    def add_keys(self, keys: Any) -> None:
        """Count one object's members and the colons (and letters) in their names."""
        for key in keys:
            self.members += 1
            if ":" in key:
                self.colons += key.count(":")
            self.add_letters(key)

    def add_strings(self, values: Any) -> None:
        """Count the colons and letters of string values (all must be ``str``)."""
        text = "".join(values)
        self.colons += text.count(":")
        self.add_letters(text)

    def column(self, values: Any) -> None:
        """Count a column's values (`walk`, several times faster for flat scalars).

        A failing column's values are counted this way: one bad cell among a
        slice of thousands must not cost a Python step per good value.
        """
        kinds = set(map(type, values))
        if not kinds <= _FLAT:
            self.walk(list(values))
            return
        if str in kinds:
            self.add_strings([v for v in values if type(v) is str])
        if bool in kinds:
            flags = [v for v in values if type(v) is bool]
            trues = flags.count(True)  # only booleans here: 1 == True cannot count
            self.r += trues
            self.s += len(flags) - trues

    def walk(self, value: Any) -> None:
        """Count everything in an arbitrary JSON value (slow; for small or rare parts)."""
        stack = [value]
        while stack:
            node = stack.pop()
            kind = type(node)
            if kind is dict:
                self.add_keys(node)
                stack.extend(node.values())
            elif kind is list:
                stack.extend(node)
            elif kind is str:
                self.colons += node.count(":")
                self.add_letters(node)
            elif node is True:
                self.r += 1
            elif node is False:
                self.s += 1


@dataclass
class Ctx:
    """Per-body settings the checkers need."""

    #: The body came as text and was parsed by orjson: every node has an exact
    #: JSON type and every float is finite.
    trusted: bool
    #: Colon accounting for the duplicate-key check (None for parsed bodies).
    census: Census | None
    #: Build what ``predict`` receives (False: validation only).
    build: bool
    #: The values come through ``inputs``/``instances`` (numpy per value), not a frame.
    tf: bool = False
    #: ``inputs`` records, where MLflow's pandas holds strings as ``object`` (the
    #: release runs on pandas 2, or this is pandas 2): MLflow reads each value
    #: through numpy on its own, so a string cell stays a ``numpy.str_``, and an
    #: array of empty strings comes back from an ``object`` Series as ``<U2``
    #: (``instances`` and columns stack whole columns: ``str``).
    numpy_strings: bool = False
    #: The frame holds ``string`` columns as ``object`` (`FramePlan.object_strings`):
    #: their checkers hand back the values as an ``object`` array, not a text array
    #: that `FramePlan._frame` would only turn back into one.
    object_strings: bool = False
    #: Lean mode: numeric and boolean columns are checked by numpy's dtype
    #: inference alone, which cannot see a ``true`` among numbers; the letter
    #: census (`Census.r`/`Census.s` against the raw text) proves there is
    #: none.  Only for texts without escapes (an escape could spell a letter).
    lean: bool = False


def type_bad_rows(values: Any, allowed: frozenset[type] | set[type]) -> list[int]:
    """Rows whose value has a type outside ``allowed``.

    Raises:
        Bail: a value is not a JSON value at all (only a parsed body can hold
            one); what the strict contract says about it is the reference's call.
    """
    kinds = list(map(type, values))
    rows = [i for i, kind in enumerate(kinds) if kind not in allowed]
    if any(kinds[i] not in JSON_TYPES for i in rows):
        raise Bail
    return rows


def check_types(values: Any, allowed: frozenset[type]) -> set[type]:
    """The set of value types, when all are ``allowed``.

    Raises:
        BadRows: some values are JSON values of another type.
        Bail: some value is not JSON.
    """
    types = set(map(type, values))
    if types <= allowed:
        return types
    raise BadRows(type_bad_rows(values, allowed))


def one_member_object(raw: bytes | str) -> dict[str, Any] | None:
    """A JSON object text of one member, parsed (None: not JSON, not such an object)."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict or len(value) != 1:
        return None
    return value


def one_member(raw: bytes | str) -> tuple[str, Any] | None:
    """The one member of a JSON object text (None: not JSON, not an object of one member)."""
    value = one_member_object(raw)
    return None if value is None else next(iter(value.items()))


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a parsed tree is built and read.

    The tree ``orjson`` builds has no cycles, yet each of its lists and dicts
    counts towards a collection; with pandas loaded, most of ``orjson.loads``
    time on list-heavy bodies is the collector walking the young tree.  The
    previous state is restored (a caller that disabled the GC keeps it off).
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


__all__ = [
    "JSON_TYPES",
    "BadRows",
    "Bail",
    "Census",
    "Ctx",
    "NoneType",
    "check_types",
    "gc_paused",
    "type_bad_rows",
]
