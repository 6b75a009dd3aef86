"""Slices of big frame bodies decoded and type-checked in one C pass by msgspec.

With orjson, a slice's values are built first and judged after: every column
checker reads its values again from Python (a type pass, or a conversion that
lets a ``true`` through, hence the letter census), and records are transposed
key by key.  msgspec decodes a slice straight into typed rows (tuples for
``dataframe_split``, structs for ``dataframe_records``, both made per column
layout) and refuses, while decoding, any value outside its column's type and
bounds: a number a ``double`` holds exactly (an integer token stays an int),
an integer token within a ``long``'s or an ``integer``'s range, ``true`` and
``false`` only in ``boolean`` columns, ``null`` only in optional NaN-able
columns, a record with a key too many or too few.  (When building,
``double`` and ``long`` columns are decoded without bounds, and their
conversion, which reads every value anyway, refuses the slice instead:
`_LOOSE`.)  Numeric, boolean and string columns of an accepted slice need no
further check, only their conversion when building; ``datetime``, ``float``
and ``binary`` columns still take their checkers (format, float32 rounding,
base64).

A slice msgspec refuses is read by orjson and judged by the column checkers
as before (`sig2jsonschema._fast.chunks`), so an invalid body gets the same
verdict and the same errors.  What msgspec accepts, orjson reads as the same
Python values: both are RFC 8259 parsers with correctly rounded floats, the
text holds no backslash (`chunks`), and the bounds keep out the numbers the
two read differently (integer tokens beyond 64 bits); ``tests/fast`` holds
them equal on the edge cases.

The census (`sig2jsonschema._fast.text_census.census_ok`) catches a repeated object
key, which both parsers drop silently.  A typed slice holds scalar rows only:
no key at all in ``dataframe_split`` rows, in records each record's own.  With
no backslash in the text every ``"`` opens or closes a string, so a record
slice holds exactly two quotes per key and per string value unless a key is
repeated: one count of quotes replaces the colon and letter censuses when
every slice is typed (`TypedBody.settle`).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Annotated, Any, Optional

import msgspec
import numpy as np
import orjson

from sig2jsonschema._signature.types import DataType

from .base import Bail, Census, Ctx
from .columns import binary_column, datetime_column, float_column
from .text_census import COLON, R, S, count_byte
from .texts import text_array

if TYPE_CHECKING:
    from collections.abc import Callable

    from .chunks import Slice
    from .columns import ColumnChecker
    from .frames import ColumnPlan, FramePlan

_META = msgspec.Meta
#: Numbers a double holds exactly, as `columns.double_column` takes them
#: without bailing: integer tokens stay ints (Python's json reads them so).
_NUMBER = (
    Annotated[int, _META(ge=-(2**53) + 1, le=2**53 - 1)]
    | Annotated[float, _META(gt=-(2.0**53), lt=2.0**53)]
)
_TYPES: dict[DataType, Any] = {
    DataType.double: _NUMBER,
    DataType.float: _NUMBER,
    DataType.long: Annotated[int, _META(ge=-(2**63), le=2**63 - 1)],
    DataType.integer: Annotated[int, _META(ge=-(2**31), le=2**31 - 1)],
    DataType.boolean: bool,
    DataType.string: str,
    DataType.binary: str,
    DataType.datetime: str,
}
#: The number columns of a body being built, decoded without bounds: its conversion
#: (`TypedBody.read`) refuses the slice instead, where msgspec's constrained types look
#: their bounds up for every value (a software popcount each in its wheels): the parse
#: of 10,000 W1 rows is ~2% faster.  `_NUMBER`'s bounds are ``|float(value)| < 2**53``
#: (no integer token of 2**53 or more converts below it); ``int64`` conversion
#: overflows outside a `long`'s.
_LOOSE: dict[DataType, tuple[Any, Any]] = {
    DataType.double: (int | float, np.float64),
    DataType.long: (int, np.int64),
}
_EXACT = 2.0**53
#: What msgspec raises for a text it refuses: `msgspec.DecodeError` (a value out of
#: type or bounds is a `msgspec.ValidationError`, a subclass); before 0.23, invalid
#: UTF-8 in a string raised `UnicodeDecodeError` instead.
REFUSED = (msgspec.DecodeError, UnicodeDecodeError)
#: Columns whose values are JSON strings (two quotes each in the text).
_TEXTS = frozenset({DataType.string, DataType.binary, DataType.datetime})
_QUOTE = ord('"')
#: Closing braces tried when looking for the end of the first record.
_TRIES = 16


def _converted(dtype: Any) -> ColumnChecker:
    """The checker of a number or boolean column: msgspec checked it, only its
    conversion is left (a ``null`` of an optional ``double`` becomes NaN)."""

    def convert(values: Any, nullable: bool, ctx: Ctx) -> Any:
        del nullable
        # Converted already when read loosely (`_LOOSE`): no copy then.
        return values.astype(dtype, copy=False) if ctx.build else None

    return convert


def _strings(values: Any, nullable: bool, ctx: Ctx) -> Any:
    # No NUL to refuse (`columns.string_column`): msgspec refuses a raw control
    # character and the text holds no escape.
    del nullable
    if not ctx.build:
        return None
    if ctx.object_strings:
        return values.copy()  # not a view: the slice's grid is freed with its rows
    texts = values.tolist()
    return text_array(texts, "".join(texts))


def _checked(check: ColumnChecker) -> ColumnChecker:
    """A column checker that leaves the census alone (the slice's quotes stand for it)."""

    def run(values: Any, nullable: bool, ctx: Ctx) -> Any:
        texts = values.tolist() if isinstance(values, np.ndarray) else values
        return check(texts, nullable, Ctx(trusted=True, census=None, build=ctx.build))

    return run


#: Checkers of typed values: only what msgspec's types and bounds leave open.  When
#: building they get a column of `_grid` (an object array), else a list (`_READ` only).
_CHECKS: dict[DataType, ColumnChecker] = {
    DataType.double: _converted(np.float64),
    DataType.float: _checked(float_column),
    DataType.long: _converted(np.int64),
    DataType.integer: _converted(np.int32),
    DataType.boolean: _converted(bool),
    DataType.string: _strings,
    DataType.binary: _checked(binary_column),
    DataType.datetime: _checked(datetime_column),
}
#: Columns whose checker reads the values even when not building.
_READ = frozenset({DataType.float, DataType.binary, DataType.datetime})


@dataclass(frozen=True)
class TypedSlice:
    """What `FramePlan.assemble_slices` needs of a typed slice besides its columns."""

    #: The checker of each column (`_CHECKS`).
    checks: dict[str, ColumnChecker]
    #: Row ``i`` of the slice by column name, in the body's key order.
    row: Callable[[int], dict[str, Any]]


@dataclass(frozen=True)
class _Layout:
    """The decoder of one column layout (the body's column names, in its order)."""

    names: tuple[str, ...]
    split: bool
    decoder: Any
    #: The decoder of a body being built (`_LOOSE`), and the positions and dtypes of
    #: the columns it reads without bounds.
    building: Any
    loose: tuple[tuple[int, Any], ...]
    #: Each column's values from a decoded row.
    getters: tuple[Callable[[Any], Any], ...]
    checks: dict[str, ColumnChecker]
    #: Positions of the columns read when not building.
    read: tuple[int, ...]
    #: Positions of the columns of JSON strings, and of those among them that may be null.
    texts: tuple[int, ...]
    nullable_texts: tuple[int, ...]


class TypedPlan:
    """msgspec decoders of a plain-column `FramePlan`, made per layout on first use."""

    def __init__(self, frames: FramePlan) -> None:
        self._frames = frames
        self._layouts: dict[tuple[tuple[str, ...], bool], _Layout | None] = {}

    def layout(self, names: tuple[Any, ...], *, split: bool) -> _Layout | None:
        """The layout of these column names (None: unknown or repeated names)."""
        key = (names, split)
        try:
            return self._layouts[key]
        except KeyError:
            pass
        found = self._compile(names, split=split)
        if len(self._layouts) < 64:
            self._layouts[key] = found
        return found

    def body(self, raw: bytes, ctx: Ctx) -> TypedBody:
        """A body's reading (its slices are offered by `sig2jsonschema._fast.chunks`)."""
        return TypedBody(self, raw, ctx)

    def _compile(self, names: tuple[Any, ...], *, split: bool) -> _Layout | None:
        by_name = self._frames.by_name
        if not names or len(set(names)) != len(names):
            return None
        if not all(type(n) is str and n in by_name for n in names):
            return None
        columns: list[ColumnPlan] = [by_name[n] for n in names]
        kinds = [c.scalar for c in columns]
        if any(k is None or k not in _TYPES for k in kinds):
            return None
        types = [_TYPES[k] for k in kinds if k is not None]
        loose = [_LOOSE[k][0] if k in _LOOSE else _TYPES[k] for k in kinds if k is not None]
        nullable = [c.nullable for c in columns]
        getters: tuple[Callable[[Any], Any], ...]
        if split:
            getters = tuple(itemgetter(i) for i in range(len(names)))
        else:
            getters = tuple(attrgetter(f"f{i}") for i in range(len(names)))
        texts = tuple(i for i, k in enumerate(kinds) if k in _TEXTS)
        nullable_texts = tuple(i for i in texts if columns[i].nullable)
        return _Layout(
            names=names,
            split=split,
            decoder=_decoder(names, types, nullable, split=split),
            building=_decoder(names, loose, nullable, split=split),
            loose=tuple((i, _LOOSE[k][1]) for i, k in enumerate(kinds) if k in _LOOSE),
            getters=getters,
            checks={c.name: _CHECKS[k] for c, k in zip(columns, kinds, strict=True) if k},
            # A nullable text column is read for its nulls too (they have no quotes).
            read=tuple(
                sorted({i for i, k in enumerate(kinds) if k in _READ} | set(nullable_texts))
            ),
            texts=texts,
            nullable_texts=nullable_texts,
        )


def _decoder(names: tuple[str, ...], types: list[Any], nullable: list[bool], *, split: bool) -> Any:
    """msgspec's decoder of a slice of rows of these columns' types (tuples or structs)."""
    types = [
        Optional[t] if null else t  # noqa: UP045 - built at run time
        for t, null in zip(types, nullable, strict=True)
    ]
    if split:
        return msgspec.json.Decoder(list[tuple[tuple(types)]])  # type: ignore[misc]
    fields = [f"f{i}" for i in range(len(names))]
    record = msgspec.defstruct(
        "Record",
        list(zip(fields, types, strict=True)),
        rename=dict(zip(fields, names, strict=True)),
        forbid_unknown_fields=True,
        gc=False,
    )
    return msgspec.json.Decoder(list[record])  # type: ignore[valid-type]


class TypedBody:
    """One body's slices through a `TypedPlan`: read, then `settle` the census."""

    def __init__(self, plan: TypedPlan, raw: bytes, ctx: Ctx) -> None:
        self._plan = plan
        self._raw = raw
        self._ctx = ctx
        self._layout: _Layout | None = None
        #: (start, end, quotes expected) of each typed slice (quotes: records only).
        self._spans: list[tuple[int, int, int]] = []
        self._untyped = 0

    def split(self, names: list[Any]) -> None:
        """The body is ``dataframe_split`` with these columns."""
        self._layout = self._plan.layout(tuple(names), split=True)

    def records(self, lo: int) -> list[str] | None:
        """The first record's keys (its record array starts at ``lo``), if a layout reads them.

        The record is found by parsing up to each ``}`` in turn: one inside a
        string leaves an odd number of quotes (no backslash in the text), and
        the first prefix that parses is the whole record.
        """
        raw, at = self._raw, lo
        for _ in range(_TRIES):
            at = raw.find(b"}", at) + 1
            if not at:
                return None
            try:
                first = orjson.loads(raw[lo:at])
            except orjson.JSONDecodeError:
                continue
            if type(first) is not dict or not first:
                return None
            keys = list(first)
            self._layout = self._plan.layout(tuple(keys), split=False)
            return keys if self._layout is not None else None
        return None

    def read(self, span: tuple[int, int]) -> Slice | None:
        """The slice ``raw[span]`` as typed columns, or None (orjson's turn)."""
        layout = self._layout
        if layout is None:
            return None
        lo, hi = span
        build = self._ctx.build
        try:
            text = b"".join((b"[", memoryview(self._raw)[lo:hi], b"]"))
            rows = (layout.building if build else layout.decoder).decode(text)
        except REFUSED:
            self._untyped += 1
            return None
        n = len(rows)
        if not n:
            self._untyped += 1
            return None
        names, getters = layout.names, layout.getters
        present: dict[str, Any]
        row: Callable[[int], dict[str, Any]]
        if build:
            # The rows are dropped at once: their memory is reused, still in cache.
            grid = _grid(rows if layout.split else list(map(msgspec.structs.astuple, rows)))
            cells = {name: grid[:, i] for i, name in enumerate(names)}
            present = dict(cells)
            del rows
            for i, dtype in layout.loose:
                # The bounds `decoder` would have refused the slice for (`_LOOSE`).
                try:
                    numbers = present[names[i]].astype(dtype)
                except OverflowError:
                    numbers = None
                if numbers is None or (dtype is np.float64 and (abs(numbers) >= _EXACT).any()):
                    self._untyped += 1
                    return None
                present[names[i]] = numbers

            def row(i: int) -> dict[str, Any]:
                # The parsed values (a converted column holds numpy scalars).
                return {name: values[i] for name, values in cells.items()}

        else:
            present = {names[i]: list(map(getters[i], rows)) for i in layout.read}

            def row(i: int) -> dict[str, Any]:
                values = rows[i]
                return {name: get(values) for name, get in zip(names, getters, strict=True)}

        quotes = 0
        if not layout.split:
            strings = n * (len(names) + len(layout.texts))
            strings -= sum(list(present[names[i]]).count(None) for i in layout.nullable_texts)
            quotes = 2 * strings
        self._spans.append((lo, hi, quotes))
        return list(names), present, n, TypedSlice(layout.checks, row)

    def settle(self) -> bool:
        """Check what the typed slices owe the census; True: nothing else is owed.

        Every slice typed: a record body must hold two quotes per string (the
        envelope key's among them), and a split body holds nothing the census
        could miss.  Some slices read by orjson: their census runs as before
        (`census_ok`), each typed slice adding its own colons and letters
        once its quotes prove no key of it is repeated.

        Raises:
            Bail: a record repeats a key.
        """
        spans = self._spans
        if not spans:
            return False
        records = self._layout is not None and not self._layout.split
        text = np.frombuffer(self._raw, dtype=np.uint8)
        if not self._untyped:
            if records and count_byte(text, _QUOTE) != 2 + sum(s[2] for s in spans):
                raise Bail
            return True
        census = self._ctx.census
        assert census is not None  # the column path of a raw text always counts
        for lo, hi, quotes in spans:
            part = text[lo:hi]
            if records and count_byte(part, _QUOTE) != quotes:
                raise Bail
            _add_counts(census, part, letters=self._ctx.lean)
        return False


def _grid(rows: list[tuple[Any, ...]]) -> np.ndarray[Any, Any]:
    """The decoded rows as one row-major object array of shape (rows, columns).

    Its columns convert with one ``astype`` each, in C.  pandas' own routine
    (behind ``DataFrame.from_records``, in every pandas 2 and 3) lays the rows
    out ~4x faster than ``numpy.array(rows, dtype=object)`` does, and ~3x
    faster than ``zip(*rows)``, whose tuples ``numpy.fromiter`` then reads
    once more; numpy's stays as the fallback should pandas move it.
    """
    from pandas._libs import lib

    lay_out = getattr(lib, "to_object_array_tuples", None)  # not in pandas-stubs
    if lay_out is None:  # pragma: no cover - in pandas 2.0 to 3.1 at least
        return grid_by_numpy(rows)
    grid: np.ndarray[Any, Any] = lay_out(rows)
    return grid


def grid_by_numpy(rows: list[tuple[Any, ...]]) -> np.ndarray[Any, Any]:
    """`_grid` without pandas' routine (tests hold the two equal)."""
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    grid[:] = rows
    return grid


def _add_counts(census: Census, part: np.ndarray[Any, Any], *, letters: bool) -> None:
    census.colons += count_byte(part, COLON)
    if letters:
        census.r += count_byte(part, R)
        census.s += count_byte(part, S)


__all__ = ["REFUSED", "TypedBody", "TypedPlan", "TypedSlice", "grid_by_numpy"]
