"""What ``predict`` receives, in the pandas of the chosen release's server.

The emulator runs on the pandas installed here (3.x), where a string column
has the ``str`` dtype and a JSON ``null`` in it becomes NaN.  A release
served with pandas 2 (MLflow 2.22) hands the model the same strings in an
``object`` column, where a ``null`` sent in ``dataframe_split`` or
``dataframe_records`` stays ``None`` (a key missing from a record is still
NaN) (`Release.string_dtype`).  This turns one into the other after every
stage has run, so verdicts and warnings are computed once.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._signature.value_rules import numpy_str_cells

from .parse import MISSING

if TYPE_CHECKING:
    from sig2jsonschema._releases.table import Release

    from .parse import Parsed


def for_release(data: Any, parsed: Parsed | None) -> Any:
    """``data`` as the release's server hands it to ``predict`` (a new frame if it changes)."""
    return data if parsed is None else _object_strings(data, parsed.release, parsed)


def _object_strings(data: Any, release: Release, parsed: Parsed | None) -> Any:
    if release.string_dtype != "object":
        return data
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        return data
    kinds = [isinstance(dtype, pd.StringDtype) for dtype in data.dtypes]
    if not any(kinds):
        return data
    # Column by position (labels may repeat), into a shallow copy: the other
    # columns are shared, not copied (~3x cheaper than concatenating them).
    out = data.copy(deep=False)
    for i, is_string in enumerate(kinds):
        if is_string:
            out.isetitem(i, _as_object(data.iloc[:, i], parsed))
    return out


def _as_object(column: Any, parsed: Parsed | None) -> Any:
    """An object column; a ``null`` pandas 3 made NaN stays None (pandas 2 keeps it),
    and a string MLflow read through numpy on its own stays a ``numpy.str_``."""
    import pandas as pd

    out = column.astype(object)
    if _numpy_strings(column.name, parsed):
        # Built from an object array: ``Series.map`` would infer ``str`` again.
        out = pd.Series(numpy_str_cells(out), index=out.index, name=out.name, dtype=object)
    sent = _sent_values(column.name, len(out), parsed)
    if sent is None:
        return out
    for i, value in enumerate(sent):
        if value is None and _is_nan(out.iloc[i]):
            out.iloc[i] = None
    return out


def _numpy_strings(label: Any, parsed: Parsed | None) -> bool:
    """Whether the parse stage made this column's strings numpy scalars.

    MLflow converts an ``inputs`` record's values, and a column sent as one
    value, one by one with numpy: pandas 2 keeps the ``numpy.str_`` in its
    ``object`` column, where pandas 3's ``str`` dtype turns them into ``str``
    (checked on MLflow 2.22.5 with pandas 2.3.3).  A column sent as a list is
    stacked into one array first: ``str`` either way.
    """
    data = parsed.data if parsed is not None else None
    if isinstance(data, dict):
        return isinstance(data.get(label), np.str_)
    if isinstance(data, list):
        return any(isinstance(row, dict) and isinstance(row.get(label), np.str_) for row in data)
    return False


def _sent_values(label: Any, rows: int, parsed: Parsed | None) -> list[Any] | None:
    """What the body sent for each row of a column, or None when that is not known."""
    source = parsed.sources.get(label) if parsed is not None else None
    if source is None or parsed is None:
        return None
    if source.value is not None:
        sent = [source.value(i) for i in range(rows)]
        if any(v is MISSING for v in sent) and parsed.envelope == "dataframe_split":
            return None  # rows did not line up with the body
        return sent
    if isinstance(source.records, list) and len(source.records) == rows:
        return [r.get(label, MISSING) if isinstance(r, dict) else MISSING for r in source.records]
    if isinstance(source.sent, list) and len(source.sent) == rows:
        return list(source.sent)
    return None


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


__all__ = ["for_release"]
