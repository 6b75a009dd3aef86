"""Fast checkers for top-level scalar columns: JSON values in, numpy/pandas arrays out.

One checker per `DataType`, each a column-at-a-time version of one row of the
canonical decoding table (``docs/strict-contract.md``): a single pass over the
values' types (``set(map(type, values))``, C speed), then one numpy
conversion, then vectorized range checks.  What each returns is exactly the
column MLflow 3.17.2's ``dataframe_split``/``dataframe_records`` path hands to
``predict`` for such values (``float64``, ``int64``, ``int32``, ``float32``,
``bool``, pandas text, ``bytes`` objects, ``datetime64[ns]``).

A checker raises `BadRows` when some values are certainly refused and the
refusal depends on nothing but the value itself, and `Bail` whenever the
verdict or the result depends on something it does not model (integers too
large for a double to hold exactly, datetimes pandas cannot hold in
nanoseconds, a column whose datetime formats differ, ...).
"""

from __future__ import annotations

import array
import base64
import datetime as _dt
import functools
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._export.values import BASE64_PATTERN, DATETIME_PATTERN, FLOAT32_MAX
from sig2jsonschema._signature.types import DataType

from .base import BadRows, Bail, NoneType, check_types, type_bad_rows
from .dt_shapes import FIRST_YEAR, LAST_YEAR, one_shape, parse_one_shape
from .texts import text_array

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from .base import Ctx

    #: values, nullable, ctx -> the built column (None when not building).
    ColumnChecker = Callable[[Sequence[Any], bool, Ctx], Any]

_NUMBER: frozenset[type] = frozenset({float, int})
_NUMBER_OR_NULL: frozenset[type] = frozenset({float, int, NoneType})
_INT: frozenset[type] = frozenset({int})
_BOOL: frozenset[type] = frozenset({bool})
_STR: frozenset[type] = frozenset({str})
_STR_OR_NULL: frozenset[type] = frozenset({str, NoneType})

_COLON, _R, _S = ord(":"), ord("r"), ord("s")

#: Integers a double holds exactly; beyond, the rounding path matters.
_EXACT_INT = 2.0**53
#: orjson reads an integer token beyond 64 bits as a float, Python's json as
#: an int: a float this large may have been either, so the fast path bails.
_BIG = 2.0**63


def _bad_where(mask: np.ndarray[Any, Any]) -> BadRows:
    return BadRows([int(i) for i in np.flatnonzero(mask)])


def _floats(values: Sequence[Any], nullable: bool, ctx: Ctx) -> tuple[np.ndarray[Any, Any], bool]:
    """A float64 array of JSON numbers (``null`` -> NaN when ``nullable``).

    Returns the array and whether integer tokens may be among the values
    beyond what a double holds exactly (then the caller bails).
    """
    if ctx.lean and not nullable:
        # array("d") takes ints and floats only (a bool is an int: the letter
        # census catches it); a string, null or container raises TypeError,
        # an int beyond a double OverflowError: then the exact path decides.
        try:
            out = np.frombuffer(array.array("d", values), dtype=np.float64)
        except (TypeError, OverflowError):
            pass
        else:
            top = float(np.abs(out).max()) if len(out) else 0.0
            if top >= _BIG:
                raise Bail
            # Integer tokens may be among them: exact below 2**53 anyway (2**53 + 1
            # reads as 2**53, so the bound itself is already suspect).
            return out, top >= _EXACT_INT
    if ctx.lean and nullable:
        try:
            out = _lean_nullable_floats(values)
        except (TypeError, ValueError, OverflowError):
            pass
        else:
            top = float(np.fmax.reduce(np.abs(out), initial=0.0))  # NaN (null) aside
            if top >= _BIG:
                raise Bail
            return out, top >= _EXACT_INT
    types = check_types(values, _NUMBER_OR_NULL if nullable else _NUMBER)
    arr = np.array(values, dtype=np.float64)
    if (np.abs(arr) >= _BIG).any():
        raise Bail
    if not ctx.trusted and float in types:
        # A parsed body may hold NaN/inf floats: RFC 8259 has no such numbers.
        nulls = values.count(None) if NoneType in types else 0
        finite = np.isfinite(arr)
        if int(np.count_nonzero(~finite)) != nulls:
            raise BadRows(
                [i for i, v in enumerate(values) if type(v) is float and not math.isfinite(v)]
            )
    return arr, int in types


def _lean_nullable_floats(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    """``null`` -> NaN, numbers -> float64; raises for anything but a bool.

    The sum of the truthy values raises for a non-empty string, array or
    object, and numpy's conversion for an empty one (it reads ``None`` as
    NaN); booleans pass both: the letter census catches them.
    """
    sum(filter(None, values))
    return np.fromiter(values, dtype=np.float64, count=len(values))


def double_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``double``: any JSON number -> ``float64`` (``null`` -> NaN if optional)."""
    arr, has_ints = _floats(values, nullable, ctx)
    if has_ints and (np.abs(arr) >= _EXACT_INT).any():
        raise Bail
    return arr


def float_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``float``: a JSON number within float32 range -> nearest ``float32``."""
    arr, has_ints = _floats(values, nullable, ctx)
    too_big = np.abs(arr) > FLOAT32_MAX
    if too_big.any():
        raise _bad_where(too_big)
    if has_ints and (np.abs(arr) >= _EXACT_INT).any():
        raise Bail
    size = np.abs(arr)
    if ((size > 2**24) | ((size > 0) & (size < 2.0**-126))).any():
        raise Bail  # float32 may round an integer or flush a tiny number to 0: MLflow warns
    return arr.astype(np.float32) if ctx.build else None


def _int64(values: Sequence[Any], ctx: Ctx) -> np.ndarray[Any, Any]:
    if ctx.lean:
        # A sum is an int only if every value is an int (a bool is one: the
        # letter census catches it); a float makes it a float, anything else
        # raises.  Then numpy converts (an int beyond int64 raises), else the
        # exact path decides.
        try:
            if type(sum(values)) is int:
                return np.fromiter(values, dtype=np.int64, count=len(values))
        except (TypeError, OverflowError):
            pass
    try:
        check_types(values, _INT)
    except BadRows as exc:
        # Another type (a float) may turn the column into float64 in pandas, which
        # alters the integers beyond 2**53 of the other rows: errors there too.
        # Every row but the offending ones holds an int: min/max read them in C.
        ints = list(values)
        for row in exc.rows:
            ints[row] = 0
        if ints and (max(ints) > _EXACT_INT or min(ints) < -_EXACT_INT):
            raise Bail from None
        raise
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        if len(values) > 1:
            # pandas reads integers beyond int64 as uint64 or object depending on
            # the rest of the column: the offending rows alone could be judged apart.
            raise Bail from None
        raise BadRows([0]) from None


def long_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``long``: an integer token within int64 -> ``int64`` (never null)."""
    del nullable
    return _int64(values, ctx)


def integer_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``integer``: an integer token within int32 -> ``int32`` (never null)."""
    del nullable
    arr = _int64(values, ctx)
    out = (arr < -(2**31)) | (arr > 2**31 - 1)
    if out.any():
        raise _bad_where(out)
    return arr.astype(np.int32) if ctx.build else None


def boolean_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``boolean``: ``true``/``false`` -> ``bool`` (never null)."""
    del nullable
    # Exact types: the letter census must never count a letter the text does
    # not hold (a 1 taken for true would hide a true read as 1 elsewhere).
    check_types(values, _BOOL)
    bits = bytearray(values)  # the types are proven: one 0/1 byte each, in C
    census = ctx.census
    if census is not None:
        trues = bits.count(1)
        census.r += trues
        census.s += len(values) - trues
    return np.frombuffer(bits, dtype=bool) if ctx.build else None


def string_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``string``: a string -> pandas' text column (never null)."""
    del nullable
    try:
        joined = "".join(values)  # also the type check: only str joins
    except TypeError:
        check_types(values, _STR)
        raise Bail from None  # pragma: no cover - check_types raised
    if not ctx.trusted:
        check_types(values, _STR)  # str subclasses join too
    census = ctx.census
    if census is not None:
        # The UTF-8 bytes hold these ASCII characters exactly where the text
        # does; numpy counts them several times faster than ``str.count``.
        encoded = joined.encode("utf-8", "surrogatepass")
        text = np.frombuffer(encoded, dtype=np.uint8)
        if np.count_nonzero(text == 0):
            raise Bail  # numpy's text arrays drop trailing NULs: the path decides the value
        census.colons += int(np.count_nonzero(text == _COLON))
        census.r += int(np.count_nonzero(text == _R))
        census.s += int(np.count_nonzero(text == _S))
    else:
        if "\x00" in joined:
            raise Bail
        encoded = None
    if not ctx.build:
        return None
    if ctx.object_strings:
        return np.array(values, dtype=object)
    return text_array(values, joined, encoded, numpy_strings=ctx.numpy_strings)


_BASE64 = re.compile(BASE64_PATTERN)


def binary_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``binary``: standard base64 text -> the decoded ``bytes`` (object column)."""
    del nullable
    check_types(values, _STR)
    search = _BASE64.search
    bad = [i for i, v in enumerate(values) if search(v) is None]
    if bad:
        raise BadRows(bad)
    if ctx.census is not None:
        ctx.census.add_strings(values)
    if not ctx.build:
        return None
    out = np.empty(len(values), dtype=object)
    # MLflow: ``base64.decodebytes(bytes(x, "utf8"))`` per value.
    out[:] = [base64.decodebytes(v.encode("utf8")) for v in values]
    return out


# --------------------------------------------------------------------------
# datetime
# --------------------------------------------------------------------------
class _Slow(Exception):
    pass


_NS_PER_S = 10**9
#: Years whose datetimes pandas holds in nanoseconds (MLflow's datetime64[ns]).
_YEARS = (int(FIRST_YEAR), int(LAST_YEAR))


def _parse_datetimes(texts: Sequence[Any], build: bool = True) -> np.ndarray[Any, Any] | None:
    """Nanoseconds since the epoch of same-format naive ISO 8601 texts, vectorized.

    The shape (digits and separators at fixed places) is proven with one
    ``bytes.translate`` of the joined texts; each field is then read from a
    strided view of the byte grid, in small integers.  Without ``build``
    only the checks run (None is returned).

    Raises:
        _Slow: the texts do not all share one valid strict format.
        Bail: a year outside what ``datetime64[ns]`` holds.
    """
    raw = one_shape(texts)
    if raw is None:
        raise _Slow
    n, width = len(texts), len(texts[0])
    # Every field position holds a digit: subtract "0" once, read int16 fields
    # (each row ends with `one_shape`'s separator, never read).
    d = np.frombuffer(raw, dtype=np.uint8).reshape(n, width + 1) - np.uint8(48)

    def two(at: int) -> np.ndarray[Any, Any]:
        field: np.ndarray[Any, Any] = d[:, at].astype(np.int16) * 10 + d[:, at + 1]
        return field

    year = two(0) * 100 + two(2)
    month, day = two(5), two(8)
    if not (((month >= 1) & (month <= 12)).all() and (day >= 1).all()):
        raise _Slow
    if int(year.min()) < _YEARS[0] or int(year.max()) > _YEARS[1]:
        raise Bail
    if (day > _LEAP_MONTH_DAYS[month - 1]).any():
        raise _Slow
    # February 29th alone depends on the year (numpy's modulo is slow: only
    # those rows' years are tested).
    feb29 = np.flatnonzero((day == 29) & (month == 2))
    if len(feb29):
        leap = year[feb29]
        if not ((leap % 4 == 0) & ((leap % 100 != 0) | (leap % 400 == 0))).all():
            raise _Slow
    if width >= 19:
        hour, minute, second = two(11), two(14), two(17)
        if (hour > 23).any() or (minute > 59).any() or (second > 59).any():
            raise _Slow
    if not build:
        return None
    # The first day of each month from a table (one lookup instead of the calendar
    # arithmetic), then seconds in int64 and one scaling to nanoseconds.
    months = (year - _YEARS[0]) * 12 + (month - 1)
    seconds = np.take(_month_starts(), months) + (day - 1)
    seconds *= 86_400
    if width >= 19:
        seconds += (hour * 60 + minute).astype(np.int32) * 60 + second
    ns = seconds * _NS_PER_S
    if width > 19:
        places = width - 20
        fraction = d[:, 20:width].astype(np.int64) @ (
            10 ** np.arange(places - 1, -1, -1, dtype=np.int64)
        )
        ns += fraction * 10 ** (9 - places)
    return np.asarray(ns, dtype=np.int64)


def _datetimes(texts: Sequence[Any]) -> np.ndarray[Any, Any]:
    """`_parse_datetimes`, building the nanoseconds."""
    ns = _parse_datetimes(texts)
    assert ns is not None  # build=True always returns them
    return ns


#: Up to this many texts, `_few_datetimes` reads them one by one.
_FEW = 32
_EPOCH = _dt.datetime(1970, 1, 1)  # noqa: DTZ001 - naive, as the texts
_MICROSECOND = _dt.timedelta(microseconds=1)


def _few_datetimes(texts: Sequence[Any]) -> np.ndarray[Any, Any]:
    """`_parse_datetimes` for a few texts, without its fixed numpy cost.

    Texts of one strict shape, years 1678-2261, that ``fromisoformat`` reads
    (calendar and clock ranges; at most 6 fraction digits, so microseconds
    are exact) give the same nanoseconds; anything else is left to
    `_parse_datetimes`, which decides how it fails.
    """
    parsed = parse_one_shape(texts)
    if parsed is None:
        return _datetimes(texts)
    micros = [(d - _EPOCH) // _MICROSECOND for d in parsed]
    return np.array(micros, dtype=np.int64) * 1000


@functools.cache
def _month_starts() -> np.ndarray[Any, Any]:
    """Days since 1970-01-01 of the first of each month, from January 1678 on (int64)."""
    years = np.repeat(np.arange(_YEARS[0], _YEARS[1] + 1, dtype=np.int64), 12)
    months = np.tile(np.arange(1, 13, dtype=np.int64), _YEARS[1] - _YEARS[0] + 1)
    return _days_from_civil(years, months, np.ones_like(years))


_LEAP_MONTH_DAYS = np.array([31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int16)


def _days_from_civil(
    year: np.ndarray[Any, Any], month: np.ndarray[Any, Any], day: np.ndarray[Any, Any]
) -> np.ndarray[Any, Any]:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's algorithm)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (month + np.where(month > 2, -3, 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    days: np.ndarray[Any, Any] = era * 146_097 + doe - 719_468
    return days


_DATETIME = re.compile(DATETIME_PATTERN)
_DIGIT = re.compile(r"[0-9]")


def datetime_shape(text: str) -> str:
    """A datetime text's format: its ASCII digits read as ``9``."""
    return _DIGIT.sub("9", text)


def _datetime_bad_rows(texts: list[str], rows: list[int]) -> BadRows:
    """Per value: which texts the strict contract refuses (slow; failures only).

    Raises:
        Bail: every text is fine on its own (the problem is their mix), or
            their formats differ (the uniform-format rule is about the column,
            not about one row).
    """
    first = _DIGIT.sub("9", texts[0])
    bad = []
    for text, row in zip(texts, rows, strict=True):
        if _DIGIT.sub("9", text) != first:
            raise Bail
        if _DATETIME.search(text) is None:
            bad.append(row)
            continue
        try:
            _dt.datetime.fromisoformat(text)
        except ValueError:
            bad.append(row)
    if not bad:
        raise Bail
    # MLflow's ``to_datetime`` takes the column's format from its first text: a
    # bad text judged without it may fail differently (another error class), so
    # that first text's row goes into the reduced body too.
    return BadRows(sorted({rows[0], *bad}))


def _datetime_types(values: Sequence[Any], nullable: bool) -> None:
    """`check_types` for a datetime column; `Bail` for a stray type among several values.

    MLflow's ``to_datetime`` takes the column's format from its first text, so
    whether a number there is refused depends on the other rows: the rows
    holding it alone would not be judged the same.
    """
    try:
        check_types(values, _STR_OR_NULL if nullable else _STR)
    except BadRows:
        if len(values) > 1:
            raise Bail from None
        raise


def datetime_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``datetime``: one naive ISO 8601 format per column -> ``datetime64[ns]``.

    Joining the texts is the type check (only ``str`` joins), so the common
    case never looks at the values one by one.
    """
    if not ctx.trusted:
        _datetime_types(values, nullable)
    rows: list[int] = []
    texts: Sequence[Any] = values
    if nullable and values.count(None):
        rows = [i for i, v in enumerate(values) if v is not None]
        texts = [values[i] for i in rows]
        if not texts:
            raise Bail
    try:
        if len(texts) <= _FEW:
            ns: np.ndarray[Any, Any] | None = _few_datetimes(texts)
        else:
            ns = _parse_datetimes(texts, ctx.build)
    except _Slow:
        _datetime_types(values, nullable)
        texts = list(texts)
        raise _datetime_bad_rows(texts, rows or list(range(len(texts)))) from None
    if ctx.census is not None and len(texts[0]) >= 19:
        ctx.census.colons += 2 * len(texts)
    if ns is None:  # not building
        return None
    if rows:
        out = np.full(len(values), np.iinfo(np.int64).min, dtype=np.int64)
        out[rows] = ns
        ns = out
    return ns.view("datetime64[ns]")


#: One checker per DataType (a test asserts every member is here).
SCALAR_CHECKERS: dict[DataType, ColumnChecker] = {
    DataType.boolean: boolean_column,
    DataType.integer: integer_column,
    DataType.long: long_column,
    DataType.float: float_column,
    DataType.double: double_column,
    DataType.string: string_column,
    DataType.binary: binary_column,
    DataType.datetime: datetime_column,
}


__all__ = [
    "SCALAR_CHECKERS",
    "boolean_column",
    "datetime_column",
    "datetime_shape",
    "double_column",
    "float_column",
    "integer_column",
    "long_column",
    "string_column",
    "text_array",
    "type_bad_rows",
]
