"""The conformance corpus's description of what ``predict()`` received, re-implemented.

The corpus (fixtures/conformance/README.md) records MLflow's ``received`` in a
tagged JSON form; `describe` produces the same form for the objects `emulate`
returns, so the two can be compared value for value.  `same` compares two
descriptions strictly: ``1`` and ``1.0`` and ``True`` are different values.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd


def encode(x: Any) -> Any:
    """One value: plain JSON, or a ``$``-tagged object for what JSON cannot carry."""
    if x is None:
        return None
    if x is pd.NA:
        return {"$na": True}
    if x is pd.NaT:
        return {"$nat": True}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        number = float(x)
        if math.isnan(number):
            return {"$float": "nan"}
        if math.isinf(number):
            return {"$float": "inf" if number > 0 else "-inf"}
        return number
    if isinstance(x, (complex, np.complexfloating)):
        return {"$complex": [encode(x.real), encode(x.imag)]}
    if isinstance(x, (str, np.str_)):
        return str(x)
    if isinstance(x, (bytes, bytearray, np.bytes_)):
        return {"$bytes": base64.b64encode(bytes(x)).decode("ascii")}
    if isinstance(x, np.datetime64):
        return {"$nat": True} if np.isnat(x) else {"$datetime": str(x)}
    if isinstance(x, dt.datetime):
        return {"$datetime": x.isoformat()}
    if isinstance(x, dt.date):
        return {"$date": x.isoformat()}
    if isinstance(x, np.ndarray):
        return {"$ndarray": _array(x)}
    if isinstance(x, (list, tuple)):
        return [encode(v) for v in x]
    if isinstance(x, dict):
        return {str(k): encode(v) for k, v in x.items()}
    return {"$repr": repr(x), "$type": type(x).__name__}


def _values(a: np.ndarray) -> Any:
    if a.dtype.kind == "M":
        return np.datetime_as_string(a).tolist()
    if a.dtype.kind == "m":
        return a.astype(str).tolist()
    if a.dtype != object:
        return encode(a.tolist())
    if a.ndim == 0:
        return encode(a[()])
    if a.ndim == 1:
        return [encode(v) for v in a]
    return [_values(row) for row in a]


def _array(a: np.ndarray) -> dict[str, Any]:
    return {"dtype": str(a.dtype), "shape": list(a.shape), "values": _values(a)}


def describe(x: Any) -> dict[str, Any]:
    """Describe a ``predict()`` input the way the corpus does."""
    if isinstance(x, pd.DataFrame):
        return {
            "type": "DataFrame",
            "columns": [encode(c) for c in x.columns],
            "dtypes": [str(t) for t in x.dtypes],
            "index": [encode(i) for i in x.index],
            "values": [[encode(v) for v in row] for row in x.itertuples(index=False)],
        }
    if isinstance(x, np.ndarray):
        return {"type": "ndarray", **_array(x)}
    if isinstance(x, dict):
        return {"type": "dict", "items": {str(k): describe(v) for k, v in x.items()}}
    return {"type": type(x).__name__, "value": encode(x)}


def same(a: Any, b: Any) -> bool:
    """Strict equality of two descriptions: JSON types must match, not just values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two descriptions first differ (for readable assertion messages)."""
    if type(a) is not type(b):
        return f"{path or '/'}: {a!r} != {b!r}"
    if isinstance(a, dict):
        if list(a) != list(b):
            return f"{path or '/'}: keys {list(a)} != {list(b)}"
        for k in a:
            found = first_difference(a[k], b[k], f"{path}/{k}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path or '/'}: length {len(a)} != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            found = first_difference(x, y, f"{path}/{i}")
            if found:
                return found
        return None
    return None if a == b else f"{path or '/'}: {a!r} != {b!r}"
