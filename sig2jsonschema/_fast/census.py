"""One pass over an invalid small body: its one plain offending value, the rest proven valid.

`sig2jsonschema._fast.first_error` names a raw body's one bad value by finding a
candidate, putting it right and running the quick path's all-columns check
(`sig2jsonschema._fast.rows.compile_body_check` with ``tree``) a second time
over the whole parsed body.  For a one-row body that second pass, the search
and the copies cost more than the check itself.

So the same generated check is compiled once more, recording instead of
raising where a number or string leaf fails (a *miss*: its site, row, value
and array indices) and going on.  Everything else is held to the same tests
and the same ``:`` census, so when exactly one leaf misses, the body with that
leaf put right (``0``, ``0.0``, ``"a"``) passes the tree check: the census
counts the same colons in both (the bad leaf is a word of letters, a boolean
or an integer when `_kind` names it, and the valid token holds no colon
either), and no other value changes.  That is what the locator's
second pass proves, found in one pass.  Anything else the check is unsure of
(structure, ranges, another column type) answers None, and the locator's own
search decides as before.

The sites are numbered as the generated code names them; their parts of the
`Cell` (column name, escaped pointer tokens, the path's shape) are made here
once per signature, not per body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from sig2jsonschema.exceptions import escape_pointer_token

from .cell_leaves import _kind
from .results import Cell
from .rows import compile_body_check

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._signature.types import DataType

    from .frames import ColumnPlan


#: Makes a `Cell` without its ``__new__``'s Python frame (one per invalid body).
_cell = tuple.__new__


class _Sites:
    """The `rows.Miss` of one census: numbers each failing leaf's site as it is generated."""

    def __init__(self) -> None:
        #: (column index, leaf type, path in the cell: a name, or None for an array index)
        self.sites: list[tuple[int, DataType, tuple[str | None, ...]]] = []

    def __call__(
        self, column: int, t: DataType, path: tuple[str | None, ...], loops: tuple[str, ...], v: str
    ) -> str:
        self.sites.append((column, t, path))
        indices = "".join(f"{k}, " for k in loops)
        return f"miss(({len(self.sites) - 1}, form, r, {v}, ({indices})))"


class CellCensus:
    """The one pass of an all-columns body (see the module docstring)."""

    def __init__(
        self, check: Callable[[bytes, Any, Any], Any], sites: _Sites, names: list[str]
    ) -> None:
        self._check = check
        self._names = tuple(names)
        #: site -> (column name, leaf type, the key's shape of its path, the
        #: pointer's format in a split and in a records body: row, then array indices)
        self._sites = [
            (
                names[column],
                t,
                tuple("*" if p is None else p for p in path),
                _format(f"/dataframe_split/data/{{}}/{column}", path),
                _format(f"/dataframe_records/{{}}/{_brace(names[column])}", path),
            )
            for column, t, path in sites.sites
        ]

    def cell(self, raw: bytes, limits: Any, value: dict[str, Any]) -> Cell | bool | None:
        """The `Cell` of the parsed ``value`` (``raw``: its text, limits scanned already).

        True: the body is valid; False: certainly no plain cell (several
        misses, or one of a kind `_kind` does not name); None: unsure.
        """
        bads = self._check(raw, limits, value)
        if bads is None:
            return None
        if len(bads) != 1:
            return not bads
        site, form, row, leaf, indices = bads[0]
        name, t, shape, split, records = self._sites[site]
        kind = _kind(leaf, t)
        if kind is None:
            return False
        if form == "dataframe_split":
            pointer = split.format(row, *indices)
            return _cell(Cell, (pointer, (form, self._names, name, shape, kind), leaf))
        names = tuple(value[form][row])  # the record's own key order, as the key has it
        return _cell(Cell, (records.format(row, *indices), (form, names, name, shape, kind), leaf))


def _brace(text: str) -> str:
    """``text`` escaped as an RFC 6901 token, its braces doubled for `str.format`."""
    return escape_pointer_token(text).replace("{", "{{").replace("}", "}}")


def _format(head: str, path: tuple[str | None, ...]) -> str:
    """The `str.format` pattern of a leaf's pointer: ``head``, then ``path``'s tokens."""
    return head + "".join("/{}" if p is None else "/" + _brace(p) for p in path)


def compile_census(
    columns: list[ColumnPlan],
    *,
    split: int | None,
    records: int | None,
    names: list[str],
    colons: Callable[[bytes], int],
) -> CellCensus | None:
    """The census of a quick plan's all-columns layouts (arguments as `compile_body_check`)."""
    sites = _Sites()
    check = compile_body_check(
        columns,
        split=split,
        records=records,
        names=names,
        loads=orjson.loads,
        plan=None,
        unsure=_unsure,
        colons=colons,
        tree=True,
        miss=sites,
    )
    return None if check is None else CellCensus(check, sites, names)  # type: ignore[arg-type]


def _unsure(_raw: bytes | str, _limits: Any) -> bool:  # never asked: a tree check answers itself
    return False


__all__ = ["CellCensus", "compile_census"]
