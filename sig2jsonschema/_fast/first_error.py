"""Name the one offending value of an invalid body, when it is a plain one.

The fast path reports an invalid body as the rows holding every offending
value (`FastFailure`); the reference path then words the errors from those
rows alone.  For the common mistake, one value of the wrong JSON type or
range among strict-valid values, the error depends on nothing but where the
value sits and what kind of value it is.  The locators name that value as a
`Cell`: its pointer into the full body, the value, and a *key* holding
everything the error's words and the server's verdict may depend on (the
form, the columns present, the column, the path inside a nested cell, the
value's kind, whether params were sent).  `sig2jsonschema._validate.first_error`
words the cell from what the reference path said for the same key.

A cell is named only when certain, two ways:

* from a `FastFailure` (`locate`): the failure holds one row, every other
  value of it passes the quick path's check for its column
  (`sig2jsonschema._fast.quick`), and the offending value, put right (a
  canonical valid value in its place), makes its cell pass too (nested
  cells: exactly one bad leaf);
* from a small raw text, before the column path (`locate_raw`): the text is
  parsed, the candidate found (the first value of a wrong JSON type, else the
  one value failing its column's quick check), and its JSON token replaced
  *in the text* by a valid token (it must stand there exactly once); the
  quick path must vouch for the text put right, limits included, so every
  other byte is known to be fine.

Before either, a small raw body of every column is judged in one pass by the
census (`sig2jsonschema._fast.census`), which names the cell itself when it is
certain, and an unnamed ``uint8`` tensor from the quick path's own parse
(`QuickTensor.read`, `TensorLocator.locate_leaves`): the searches here are
what they fall back on.

Either way the value must have a kind whose verdict cannot vary within the
kind (`_kind`): a word of letters (not one any reader takes for a number,
boolean or null) or a boolean in a number column or field, an integer within
±2**31 or a boolean where a string is expected, an int64 integer beyond
``integer`` (int32), an int64 integer beyond an integer tensor's dtype.
Anything else (numeric-looking text, nulls, floats, huge integers, several
bad values, ...) gives None: the reference path decides, as before.
"""

from __future__ import annotations

from itertools import chain, islice
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.types import DataType
from sig2jsonschema.exceptions import escape_pointer_token

from .base import NoneType, one_member
from .cell_leaves import (
    _CANONICAL,
    _INT64,
    _bad_leaf,
    _kind,
    _Objects,
    _objects_of,
    _repaired_text,
)
from .quick import _group_check, _Unsure
from .results import Cell

if TYPE_CHECKING:
    from collections.abc import Callable

    from .frames import FramePlan
    from .quick import GroupCheck
    from .quick_tensors import Leaves
    from .results import FastFailure
    from .tensors import TensorPlan

#: Row arrays of records: ``dataframe_records``, and ``inputs``/``instances`` as records.
_RECORDS = frozenset({"/dataframe_records", "/inputs", "/instances"})
#: The JSON value types of the scalar column types `_kind` has kinds for.
_JSON_TYPES: dict[DataType, frozenset[type]] = {
    DataType.long: frozenset({int}),
    DataType.integer: frozenset({int}),
    DataType.double: frozenset({int, float}),
    DataType.float: frozenset({int, float}),
    DataType.string: frozenset({str}),
}


def _passes(check: GroupCheck, value: Any) -> bool:
    try:
        check([value], 1)
    except (_Unsure, KeyError, TypeError, ValueError):
        return False
    return True


class FirstErrorLocator:
    """Finds the `Cell` of a frame signature's failures (`compile_locator`)."""

    #: Raw bodies up to this size are searched for their one bad value first.
    raw_at_most = 256 * 1024

    def __init__(self, frames: FramePlan) -> None:
        self._columns: dict[str, tuple[Any, GroupCheck]] = {}
        #: A scalar column's JSON value types (a value of another is a plain candidate).
        self._json_types: dict[str, frozenset[type]] = {}
        self._props: _Objects = {}
        for column in frames.columns:
            found = _group_check(column)
            if found is None:
                continue
            t = column.scalar if column.scalar is not None else column.check.type  # type: ignore[attr-defined]
            self._columns[column.name] = (t, found[1])
            _objects_of(t, self._props)
            if isinstance(t, DataType) and t in _JSON_TYPES:
                types = _JSON_TYPES[t]
                self._json_types[column.name] = types | {NoneType} if column.nullable else types

    def locate(self, failure: FastFailure) -> Cell | None:
        """The one offending value of ``failure``, or None when not certain."""
        body = failure.body
        if failure.prefix == "/dataframe_split/data":
            envelope = body["dataframe_split"]
            names, rows = envelope["columns"], envelope["data"]
            if len(rows) != 1 or type(rows[0]) is not list or len(rows[0]) != len(names):
                return None
            items = list(zip(names, rows[0], strict=True))
            form = "dataframe_split"
        elif failure.prefix in _RECORDS:
            form = failure.prefix[1:]
            rows = body[form]
            if len(rows) != 1 or type(rows[0]) is not dict:
                return None
            items = list(rows[0].items())
        else:
            return None
        found = self._bad_cell(form, items)
        if found is None:
            return None
        head, inner, key, leaf = found[:4]
        if "params" in body:
            key = (*key, "params")  # valid params: kept apart all the same
        return Cell(failure.remap(failure.prefix + "/0" + head) + inner, key, leaf)

    def locate_raw(
        self,
        raw: bytes,
        valid: Callable[[bytes], bool],
        valid_tree: Callable[[bytes, Any], bool] | None = None,
        parsed: dict[str, Any] | None = None,
    ) -> Cell | None:
        """The one offending value of a raw body, certain without the column path.

        The body is parsed and its columns judged by the quick checks; the one
        failing value found, its JSON token is replaced *in the text* by a
        valid one, and ``valid`` (the quick path, limits included) must vouch
        for the result: every byte but that token is then known to be fine.

        ``valid_tree`` (the quick path's all-columns check of a parsed body,
        the census read in ``raw``) is asked first, of the parsed body with the
        value put right: what parsing the text put right would give.  The
        census counts the same ``:`` in both texts (neither token holds one:
        `_kind` names words of letters, booleans and integers; the valid
        tokens are ``0``, ``0.0``, ``"a"`` and ``true``), so its answer is the
        text's.  Where it is unsure (another layout, another form), the text is
        put right and ``valid`` decides, as before.  ``parsed``: ``raw`` already
        parsed (an object of one member), not parsed again.
        """
        member = one_member(raw) if parsed is None else next(iter(parsed.items()))
        if member is None:
            return None
        form, envelope = member
        try:
            if form == "dataframe_split":
                if envelope.keys() != {"columns", "data"}:
                    return None
                names, rows = envelope["columns"], envelope["data"]
            elif f"/{form}" in _RECORDS:
                rows = envelope
                names = list(rows[0])
            else:
                return None
            # One row holds the bad value, if any; of several, the columns' checks tell.
            at = 0 if len(rows) == 1 else self._bad_row(form, names, rows)
            if at is None:
                return None
            row = rows[at]
            items = (
                list(zip(names, row, strict=True))
                if form == "dataframe_split"
                else list(row.items())
            )
        except (TypeError, KeyError, ValueError, IndexError, AttributeError):
            return None
        found = self._bad_cell(form, items, checked_after=True)
        if found is None:
            return None
        head, inner, key, leaf, target, position, right = found
        if valid_tree is None or not valid_tree(
            raw, _tree_put_right(form, envelope, rows, at, position=position, right=right)
        ):
            repaired = _repaired_text(raw, leaf, target)
            if repaired is None or not valid(repaired):
                return None
        prefix = "/dataframe_split/data" if form == "dataframe_split" else f"/{form}"
        return Cell(f"{prefix}/{at}{head}{inner}", key, leaf)

    def _bad_row(self, form: str, names: list[Any], rows: list[Any]) -> int | None:
        """The row holding the bad value: the first of a wrong JSON type, else the one row
        holding a value its column's quick check fails (None: not one)."""
        if form == "dataframe_split":
            columns = dict(zip(names, zip(*rows, strict=True), strict=True))
        elif len(names) > 1:
            columns = dict(
                zip(names, zip(*map(itemgetter(*names), rows), strict=True), strict=True)
            )
        else:
            columns = {names[0]: [row[names[0]] for row in rows]}
        json_types = self._json_types
        for name, values in columns.items():
            types = json_types.get(name)
            if types is not None and not set(map(type, values)) <= types:
                # The first value of a wrong JSON type: the text put right proves the rest.
                return next(i for i, v in enumerate(values) if type(v) not in types)
        bad: set[int] = set()
        for name, values in columns.items():
            rows_of = self._bad_rows(name, values)
            if rows_of is None:
                return None
            bad.update(rows_of)
        return bad.pop() if len(bad) == 1 else None

    def _bad_rows(self, name: Any, values: Any) -> list[int] | None:
        """Rows whose value of column ``name`` fails its quick check (None: several).

        A scalar column's group check (C-level passes) is cheap: it is judged
        whole first.  A failing or nested column is judged in eight slices,
        then the one failing slice value by value.  A rule about the whole
        column (one datetime format) is left to the final check of the text
        put right.
        """
        t, check = self._columns[name]
        values = list(values)
        if isinstance(t, DataType) and _passes_all(check, values):
            return []  # a scalar column's group check is cheap: slice only a failing one
        size = -(-len(values) // _SLICES)
        failing = [
            at
            for at in range(0, len(values), size)
            if not _passes_all(check, values[at : at + size])
        ]
        if not failing:
            return []
        if len(failing) > 1:
            return None
        at = failing[0]
        return [at + i for i, v in enumerate(values[at : at + size]) if not _passes(check, v)]

    def _bad_cell(
        self, form: str, items: list[tuple[Any, Any]], *, checked_after: bool = False
    ) -> tuple[str, str, tuple[Any, ...], Any, DataType, int, Any] | None:
        """(pointer in the row, pointer in the cell, key, leaf, leaf type, the value's
        position in the row, the value put right) of a row's bad value.

        ``checked_after``: the caller has the text put right vouched for, which
        proves every other value fine: the first value of a wrong JSON type (or
        failing nested value) is the candidate, found without the quick checks.
        """
        found: tuple[int, str, Any] | None = None
        nested = None
        json_types = self._json_types if checked_after else {}
        columns = self._columns
        for position, (name, value) in enumerate(items):
            # A split body's column names may be any JSON value (the schema's to word).
            if type(name) is not str:
                return None
            types = json_types.get(name)
            if types is not None:
                if type(value) in types:
                    continue
            else:
                column = columns.get(name)
                if column is None:
                    return None
                if checked_after and not isinstance(column[0], DataType):
                    # A nested cell's one plain bad leaf, found directly; a cell
                    # without one is fine or left to the check of the body put right.
                    nested = _bad_leaf(column[0], value, self._props)
                    if nested is None:
                        continue
                elif _passes(column[1], value):
                    continue
            if found is not None:
                return None  # several bad values: the reference path orders them
            found = (position, name, value)
            if checked_after:
                break
        if found is None:
            return None
        position, name, value = found
        t, check = self._columns[name]
        path: tuple[Any, ...] = ()
        if isinstance(t, DataType):
            kind = _kind(value, t)
            if kind is None:
                return None
            right = _CANONICAL[t]
        else:
            leaf = nested if checked_after else _bad_leaf(t, value, self._props)
            if leaf is None:
                return None
            path, kind, value, right, t = leaf
            if not checked_after and not _passes(check, right):
                return None  # more than one thing wrong in the cell
        head = f"/{position}" if form == "dataframe_split" else f"/{_escape(name)}"
        inner = "".join("/" + _escape(p) for p in path)
        names_key = tuple(map(_first, items))
        shape = tuple("*" if type(p) is int else p for p in path)
        return head, inner, (form, names_key, name, shape, kind), value, t, position, right


def _tree_put_right(
    form: str, envelope: Any, rows: list[Any], at: int, *, position: int, right: Any
) -> dict[str, Any]:
    """The parsed body with row ``at``'s value at ``position`` replaced by ``right``
    (only the containers on the way copied)."""
    row = rows[at]
    if form == "dataframe_split":
        row = list(row)
        row[position] = right
    else:
        row = dict(row)
        row[next(islice(row, position, None))] = right
    rows = list(rows)
    rows[at] = row
    if form == "dataframe_split":
        return {form: {"columns": envelope["columns"], "data": rows}}
    return {form: rows}


def _passes_all(check: GroupCheck, values: Any) -> bool:
    try:
        check(list(values), len(values))
    except (_Unsure, KeyError, TypeError, ValueError):
        return False
    return True


_first = itemgetter(0)
#: Slices a column is judged in, to find its one bad value.
_SLICES = 8


def _escape(token: Any) -> str:
    return escape_pointer_token(token)


class TensorLocator:
    """Finds the `Cell` of an unnamed integer tensor's failures: one leaf out of range."""

    #: Bigger texts the quick path did not parse (`locate_leaves`) go to the
    #: column path first: numpy finds the failing sample there faster than a
    #: second and third parse of the whole text here.
    raw_at_most = 32 * 1024

    def __init__(self, tensors: TensorPlan) -> None:
        tensor = tensors.tensors[0]
        self._bounds = tensor.bounds
        self._depth = len(tensor.shape)

    def locate(self, failure: FastFailure) -> Cell | None:
        """The one offending value of ``failure``, or None when not certain."""
        prefix = failure.prefix
        found = self._out_of_range(failure.body[prefix[1:]])
        if found is None:
            return None
        path, value, kind = found
        pointer = failure.remap(f"{prefix}/{path[0]}") + "".join(f"/{p}" for p in path[1:])
        params = ("params",) if "params" in failure.body else ()
        return Cell(pointer, (prefix, "tensor", kind, *params), value)

    def locate_raw(self, raw: bytes, valid: Callable[[bytes], bool]) -> Cell | None:
        """As `FirstErrorLocator.locate_raw`: the text put right must be valid."""
        member = one_member(raw)
        if member is None:
            return None
        key, rows = member
        if key not in {"inputs", "instances"}:
            return None
        try:
            found = self._out_of_range(rows, checked_after=True)
        except TypeError:  # leaves that do not compare with integers
            return None
        if found is None:
            return None
        path, leaf, kind = found
        repaired = _repaired_text(raw, leaf, DataType.long)
        if repaired is None or not valid(repaired):
            return None
        pointer = f"/{key}" + "".join(f"/{p}" for p in path)
        return Cell(pointer, (f"/{key}", "tensor", kind), leaf)

    def locate_leaves(self, found: Leaves) -> Cell | None:
        """As `locate_raw`, from the quick path's one parse of the text (`QuickTensor.read`).

        The first leaf ``bytearray`` refuses must be an integer out of range,
        and the leaves after it must pass: every other leaf is then an integer
        in range, and the rest of the text was vouched for by the quick path
        (shape, limits, census; the offending token holds none of the letters
        the census counts).  One parse and a few C passes: cheaper than the
        column path's numpy at any size, so no size bound applies.
        """
        leaves = found.flat
        flat = _first_refused(leaves)
        value = leaves[flat]
        lo, hi = self._bounds
        if type(value) is not int or lo <= value <= hi or not -_INT64 < value < _INT64:
            return None
        try:
            bytearray(leaves[flat + 1 :])
        except (TypeError, ValueError):
            return None  # another bad leaf
        sizes = []  # of the inner dimensions (the shape is proven rectangular)
        node = found.value
        for _ in range(self._depth - 1):
            sizes.append(len(node[0]))
            node = node[0]
        at = []
        for size in reversed(sizes):
            flat, inner = divmod(flat, size)
            at.append(inner)
        at.append(flat)
        kind = "int64+" if value > hi else "int64-"
        pointer = f"/{found.key}" + "".join(f"/{p}" for p in reversed(at))
        return Cell(pointer, (f"/{found.key}", "tensor", kind), value)

    def _out_of_range(
        self, rows: Any, *, checked_after: bool = False
    ) -> tuple[list[int], int, str] | None:
        """(path, value, kind) of the one leaf out of range, all leaves being integers.

        ``checked_after``: the caller has the text put right vouched for, which
        proves the other leaves fine: they are not looked at twice here.
        """
        leaves = rows
        sizes = []
        for _ in range(self._depth - 1):
            if type(leaves) is not list or not leaves or set(map(type, leaves)) != {list}:
                return None
            sizes.append(len(leaves[0]))
            if set(map(len, leaves)) != {sizes[-1]}:
                return None
            leaves = list(chain.from_iterable(leaves))
        if type(leaves) is not list or not leaves:
            return None
        if not checked_after and set(map(type, leaves)) != {int}:
            return None
        lo, hi = self._bounds
        least, most = min(leaves), max(leaves)
        if (least < lo) == (most > hi) or least <= -_INT64 or most >= _INT64:
            return None  # none or both ways out of range, or beyond int64
        value = most if most > hi else least
        if type(value) is not int:
            return None
        flat = leaves.index(value)
        if not checked_after:
            rest = leaves[:flat] + leaves[flat + 1 :]
            if rest and (max(rest) > hi or min(rest) < lo):
                return None
        path = []
        for size in reversed(sizes):
            flat, at = divmod(flat, size)
            path.append(at)
        path.append(flat)
        return path[::-1], value, "int64+" if value > hi else "int64-"


def _first_refused(leaves: list[Any]) -> int:
    """The index of the first leaf ``bytearray`` refuses (one must be).

    Halving with ``bytearray`` (a C pass) reads about as many leaves as the
    list holds, in C: several times cheaper than ``max`` and ``index``.
    """
    lo, hi = 0, len(leaves)  # leaves[:lo] pass; the first refused is below hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            bytearray(leaves[lo:mid])
        except (TypeError, ValueError):
            hi = mid
        else:
            lo = mid
    return lo


def compile_locator(frames: FramePlan | None, tensors: TensorPlan | None) -> Any:
    """The locator of a fast plan's failures, or None when it has none."""
    if frames is not None:
        return FirstErrorLocator(frames)
    if (
        tensors is not None
        and not tensors.named
        and len(tensors.tensors) == 1
        and tensors.tensors[0].kind in "iu"
    ):
        return TensorLocator(tensors)
    return None


__all__ = ["Cell", "FirstErrorLocator", "compile_locator"]
