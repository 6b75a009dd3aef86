"""Fast checkers for complex columns (``Array``, ``Object``): one cell at a time.

MLflow enforces every nested value on its own (spec 3.5), building a pandas
Series per value; `sig2jsonschema._signature.value_rules` reproduces that exactly, with a
shortcut for the plain-Python values whose pandas round trip is the identity.
This module covers only those plain cases, compiled once per column type into
small closures:

* ``string``, ``long`` and ``boolean`` nested scalars: exactly the JSON type
  (a ``long`` within int64), giving ``str``, ``numpy.int64``, ``numpy.bool_``
  as MLflow's enforcement does;
* ``Array`` of those scalars (a new list of the same Python values) or of
  objects/arrays (a new list of converted elements);
* ``Object``: required properties present, no others (a new dict, keys in the
  order sent).

Anything else (``null`` anywhere, empty arrays, nested ``double``, maps, text
with NUL characters, ...) makes `compile_cell` return None or a cell `Bail`:
those are the reference path's.  A cell that is certainly refused (wrong JSON
type, unknown or missing property, a long out of range) raises `CellBad`,
which the column turns into `BadRows`.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._signature.types import Array, DataType, Object

from .base import JSON_TYPES, BadRows, Bail

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sig2jsonschema._signature.types import ColType

    from .base import Ctx

    #: value, what the census needs -> what predict receives.
    CellFn = Callable[[Any, "Seen"], Any]

    #: A whole column's cells -> the ``:`` they account for (members of objects,
    #: colons inside strings); raises `QuickUnsure`, or ``KeyError``/``TypeError``.
    LevelCheck = Callable[[list[Any]], int]

_INT64 = (-(2**63), 2**63 - 1)


class Seen:
    """What the census needs from checked cells: strings (keys too) and members."""

    __slots__ = ("members", "strings")

    def __init__(self) -> None:
        self.strings: list[str] = []
        self.members = 0


class CellBad(Exception):
    pass


def _refuse(value: Any) -> CellBad:
    """A refusal, unless the value is not JSON (then the reference decides)."""
    if type(value) not in JSON_TYPES:
        raise Bail
    return CellBad()


def _plain(text: str, trusted: bool) -> bool:
    """Text MLflow's pandas round trip keeps unchanged (no NUL, encodable)."""
    if "\x00" in text:
        return False
    if trusted or text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _string(trusted: bool) -> CellFn:
    def check(value: Any, seen: Seen) -> Any:
        if type(value) is not str:
            raise _refuse(value)
        if not _plain(value, trusted):
            raise Bail
        seen.strings.append(value)
        return value

    return check


def _long(value: Any, seen: Seen) -> Any:
    del seen
    if type(value) is not int:
        raise _refuse(value)
    if not _INT64[0] <= value <= _INT64[1]:
        raise CellBad
    return np.int64(value)


def _boolean(value: Any, seen: Seen) -> Any:
    del seen
    if type(value) is not bool:
        raise _refuse(value)
    return np.bool_(value)


def _scalar_list(items: DataType, trusted: bool) -> CellFn | None:
    """An array of plain scalars: a new list of the same Python values."""
    if items is DataType.long:

        def ok(v: Any) -> bool:
            return type(v) is int and _INT64[0] <= v <= _INT64[1]

    elif items is DataType.boolean:

        def ok(v: Any) -> bool:
            return type(v) is bool

    elif items is DataType.string:

        def ok(v: Any) -> bool:
            return type(v) is str and _plain(v, trusted)

    else:
        return None

    def check(value: Any, seen: Seen) -> Any:
        if type(value) is not list:
            raise _refuse(value)
        if not value:
            raise Bail
        for v in value:
            if not ok(v):
                if type(v) is str:
                    raise Bail  # text with NUL: pandas rewrites it
                raise _refuse(v)
        if items is DataType.string:
            seen.strings.extend(value)
        return list(value)

    return check


def _array(t: Array, trusted: bool) -> CellFn | None:
    if isinstance(t.items, DataType):
        return _scalar_list(t.items, trusted)
    inner = compile_value(t.items, trusted)
    if inner is None:
        return None

    def check(value: Any, seen: Seen) -> Any:
        if type(value) is not list:
            raise _refuse(value)
        if not value:
            raise Bail
        return [inner(v, seen) for v in value]

    return check


def _object(t: Object, trusted: bool) -> CellFn | None:
    props: dict[str, CellFn] = {}
    for p in t.properties:
        fn = compile_value(p.type, trusted)
        if fn is None:
            return None
        props[p.name] = fn
    required = frozenset(p.name for p in t.properties if p.required)
    n_required = len(required)
    all_required = n_required == len(props)

    def check(value: Any, seen: Seen) -> Any:
        if type(value) is not dict:
            raise _refuse(value)
        if all_required and len(value) != n_required:
            raise CellBad  # a missing or an unknown property
        out = {}
        for key, item in value.items():
            fn = props.get(key)
            if fn is None:
                raise CellBad
            if item is None:
                raise Bail  # null is fine for an optional property, not for a required one
            out[key] = fn(item, seen)
        if not all_required and not required <= out.keys():
            raise CellBad
        seen.strings.extend(value)  # property names, for the colon census
        seen.members += len(value)
        return out

    return check


def compile_value(t: ColType, trusted: bool) -> CellFn | None:
    """A checker for one nested value of type ``t`` (None: not covered here)."""
    if isinstance(t, DataType):
        if t is DataType.string:
            return _string(trusted)
        if t is DataType.long:
            return _long
        if t is DataType.boolean:
            return _boolean
        return None
    if isinstance(t, Array):
        return _array(t, trusted)
    if isinstance(t, Object):
        return _object(t, trusted)
    return None


class ComplexColumn:
    """A top-level ``Array``/``Object`` column, checked cell by cell.

    ``dataframe_split``/``dataframe_records`` cells reach ``predict`` as the
    enforced lists/dicts; ``inputs`` records pass each cell through
    ``numpy.array(...)`` first (arrays only), so an ``Array(Object)`` cell
    arrives as a 1-D object array.
    """

    def __init__(self, t: Array | Object) -> None:
        self.type = t
        self._checks = {trusted: compile_value(t, trusted) for trusted in (True, False)}
        #: Whether the ``inputs`` path's ``numpy.array(cell)`` is modelled here.
        self.tf_ok = not isinstance(t, Array) or isinstance(t.items, (DataType, Object))

    @property
    def supported(self) -> bool:
        """Whether every part of the type is covered by this module."""
        return self._checks[True] is not None

    def __call__(self, values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
        """Check (and build) the column; see the module docstring."""
        del nullable
        check = self._checks[ctx.trusted]
        assert check is not None
        seen = Seen()
        cells: list[Any] = []
        bad: list[int] = []
        for i, value in enumerate(values):
            try:
                cells.append(check(value, seen))
            except CellBad:  # noqa: PERF203 - refusals are rare and end the fast path
                bad.append(i)
        if bad:
            raise BadRows(bad)
        if ctx.census is not None:
            ctx.census.members += seen.members
            ctx.census.colons += "".join(seen.strings).count(":")
        if not ctx.build:
            return None
        out = np.empty(len(cells), dtype=object)
        if ctx.tf and isinstance(self.type, Array):
            if not self.tf_ok:
                raise Bail
            for i, cell in enumerate(cells):
                out[i] = np.array(cell)
            if ctx.numpy_strings and self.type.items is DataType.string:
                for i, cell in enumerate(cells):
                    if not any(cell):
                        out[i] = _object_series_strings(cell)
        else:
            for i, cell in enumerate(cells):
                out[i] = cell
        return out


def _object_series_strings(cell: list[str]) -> Any:
    """MLflow's array of strings that are all empty, read back from an ``object`` Series.

    An ``inputs`` record's array arrives at MLflow's ``_enforce_array`` as an
    ndarray, which it reads through a pandas Series and back with
    ``to_numpy(dtype=str)``: from an ``object`` Series of empty strings pandas
    gives ``<U2``, where numpy's own array is ``<U1`` (every other array of
    strings is the same either way; checked on MLflow 2.22.5 with pandas 2.3.3).
    """
    import pandas as pd

    return pd.Series(cell, dtype=object).to_numpy(dtype=np.str_)


class QuickUnsure(Exception):
    """Not certainly valid: the cell-by-cell `ComplexColumn` decides."""


def compile_quick(t: ColType) -> LevelCheck | None:
    """A validation-only check of a column of ``t`` cells, one level at a time.

    For the quick path (`sig2jsonschema._fast.quick`): the cells of every row are
    judged together, level by level, with C-level passes (the items of all
    arrays are chained into one list, each object property gathered with one
    ``itemgetter``), instead of cell by cell.  It accepts exactly what
    `ComplexColumn` accepts without bailing, for the types it covers: strings
    without NUL, longs within int64, booleans, non-empty arrays, and objects
    whose properties are all required and present; None otherwise.
    """
    if isinstance(t, DataType):
        return _quick_scalar(t)
    if isinstance(t, Array):
        inner = compile_quick(t.items)
        if inner is None:
            return None

        def arrays(values: list[Any]) -> int:
            if set(map(type, values)) != {list} or not min(map(len, values)):
                raise QuickUnsure
            return inner(list(chain.from_iterable(values)))

        return arrays
    if isinstance(t, Object) and t.properties and all(p.required for p in t.properties):
        props = []
        for p in t.properties:
            fn = compile_quick(p.type)
            if fn is None:
                return None
            props.append((itemgetter(p.name), fn))
        size = len(props)
        names = {p.name for p in t.properties}
        # every object of the column: its members and the colons in its keys
        per_object = size + sum(name.count(":") for name in names)

        def objects(values: list[Any]) -> int:
            if set(map(type, values)) != {dict} or set(map(len, values)) != {size}:
                raise QuickUnsure
            found = per_object * len(values)
            for getter, fn in props:
                found += fn(list(map(getter, values)))  # a missing key: KeyError
            return found

        return objects
    return None


def _quick_scalar(t: DataType) -> LevelCheck | None:
    if t is DataType.string:

        def strings(values: list[Any]) -> int:
            try:
                text = "".join(values)
            except TypeError:
                raise QuickUnsure from None
            if "\x00" in text:
                raise QuickUnsure
            return text.count(":")

        return strings
    if t is DataType.long:

        def longs(values: list[Any]) -> int:
            if (
                set(map(type, values)) != {int}
                or min(values) < _INT64[0]
                or max(values) > _INT64[1]
            ):
                raise QuickUnsure
            return 0

        return longs
    if t is DataType.boolean:

        def booleans(values: list[Any]) -> int:
            if set(map(type, values)) != {bool}:
                raise QuickUnsure
            return 0

        return booleans
    return None


__all__ = [
    "CellBad",
    "ComplexColumn",
    "QuickUnsure",
    "Seen",
    "compile_quick",
    "compile_value",
]
