"""The error of a plain one-value failure, without the reference path (strict mode).

The fast path names the one offending value of a plain failure as a `Cell`
(`sig2jsonschema._fast.first_error`): its pointer, its value, and a key
holding everything else the error depends on: the form, the columns present,
the column, the path inside a nested cell and the kind of value (a word of
letters in a number column, an integer where a string is expected, ...).
Within a key, the reference path's answer is one and the same error, the
pointer and the ``got`` words aside: the schema words a value by its column
and kind, and the emulator's verdict (status, ``error_code``,
``error_class``, for this validator's release) depends on the column's dtype,
which one value of that kind sets, never on the other, strict-valid values.

So the reference path judges the first body of each key, as before, and
`FirstErrors` keeps what it said when it said exactly one thing about that
very value (a learned, per-validator cache of at most `_MAX_KEYS` keys).  A
later body of the same key gets the same error with its own pointer and
``got`` (`short_got`, the mapper's own words), at the cost of locating the
cell.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sig2jsonschema.exceptions import PayloadError

from .words import short_got

if TYPE_CHECKING:
    from sig2jsonschema._emulator.outcome import Outcome
    from sig2jsonschema._fast.first_error import Cell

#: The fields a learned error passes on (pointer and got are the cell's own; cause,
#: python-jsonschema's error, is left out).
_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(PayloadError)
    if f.init and f.name not in {"pointer", "got", "cause"}
)
_new = PayloadError.__new__
#: Keys kept per validator (a body's own column names are part of a key).
_MAX_KEYS = 512
#: `short_got`'s kind word of the values a cell holds (a word, a boolean, an int64
#: integer: their ``repr`` is never long enough to be cut short).
_GOT_KINDS = {str: "string", bool: "boolean", int: "integer"}


class FirstErrors:
    """What the reference path said for each cell key (see the module docstring).

    Thread safe: a key's entry is written whole, once, and only ever read.
    """

    def __init__(self) -> None:
        #: key -> (the error's fields but pointer, got and cause; its outcome; its
        #: message's parts, `_message_parts`)
        self._learned: dict[
            tuple[Any, ...], tuple[dict[str, Any], Outcome | None, tuple[str, str, bool]]
        ] = {}

    @property
    def ready(self) -> bool:
        """Whether any key is known (else a cell is not worth looking for first)."""
        return bool(self._learned)

    def answer(self, cell: Cell) -> tuple[PayloadError, Outcome | None] | None:
        """The error of ``cell`` and the outcome it came with, if its key is known."""
        found = self._learned.get(cell.key)
        if found is None:
            return None
        fields, outcome, (head, tail, shown) = found
        value = cell.value
        kind = _GOT_KINDS.get(type(value))
        got = f"{value!r} ({kind})" if kind is not None else short_got(value)
        # Built without the dataclass __init__ (16 keyword arguments): the learned
        # fields are set as they are, then the cell's own, then the message as
        # ``__post_init__`` makes it, from the learned error's own parts.
        error = _new(PayloadError)
        state = error.__dict__
        state.update(fields)
        state["pointer"] = pointer = cell.pointer
        state["got"] = got
        state["cause"] = None
        error.args = (f"{pointer}{head}, got {got}{tail}" if shown else f"{pointer}{head}{tail}",)
        return error, outcome

    def learn(self, cell: Cell, errors: list[PayloadError], outcome: Outcome | None) -> None:
        """Keep the reference path's answer for ``cell`` when it is one error about it."""
        if len(errors) != 1 or len(self._learned) >= _MAX_KEYS:
            return
        error = errors[0]
        if error.pointer != cell.pointer or error.got != short_got(cell.value):
            return
        fields = {name: getattr(error, name) for name in _FIELDS}
        parts = _message_parts(error)
        if parts is not None:
            self._learned[cell.key] = (fields, outcome, parts)


def _message_parts(error: PayloadError) -> tuple[str, str, bool] | None:
    """(what follows the pointer, what follows the got words, whether they are shown)
    of ``error``'s message: the same for every error of a key (None: not so made)."""
    shown = bool(error.got) and not error.redacted
    start = f"{error.pointer or '/'}: expected {error.expected}"
    got = f", got {error.got}" if shown else ""
    message = error.message
    if not message.startswith(start + got):
        return None
    return start[len(error.pointer or "/") :], message[len(start + got) :], shown


__all__ = ["FirstErrors"]
