"""The strict datetime forms by their digit shape: one test for every checker.

A strict datetime text (``docs/strict-contract.md``) has one of eight forms,
told apart by length alone, so a text's form is its *digit shape*: every
ASCII digit mapped to ``9`` (`SHAPE`, a ``bytes.translate`` table), the rest
unchanged (`DT_SHAPES`).  A column must hold one form (MLflow takes the
format of the column from its first text).  The calendar and clock ranges
are ``datetime.fromisoformat``'s, where it reads every strict form and
refuses hour 24 (`FROMISO_OK`).

The quick path's group check (`sig2jsonschema._fast.quick`) and the column
path's few-texts reader (`sig2jsonschema._fast.columns`) call
`parse_one_shape`; the generated row checks (`sig2jsonschema._fast.rows`)
inline the same test per value with these tables; the column path's big
columns read the digits from the bytes `one_shape` joins.
"""

from __future__ import annotations

import datetime as _dt
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence

#: Digits -> ``9``, every other byte unchanged: a datetime text's shape.
SHAPE = bytes(0x39 if 0x30 <= i <= 0x39 else i for i in range(256))
#: The strict datetime pattern's forms, by length, as digit shapes.
DT_SHAPES = {
    10: b"9999-99-99",
    19: b"9999-99-99T99:99:99",
    **{20 + k: b"9999-99-99T99:99:99." + b"9" * k for k in range(1, 7)},
}
#: The years ``datetime64[ns]`` holds whole.
FIRST_YEAR, LAST_YEAR = "1678", "2261"


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
_FROMISO = _dt.datetime.fromisoformat


def one_shape(texts: Sequence[Any]) -> bytes | None:
    """The texts as ASCII bytes, each followed by a ``|``, if all are strings of the
    first one's strict form (else None): a grid of ``len(texts)`` rows of fixed fields.

    The ``|`` between texts makes each text's own length count, not only the
    total: a text one digit too long beside one a digit short would otherwise
    keep the repeated shape, and the grid would read two valid datetimes from
    two invalid texts.  No strict form holds a ``|``, so the joined shape has
    exactly the separators the join put there, each at its row's end.
    """
    first = texts[0]
    if type(first) is not str:
        return None
    shape = DT_SHAPES.get(len(first))
    if shape is None:
        return None
    try:
        grid = ("|".join(texts) + "|").encode("ascii")
    except (TypeError, UnicodeEncodeError):
        return None
    if grid.translate(SHAPE) != (shape + b"|") * len(texts):
        return None
    return grid


def parse_one_shape(texts: Sequence[Any]) -> list[_dt.datetime] | None:
    """The texts read as datetimes, if all are strings of the first one's strict form,
    of years 1678-2261, that ``fromisoformat`` reads (else None, whatever the reason).
    """
    if not texts or not FROMISO_OK or one_shape(texts) is None:
        return None
    if min(texts)[:4] < FIRST_YEAR or max(texts)[:4] > LAST_YEAR:
        return None
    try:
        return list(map(_FROMISO, texts))  # calendar and clock ranges
    except ValueError:
        return None


__all__ = [
    "DT_SHAPES",
    "FIRST_YEAR",
    "FROMISO_OK",
    "LAST_YEAR",
    "SHAPE",
    "one_shape",
    "parse_one_shape",
]
