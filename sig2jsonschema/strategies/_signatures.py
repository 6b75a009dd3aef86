"""`signatures()`: a Hypothesis strategy for arbitrary valid MLflow signatures.

It draws MLflow's serialized form (the ``ModelSignature.to_dict()`` parts, as
lists) and reads it with `parse_signature`, so every example is a signature
MLflow itself accepts, normalized exactly as MLflow normalizes it (param
defaults, dtype names).  It covers every `DataType`, `Array`/`Object`/`Map`
nesting, `AnyType`, `SparkMLVector` where MLflow can read it, named and
unnamed columns, the ``required`` quirks (``true``/``false``/``null``),
tensors of every dtype MLflow allows with ``-1`` anywhere in the shape,
params of every type with valid defaults (shape ``[-1]``, object params) and
outputs.  Every example is one MLflow can also *save* (``Model.save`` writes
the signature with ``ModelSignature.to_dict``).

Hypothesis is imported here only; ``sig2jsonschema.strategies`` re-exports
this strategy, so ``import sig2jsonschema`` never imports Hypothesis.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

from sig2jsonschema._signature.serialized import parse_signature

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

JSON = Any

DATA_TYPES = ("boolean", "integer", "long", "float", "double", "string", "binary", "datetime")
#: Tensor dtypes as MLflow normalizes them (``np.dtype(x).name``).
TENSOR_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "str",
    "bytes",
    "object",
    "datetime64[ns]",
    "datetime64[s]",
    "timedelta64[ns]",
)

#: Names exercise quoting and JSON-pointer escaping (``~``, ``/``) and MLflow's
#: special keys (``messages``, ``prompt``, ``input``, ``inputs``, ``params``).
_SPECIAL_NAMES = ("messages", "prompt", "input", "inputs", "params", "a/b", "t~0", "with space")
_names = st.one_of(
    st.sampled_from(_SPECIAL_NAMES),
    st.text(alphabet="abcxyz_0189 -'.é", min_size=1, max_size=8),
)


@functools.cache
def _col_type(depth: int, *, in_container: bool = False) -> st.SearchStrategy[JSON]:
    """A column type dict; ``in_container``: a map value / object property (no sparkml).

    Cached: building strategies is costly for Hypothesis, drawing from one is cheap.
    """
    leaves = [{"type": t} for t in DATA_TYPES] + [{"type": "any"}]
    if not in_container:
        leaves.append({"type": "sparkml_vector"})
    leaf = st.sampled_from(leaves)
    if depth <= 0:
        return leaf
    inner = _col_type(depth - 1)
    inner_contained = _col_type(depth - 1, in_container=True)
    array = inner.map(lambda t: {"type": "array", "items": t})
    map_ = inner_contained.map(lambda t: {"type": "map", "values": t})
    obj = st.dictionaries(
        _names,
        st.tuples(inner_contained, st.sampled_from([True, False, None])),
        min_size=1,
        max_size=3,
    ).map(_object_dict)
    return st.one_of(leaf, array, map_, obj)


def _object_dict(props: dict[str, tuple[JSON, bool | None]]) -> JSON:
    out = {}
    for name, (t, required) in props.items():
        prop = dict(t)
        if required is not None:  # absent: MLflow's default (required)
            prop["required"] = required
        out[name] = prop
    return {"type": "object", "properties": out}


_COLUMN_TYPES = st.one_of(_col_type(0), _col_type(1), _col_type(2))
_SHAPES = st.lists(st.sampled_from([-1, -1, 1, 2, 3]), min_size=0, max_size=4)


_NAME_LISTS = {n: st.lists(_names, min_size=n, max_size=n, unique=True) for n in range(1, 5)}
_NAMED_REQUIRED = st.sampled_from(["true", "false", "null", "absent"])
_UNNAMED_SCALAR_REQUIRED = st.sampled_from(["true", "absent"])
_REQUIRED_VALUE = {"true": True, "false": False, "null": None}
_DTYPES = st.sampled_from(TENSOR_DTYPES)


@st.composite
def _column_schema(draw: st.DrawFn) -> list[JSON]:
    named = draw(st.booleans())
    n = draw(st.integers(1, 4))
    names = draw(_NAME_LISTS[n]) if named else [None] * n
    out = []
    for name in names:
        t = dict(draw(_COLUMN_TYPES))
        if name is not None:
            t["name"] = name
            choice = draw(_NAMED_REQUIRED)
        elif t["type"] in DATA_TYPES:
            # unnamed columns must be required: explicitly, or by MLflow's default
            choice = draw(_UNNAMED_SCALAR_REQUIRED)
        else:
            choice = "true"  # a complex column without `required` would be optional
        if choice != "absent":
            t["required"] = _REQUIRED_VALUE[choice]
        out.append(t)
    return out


@st.composite
def _tensor_schema(draw: st.DrawFn) -> list[JSON]:
    named = draw(st.booleans())
    n = draw(st.integers(1, 3)) if named else 1
    names = draw(_NAME_LISTS[n]) if named else [None]
    out = []
    for name in names:
        spec: JSON = {
            "type": "tensor",
            "tensor-spec": {"dtype": draw(_DTYPES), "shape": draw(_SHAPES)},
        }
        if name is not None:
            spec = {"name": name, **spec}
        out.append(spec)
    return out


_SCHEMA = st.one_of(_column_schema(), _tensor_schema())
_MAYBE_SCHEMA = st.one_of(st.none(), _SCHEMA)


_SCALAR_DEFAULTS: dict[str, st.SearchStrategy[Any]] = {
    "boolean": st.booleans(),
    "integer": st.integers(-(2**31), 2**31 - 1),
    "long": st.integers(-(2**63), 2**63 - 1),
    "float": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "double": st.floats(allow_nan=False, allow_infinity=False) | st.integers(-100, 100),
    "string": st.text(max_size=5),
    "datetime": st.sampled_from(["2024-01-02", "2024-01-02T03:04:05", "1999-12-31T23:59:59.5"]),
}

#: Object-param property types whose values MLflow's nested rules can accept, with a value.
_OBJECT_PARAM_PROPS: tuple[tuple[JSON, st.SearchStrategy[Any]], ...] = (
    ({"type": "boolean"}, st.booleans()),
    ({"type": "long"}, st.integers(-(2**63), 2**63 - 1)),
    ({"type": "double"}, st.floats(allow_nan=False, allow_infinity=False)),
    ({"type": "string"}, st.text(max_size=5)),
    ({"type": "array", "items": {"type": "long"}}, st.lists(st.integers(-5, 5), max_size=3)),
    ({"type": "array", "items": {"type": "string"}}, st.lists(st.text(max_size=3), max_size=3)),
    ({"type": "map", "values": {"type": "string"}},
     st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)),
    ({"type": "any"}, st.one_of(st.none(), st.integers(), st.text(max_size=3))),
)  # fmt: skip


_OBJECT_PARAM_CHOICES = st.dictionaries(
    _names, st.sampled_from(range(len(_OBJECT_PARAM_PROPS))), min_size=1, max_size=3
)
# MLflow cannot save a datetime param whose default (or a default element) is None:
# ParamSpec.to_dict calls .isoformat() on it.
_SCALAR_OR_NONE = {
    k: v if k == "datetime" else st.one_of(v, st.none()) for k, v in _SCALAR_DEFAULTS.items()
}
_LIST_DEFAULTS = {k: st.lists(v, max_size=3) for k, v in _SCALAR_OR_NONE.items()}


def _draw_param(draw: st.DrawFn, name: str) -> JSON:
    kind = draw(_PARAM_KINDS)
    if kind == "object":
        chosen = draw(_OBJECT_PARAM_CHOICES)
        props = {}
        default = {}
        for prop_name, index in chosen.items():
            prop_type, values = _OBJECT_PARAM_PROPS[index]
            required = draw(st.booleans())
            props[prop_name] = {**prop_type, "required": required}
            if required or draw(st.booleans()):
                default[prop_name] = draw(values)
        return {
            "name": name,
            "default": default,
            "shape": None,
            "type": "object",
            "properties": props,
        }
    if draw(st.booleans()):
        listed = draw(_LIST_DEFAULTS[kind])
        return {"name": name, "default": listed, "shape": [-1], "type": kind}
    scalar = draw(_SCALAR_OR_NONE[kind])
    return {"name": name, "default": scalar, "shape": None, "type": kind}


_PARAM_NAMES = st.lists(_names, min_size=1, max_size=4, unique=True)
_PARAM_KINDS = st.sampled_from([*_SCALAR_DEFAULTS, "object"])


@st.composite
def _params(draw: st.DrawFn) -> list[JSON]:
    names = draw(_PARAM_NAMES)
    return [_draw_param(draw, n) for n in names]


_MAYBE_PARAMS = st.one_of(st.none(), _params())


@st.composite
def signature_dicts(draw: st.DrawFn) -> dict[str, list[JSON] | None]:
    """MLflow's serialized signature form (parts as lists) for a valid signature."""
    inputs = draw(_MAYBE_SCHEMA)
    outputs = draw(_MAYBE_SCHEMA)
    params = draw(_MAYBE_PARAMS)
    if inputs is None and outputs is None and params is None:
        inputs = draw(_SCHEMA)
    return {"inputs": inputs, "outputs": outputs, "params": params}


def signatures(*, from_type_hint: bool | None = None) -> st.SearchStrategy[Signature]:
    """Arbitrary valid MLflow signatures, normalized as MLflow reads them.

    Args:
        from_type_hint: fix the ``is_signature_from_type_hint`` flag (drawn when None).

    .. versionadded:: 0.1
    """
    flags = st.booleans() if from_type_hint is None else st.just(from_type_hint)
    return st.builds(
        lambda d, flag: parse_signature(d, from_type_hint=flag and d["inputs"] is not None),
        signature_dicts(),
        flags,
    )


__all__ = ["DATA_TYPES", "TENSOR_DTYPES", "signature_dicts", "signatures"]
