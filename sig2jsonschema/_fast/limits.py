"""Resource limits (``docs/limits.md``) on the fast path, for a fraction of the full scan.

`sig2jsonschema._payload.limits.check_body_limits` scans the raw text for overlong
number literals and for nesting depth, string by string: exact, and costlier
than parsing the body.  For a body the fast path *accepts* most of that is
already known:

* size: one ``len``;
* depth: every container of an accepted body sits where the signature puts
  one, so the plan bounds the depth at compile time (`plan_depth`); the rows
  of a `FastFailure` are measured one by one (`value_depth`);
* number literals: a literal longer than ``max_number_digits`` characters
  holds a run of at least a third as many consecutive digits (it has at most
  three other characters: ``.``, ``e`` and a sign), so a body without such a
  run (`no_long_digit_run`: one ``bytes.translate`` and one substring search,
  both at memory speed) holds no overlong literal.  Digits inside strings can
  only make the test fail, never pass wrongly.

When any of these is not certain, the fast path answers None and the caller
runs the full scan, as for any other body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.types import Array, DataType, Map, Object, SparkMLVector

if TYPE_CHECKING:
    from sig2jsonschema._payload.limits import Limits
    from sig2jsonschema._signature.types import ColType, Signature

#: Maps every ASCII digit to ``0`` and every other byte to a space.
_DIGITS = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))


#: Sampling strides of `no_long_digit_run`, coarse first, and the sampled run below
#: which a sample proves nothing.  A text dense in digits (a wide row of numbers)
#: often fails the coarse sample by chance: the finer one (4x its bytes, a tenth of
#: the whole scan's cost) usually still proves it.
_STRIDES = (64, 16)
_SAMPLED_RUN = 16


def no_long_digit_run(raw: bytes | str, max_number_digits: int) -> bool:
    """Whether the text certainly holds no number literal over the limit.

    A run of ``run`` digits covers at least ``run // k`` consecutive bytes of
    every ``k``-th byte: when that sample (1/k of the text) holds no such run
    of digits, neither does the text.  Otherwise a finer sample is tried, then
    the whole text is scanned.
    """
    size = len(raw)
    if size <= max_number_digits:
        return True
    run = -(-(max_number_digits + 1 - 3) // 3)
    text = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
    for stride in _STRIDES:
        if run >= stride * _SAMPLED_RUN:
            sampled = run // stride
            if b"0" * sampled not in text[::stride].translate(_DIGITS):
                return True
    return b"0" * run not in text.translate(_DIGITS)


def body_size(raw: bytes | str) -> int:
    """The body's size in bytes (UTF-8 for text), as the limits count it."""
    if isinstance(raw, bytes):
        return len(raw)
    return len(raw.encode("utf-8", "surrogatepass"))


def _type_depth(t: ColType) -> int:
    """Container levels of one value of type ``t`` (a scalar is 0)."""
    if isinstance(t, DataType):
        return 0
    if isinstance(t, SparkMLVector):
        return 1
    if isinstance(t, Array):
        return 1 + _type_depth(t.items)
    if isinstance(t, Map):
        return 1 + _type_depth(t.values)
    if isinstance(t, Object):
        return 1 + max(_type_depth(p.type) for p in t.properties)
    return 1_000_000  # any: unbounded


def plan_depth(signature: Signature) -> int:
    """The deepest container nesting of any body the fast path accepts.

    Envelopes add at most four levels (body, ``dataframe_split``, ``data``, a
    row); params at most three (body, ``params``, a list or object value).
    """
    deepest = 0
    if signature.inputs is not None:
        for spec in signature.inputs.specs:
            if hasattr(spec, "shape"):
                deepest = max(deepest, len(spec.shape) + 1)  # a named tensors dict
            else:
                deepest = max(deepest, _type_depth(spec.type))
    params = 0
    if signature.params is not None:
        for p in signature.params.params:
            params = max(params, 1 if p.shape is not None else _type_depth(p.type))
    return max(4 + deepest, 2 + params)


def value_depth(value: Any) -> int:
    """Container nesting of a parsed value (iterative; small values only)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if type(node) is dict:
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node.values())
        elif type(node) is list:
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in node)
    return deepest


def within(raw: bytes | str | None, limits: Limits | None, depth: int) -> bool:
    """Whether a body (raw text, or None for a parsed one) is certainly within ``limits``."""
    if limits is None:
        return True
    if depth > limits.max_depth:
        return False
    if raw is None:
        return True
    if body_size(raw) > limits.max_body_bytes:
        return False
    return no_long_digit_run(raw, limits.max_number_digits)


__all__ = ["body_size", "no_long_digit_run", "plan_depth", "value_depth", "within"]
