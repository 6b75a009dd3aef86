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
from .rows import FROMISO_OK

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

#: Integers a double holds exactly; beyond, the rounding path matters.
_EXACT_INT = 2.0**53
#: orjson reads an integer token beyond 64 bits as a float, Python's json as
#: an int: a float this large may have been either, so the fast path bails.
_BIG = 2.0**63


def _bad_where(mask: np.ndarray[Any, Any]) -> BadRows:
    return BadRows([int(i) for i in np.flatnonzero(mask)])


_I8 = np.dtype(np.int64)
_F8 = np.dtype(np.float64)
_B1 = np.dtype(bool)


def _inferred(
    values: Sequence[Any], ctx: Ctx, dtypes: tuple[np.dtype[Any], ...]
) -> np.ndarray[Any, Any] | None:
    """numpy's own reading of the values, in lean mode, if it gives one of ``dtypes``.

    One C pass does the type check and the conversion: a string, ``null``,
    container or huge integer gives another dtype (then the caller takes the
    exact path, which also finds the bad rows).  A ``true`` among numbers
    reads as ``1``: the letter census catches it (see `Ctx.lean`).
    """
    if not ctx.lean:
        return None
    try:
        arr = np.array(values)
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.ndim != 1 or arr.dtype not in dtypes:
        return None
    return arr


def _floats(values: Sequence[Any], nullable: bool, ctx: Ctx) -> tuple[np.ndarray[Any, Any], bool]:
    """A float64 array of JSON numbers (``null`` -> NaN when ``nullable``).

    Returns the array and whether integer tokens were among the values.
    """
    nulls = values.count(None) if nullable and ctx.lean else 0
    numbers = [v for v in values if v is not None] if nulls else values
    inferred = _inferred(numbers, ctx, (_F8, _I8))
    if inferred is not None:
        # numpy reads None as NaN only with an explicit dtype (which would also
        # read "1.5" as 1.5): the inference above proved the rest are numbers.
        out = np.array(values, dtype=np.float64) if nulls else inferred.astype(np.float64)
        if (np.abs(out) >= _BIG).any():
            raise Bail
        # Integer tokens may be among them: exact below 2**53 anyway.
        return out, inferred.dtype.kind == "i" or bool((np.abs(out) > _EXACT_INT).any())
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


def double_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``double``: any JSON number -> ``float64`` (``null`` -> NaN if optional)."""
    arr, has_ints = _floats(values, nullable, ctx)
    if has_ints and (np.abs(arr) > _EXACT_INT).any():
        raise Bail
    return arr


def float_column(values: Sequence[Any], nullable: bool, ctx: Ctx) -> Any:
    """``float``: a JSON number within float32 range -> nearest ``float32``."""
    arr, has_ints = _floats(values, nullable, ctx)
    too_big = np.abs(arr) > FLOAT32_MAX
    if too_big.any():
        raise _bad_where(too_big)
    if has_ints and (np.abs(arr) > _EXACT_INT).any():
        raise Bail
    size = np.abs(arr)
    if ((size > 2**24) | ((size > 0) & (size < 2.0**-126))).any():
        raise Bail  # float32 may round an integer or flush a tiny number to 0: MLflow warns
    return arr.astype(np.float32) if ctx.build else None


def _int64(values: Sequence[Any], ctx: Ctx) -> np.ndarray[Any, Any]:
    arr = _inferred(values, ctx, (_I8,))
    if arr is not None:
        return arr
    try:
        check_types(values, _INT)
    except BadRows:
        # Another type (a float) may turn the column into float64 in pandas, which
        # alters the integers beyond 2**53 of the other rows: errors there too.
        if any(type(v) is int and abs(v) > _EXACT_INT for v in values):
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
    arr = _inferred(values, ctx, (_B1,))
    if arr is None:
        check_types(values, _BOOL)
        arr = np.array(values, dtype=bool)
    if ctx.census is not None:
        trues = int(np.count_nonzero(arr))
        ctx.census.r += trues
        ctx.census.s += len(arr) - trues
    return arr


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
    if "\x00" in joined:
        raise Bail  # numpy's text arrays drop trailing NULs: the path decides the value
    if ctx.census is not None:
        ctx.census.colons += joined.count(":")
        ctx.census.add_letters(joined)
    return text_array(values) if ctx.build else None


@functools.cache
def _text_dtype() -> Any:
    """The dtype pandas infers for a column of Python strings (``str`` in pandas 3)."""
    import pandas as pd

    return pd.Series(["a"]).dtype


def text_array(values: Sequence[Any]) -> Any:
    """The pandas array MLflow's frame holds for a column of strings.

    With pyarrow-backed ``str`` (pandas 3 with pyarrow) the strings go
    straight into an Arrow array, which is what pandas itself builds, minus
    pandas' per-value inference.
    """
    import pandas as pd

    dtype = _text_dtype()
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa  # type: ignore[import-untyped]
        from pandas.arrays import ArrowStringArray

        try:
            chunk = pa.array(values, type=pa.large_string())
        except (pa.ArrowException, UnicodeError):  # pragma: no cover - checked as str above
            raise Bail from None
        return ArrowStringArray(pa.chunked_array([chunk]), dtype=dtype)  # type: ignore[call-arg]
    return pd.array(list(values), dtype=dtype)


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


#: Text lengths of the strict datetime forms: date, date+time, +1..6 fraction digits.
_DT_LENGTHS = frozenset({10, 19, 21, 22, 23, 24, 25, 26})
_DATE_DIGITS = (0, 1, 2, 3, 5, 6, 8, 9)
_TIME_DIGITS = (11, 12, 14, 15, 17, 18)
_NS_PER_S = 10**9
_NS_PER_DAY = 86_400 * _NS_PER_S
#: Years whose datetimes pandas holds in nanoseconds (MLflow's datetime64[ns]).
_YEARS = (1678, 2261)


def _parse_datetimes(texts: Sequence[Any]) -> np.ndarray[Any, Any]:
    """Nanoseconds since the epoch of same-format naive ISO 8601 texts, vectorized.

    Raises:
        _Slow: the texts do not all share one valid strict format.
        Bail: a year outside what ``datetime64[ns]`` holds.
    """
    if type(texts[0]) is not str:
        raise _Slow
    n, width = len(texts), len(texts[0])
    if width not in _DT_LENGTHS:
        raise _Slow
    try:
        raw = "".join(texts).encode("ascii")
    except (UnicodeEncodeError, TypeError):
        raise _Slow from None
    if len(raw) != n * width:
        raise _Slow
    grid = np.frombuffer(raw, dtype=np.uint8).reshape(n, width)
    positions = list(_DATE_DIGITS)
    seps = {4: b"-", 7: b"-"}
    if width >= 19:
        positions += _TIME_DIGITS
        seps.update({10: b"T", 13: b":", 16: b":"})
    if width > 19:
        positions += range(20, width)
        seps[19] = b"."
    for at, char in seps.items():
        if not (grid[:, at] == char[0]).all():
            raise _Slow
    digits = grid[:, positions] - np.uint8(48)
    if (digits > 9).any():
        raise _Slow
    d = digits.astype(np.int64)
    year = d[:, 0:4] @ _PLACES4
    month = d[:, 4:6] @ _PLACES2
    day = d[:, 6:8] @ _PLACES2
    if not (((month >= 1) & (month <= 12)).all() and (day >= 1).all()):
        raise _Slow
    if int(year.min()) < _YEARS[0] or int(year.max()) > _YEARS[1]:
        raise Bail
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if (day > _MONTH_DAYS[month - 1] + ((month == 2) & leap)).any():
        raise _Slow
    ns = _days_from_civil(year, month, day) * _NS_PER_DAY
    if width >= 19:
        hms = d[:, 8:14]
        hour, minute, second = (
            hms[:, 0:2] @ _PLACES2,
            hms[:, 2:4] @ _PLACES2,
            hms[:, 4:6] @ _PLACES2,
        )
        if (hour > 23).any() or (minute > 59).any() or (second > 59).any():
            raise _Slow
        ns += (hour * 3600 + minute * 60 + second) * _NS_PER_S
    if width > 19:
        places = width - 20
        fraction = d[:, 14 : 14 + places] @ (10 ** np.arange(places - 1, -1, -1, dtype=np.int64))
        ns += fraction * 10 ** (9 - places)
    return np.asarray(ns, dtype=np.int64)


#: Up to this many texts, `_few_datetimes` reads them one by one.
_FEW = 32
_EPOCH = _dt.datetime(1970, 1, 1)  # noqa: DTZ001 - naive, as the texts
_MICROSECOND = _dt.timedelta(microseconds=1)
#: Digits -> ``9``, every other byte unchanged: a datetime text's shape.
SHAPE = bytes(0x39 if 0x30 <= i <= 0x39 else i for i in range(256))
DT_SHAPES = {
    10: b"9999-99-99",
    19: b"9999-99-99T99:99:99",
    **{20 + k: b"9999-99-99T99:99:99." + b"9" * k for k in range(1, 7)},
}


def _few_datetimes(texts: Sequence[Any]) -> np.ndarray[Any, Any]:
    """`_parse_datetimes` for a few texts, without its fixed numpy cost.

    Texts of one strict shape, years 1678-2261, that ``fromisoformat`` reads
    (calendar and clock ranges; at most 6 fraction digits, so microseconds
    are exact) give the same nanoseconds; anything else is left to
    `_parse_datetimes`, which decides how it fails.
    """
    first = texts[0]
    shape = DT_SHAPES.get(len(first)) if type(first) is str and FROMISO_OK else None
    if shape is None:
        return _parse_datetimes(texts)
    try:
        joined = "".join(texts).encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return _parse_datetimes(texts)
    if (
        set(map(len, texts)) != {len(first)}
        or joined.translate(SHAPE) != shape * len(texts)
        or min(texts)[:4] < "1678"
        or max(texts)[:4] > "2261"
    ):
        return _parse_datetimes(texts)
    try:
        parsed = list(map(_dt.datetime.fromisoformat, texts))
    except ValueError:
        return _parse_datetimes(texts)
    micros = [(d - _EPOCH) // _MICROSECOND for d in parsed]
    return np.array(micros, dtype=np.int64) * 1000


_PLACES4 = np.array([1000, 100, 10, 1], dtype=np.int64)
_PLACES2 = np.array([10, 1], dtype=np.int64)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


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
    return BadRows(bad)


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
        ns = _few_datetimes(texts) if len(texts) <= _FEW else _parse_datetimes(texts)
    except _Slow:
        _datetime_types(values, nullable)
        texts = list(texts)
        raise _datetime_bad_rows(texts, rows or list(range(len(texts)))) from None
    if ctx.census is not None and len(texts[0]) >= 19:
        ctx.census.colons += 2 * len(texts)
    if not ctx.build:
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
    "DT_SHAPES",
    "SCALAR_CHECKERS",
    "SHAPE",
    "boolean_column",
    "datetime_column",
    "double_column",
    "float_column",
    "integer_column",
    "long_column",
    "string_column",
    "text_array",
    "type_bad_rows",
]
