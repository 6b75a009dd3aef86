"""The quick path: a valid frame body of scalar columns, judged without numpy.

`sig2jsonschema._fast.plan` converts a body column by column with numpy: cheap per
value, but each numpy call carries a fixed cost of a microsecond or more, which
dominates a scoring request of one to a hundred rows (and a wide signature of
thousands of columns, one numpy call each).  This module answers the common
case, a compact ``dataframe_split``/``dataframe_records`` body of scalar
(or plainly nested) columns, with code generated per signature
(`sig2jsonschema._fast.rows`): one function reads a body of every column from
``orjson.loads`` to the census in one frame (`QuickPlan.valid`); other sets
of present columns select a cached *layout* with its own generated row check.
What such a check is unsure of meets the *type groups*: the values of every
``long`` column of every row gathered in one pass and judged by one
``set(map(type, ...))``, one ``min`` and one ``max``; likewise every
``double`` column, every ``string`` column (one ``"".join``), ...

It only ever says "valid" (`QuickPlan.check` returns a `FastResult`) or "not
sure" (None): anything unusual, and every invalid body, goes on to the
column-by-column path, which finds the offending rows, and from there to the
reference path, which words the errors.  Its checks are the column checkers'
(`sig2jsonschema._fast.columns`), value for value:

* exact JSON types (never numpy's inference, so no letter census is needed);
* ``double``/``float``: finite numbers; the checkers' bails (floats of
  magnitude 2**63 or more, integers beyond 2**53, ``float`` range) make it
  step aside;
* ``long``/``integer``: integer tokens within range;
* ``string``: no NUL; ``binary``: the strict base64 pattern;
* ``datetime``: one strict format per column (the texts' digit shapes), a
  calendar-valid date and time (``datetime.fromisoformat``), years 1678-2261;
* repeated keys: the colon census of `sig2jsonschema._fast.base` (every ``:``
  of the text is a member or sits in a counted string).

What ``predict`` receives is built by the column checkers themselves
(`FramePlan.assemble`), so parse results are the column path's by construction.
"""

from __future__ import annotations

import functools
import re
import sys
from itertools import chain
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from sig2jsonschema._export.values import BASE64_PATTERN, FLOAT32_MAX
from sig2jsonschema._signature.types import DataType

from .base import Bail, Ctx, NoneType
from .census import compile_census
from .chunks import CHUNK
from .dt_shapes import parse_one_shape
from .limits import no_long_digit_run, within
from .nested import ComplexColumn, QuickUnsure, compile_quick
from .results import FastResult
from .rows import RowUnsure, compile_body_check, compile_rows
from .text_census import COLON, count_byte

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._payload.limits import Limits

    from .frames import ColumnPlan, FramePlan
    from .nested import LevelCheck
    from .rows import Answers, RowCheck

    #: values, their row count -> the colons inside the values' strings; raises `_Unsure`.
    GroupCheck = Callable[[list[Any], int], int]


class _Unsure(Exception):
    """Not certainly valid: the column path decides."""


_NUMBER = frozenset({float, int})
_NUMBER_OR_NULL = frozenset({float, int, NoneType})
_BIG = 2.0**63
_EXACT_INT = 2**53
#: float32 holds every integer up to 2**24 exactly, and normal numbers from 2**-126.
_EXACT_FLOAT32 = 2**24
_TINY_FLOAT32 = 2.0**-126
_INT64 = (-(2**63), 2**63 - 1)
_INT32 = (-(2**31), 2**31 - 1)


def _numbers(nullable: bool, *, float32: bool) -> GroupCheck:
    """``double``/``float``: JSON numbers the column checker accepts without bailing."""
    allowed = _NUMBER_OR_NULL if nullable else _NUMBER
    top = FLOAT32_MAX if float32 else _BIG

    def check(values: list[Any], n: int) -> int:
        del n
        types = set(map(type, values))
        if not types <= allowed:
            raise _Unsure
        numbers = list(filter(None, values)) if NoneType in types else values  # 0, null: harmless
        if not numbers:
            return 0
        lo, hi = min(numbers), max(numbers)
        bound = min(top, _EXACT_INT) if int in types else top
        if hi > bound or lo < -bound or hi >= _BIG or lo <= -_BIG:
            raise _Unsure
        if float32 and (
            max(hi, -lo) > _EXACT_FLOAT32
            or min(filter(None, map(abs, numbers)), default=1.0) < _TINY_FLOAT32
        ):
            raise _Unsure  # float32 may round an integer or flush a tiny number to 0
        return 0

    return check


def _integers(bounds: tuple[int, int]) -> GroupCheck:
    lo, hi = bounds

    def check(values: list[Any], n: int) -> int:
        del n
        if set(map(type, values)) != {int} or min(values) < lo or max(values) > hi:
            raise _Unsure
        return 0

    return check


def _booleans(values: list[Any], n: int) -> int:
    del n
    if set(map(type, values)) != {bool}:
        raise _Unsure
    return 0


def _strings(values: list[Any], n: int) -> int:
    del n
    try:
        joined = "".join(values)  # also the type check: only str joins
    except TypeError:
        raise _Unsure from None
    if "\x00" in joined:
        raise _Unsure
    return joined.count(":")


_BASE64 = re.compile(BASE64_PATTERN)


def _binaries(values: list[Any], n: int) -> int:
    colons = _strings(values, n)
    if not all(map(_BASE64.search, values)):
        raise _Unsure
    return colons


def _datetimes(nullable: bool) -> GroupCheck:
    """One datetime column: one strict shape, calendar-valid, years 1678-2261."""

    def check(values: list[Any], n: int) -> int:
        del n
        texts = [v for v in values if v is not None] if nullable else values
        if parse_one_shape(texts) is None:
            raise _Unsure
        width = len(texts[0])
        return 2 * len(texts) if width >= 19 else 0

    return check


def _complex(check: LevelCheck) -> GroupCheck:
    def run(values: list[Any], n: int) -> int:
        del n
        try:
            return check(values)
        except (QuickUnsure, KeyError, TypeError):
            raise _Unsure from None

    return run


def _group_check(column: ColumnPlan) -> tuple[Any, GroupCheck] | None:
    """(the group key, its check) of one column; None: not covered."""
    t = column.scalar
    if t is None:
        level = (
            compile_quick(column.check.type) if isinstance(column.check, ComplexColumn) else None
        )
        return None if level is None else ((None, column.name), _complex(level))
    nullable = column.nullable
    if t in {DataType.double, DataType.float}:
        return (t, nullable), _numbers(nullable, float32=t is DataType.float)
    if t is DataType.long:
        return t, _integers(_INT64)
    if t is DataType.integer:
        return t, _integers(_INT32)
    if t is DataType.boolean:
        return t, _booleans
    if t is DataType.string:
        return t, _strings
    if t is DataType.binary:
        return t, _binaries
    return (t, column.name), _datetimes(nullable)  # one format per datetime column


#: Bodies of at least this many rows are transposed before their type groups are judged.
TRANSPOSE_AT_LEAST = 9


class _Layout:
    """How to read one set of present columns: one getter and one check per group."""

    def __init__(
        self,
        names: tuple[str, ...],
        split: bool,
        groups: list[tuple[Callable[[Any], Any], bool, GroupCheck]],
        columns: list[tuple[list[int], GroupCheck]],
        rows: RowCheck | None,
    ) -> None:
        #: The present columns, in the body's order (records: the first record's).
        self.names = names
        self.split = split
        #: (getter of the group's values in one row, several values per row, check)
        self.groups = groups
        #: (the group's positions among the present columns, check)
        self.columns = columns
        #: The ``:`` of a valid body outside its values: members and the colons
        #: in the column names (split: the body's key, ``columns``, ``data`` and
        #: the names once; records: the body's key, then `per_row` per row).
        name_colons = sum(name.count(":") for name in names)
        self.fixed = 3 + name_colons if split else 1
        self.per_row = 0 if split else len(names) + name_colons
        #: The generated row-at-a-time check (it also tests each row's container).
        #: It beats the type groups' C passes at every size measured (1-100 rows),
        #: so only a body it is unsure of (or a layout without one) meets them.
        self.rows = rows
        self.row_getter = None if split else _values_of(names)

    def by_groups(self, rows: list[Any], n: int) -> int:
        """The colons inside the rows' values, judged by type groups; raises `_Unsure`."""
        k = len(self.names)
        if self.split:
            if set(map(type, rows)) != {list} or set(map(len, rows)) != {k}:
                raise _Unsure
        elif set(map(type, rows)) != {dict} or set(map(len, rows)) != {k}:
            raise _Unsure  # not records, or records with different keys
        getter = self.row_getter
        colons = 0
        if n >= TRANSPOSE_AT_LEAST:
            # One transpose (``zip(*rows)``, C) costs less than a gathering pass per group.
            table = rows if getter is None else list(map(getter, rows))
            columns: list[Any] = list(zip(*table, strict=True))
            for positions, check in self.columns:
                if len(positions) == 1:
                    colons += check(columns[positions[0]], n)
                else:
                    colons += check(
                        list(chain.from_iterable(map(columns.__getitem__, positions))), n
                    )
            return colons
        table = rows if getter is None else list(map(getter, rows))
        for get, several, check in self.groups:
            gathered = map(get, table)
            values = list(chain.from_iterable(gathered) if several else gathered)
            colons += check(values, n)
        return colons


class QuickPlan:
    """The quick path of a frame signature whose columns it covers (`compile_quick_plan`)."""

    def __init__(
        self,
        frames: FramePlan,
        forms: frozenset[str],
        depth: int,
        params: Callable[[Ctx], dict[str, Any] | None],
    ) -> None:
        self._frames = frames
        #: The params ``predict`` gets for a body without any (the signature's defaults).
        self._params = params
        self._split_ok = "dataframe_split" in forms
        self._records_ok = "dataframe_records" in forms
        self._depth = depth
        # Big bodies of plain columns are parsed slice by slice by the column
        # path: a whole orjson tree of them costs several times their size.
        self._max_size = CHUNK if frames.lean_ok else sys.maxsize
        self._checks: dict[str, tuple[Any, GroupCheck]] = {}
        for column in frames.columns:
            found = _group_check(column)
            if found is None:
                msg = f"not a scalar column: {column.name}"
                raise ValueError(msg)
            self._checks[column.name] = found
        # Layouts by the body's column names (split) or first record's keys; a
        # body's names are compared by value, so the cache stays small.
        self._split_layouts: dict[tuple[Any, ...], _Layout | None] = {}
        self._record_layouts: dict[tuple[Any, ...], _Layout | None] = {}
        # The commonest layouts, every column in signature order, found
        # without hashing the body's names: a split body's column list equals
        # `_all_names`; a record of as many keys as columns has exactly these
        # (else the record layout's getter meets a missing key).
        everything = tuple(c.name for c in frames.columns)
        self._all_names = list(everything)
        self._all_split = self._layout(everything, split=True)
        self._all_records = self._layout(everything, split=False)
        #: (limits, the body size up to which they need no scan); see `_small_size`.
        self._small: tuple[Limits | None, int] = (None, self._max_size)
        #: Whether a raw body is certainly valid (False: the column path decides);
        #: with ``limits``, True also vouches that it is within them.  A
        #: generated function reads the all-columns bodies in one frame
        #: (`sig2jsonschema._fast.rows.compile_body_check`); the rest take `_judge`.
        self.valid: Callable[[bytes | str, Limits | None], bool] = self._unsure
        split, records = self._all_split, self._all_records
        #: As ``valid``, of a body already parsed (``raw``: its text, for the
        #: census, already scanned for the limits by the caller); False also
        #: where the all-columns function is unsure.
        self.valid_tree: Callable[[bytes, Limits | None, Any], bool] | None = None
        fixed = split.fixed if split is not None and self._split_ok else None
        per_row = records.per_row if records is not None and self._records_ok else None
        self._body_check = functools.partial(
            compile_body_check,
            list(frames.columns),
            split=fixed,
            records=per_row,
            names=list(everything),
            loads=orjson.loads,
            plan=self,
            unsure=self._unsure,
            colons=_colons,
        )
        for tree in (False, True):
            body_check = self._body_check(tree=tree)
            if body_check is not None and tree:
                self.valid_tree = body_check  # type: ignore[assignment]
            elif body_check is not None:
                self.valid = body_check
        #: Names the one plain offending value of a body ``valid_tree`` refuses.
        self.census = compile_census(
            list(frames.columns),
            split=fixed,
            records=per_row,
            names=self._all_names,
            colons=_colons,
        )

    def valid_for(self, limits: Limits) -> Callable[[bytes | str], bool]:
        """`valid` with ``limits`` bound, for a caller whose limits never change."""
        if self.valid is not self._unsure:
            check = self._body_check(bound=self._small_size(limits))
            if check is not None:
                return check  # type: ignore[return-value]
        valid = self.valid
        return lambda raw: valid(raw, limits)

    def is_valid_for(self, limits: Limits, answers: Answers) -> Callable[..., bool] | None:
        """An owner's whole ``is_valid(body, content_type=...)`` with ``limits`` bound,
        handing what it is not sure of to ``answers`` (None: this plan has no function)."""
        if self.valid is self._unsure:
            return None
        return self._body_check(bound=self._small_size(limits), answers=answers)

    # -- layouts -----------------------------------------------------------------

    def _layout(self, names: tuple[Any, ...], *, split: bool) -> _Layout | None:
        cache = self._split_layouts if split else self._record_layouts
        try:
            return cache[names]
        except KeyError:
            pass
        layout = self._compile(names, split=split)
        if len(cache) < 64:
            cache[names] = layout
        return layout

    def _compile(self, names: tuple[Any, ...], *, split: bool) -> _Layout | None:
        frames = self._frames
        try:
            if split:
                frames.check_split_columns(list(names))
            else:
                frames.check_record_keys(list(names))
        except Bail:
            return None
        if not names or set(map(type, names)) != {str}:
            return None
        members: dict[Any, list[Any]] = {}
        checks: dict[Any, GroupCheck] = {}
        for position, name in enumerate(names):
            key, check = self._checks[name]
            members.setdefault(key, []).append(position)
            checks[key] = check
        groups: list[tuple[Callable[[Any], Any], bool, GroupCheck]] = [
            (itemgetter(*found), len(found) > 1, checks[key]) for key, found in members.items()
        ]
        columns = [(found, checks[key]) for key, found in members.items()]
        in_order = [self._frames.by_name[name] for name in names]
        rows = compile_rows(in_order, None if split else names)
        return _Layout(names, split, groups, columns, rows)

    # -- bodies ------------------------------------------------------------------

    def _unsure(self, raw: bytes | str, limits: Limits | None) -> bool:
        return self._judge(raw, limits) is not None

    def check(self, raw: bytes | str, *, build: bool, limits: Limits | None) -> FastResult | None:
        """A `FastResult` for a certainly valid body, else None (see the module docstring)."""
        found = self._judge(raw, limits)
        if found is None:
            return None
        layout, rows = found
        form = "dataframe_split" if layout.split else "dataframe_records"
        inputs = None
        if build:
            ctx = Ctx(trusted=True, census=None, build=True)
            present = (_split_columns if layout.split else _record_columns)(layout.names, rows)
            try:
                inputs = self._frames.assemble(present, len(rows), ctx)
            except Exception:  # noqa: BLE001 - the column path decides
                return None
        params = self._params(Ctx(trusted=True, census=None, build=build))
        return FastResult(inputs, params, form)

    def _small_size(self, limits: Limits | None) -> tuple[Limits | None, int]:
        """(limits, the body size in bytes up to which they hold for an accepted body).

        Up to ``max_number_digits`` bytes no number literal can be too long,
        and the depth of an accepted body is the plan's (see `sig2jsonschema._fast.limits`).
        """
        if limits is None:
            return limits, self._max_size
        if self._depth > limits.max_depth:
            return limits, -1
        size = min(self._max_size, limits.max_body_bytes, limits.max_number_digits)
        return limits, size

    def within(self, raw: bytes, limits: Limits | None) -> bool:
        """Whether a raw body this plan would accept is certainly within ``limits``
        (False: not certain): a small body by its size alone."""
        small = self._small
        if small[0] is not limits:
            small = self._small = self._small_size(limits)
        return len(raw) <= small[1] or self._within(raw, limits)

    def _within(self, raw: bytes | str, limits: Limits | None) -> bool:
        if len(raw) > self._max_size:
            return False  # parsed slice by slice by the column path (`sig2jsonschema._fast.chunks`)
        if type(raw) is not bytes:
            return within(raw, limits, self._depth)
        if limits is None:
            return True
        size = len(raw)
        return (
            size <= limits.max_body_bytes
            and self._depth <= limits.max_depth
            and (
                size <= limits.max_number_digits or no_long_digit_run(raw, limits.max_number_digits)
            )
        )

    def _judge(self, raw: bytes | str, limits: Limits | None) -> tuple[_Layout, list[Any]] | None:
        """(the layout, the rows) of a certainly valid body, else None."""
        try:
            if type(raw) is bytes:
                if not self.within(raw, limits):
                    return None
            elif not self._within(raw, limits):
                return None
            value = orjson.loads(raw)
            if type(value) is not dict or len(value) != 1:
                return None  # params, several envelopes, ...: the column path
            layout: _Layout | None
            rows = value.get("dataframe_split")
            if rows is not None:
                if not self._split_ok or type(rows) is not dict or len(rows) != 2:
                    return None
                names = rows.get("columns")
                rows = rows.get("data")
                if type(names) is not list or type(rows) is not list or not rows:
                    return None
                if names == self._all_names:
                    layout = self._all_split
                else:
                    layout = self._layout(tuple(names), split=True)
            else:
                rows = value.get("dataframe_records")
                if not self._records_ok or type(rows) is not list or not rows:
                    return None
                first = rows[0]
                if type(first) is not dict:
                    return None
                if len(first) == len(self._all_names):
                    layout = self._all_records  # a key it lacks: KeyError
                else:
                    layout = self._layout(tuple(first), split=False)
            if layout is None:
                return None
            n = len(rows)
            text = ""
            if layout.rows is not None:
                try:
                    text, colons = layout.rows(rows)
                except (RowUnsure, ValueError, TypeError):
                    colons = layout.by_groups(rows, n)  # the type groups decide
            else:
                colons = layout.by_groups(rows, n)
            colons += layout.fixed + n * layout.per_row
            # The census (`sig2jsonschema._fast.base`): the text's ':' are members
            # and colons inside strings; with every string counted, equality
            # proves no key repeated (orjson keeps the last one silently).  A
            # text holding no more ':' than the members and the keys' colons
            # needs no count of the values' (they can only add), and a text
            # without a backslash holds no NUL (it must be escaped) and no
            # escaped ':' the census cannot see.
            if isinstance(raw, bytes):
                if _BACKSLASH in raw and (b"\\u003a" in raw or b"\\u003A" in raw or "\x00" in text):
                    return None
                found = _colons(raw)
            else:
                if "\\" in raw and ("\\u003a" in raw or "\\u003A" in raw or "\x00" in text):
                    return None
                found = raw.count(":")
            if found != colons and (not text or found != colons + text.count(":")):
                return None
        except Exception:  # noqa: BLE001 - never fail where the column path would answer
            return None
        return layout, rows


def _values_of(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A record's values, in ``names`` order, as a tuple (``KeyError`` if one is missing)."""
    if len(names) > 1:
        return itemgetter(*names)
    name = names[0]

    def one(record: Any) -> tuple[Any, ...]:
        return (record[name],)

    return one


def _colons(raw: bytes) -> int:
    """The ``:`` bytes of a text (numpy's vectorized compare beats ``bytes.count`` on big ones)."""
    if len(raw) < 8192:
        return raw.count(b":")
    import numpy as np

    return count_byte(np.frombuffer(raw, dtype=np.uint8), COLON)


#: ``b"\\"`` as an int: ``in`` finds an int in bytes without a buffer, several times faster.
_BACKSLASH = ord("\\")


def _split_columns(names: tuple[str, ...], data: list[Any]) -> dict[str, Any]:
    return dict(zip(names, zip(*data, strict=True), strict=True))


def _record_columns(names: tuple[str, ...], records: list[Any]) -> dict[str, Any]:
    if len(names) == 1:
        return {names[0]: list(map(itemgetter(names[0]), records))}
    rows = map(itemgetter(*names), records)
    return dict(zip(names, zip(*rows, strict=True), strict=True))


def compile_quick_plan(
    frames: FramePlan,
    forms: frozenset[str],
    depth: int,
    params: Callable[[Ctx], dict[str, Any] | None],
) -> QuickPlan | None:
    """The quick path of a frame plan whose columns it covers (else None).

    ``params`` gives what ``predict`` receives as params for a body without any.
    """
    if not frames.columns or any(_group_check(c) is None for c in frames.columns):
        return None
    return QuickPlan(frames, forms, depth, params)


__all__ = ["QuickPlan", "compile_quick_plan"]
