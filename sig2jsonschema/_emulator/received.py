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

from typing import TYPE_CHECKING, Any

from .parse import MISSING

if TYPE_CHECKING:
    from sig2jsonschema._releases.table import Release

    from .parse import Parsed


def strings_for_release(data: Any, release: Release) -> Any:
    """A frame with no null strings, as ``release``'s pandas hands it to ``predict``."""
    if release.string_dtype != "object":
        return data
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        return data
    kinds = [isinstance(dtype, pd.StringDtype) for dtype in data.dtypes]
    if not any(kinds):
        return data
    columns = [
        data.iloc[:, i].astype(object) if is_string else data.iloc[:, i]
        for i, is_string in enumerate(kinds)
    ]
    out = pd.concat(columns, axis=1)
    out.columns = data.columns
    return out


def for_release(data: Any, parsed: Parsed | None) -> Any:
    """``data`` as the release's server hands it to ``predict`` (a new frame if it changes)."""
    if parsed is None or parsed.release.string_dtype != "object":
        return data
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        return data
    kinds = [isinstance(dtype, pd.StringDtype) for dtype in data.dtypes]
    if not any(kinds):
        return data
    # Column by position: labels may repeat.
    columns = [
        _as_object(data.iloc[:, i], parsed) if is_string else data.iloc[:, i]
        for i, is_string in enumerate(kinds)
    ]
    out = pd.concat(columns, axis=1)
    out.columns = data.columns
    return out


def _as_object(column: Any, parsed: Parsed) -> Any:
    out = column.astype(object)
    source = parsed.sources.get(column.name)
    if source is None or source.value is None:
        return out
    sent = [source.value(i) for i in range(len(out))]
    if any(v is MISSING for v in sent) and parsed.envelope == "dataframe_split":
        return out  # rows did not line up with the body: leave pandas' NaN
    nulls = [i for i, v in enumerate(sent) if v is None]
    for i in nulls:
        out.iloc[i] = None
    return out


__all__ = ["for_release", "strings_for_release"]
