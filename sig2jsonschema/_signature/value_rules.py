"""MLflow's value-level enforcement: scalar columns (spec 3.3) and nested values (3.5).

MLflow decides whether a column or a nested value fits its type by building a
pandas Series and comparing numpy dtypes (``_enforce_mlflow_datatype``), so the
answer depends on what pandas infers from the *whole* list (``[1, 2]`` is
int64 and fails ``Array(double)``, ``[1, 2.5]`` is float64 and passes).  To
reproduce every pandas quirk (``["a", None]`` arriving as ``["a", "n"]``) the
general path here runs the same pandas operations; uniform lists of the
obvious Python type take a fast path whose result is the same by construction.

Values are never mutated: objects and maps come back as new dicts.  Failures
raise `NestedValueError` (a ``ValueError``) carrying the path inside the value.
pandas is imported where a Series is built, not with the module: reading a
signature checks object param defaults here, and must not load pandas.
"""

from __future__ import annotations

import decimal
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .param_rules import describe_json
from .types import AnyType, Array, DataType, Map, Object, SparkMLVector

if TYPE_CHECKING:
    import pandas as pd

    from .types import ColType

#: numpy dtype of each DataType (``DataType.to_numpy()`` in MLflow).
NUMPY_TYPES: dict[DataType, np.dtype[Any]] = {
    DataType.boolean: np.dtype("bool"),
    DataType.integer: np.dtype("int32"),
    DataType.long: np.dtype("int64"),
    DataType.float: np.dtype("float32"),
    DataType.double: np.dtype("float64"),
    DataType.string: np.dtype("str"),
    DataType.binary: np.dtype("bytes"),
    DataType.datetime: np.dtype("datetime64[ns]"),
}
#: pandas type of each DataType (``DataType.to_pandas()``): ``object`` for text.
PANDAS_TYPES: dict[DataType, Any] = {
    **NUMPY_TYPES,
    DataType.string: object,
    DataType.binary: object,
}

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


class NestedValueError(ValueError):
    """A value does not fit its (nested) type; ``path`` locates it inside the value."""

    def __init__(self, expected: str, got: str, path: tuple[str | int, ...] = ()) -> None:
        self.expected = expected
        self.got = got
        self.path = path
        super().__init__(f"expected {expected}, got {got}")

    def within(self, token: str | int) -> NestedValueError:
        """The same error, one level further out (``token`` prepended to the path)."""
        return NestedValueError(self.expected, self.got, (token, *self.path))


def describe_dtype(dtype: Any) -> str:
    """A pandas/numpy dtype in words (``int64``, ``str``, ``object``)."""
    return str(dtype)


def _reject_series(values: pd.Series[Any], dtype: DataType) -> NestedValueError:
    return NestedValueError(f"{dtype} values", f"{describe_dtype(values.dtype)} values")


def enforce_series(
    values: pd.Series[Any], dtype: DataType, *, object_strings: bool = False
) -> pd.Series[Any]:
    """Check (and safely cast) a pandas Series against a DataType, as MLflow does.

    The order of the checks is MLflow's; several are dtype comparisons whose
    exact operands matter (``object == dtype`` holds for object dtype only).

    Raises:
        NestedValueError: MLflow would refuse the column.
    """
    import pandas as pd

    if values.dtype == object and dtype not in {DataType.binary, DataType.string}:
        inferred = values.infer_objects()
        # pandas 2 (``object_strings``) leaves strings in the object column.
        if not (object_strings and isinstance(inferred.dtype, pd.StringDtype)):
            values = inferred
    is_text = isinstance(values.dtype, pd.StringDtype)
    if dtype is DataType.string and (values.dtype == object or is_text):
        return values
    if dtype is DataType.binary and is_text:
        return values
    if PANDAS_TYPES[dtype] == values.dtype or NUMPY_TYPES[dtype] == values.dtype:
        return values
    kind = values.dtype.kind
    if dtype is DataType.binary and kind == "S":
        return values
    if dtype is DataType.datetime and kind == "M":
        try:
            return values.astype(np.dtype("datetime64[ns]"))
        except TypeError:
            raise NestedValueError(
                "timezone-naive datetimes", f"{describe_dtype(values.dtype)} values"
            ) from None
    if dtype is DataType.datetime and values.dtype == object:
        try:
            return values.astype(np.dtype("datetime64[ns]"), errors="raise")
        except (ValueError, TypeError, OverflowError):
            raise _reject_series(values, dtype) from None
    if dtype is DataType.boolean and values.dtype == object:
        # MLflow keeps object columns unchanged here so that None stays None.
        return values
    if dtype is DataType.double and values.dtype == decimal.Decimal:
        # ``object == Decimal`` holds for every object column: MLflow meant this
        # for Decimal values but it catches all of them (spec 3.3 step 7).
        try:
            return pd.to_numeric(values, errors="raise")
        except (ValueError, TypeError):
            raise _reject_series(values, dtype) from None
    target = NUMPY_TYPES[dtype]
    size = getattr(values.dtype, "itemsize", None)
    if size is None:
        # MLflow fails on the missing attribute: the same refusal.
        raise _reject_series(values, dtype)
    if kind == target.kind:
        upcast = size <= target.itemsize
    elif kind == "u" and target.kind == "i":
        upcast = size < target.itemsize
    elif kind in {"i", "u"} and target == np.float64:
        upcast = size <= 6
    else:
        upcast = False
    if upcast:
        return values.astype(target, errors="raise")
    if (
        values.dtype == np.int64
        and target in {np.dtype("float32"), np.dtype("float64")}
        and bool(values.isin((0, 1)).all())
    ):
        return values.astype(target, errors="raise")
    raise _reject_series(values, dtype)


# --------------------------------------------------------------------------
# Nested values (_enforce_type and friends)
# --------------------------------------------------------------------------
def _is_none_or_nan(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    import pandas as pd

    return value is pd.NA or value is pd.NaT


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "boolean"
    if isinstance(value, (int, np.integer)):
        return "integer"
    if isinstance(value, (float, np.floating)):
        return "number"
    if isinstance(value, (str, np.str_)):
        return "string"
    if isinstance(value, (list, np.ndarray)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _got(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array of {value.dtype} (shape {list(value.shape)})"
    if isinstance(value, np.generic):
        value = value.item()
    return describe_json(value)


def _series(value: Any, object_strings: bool) -> Any:
    """``pd.Series(value)``; pandas 2 (``object_strings``) holds strings in an object Series."""
    import pandas as pd

    series = pd.Series(value)
    if object_strings and isinstance(series.dtype, pd.StringDtype):
        # Rebuilt from the values: a None stays None (astype would give NaN).
        return pd.Series(value, dtype=object)
    return series


def enforce_scalar(
    value: Any, dtype: DataType, required: bool = True, *, object_strings: bool = False
) -> Any:
    """One nested scalar (``_enforce_datatype``): returns a numpy scalar or ``str``.

    ``object_strings``: MLflow runs on pandas 2, where ``pd.Series`` holds
    strings with the ``object`` dtype (so a datetime string parses).

    Raises:
        NestedValueError: not a scalar, or a scalar whose dtype does not fit.
    """
    if not required and _is_none_or_nan(value):
        return None
    if not np.isscalar(value):
        raise NestedValueError(f"a {dtype} scalar", _got(value))
    # pandas 2 parses a datetime string held in an object Series: no shortcut then.
    pandas2_datetime = object_strings and dtype is DataType.datetime and isinstance(value, str)
    fast = _NO_FAST_PATH if pandas2_datetime else _fast_scalar(value, dtype)
    if fast is not _NO_FAST_PATH:
        return fast
    try:
        series = enforce_series(
            _series(value, object_strings), dtype, object_strings=object_strings
        )
    except (NestedValueError, ValueError, TypeError, OverflowError):
        raise NestedValueError(_EXPECTED_NESTED[dtype], _got(value)) from None
    return series[0]


_NO_FAST_PATH = object()

_EXPECTED_NESTED = {
    DataType.boolean: "a boolean (true/false)",
    DataType.integer: "an integer MLflow can hold as int32 (none can be sent from JSON)",
    DataType.long: "an integer token within int64",
    DataType.float: "a float32 (only the integers 0 and 1 pass from JSON)",
    DataType.double: "a float token (integers only 0 or 1)",
    DataType.string: "a string",
    DataType.binary: "a string",
    DataType.datetime: "a datetime (none can be sent from JSON with pandas 3)",
}


def _fast_scalar(value: Any, dtype: DataType) -> Any:
    """The outcome for the common plain-Python scalars, without building a Series."""
    kind = type(value)
    if kind is bool:
        if dtype is DataType.boolean:
            return np.bool_(value)
        raise NestedValueError(_EXPECTED_NESTED[dtype], _got(value))
    if kind is int:
        if not _INT64_MIN <= value <= _INT64_MAX:
            # pandas holds these as uint64 or object, with their own quirks.
            return _NO_FAST_PATH
        if dtype is DataType.long:
            return np.int64(value)
        if dtype in {DataType.float, DataType.double} and value in {0, 1}:
            return NUMPY_TYPES[dtype].type(value)
        raise NestedValueError(_EXPECTED_NESTED[dtype], _got(value))
    if kind is float:
        if dtype is DataType.double:
            return np.float64(value)
        raise NestedValueError(_EXPECTED_NESTED[dtype], _got(value))
    if kind is str and _plain_text(value):
        if dtype in {DataType.string, DataType.binary}:
            return value
        raise NestedValueError(_EXPECTED_NESTED[dtype], _got(value))
    return _NO_FAST_PATH


def enforce_array(
    value: Any,
    arr: Array | SparkMLVector,
    required: bool = True,
    *,
    timestamps: bool = False,
    object_strings: bool = False,
) -> Any:
    """One nested array (``_enforce_array``): a list in gives a list out.

    ``timestamps``: a datetime array comes back as pandas Timestamps rather
    than integers of nanoseconds (`Release.array_datetimes_as_timestamps`).
    ``object_strings``: as for `enforce_scalar` (pandas 2).

    Raises:
        NestedValueError: not a list/ndarray, or an element does not fit.
    """
    items = DataType.double if isinstance(arr, SparkMLVector) else arr.items
    if (not required or isinstance(items, AnyType)) and (
        value is None or (isinstance(value, (list, np.ndarray)) and len(value) == 0)
    ):
        return value
    if not isinstance(value, (list, np.ndarray)):
        raise NestedValueError(f"an array of {items}", _got(value))
    if isinstance(items, DataType):
        if len(value) == 0:
            return value
        if isinstance(value, list):
            fast = _fast_array(value, items)
            if fast is not None:
                return fast
        import pandas as pd

        try:
            enforced = enforce_series(
                _series(value, object_strings), items, object_strings=object_strings
            ).to_numpy(dtype=NUMPY_TYPES[items])
        except (NestedValueError, ValueError, TypeError, OverflowError):
            raise _array_error(value, items) from None
        if not isinstance(value, list):
            return enforced
        if timestamps and items is DataType.datetime:
            return pd.Series(enforced).tolist()
        return enforced.tolist()
    out: list[Any] = []
    for i, element in enumerate(value):
        try:
            out.append(
                enforce_value(
                    element,
                    items,
                    required,
                    timestamps=timestamps,
                    object_strings=object_strings,
                )
            )
        except NestedValueError as exc:  # noqa: PERF203 - the failing element is the answer
            raise exc.within(i) from None
    return np.array(out) if isinstance(value, np.ndarray) else out


def _array_error(value: Any, items: DataType) -> NestedValueError:
    """Point at the first element that makes pandas infer the wrong dtype (heuristic)."""
    for i, element in enumerate(value):
        try:
            enforce_scalar(element, items, required=True)
        except NestedValueError:  # noqa: PERF203 - the failing element is the answer
            return NestedValueError(
                f"{_EXPECTED_NESTED[items]} (MLflow checks the array as a whole)",
                _got(element),
                (i,),
            )
    return NestedValueError(f"an array of {items}", _got(value))


def _fast_array(value: list[Any], items: DataType) -> list[Any] | None:
    """Uniform lists whose pandas round trip is the identity (else ``None``)."""
    if items is DataType.double:
        if all(type(v) is float for v in value):
            return list(value)
    elif items is DataType.long:
        if all(type(v) is int and _INT64_MIN <= v <= _INT64_MAX for v in value):
            return list(value)
    elif items is DataType.boolean:
        if all(type(v) is bool for v in value):
            return list(value)
    elif items is DataType.string and all(type(v) is str and _plain_text(v) for v in value):
        return list(value)
    return None


def _plain_text(text: str) -> bool:
    """Text that every pandas string storage and numpy ``<U`` keep unchanged."""
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def enforce_object(
    value: Any,
    obj: Object,
    required: bool = True,
    *,
    timestamps: bool = False,
    object_strings: bool = False,
) -> Any:
    """One nested object (``_enforce_object``); returns a new dict (options: `enforce_array`).

    Raises:
        NestedValueError: not a dict, missing/unknown properties, or a bad value.
    """
    if not required and (value is None or value == {}):
        return value
    if not isinstance(value, dict):
        raise NestedValueError(f"an object {obj}", _got(value))
    props = {p.name: p for p in obj.properties}
    missing = [p.name for p in obj.properties if p.required and p.name not in value]
    if missing:
        raise NestedValueError(
            f"an object with required properties {sorted(props)}",
            f"an object without {missing[0]!r}",
            (missing[0],),
        )
    unknown = [k for k in value if k not in props]
    if unknown:
        raise NestedValueError(
            f"an object with only the properties {sorted(props)}",
            f"unknown property {unknown[0]!r}",
            (unknown[0],),
        )
    out: dict[str, Any] = {}
    for key, element in value.items():
        prop = props[key]
        try:
            out[key] = enforce_value(
                element,
                prop.type,
                prop.required,
                timestamps=timestamps,
                object_strings=object_strings,
            )
        except NestedValueError as exc:
            raise exc.within(key) from None
    return out


def enforce_map(
    value: Any,
    map_type: Map,
    required: bool = True,
    *,
    timestamps: bool = False,
    object_strings: bool = False,
) -> Any:
    """One nested map (``_enforce_map``); returns a new dict (options: `enforce_array`).

    Raises:
        NestedValueError: not a dict, or a value does not fit.
    """
    if (not required or isinstance(map_type.values, AnyType)) and (value is None or value == {}):
        return value
    if not isinstance(value, dict):
        raise NestedValueError(f"a map of {map_type.values}", _got(value))  # noqa: PD011 - Map.values is our model, not pandas
    if not all(isinstance(k, str) for k in value):
        raise NestedValueError("string keys", "a non-string key")
    out: dict[str, Any] = {}
    for key, element in value.items():
        try:
            out[key] = enforce_value(
                element,
                map_type.values,
                required,
                timestamps=timestamps,
                object_strings=object_strings,
            )
        except NestedValueError as exc:  # noqa: PERF203 - the failing element is the answer
            raise exc.within(key) from None
    return out


def enforce_value(
    value: Any,
    col_type: ColType,
    required: bool = True,
    *,
    timestamps: bool = False,
    object_strings: bool = False,
) -> Any:
    """Enforce any value against any column type (``_enforce_type``; options: `enforce_array`).

    Raises:
        NestedValueError: the value does not fit.
    """
    if isinstance(col_type, DataType):
        return enforce_scalar(value, col_type, required, object_strings=object_strings)
    options = {"timestamps": timestamps, "object_strings": object_strings}
    if isinstance(col_type, (Array, SparkMLVector)):
        return enforce_array(value, col_type, required, **options)
    if isinstance(col_type, Object):
        return enforce_object(value, col_type, required, **options)
    if isinstance(col_type, Map):
        return enforce_map(value, col_type, required, **options)
    return value


def check_object_param(obj: Object, value: Any) -> None:
    """Enforce an object param value the way MLflow does (``_enforce_object``).

    Raises:
        NestedValueError: the value does not fit the object type.
    """
    enforce_object(value, obj, required=True)


def numpy_str_cells(values: Any) -> np.ndarray[Any, Any]:
    """``values`` as an object array, each ``str`` a ``numpy.str_`` (anything else as it is).

    The cells of a pandas 2 ``object`` column MLflow filled value by value
    through numpy; a plain list would be re-inferred as text by pandas 3.
    """
    cells = np.empty(len(values), dtype=object)
    cells[:] = [np.str_(v) if type(v) is str else v for v in values]
    return cells


__all__ = [
    "NUMPY_TYPES",
    "PANDAS_TYPES",
    "NestedValueError",
    "check_object_param",
    "enforce_array",
    "enforce_map",
    "enforce_object",
    "enforce_scalar",
    "enforce_series",
    "enforce_value",
    "numpy_str_cells",
]
