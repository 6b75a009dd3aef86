"""One pass over a small body: valid, or its one plain offending value with the rest proven.

`sig2jsonschema._fast.first_error` names a raw body's one bad value by finding a
candidate, putting it right and running the quick path's all-columns check
(`sig2jsonschema._fast.rows.compile_body_check` with ``tree``) a second time
over the whole parsed body.  For a one-row body that second pass, the search
and the copies cost more than the check itself.

So the same generated check is compiled again, recording instead of raising
where a number (or string) leaf fails (a *miss*: its site, the row, the
value and the arrays holding it) and going on.  Everything else is held to
the same tests and the same ``:`` census, so when exactly one leaf misses,
the body with that leaf put right (``0``, ``0.0``, ``"a"``) passes the tree
check: the census counts the same colons in both (the bad leaf is a word of
letters, a boolean or an integer when `_kind` names it, and the valid token
holds no colon either), and no other value changes.  That is what the
locator's second pass proves, found in one pass.  Anything else the check is
unsure of (structure, ranges, another column type) answers None, and the
locator's own search decides as before.

The census replaces the tree check outright (`FastPlan._tree_first`), so it
must cost a valid body no more: it counts nothing (a miss records the row and
the array items themselves, found again by identity afterwards) and makes its
list of misses only on the first one.  Only its strings cost more: each is
tested on its own (``type(v) is str``) where the tree check leaves them to
the final join's type check (a few tens of nanoseconds a body; a second pass
after a failed join would cost a whole pass, on every string mistake).

The sites are numbered as the generated code names them; their parts of the
`Cell` (column name, escaped pointer tokens, the path's shape) are made here
once per signature, not per body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

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
        # The row and the arrays' items themselves, not their indices: counting them
        # would cost every valid body; an identity search finds them after a miss.
        arrays = "".join(f"{pair}, " for pair in loops)
        return f"bads = MISS(bads, ({len(self.sites) - 1}, form, row, {v}, ({arrays})))"


class CellCensus:
    """The one pass of an all-columns body (see the module docstring)."""

    def __init__(
        self, check: Callable[[bytes, Any, Any], Any], sites: _Sites, names: list[str]
    ) -> None:
        #: The parsed body (its text, limits scanned already) -> True when valid;
        #: else what `cell` reads.
        self.judge = check
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

    def cell(self, value: dict[str, Any], judged: Any) -> Cell | Literal[False] | None:
        """The `Cell` of an invalid parsed ``value`` from what `judge` said of it.

        False: certainly no plain cell (several misses, or one of a kind
        `_kind` does not name); None: unsure.
        """
        if type(judged) is not list:
            return None
        if len(judged) != 1:
            return False
        site, form, row, leaf, arrays = judged[0]
        name, t, shape, split, records = self._sites[site]
        kind = _kind(leaf, t)
        if kind is None:
            return False
        if not arrays:
            indices: Any = ()
        elif len(arrays) == 2:  # one array: the commonest nesting
            indices = (_index(arrays[0], arrays[1]),)
        else:
            indices = [_index(arrays[k], arrays[k + 1]) for k in range(0, len(arrays), 2)]
        if form == "dataframe_split":
            at = _index(value[form]["data"], row)
            pointer = split.format(at, *indices)
            return _cell(Cell, (pointer, (form, self._names, name, shape, kind), leaf))
        at = _index(value[form], row)
        names = tuple(row)  # the record's own key order, as the key has it
        return _cell(Cell, (records.format(at, *indices), (form, names, name, shape, kind), leaf))


def _index(items: list[Any], item: Any) -> int:
    """Where ``item`` itself stands in ``items``: a row or array item the census met
    (another item identical to a missed leaf would have missed too)."""
    if items[0] is item:  # a body of one row, the first item: no list of ids
        return 0
    return list(map(id, items)).index(id(item))


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
