"""What a parsed body accounts for in its raw text: the column path's census.

orjson keeps the last of a repeated key silently, and numpy reads ``true``
and ``false`` as numbers.  Neither leaves a trace in the parsed tree, so
the column path (`sig2jsonschema._fast.plan`) counts, while it reads the
tree, the ``:`` (one per object member, plus those inside strings) and the
``r``/``s`` letters it saw (`sig2jsonschema._fast.base.Census`), and these
functions hold the counts to the text's own.  Likewise a float of 2**63 or
more in the tree may be an integer token orjson read as a float
(`holds_big_float`).
"""

from __future__ import annotations

from typing import Any

from .base import Bail, Census, Ctx


class Recount(Exception):
    """The letters differ: check again with exact types (lean mode only)."""


def holds_big_float(value: Any) -> bool:
    """Whether a float of magnitude 2**63 or more sits anywhere in ``value``."""
    stack = [value]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is float:
            if abs(node) >= 2.0**63:
                return True
        elif kind is dict:
            stack.extend(node.values())
        elif kind is list:
            stack.extend(node)
    return False


def escapes_colon(raw: bytes | str) -> bool:
    """Whether the text writes a ``:`` as an escape (the census could not see it)."""
    if isinstance(raw, bytes):
        return b"\\" in raw and (b"\\u003a" in raw or b"\\u003A" in raw)
    return "\\" in raw and ("\\u003a" in raw or "\\u003A" in raw)


def census_ok(raw: bytes | str | None, ctx: Ctx) -> None:
    """Every ``:`` of the text is accounted for: no object repeated a key.

    In lean mode, every ``r`` and ``s`` too: none came from a ``true`` or
    ``false`` that numpy read as a number.

    Raises:
        Bail: the colons differ (a repeated key, which RFC 8259 bodies must
            not have and orjson silently drops).
        Recount: the letters differ: check again with exact types.
    """
    census = ctx.census
    if raw is None or census is None:
        return
    import numpy as np

    text = np.frombuffer(raw if isinstance(raw, bytes) else raw.encode("utf-8"), dtype=np.uint8)
    if count_byte(text, COLON) != census.members + census.colons:
        raise Bail
    if ctx.lean and (count_byte(text, R) != census.r or count_byte(text, S) != census.s):
        raise Recount


#: The bytes the censuses count.
COLON, R, S = ord(":"), ord("r"), ord("s")


def count_byte(text: Any, byte: int) -> int:
    """How often ``byte`` occurs in ``text`` (a uint8 numpy array): numpy's
    vectorized compare counts a byte ~5x faster than ``bytes.count``."""
    import numpy as np

    return int(np.count_nonzero(text == byte))


def letters_match(raw: bytes | str | None, value: dict[str, Any], key: str, ctx: Ctx) -> bool:
    """Whether the text provably holds no ``true``/``false`` among the tensor leaves.

    Numbers never contain ``r`` or ``s``; ``true`` has one ``r``, ``false``
    one ``s``.  So every ``r``/``s`` of the text must come from the keys and
    values outside the tensor leaves.  A text with any escape could spell a
    letter without writing it: then the answer is no (check every leaf).
    """
    if raw is None or ctx.census is None:
        return False
    text = raw if isinstance(raw, bytes) else raw.encode("utf-8")
    if b"\\" in text:
        return False
    outside = Census()  # only its letters are read
    for name, item in value.items():
        outside.add_letters(name)
        if name != key:
            outside.walk(item)
        elif type(item) is dict:
            for tensor_name in item:
                outside.add_letters(tensor_name)
        elif type(item) is list and item and type(item[0]) is dict:
            # instances as records: every record repeats the tensor names
            names = Census()
            for tensor_name in item[0]:
                names.add_letters(tensor_name)
            outside.r += names.r * len(item)
            outside.s += names.s * len(item)
    return text.count(b"r") == outside.r and text.count(b"s") == outside.s


__all__ = [
    "COLON",
    "R",
    "Recount",
    "S",
    "census_ok",
    "count_byte",
    "escapes_colon",
    "holds_big_float",
    "letters_match",
]
