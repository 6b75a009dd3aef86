"""Row-at-a-time checks for the quick path's smallest bodies: one generated function per layout.

The quick path (`sig2jsonschema._fast.quick`) judges type groups of values with a
few C-level passes each.  Each pass costs a fraction of a microsecond however
few values it reads, so a body of one to a few rows is cheaper to judge row by
row, with straight-line code for the signature's columns: unpack the row,
test each value's exact type and range, collect the strings.  That code is
generated once per layout (the present columns, in the body's order) and
compiled with ``exec``; it names values by position only (``c0``, ``c1``,
...) and holds only this module's own constants: no text of the signature or
of a body ever reaches the generated source.

The tests are the type groups' own, made per value and, where a group's test
reads the whole column, made stricter: numbers in ``double``/``float``
columns must lie within 2**53 (the column path bails on larger ones in a
column that also holds integer tokens); a body this refuses simply takes the
type-group path.
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from typing import TYPE_CHECKING, Any

from sig2jsonschema._export.values import BASE64_PATTERN, DATETIME_PATTERN
from sig2jsonschema._signature.types import DataType

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .frames import ColumnPlan

    #: rows -> the colons inside the rows' strings; raises on anything unsure.
    RowCheck = Callable[[Iterable[Any]], int]

#: Columns beyond which a layout is not generated (wide signatures: type groups).
MAX_COLUMNS = 64
_EXACT = 2**53
_INT64 = (-(2**63), 2**63 - 1)
_INT32 = (-(2**31), 2**31 - 1)


def _fromiso_ok() -> bool:
    """Whether ``fromisoformat`` reads every strict shape and refuses hour 24.

    Python 3.10 reads only 3 or 6 fraction digits; a later release might
    read ``24:00`` as the next midnight, which the strict pattern refuses.
    """
    if sys.version_info < (3, 11):
        return False
    try:
        _dt.datetime.fromisoformat("2000-01-01T24:00:00")
    except ValueError:
        return True
    return False


#: Whether datetime texts may be judged with ``datetime.fromisoformat``.
FROMISO_OK = _fromiso_ok()


class RowUnsure(Exception):
    """Not certainly valid: the type-group path decides."""


def _value_lines(i: int, column: ColumnPlan) -> list[str] | None:
    """Source lines testing ``c{i}``, the value of ``column`` in one row."""
    v = f"c{i}"
    t = column.scalar
    if t in {DataType.double, DataType.float}:
        other = f"{v} is not None" if column.nullable else "True"
        # float32 may round an integer beyond 2**24 or flush a tiny number to 0.
        test = (
            f"not {-_EXACT} <= {v} <= {_EXACT}"
            if t is DataType.double
            else f"not {-(2**24)} <= {v} <= {2**24} or (0 < abs({v}) < {2.0**-126!r})"
        )
        return [
            f"t = type({v})",
            "if t is float or t is int:",
            f"    if {test}: raise U",
            f"elif {other}: raise U",
        ]
    if t in {DataType.long, DataType.integer}:
        lo, hi = _INT64 if t is DataType.long else _INT32
        return [f"if type({v}) is not int or not {lo} <= {v} <= {hi}: raise U"]
    if t is DataType.boolean:
        return [f"if type({v}) is not bool: raise U"]
    if t is DataType.string:
        return [f"if type({v}) is not str: raise U", f"strs({v})"]
    if t is DataType.binary:
        return [f"if type({v}) is not str or B64({v}) is None: raise U", f"strs({v})"]
    if t is DataType.datetime:
        # One strict format per column: the same length (the strict pattern's
        # forms differ in length); calendar and clock ranges by fromisoformat.
        lines = [
            f"if type({v}) is str:",
            f"    if w{i} < 0: w{i} = len({v})",
            f"    if len({v}) != w{i} or DT({v}) is None: raise U",
            f"    if not '1678' <= {v}[:4] <= '2261': raise U",
            f"    FROMISO({v})",
            f"    strs({v})",
        ]
        lines.append(f"elif {v} is not None: raise U" if column.nullable else "else: raise U")
        return lines
    return None


def compile_rows(columns: list[ColumnPlan]) -> RowCheck | None:
    """The row checker of a layout (columns in the body's order), or None."""
    if not columns or len(columns) > MAX_COLUMNS:
        return None
    names = ", ".join(f"c{i}" for i in range(len(columns))) + ("," if len(columns) == 1 else "")
    body: list[str] = []
    starts: list[str] = []
    ends: list[str] = []
    for i, column in enumerate(columns):
        lines = _value_lines(i, column)
        if lines is None:
            return None
        body.extend(lines)
        if column.scalar is DataType.datetime:
            if not FROMISO_OK:
                return None
            starts.append(f"w{i} = -1")
            ends.append(f"if w{i} < 0: raise U")  # an all-null datetime column
    source = "\n".join(
        [
            # builtins and helpers as defaults: local, not global, lookups
            (
                "def check(rows, type=type, float=float, int=int, str=str, bool=bool, U=U,"
                " DT=DT, FROMISO=FROMISO, B64=B64):"
            ),
            "    found = []",
            "    strs = found.append",
            *(f"    {line}" for line in starts),
            f"    for {names} in rows:",
            *(f"        {line}" for line in body),
            *(f"    {line}" for line in ends),
            "    text = ''.join(found)",
            "    if '\\x00' in text: raise U",
            "    return text.count(':')",
        ]
    )
    namespace: dict[str, Any] = {
        "U": RowUnsure,
        "B64": re.compile(BASE64_PATTERN).search,
        "DT": re.compile(DATETIME_PATTERN).search,
        "FROMISO": _dt.datetime.fromisoformat,
    }
    exec(compile(source, "<sig2jsonschema row check>", "exec"), namespace)  # noqa: S102 - generated from positions only
    check: RowCheck = namespace["check"]
    return check


__all__ = ["FROMISO_OK", "MAX_COLUMNS", "RowUnsure", "compile_rows"]
