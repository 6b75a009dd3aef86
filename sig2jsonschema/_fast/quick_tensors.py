"""The quick path for one unnamed ``uint8`` tensor: validation without numpy's inference.

`sig2jsonschema._fast.tensors` lets ``numpy.array`` infer the nested lists' dtype:
exact, but numpy's discovery of nested sequences costs tens of nanoseconds
per leaf, more than parsing them.  To *validate* ``{"inputs": [...]}`` (or
``instances``), this module walks the nesting level by level with C-level
passes (every level's lists are chained into the next level; one
``set(map(len, ...))`` per level proves the lists rectangular and of the
spec's shape) and hands the leaves to ``bytearray``, which refuses anything
but an integer in 0..255 in one C pass (``uint8``, the images' dtype; other
dtypes have no C reader faster than numpy's inference, and stay on the
column path).

``bytearray`` reads ``true``/``false`` as integers; the text's letters
settle it, as on the column path: numbers never contain ``r`` or ``s``, so a
body whose only string is its envelope key holds exactly that key's ``r`` and
``s`` letters, and exactly one ``:``, or it holds something else.

Only "valid" is answered here (anything else goes to the column path), and
only for validation: `FastPlan` builds what ``predict`` receives on the
column path.
"""

from __future__ import annotations

from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .base import one_member
from .limits import within

if TYPE_CHECKING:
    from sig2jsonschema._payload.limits import Limits

    from .tensors import TensorPlan

_KEYS = ("inputs", "instances")


class Leaves(NamedTuple):
    """A tensor body of the right shape and census whose leaves ``bytearray`` refused."""

    #: The envelope key (``inputs`` or ``instances``).
    key: str
    #: The parsed tensor.
    value: Any
    #: Its leaves, in order.
    flat: list[Any]


class QuickTensor:
    """Validation of ``{"inputs"|"instances": <one unnamed tensor>}`` bodies."""

    def __init__(self, shape: tuple[int, ...], forms: frozenset[str], depth: int) -> None:
        self._shape = shape
        self._depth = depth
        self._keys = tuple(k for k in _KEYS if f"{k}/tensor" in forms)

    def form(self, raw: bytes | str, limits: Limits | None) -> str | None:
        """The body's form if it is certainly valid, else None."""
        found = self.read(raw, limits)
        return found if type(found) is str else None

    def read(self, raw: bytes | str, limits: Limits | None) -> str | Leaves | None:
        """The form of a certainly valid body (as `form`); or, where the only doubt
        is a leaf outside 0..255, the body's `Leaves`; else None."""
        try:
            return self._read(raw, limits)
        except Exception:  # noqa: BLE001 - never fail where the column path would answer
            return None

    def _read(self, raw: bytes | str, limits: Limits | None) -> str | Leaves | None:
        if not isinstance(raw, bytes) or b"\\" in raw:
            return None  # an escape could spell a letter the census counts
        if limits is not None and not within(raw, limits, self._depth):
            return None
        member = one_member(raw)
        if member is None or member[0] not in self._keys:
            return None
        key, value = member
        leaves = self._leaves(value)
        try:
            bytearray(leaves)  # integers in 0..255 (and booleans)
        except TypeError:
            return None
        except ValueError:  # an integer outside 0..255; the census holds all the same
            return Leaves(key, value, leaves) if _only_key_text(raw, key) else None
        if not _only_key_text(raw, key):
            return None
        return f"{key}/tensor"

    def _leaves(self, value: Any) -> list[Any]:
        level: list[Any] = [value]
        last = len(self._shape) - 1
        for depth, expected in enumerate(self._shape):
            if set(map(type, level)) != {list}:
                raise TypeError
            lengths = set(map(len, level))
            if len(lengths) != 1:
                raise ValueError  # ragged
            size = lengths.pop()
            if size == 0 or expected not in (-1, size):
                raise ValueError
            level = list(chain.from_iterable(level))
            if depth == last:
                return level
        raise ValueError  # pragma: no cover - shapes have at least one dimension


def _only_key_text(raw: bytes, key: str) -> bool:
    """The text's ``:``, ``r`` and ``s`` are the envelope's own: no ``true``/``false``."""
    want = (1, key.count("r"), key.count("s"))
    if len(raw) < 8192:
        return (raw.count(b":"), raw.count(b"r"), raw.count(b"s")) == want
    text = np.frombuffer(raw, dtype=np.uint8)
    return (
        int(np.count_nonzero(text == 0x3A)),
        int(np.count_nonzero(text == 0x72)),
        int(np.count_nonzero(text == 0x73)),
    ) == want


def compile_quick_tensor(
    tensors: TensorPlan, forms: frozenset[str], depth: int
) -> QuickTensor | None:
    """The quick validation of a single unnamed ``uint8`` tensor (else None)."""
    if tensors.named or len(tensors.tensors) != 1:
        return None
    tensor = tensors.tensors[0]
    if tensor.dtype != np.uint8 or not tensor.shape or any(d == 0 or d < -1 for d in tensor.shape):
        return None
    return QuickTensor(tuple(tensor.shape), forms, depth)


__all__ = ["Leaves", "QuickTensor", "compile_quick_tensor"]
