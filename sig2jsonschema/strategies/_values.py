"""Value strategies: one row of the canonical decoding table per MLflow type.

Every strategy here builds a JSON value that the strict contract accepts *by
construction* (bounds, token kinds, formats), never by filtering, so no
``filter_too_much`` health check can fire and generation stays fast.  The
body builders in `_bodies` lay these values out in an envelope.

Two rule sets exist because MLflow has two (spec 3.2 versus 3.5):

* **column** values are top-level cells of a column signature sent in an
  envelope: the scoring server casts them with numpy/pandas first, so a
  ``double`` column takes integer tokens too;
* **nested** values (array elements, object properties, map values, and the
  top-level values of the unparsed ``llm`` form) are enforced one by one
  with no cast: ``double`` needs a float token (or the whole-array rule),
  and ``integer``/``float``/``datetime`` cannot be sent at all.

A nested strategy of ``None`` means "no JSON value can be sent here"; the
callers then leave the position out (optional), send an empty container, or
report that the signature cannot be served.
"""

from __future__ import annotations

import base64
import datetime as _dt
import functools
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from hypothesis import strategies as st

from sig2jsonschema._signature.types import (
    AnyType,
    Array,
    ColType,
    DataType,
    Map,
    Object,
    ParamSpec,
    SparkMLVector,
)

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
#: Integer tokens sent to a double column stay exact in float64.
SAFE_DOUBLE_INT = 2**53
#: pandas' nanosecond range, with a day of margin at the low end (1677-09-21
#: 00:12:43 is the true minimum) and the exact maximum at the top.
DATETIME_MIN = _dt.datetime(1677, 9, 22)  # noqa: DTZ001 - MLflow datetimes are naive
DATETIME_MAX = _dt.datetime(2262, 4, 11, 23, 47, 16, 854775)  # noqa: DTZ001
DATE_MAX = _dt.date(2262, 4, 11)

#: The textual datetime formats MLflow parses the same way in every envelope
#: (pandas for split/records, numpy for inputs/instances); a column uses one.
DATETIME_FORMATS = ("date", "seconds", "microseconds")

#: The largest batch a strategy draws for a ``-1`` dimension or a row count
#: (small on purpose: examples stay readable and shrink fast).
MAX_ROWS = 5
#: Side length used for -1 dimensions after the first (tensor inner dims).
MAX_INNER = 4


def finite_floats(width: int = 64) -> SearchStrategy[float]:
    """Finite floats exactly representable at ``width`` bits (no NaN/inf: RFC 8259)."""
    bits: Literal[16, 32, 64] = 16 if width <= 16 else 32 if width <= 32 else 64
    return st.floats(allow_nan=False, allow_infinity=False, width=bits)


def base64_text() -> SearchStrategy[str]:
    """Standard base64 with padding, sometimes line-broken as MLflow writes it."""
    return st.builds(
        lambda raw, mlflow_style: (
            base64.encodebytes(raw) if mlflow_style else base64.b64encode(raw)
        ).decode("ascii"),
        st.binary(max_size=64),
        st.booleans(),
    )


def datetime_text(fmt: str) -> SearchStrategy[str]:
    """ISO 8601 text in one of `DATETIME_FORMATS`, within pandas' ns range."""
    if fmt == "date":
        return st.dates(DATETIME_MIN.date(), DATE_MAX).map(_dt.date.isoformat)
    spec = "%Y-%m-%dT%H:%M:%S" if fmt == "seconds" else "%Y-%m-%dT%H:%M:%S.%f"
    return st.datetimes(DATETIME_MIN, DATETIME_MAX).map(lambda d: _iso(d, spec))


def _iso(value: _dt.datetime, spec: str) -> str:
    # strftime pads years below 1000 inconsistently across platforms; the range
    # starts at 1677, so the year always has four digits.
    return value.strftime(spec)


def any_json() -> SearchStrategy[Any]:
    """Shallow JSON for ``any`` positions (one level of lists/objects: fast to draw)."""
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**31), 2**31),
        finite_floats(),
        st.text(max_size=8),
    )
    return st.one_of(
        scalar,
        st.lists(scalar, max_size=3),
        st.dictionaries(st.text(max_size=4), scalar, max_size=3),
    )


# --------------------------------------------------------------------------
# Column (top-level) values
# --------------------------------------------------------------------------
def column_scalar(dtype: DataType, datetime_format: str = "seconds") -> SearchStrategy[Any]:
    """A top-level cell of a scalar column (the parse stage casts it, spec 3.2)."""
    if dtype is DataType.boolean:
        return st.booleans()
    if dtype is DataType.integer:
        return st.integers(*INT32)
    if dtype is DataType.long:
        return st.integers(*INT64)
    if dtype is DataType.float:
        return st.one_of(finite_floats(32), st.integers(-(2**24), 2**24))
    if dtype is DataType.double:
        return st.one_of(finite_floats(), st.integers(-SAFE_DOUBLE_INT, SAFE_DOUBLE_INT))
    if dtype is DataType.string:
        return st.text()
    if dtype is DataType.binary:
        return base64_text()
    return datetime_text(datetime_format)


#: Optional scalar columns that may hold ``null`` (NaN/NaT); the others may only be absent.
NULLABLE_OPTIONAL = frozenset({DataType.double, DataType.float, DataType.datetime})


def column_values(
    col_type: ColType, rows: int, *, nullable: bool = False
) -> SearchStrategy[list[Any]] | None:
    """``rows`` cells of one column, or ``None`` if no value can be sent.

    ``nullable`` (an optional double/float/datetime column) lets cells be
    ``null``.  A datetime column draws its format once, so every cell of
    the column shares it (pandas infers one format per column).
    """
    if isinstance(col_type, DataType):
        if col_type is DataType.datetime:
            return st.sampled_from(DATETIME_FORMATS).flatmap(
                lambda fmt: _cells(datetime_text(fmt), rows, nullable=nullable)
            )
        return _cells(column_scalar(col_type), rows, nullable=nullable)
    element = nested_value(col_type)
    if element is None:
        return None
    return _cells(element, rows, nullable=False)


def _cells(element: SearchStrategy[Any], rows: int, *, nullable: bool) -> SearchStrategy[list[Any]]:
    if nullable:
        element = st.one_of(element, st.none())
    return st.lists(element, min_size=rows, max_size=rows)


# --------------------------------------------------------------------------
# Nested values (spec 3.5: no cast, each value enforced on its own)
# --------------------------------------------------------------------------
def nested_scalar(dtype: DataType) -> SearchStrategy[Any] | None:
    """A nested scalar, or ``None`` for the types JSON cannot carry (integer, float, datetime)."""
    if dtype is DataType.boolean:
        return st.booleans()
    if dtype is DataType.long:
        return st.integers(*INT64)
    if dtype is DataType.double:
        # a float token always passes; the integers 0 and 1 pass on their own
        return st.one_of(finite_floats(), st.sampled_from((0, 1)))
    if dtype is DataType.string:
        return st.text()
    if dtype is DataType.binary:
        # never decoded when nested: any text reaches predict as text
        return base64_text()
    return None


def hinted_scalar(dtype: DataType) -> SearchStrategy[Any] | None:
    """A scalar for a type-hint model, which checks Python types, not numpy casts.

    ``int`` hints (long, integer) take integer tokens, ``float`` hints (float,
    double) float tokens; JSON has no ``bytes`` or ``datetime.date``.
    """
    if dtype is DataType.boolean:
        return st.booleans()
    if dtype is DataType.integer:
        return st.integers(*INT32)
    if dtype is DataType.long:
        return st.integers(*INT64)
    if dtype is DataType.float:
        return finite_floats(32)
    if dtype is DataType.double:
        return finite_floats()
    if dtype is DataType.string:
        return st.text()
    return None


def double_array(max_size: int = MAX_ROWS) -> SearchStrategy[list[Any]]:
    """A nested ``Array(double)`` satisfying MLflow's whole-array rule by construction.

    pandas infers one dtype for the whole list: integer tokens are fine when
    the list also holds a float token (float64) or when they are all 0/1
    (int64 0/1 may be cast to double); otherwise (``[1, 2]``) MLflow refuses
    it.  The map below turns the first offending integer into a float token.
    """
    element = st.one_of(finite_floats(), st.integers(-1000, 1000))
    return st.lists(element, max_size=max_size).map(_whole_array_rule)


def _whole_array_rule(values: list[Any]) -> list[Any]:
    if any(isinstance(v, float) for v in values):
        return values
    for i, v in enumerate(values):
        if v not in (0, 1):
            return [*values[:i], float(v), *values[i + 1 :]]
    return values


def nested_value(col_type: ColType, max_size: int = MAX_ROWS) -> SearchStrategy[Any] | None:
    """A nested value of ``col_type`` under MLflow's nested rules, or ``None``.

    Optional object properties are sometimes absent (never ``null``: the
    portable subset sends no nulls inside values); arrays and maps may be
    empty, which is also how positions of an unsendable type are filled.
    """
    if isinstance(col_type, DataType):
        return nested_scalar(col_type)
    if isinstance(col_type, AnyType):
        return any_json()
    if isinstance(col_type, SparkMLVector):
        return double_array(max_size)
    if isinstance(col_type, Array):
        if col_type.items is DataType.double:
            return double_array(max_size)
        if col_type.items is DataType.binary:
            # the whole array is cast to bytes of the text, never base64-decoded:
            # only the empty array reaches the model unchanged
            return st.just([])
        items = nested_value(col_type.items, max(1, max_size - 2))
        if items is None:
            return st.just([])
        return st.lists(items, max_size=max_size)
    if isinstance(col_type, Map):
        values = nested_value(col_type.values, max(1, max_size - 2))
        if values is None:
            return st.just({})
        return st.dictionaries(st.text(max_size=6), values, max_size=max(1, max_size - 2))
    return object_value(col_type, max_size)


def object_value(obj: Object, max_size: int = MAX_ROWS) -> SearchStrategy[dict[str, Any]] | None:
    """An ``Object`` value: required properties always, optional ones sometimes."""
    required: dict[str, SearchStrategy[Any]] = {}
    optional: dict[str, SearchStrategy[Any]] = {}
    for prop in obj.properties:
        value = nested_value(prop.type, max(1, max_size - 2))
        if value is None:
            if prop.required:
                return None
            continue
        (required if prop.required else optional)[prop.name] = value
    return st.fixed_dictionaries(required, optional=optional)


# --------------------------------------------------------------------------
# Tensors
# --------------------------------------------------------------------------
def tensor_elements(dtype: str) -> SearchStrategy[Any] | None:
    """One element of a tensor of numpy dtype ``dtype`` (None: not sendable as JSON)."""
    kind = np.dtype(dtype).kind
    if kind == "b":
        return st.booleans()
    if kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(int(info.min), int(info.max))
    if kind == "f":
        return finite_floats(min(64, np.dtype(dtype).itemsize * 8))
    if kind == "U":
        return st.text()
    if kind == "S":
        # numpy encodes str to bytes as ASCII
        return st.text(st.characters(codec="ascii"))
    if kind == "O":
        return st.one_of(st.text(max_size=8), st.integers(-1000, 1000), st.booleans())
    if kind == "c":
        return finite_floats(min(64, np.dtype(dtype).itemsize * 4))
    if kind == "M":
        return datetime_text("seconds")
    if kind == "m":
        return st.integers(*INT64)
    return None


#: Integer and boolean tensors up to this many bytes are drawn as one block.
MAX_BLOCK_BYTES = 4096


@functools.lru_cache(maxsize=1024)
def tensor_values(dtype: str, shape: tuple[int, ...]) -> SearchStrategy[Any] | None:
    """A nested list (or scalar, for shape ``()``) of exactly ``shape``.

    Small integer and boolean tensors are drawn as one block of bytes and
    reshaped with numpy (one draw for a whole image: a 28x28 batch costs
    almost nothing and shrinks to zeros).  Larger and floating-point tensors
    use ``hypothesis.extra.numpy.arrays``, which draws a few elements and
    fills the rest, so even big tensors stay within Hypothesis' entropy
    budget.  Strings and objects draw element by element.
    """
    np_dtype = np.dtype(dtype)
    size = int(np.prod(shape)) if shape else 1
    kind = np_dtype.kind
    if kind in "iub" and size * np_dtype.itemsize <= MAX_BLOCK_BYTES:
        nbytes = size * np_dtype.itemsize
        return st.binary(min_size=nbytes, max_size=nbytes).map(
            lambda raw: _from_bytes(raw, np_dtype, shape)
        )
    element = tensor_elements(dtype)
    if element is None:
        return None
    if kind in "iufbc":
        from hypothesis.extra import numpy as hnp

        array_dtype = np_dtype if kind != "c" else np.dtype("float64")
        return hnp.arrays(array_dtype, shape, elements=element).map(lambda a: a.tolist())
    if not shape:
        return element
    return st.lists(element, min_size=size, max_size=size).map(lambda flat: _reshape(flat, shape))


def _from_bytes(raw: bytes, dtype: np.dtype[Any], shape: tuple[int, ...]) -> Any:
    if dtype.kind == "b":
        array = (np.frombuffer(raw, np.uint8) & 1).astype(bool)
    else:
        array = np.frombuffer(raw, dtype.newbyteorder("<"))
    return array.reshape(shape).tolist()


def _reshape(flat: list[Any], shape: tuple[int, ...]) -> Any:
    """Nest a flat list into ``shape`` (row-major), without numpy's dtype inference."""
    if len(shape) <= 1:
        return flat
    step = len(flat) // shape[0] if shape[0] else 0
    if step == 0:
        return [_reshape([], shape[1:]) for _ in range(shape[0])]
    return [_reshape(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


# --------------------------------------------------------------------------
# Params
# --------------------------------------------------------------------------
def param_scalar(dtype: DataType) -> SearchStrategy[Any]:
    """A param value of exactly the JSON kind the type wants (spec 3.9)."""
    if dtype is DataType.boolean:
        return st.booleans()
    if dtype is DataType.integer:
        return st.integers(*INT32)
    if dtype is DataType.long:
        return st.integers(*INT64)
    if dtype is DataType.float:
        return st.one_of(finite_floats(32), st.integers(-1000, 1000))
    if dtype is DataType.double:
        return st.one_of(finite_floats(), st.integers(-1000, 1000))
    if dtype is DataType.string:
        return st.text()
    if dtype is DataType.datetime:
        return st.sampled_from(DATETIME_FORMATS).flatmap(datetime_text)
    msg = f"binary params do not exist in MLflow (param type {dtype})"
    raise ValueError(msg)


def param_value(spec: ParamSpec) -> SearchStrategy[Any] | None:
    """A value for one param (a list for shape ``[-1]``), or None if unsendable."""
    if isinstance(spec.type, Object):
        return object_value(spec.type)
    scalar = param_scalar(spec.type)
    if spec.shape is not None:
        return st.lists(scalar, max_size=MAX_ROWS)
    return scalar


__all__ = [
    "DATETIME_FORMATS",
    "INT32",
    "INT64",
    "MAX_INNER",
    "MAX_ROWS",
    "NULLABLE_OPTIONAL",
    "any_json",
    "base64_text",
    "column_scalar",
    "column_values",
    "datetime_text",
    "double_array",
    "finite_floats",
    "hinted_scalar",
    "nested_scalar",
    "nested_value",
    "object_value",
    "param_scalar",
    "param_value",
    "tensor_elements",
    "tensor_values",
]
