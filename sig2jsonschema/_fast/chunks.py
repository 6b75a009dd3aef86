"""Parse the row array of a frame body in chunks: less memory, warmer caches.

``orjson.loads`` builds an intermediate document before the Python objects,
so its peak on a 100,000-row ``dataframe_records`` body is ~8x the body's
size; and a whole parsed tree of 10,000 rows no longer fits a CPU cache, so
every later pass over it waits on memory.  For the plain layout every client
library writes (``{"dataframe_records":[{...},{...}]}``,
``{"dataframe_split":{"columns":[...],"data":[[...],[...]]}}``, compact, no
``params``, no ``index``) this module cuts the row array into slices of whole
rows and parses one slice at a time; each slice's rows are turned into column
values and dropped before the next slice is parsed.

Cutting is safe because it only happens in texts without a backslash: then
every ``"`` opens or closes a string, so a cut at a separator ``},{`` /
``],[`` inside a string leaves an odd number of quotes in the slice before
it, which no JSON text has: orjson rejects the slice and the caller takes the
ordinary path.  A separator inside a nested value (only in bodies the
signature refuses anyway) leaves both slices unbalanced, rejected likewise.
Anything unexpected returns None, never a guess.
"""

from __future__ import annotations

from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from .base import Bail

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .base import Ctx
    from .typed import TypedBody, TypedSlice

#: Bytes of body text per parsed slice (a few hundred rows).
CHUNK = 1024 * 1024
_RECORDS_HEAD = b'{"dataframe_records":['
_SPLIT_HEAD = b'{"dataframe_split":{"columns":['
_SPLIT_DATA = b'],"data":['


def _slices(raw: bytes, lo: int, hi: int, sep: bytes) -> list[tuple[int, int]]:
    """``raw[lo:hi]`` (inside an array) as spans of whole elements, cut at ``sep``.

    A cut inside a string leaves an odd number of quotes on each side (the
    text has no backslash, so every ``"`` opens or closes a string): neither
    slice then parses, and the caller takes the ordinary path.  So the quotes
    need not be counted here.
    """
    spans = []
    start = lo
    while hi - start > CHUNK:
        at = raw.find(sep, start + CHUNK, hi)
        if at == -1:
            break
        spans.append((start, at + 1))
        start = at + 2
    spans.append((start, hi))
    return spans


class NoChunks(Exception):
    """A slice did not parse on its own: take the ordinary path."""


def _parse(raw: bytes, span: tuple[int, int]) -> list[Any]:
    try:
        # One copy of the slice (join reads the memoryview in place).
        part = orjson.loads(b"".join((b"[", memoryview(raw)[span[0] : span[1]], b"]")))
    except orjson.JSONDecodeError:
        raise NoChunks from None
    if type(part) is not list or not part:
        raise NoChunks
    return part


def _end(raw: bytes, tail: bytes) -> int:
    """Where the row array ends (``raw`` must end with ``tail``, spaces aside)."""
    body = raw.rstrip(b" \t\r\n")
    if not body.endswith(tail):
        return -1
    return len(body) - len(tail)


#: One slice of rows: (the column names, their values in this slice, row
#: count, and for a slice msgspec decoded its `TypedSlice`).
Slice = tuple[list[Any], dict[str, Any], int, "TypedSlice | None"]


def records_slices(raw: bytes, ctx: Ctx, typed: TypedBody | None = None) -> Iterator[Slice] | None:
    """``{"dataframe_records":[...]}`` as slices of columns, or None (another layout).

    Iterating raises `NoChunks` if a slice does not parse on its own, `Bail`
    for records the fast path does not judge (different keys, ...).  With
    ``typed``, each slice is first offered to msgspec (`sig2jsonschema._fast.typed`).
    """
    if not raw.startswith(_RECORDS_HEAD) or b"\\" in raw:
        return None
    hi = _end(raw, b"]}")
    if hi < len(_RECORDS_HEAD):
        return None
    if ctx.census is not None:
        ctx.census.add_keys(["dataframe_records"])
    keys = typed.records(len(_RECORDS_HEAD)) if typed is not None else None
    spans = _slices(raw, len(_RECORDS_HEAD), hi, b"},{")
    return _records(raw, spans, ctx, typed if keys is not None else None, keys)


def _records(
    raw: bytes,
    spans: list[tuple[int, int]],
    ctx: Ctx,
    typed: TypedBody | None,
    keys: list[str] | None,
) -> Iterator[Slice]:
    for span in spans:
        if typed is not None:
            piece = typed.read(span)
            if piece is not None:
                yield piece
                continue
        part = _parse(raw, span)
        if keys is None:
            if type(part[0]) is not dict or not part[0]:
                raise Bail
            keys = list(part[0])
        try:
            # Each record is read once, while it is in cache; a record that is
            # not an object fails the lookup (TypeError), a missing key too.
            if set(map(len, part)) != {len(keys)}:
                raise Bail  # records with different keys (or not records)
            if len(keys) > 1:
                columns: list[Any] = list(zip(*map(itemgetter(*keys), part), strict=True))
            else:
                columns = [list(map(itemgetter(keys[0]), part))]
        except (KeyError, TypeError, IndexError):
            raise Bail from None
        n = len(part)
        census = ctx.census
        if census is not None:
            census.members += n * len(keys)
            census.colons += n * sum(k.count(":") for k in keys)
            census.r += n * sum(k.count("r") for k in keys)
            census.s += n * sum(k.count("s") for k in keys)
        del part
        yield keys, dict(zip(keys, columns, strict=True)), n, None


def split_slices(raw: bytes, ctx: Ctx, typed: TypedBody | None = None) -> Iterator[Slice] | None:
    """``{"dataframe_split":{"columns":[...],"data":[...]}}`` as slices of columns."""
    if not raw.startswith(_SPLIT_HEAD) or b"\\" in raw:
        return None
    cut = raw.find(_SPLIT_DATA, len(_SPLIT_HEAD))
    hi = _end(raw, b"]}}")
    lo = cut + len(_SPLIT_DATA)
    if cut == -1 or hi < lo:
        return None
    try:
        names = orjson.loads(raw[len(_SPLIT_HEAD) - 1 : cut + 1])
    except orjson.JSONDecodeError:
        return None
    if type(names) is not list or not names or set(map(type, names)) != {str}:
        raise Bail
    if ctx.census is not None:
        ctx.census.add_keys(["dataframe_split", "columns", "data"])
        ctx.census.add_strings(names)
    if typed is not None:
        typed.split(names)
    return _split(raw, names, _slices(raw, lo, hi, b"],["), typed)


def _split(
    raw: bytes, names: list[Any], spans: list[tuple[int, int]], typed: TypedBody | None
) -> Iterator[Slice]:
    for span in spans:
        if typed is not None:
            piece = typed.read(span)
            if piece is not None:
                yield piece
                continue
        part = _parse(raw, span)
        if set(map(type, part)) != {list} or set(map(len, part)) != {len(names)}:
            raise Bail
        columns: list[Any] = list(zip(*part, strict=True))
        n = len(part)
        del part
        yield names, dict(zip(names, columns, strict=True)), n, None


__all__ = ["CHUNK", "NoChunks", "Slice", "records_slices", "split_slices"]
