"""Text columns as pandas' own text arrays, built from the joined values.

MLflow's frame holds a column of Python strings as pandas' text dtype
(pyarrow-backed ``str`` in pandas 3); pandas builds it by reading each value.
The column checker (`sig2jsonschema._fast.columns`) has already joined the
values (its type check) and encoded them (its letter census): those bytes are
the Arrow array's data, and one ``orjson.dumps`` of the values gives its
offsets, without a Python-level pass over the values.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._signature.value_rules import numpy_str_cells

from .base import Bail

if TYPE_CHECKING:
    from collections.abc import Sequence


@functools.cache
def _text_dtype() -> Any:
    """The dtype pandas infers for a column of Python strings (``str`` in pandas 3)."""
    import pandas as pd

    return pd.Series(["a"]).dtype


def object_text() -> bool:
    """Whether this pandas holds a Series of strings as ``object`` (pandas 2)."""
    return bool(_text_dtype() == np.dtype(object))


def _utf8_offsets(values: Sequence[Any]) -> np.ndarray[Any, Any] | None:
    """The Arrow offsets of ``values``' UTF-8 bytes laid end to end, or None.

    ``orjson.dumps`` writes a list of strings as ``["a","b",...]``, each
    string's UTF-8 bytes between two quotes, unless a string holds a quote, a
    backslash or a control character, which it escapes with a backslash.
    Without one, the ``k``-th opening quote sits at ``1 + offset[k] + 3k``: the
    offsets come from one C-level dump and one vectorized search, several
    times faster than reading each value's length in Python.
    """
    import orjson

    try:
        dumped = orjson.dumps(values)  # a list or a tuple
    except (orjson.JSONEncodeError, TypeError):  # a lone surrogate, another sequence
        return None
    n = len(values)
    if b"\\" in dumped or not n:
        return None
    quotes = np.flatnonzero(np.frombuffer(dumped, dtype=np.uint8) == _QUOTE)
    if len(quotes) != 2 * n:  # pragma: no cover - any other quote is escaped
        return None
    offsets = np.empty(n + 1, dtype=np.int64)
    np.subtract(quotes[0::2], np.arange(1, 3 * n, 3, dtype=np.int64), out=offsets[:n])
    offsets[n] = len(dumped) - 3 * n - 1  # brackets, quotes and commas aside
    return offsets


_QUOTE = ord('"')


def text_array(
    values: Sequence[Any],
    joined: str | None = None,
    encoded: bytes | None = None,
    *,
    numpy_strings: bool = False,
) -> Any:
    """The pandas array MLflow's frame holds for a column of strings.

    With pyarrow-backed ``str`` (pandas 3 with pyarrow) the strings go
    straight into an Arrow array, which is what pandas itself builds, minus
    pandas' per-value inference.  ``joined`` (the values joined, when the
    caller has them; ``encoded``: its UTF-8 bytes, if already made) is the
    array's data; the offsets come from `_utf8_offsets`, without reading the
    values one by one again.  ``numpy_strings``: MLflow made each value a
    ``numpy.str_`` (`sig2jsonschema._fast.base.Ctx.numpy_strings`), which only
    an ``object`` column (pandas 2) keeps.
    """
    import pandas as pd

    dtype = _text_dtype()
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa  # type: ignore[import-untyped]
        from pandas.arrays import ArrowStringArray

        offsets = _utf8_offsets(values) if joined is not None else None
        if offsets is not None:
            # No lone surrogate (the dump would have failed): "surrogatepass"
            # bytes are the strict UTF-8 bytes.
            assert joined is not None
            data = joined.encode("utf-8") if encoded is None else encoded
            if int(offsets[-1]) != len(data):  # pragma: no cover - the dump held just these
                raise Bail
            chunk = pa.LargeStringArray.from_buffers(
                len(values), pa.py_buffer(offsets), pa.py_buffer(data)
            )
        else:
            try:
                chunk = pa.array(values, type=pa.large_string())
            except (pa.ArrowException, UnicodeError):  # pragma: no cover - checked as str above
                raise Bail from None
        return ArrowStringArray(pa.chunked_array([chunk]), dtype=dtype)  # type: ignore[call-arg]
    if numpy_strings and dtype == np.dtype(object):
        return pd.array(numpy_str_cells(values), dtype=dtype)
    return pd.array(list(values), dtype=dtype)


__all__ = ["object_text", "text_array"]
