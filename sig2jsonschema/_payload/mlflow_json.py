"""Decode a request body exactly as MLflow's scoring server does (``json.loads``).

MLflow hands the raw bytes to Python's ``json.loads``, which detects UTF-8/16/32
from the first bytes, strips a UTF-8 BOM, accepts ``NaN``/``Infinity``
literals, keeps the last of duplicate keys and reads integers of any size.
Invalid UTF-8 and invalid JSON are answered with 400; anything else ``json``
raises (the 4300-digit integer limit, nesting deep enough to exhaust the
interpreter's recursion limit) is not caught and becomes a 500.

orjson parses RFC 8259 bodies several times faster and gives the same Python
values for every body it accepts, except integers beyond 64 bits (which it
reads as floats): bodies with such long digit runs, and whatever orjson
refuses, take the ``json`` path.
The nesting limit is checked by counting, not by recursing, so the answer does
not depend on how deep our own caller's stack happens to be.
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema._releases.table import DEFAULT_RELEASE

from .refusal import bad_request, brief, server_crash

if TYPE_CHECKING:
    from collections.abc import Iterator

try:  # pragma: no branch - orjson is a declared dependency
    import orjson
except ImportError:  # pragma: no cover - fall back to the stdlib parser only
    orjson = None  # type: ignore[assignment]

#: The server's ``json.loads`` runs a few frames deep in a worker thread; a body
#: with this many nested containers exhausts the recursion limit there
#: (`Release.json_crash_depth`).
JSON_DEPTH_LIMIT = DEFAULT_RELEASE.json_crash_depth

#: orjson refuses documents nested deeper than this.
ORJSON_DEPTH = 1024
#: Bodies shallower than this cannot reach MLflow's deepcopy limit (the parse stage's).
SHALLOW_DEPTH = DEFAULT_RELEASE.deepcopy_crash_depth


def decode_body(raw: bytes) -> tuple[Any, bool, int]:
    """Parse a JSON body like the server.

    Returns:
        The value, whether it was plain RFC 8259 JSON, and an upper bound of
        its container nesting depth.

    Raises:
        Rejection: 400 for bytes that are not text or not JSON, 500 where
            MLflow's own parser crashes.
    """
    if orjson is not None and not raw.startswith(b"\xef\xbb\xbf") and not _long_digits(raw):
        # orjson refuses more than ORJSON_DEPTH levels; wrapping the body in
        # extra arrays turns that limit into the depth test we need, for free.
        value, too_deep = _orjson_padded(raw, ORJSON_DEPTH - (SHALLOW_DEPTH - 1))
        if value is not _FAILED:
            return value, True, SHALLOW_DEPTH - 1
        if too_deep:
            value, too_deep = _orjson_padded(raw, ORJSON_DEPTH - (JSON_DEPTH_LIMIT - 1))
            if value is not _FAILED:
                return value, True, JSON_DEPTH_LIMIT - 1
            if too_deep:
                raise _too_deep()
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError as exc:
        raise bad_request(
            f"the body is not valid text ({exc.reason} at byte {exc.start})",
            keyword="x-mlflow-json",
        ) from None
    utf8 = text.encode("utf-8", "surrogatepass")
    depth = _depth_bound(utf8)
    if depth >= JSON_DEPTH_LIMIT:
        judge_deep_body(utf8)
    try:
        with _recursion_room(depth):
            value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"the body is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})",
            keyword="x-mlflow-json",
        ) from None
    except RecursionError:  # pragma: no cover - excluded by the depth count above
        raise _too_deep() from None
    except ValueError as exc:
        # int() refuses integer literals of more than 4300 digits; MLflow does
        # not catch this and the server answers 500.
        raise server_crash(
            f"the body holds a number MLflow's JSON parser cannot read ({brief(exc)})",
            keyword="x-mlflow-json",
        ) from None
    return value, False, depth


_FAILED: Any = object()


def _orjson_padded(raw: bytes, pad: int) -> tuple[Any, bool]:
    """orjson's parse of ``raw`` inside ``pad`` arrays, unwrapped.

    Returns:
        The value (`_FAILED` if orjson refused the body) and whether the
        refusal was orjson's depth limit.
    """
    try:
        value = orjson.loads(b"[" * pad + raw + b"]" * pad)
    except orjson.JSONDecodeError as exc:
        return _FAILED, "depth limit" in str(exc)
    for _ in range(pad):
        # Anything but one element per added level: ``raw`` was not one JSON
        # value (empty, or several values separated by commas).
        if not isinstance(value, list) or len(value) != 1:
            return _FAILED, False
        value = value[0]
    return value, False


_DIGITS = bytes(49 if 48 <= i <= 57 else 32 for i in range(256))


def _long_digits(raw: bytes) -> bool:
    """Whether a run of 19+ digits occurs (orjson reads such integers as floats)."""
    return b"1" * 19 in raw.translate(_DIGITS)


def judge_deep_body(utf8: bytes) -> None:
    """A body nested past the server's limit: 500, unless a syntax error comes first.

    ``json.loads`` reads left to right, so MLflow answers 400 when the text is
    already invalid before the first point nested ``JSON_DEPTH_LIMIT`` deep.
    That prefix is parsed here (under a raised recursion limit, since our own
    stack may be deeper than the server's): failing only at its very end means
    it is a valid beginning of JSON, and the server crashes on what follows.

    Raises:
        Rejection: always (400 or 500).
    """
    offset = first_offset_at_depth(utf8, JSON_DEPTH_LIMIT)
    prefix = utf8[: offset + 1].decode("utf-8", "surrogatepass")
    try:
        with _recursion_room(JSON_DEPTH_LIMIT):
            json.loads(prefix)
    except json.JSONDecodeError as exc:
        if exc.pos < len(prefix):
            raise bad_request(
                f"the body is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})",
                keyword="x-mlflow-json",
            ) from None
    except (ValueError, RecursionError):
        pass
    raise _too_deep()


@contextlib.contextmanager
def _recursion_room(depth: int) -> Iterator[None]:
    """Room for ``json.loads`` to nest ``depth`` levels below our own (deeper) stack.

    The server's parser runs near the bottom of a worker thread's stack; ours
    may run under a test runner or a web framework.  The limit is raised only
    for deep bodies (already checked to be under the server's limit) and only
    for the duration of the parse.
    """
    if depth < 200:
        yield
        return
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 2 * depth)
    try:
        yield
    finally:
        sys.setrecursionlimit(limit)


def _too_deep() -> Exception:
    return server_crash(
        f"the body nests {JSON_DEPTH_LIMIT} or more arrays/objects; MLflow's JSON parser "
        "runs out of recursion and the server crashes",
        keyword="x-mlflow-json",
    )


#: Below this many opening brackets the count itself bounds the depth well enough.
_CHEAP_BOUND = 400


def _depth_bound(raw: bytes) -> int:
    """An upper bound of the nesting depth: the bracket count, or the exact depth."""
    opening = raw.count(b"[") + raw.count(b"{")
    return opening if opening < _CHEAP_BOUND else nesting_depth(raw)


_QUOTE, _BACKSLASH, _OPEN_CODE, _CLOSE_CODE = 1, 2, 3, 4
_CODES = np.zeros(256, dtype=np.uint8)
_CODES[ord('"')] = _QUOTE
_CODES[ord("\\")] = _BACKSLASH
_CODES[[ord("["), ord("{")]] = _OPEN_CODE
_CODES[[ord("]"), ord("}")]] = _CLOSE_CODE


def _depth_profile(raw: bytes) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Byte offsets of the structural characters, and the nesting depth after each.

    Vectorised with numpy over the few bytes that matter (quotes, backslashes,
    brackets): a quote is real when preceded by an even run of backslashes; a
    bracket counts when an even number of real quotes precede it.
    """
    codes = _CODES[np.frombuffer(raw, dtype=np.uint8)]
    where = np.flatnonzero(codes)
    kinds = codes[where]
    if kinds.size == 0:
        return where, np.zeros(0, dtype=np.int64)
    backslash = kinds == _BACKSLASH
    # Length of the run of adjacent backslashes ending at each position.
    adjacent = np.concatenate(([False], np.diff(where) == 1))
    continues = backslash & np.concatenate(([False], backslash[:-1])) & adjacent
    count = np.cumsum(backslash)
    starts = np.where(backslash & ~continues, count - 1, 0)
    run = np.where(backslash, count - np.maximum.accumulate(starts), 0)
    before = np.concatenate(([0], np.where(adjacent[1:], run[:-1], 0)))
    quote = (kinds == _QUOTE) & (before % 2 == 0)
    inside = (np.cumsum(quote) - quote) % 2 == 1
    step = np.where(inside, 0, (kinds == _OPEN_CODE).astype(np.int64) - (kinds == _CLOSE_CODE))
    return where, np.cumsum(step)


def nesting_depth(text: bytes | str) -> int:
    """The deepest container nesting of a JSON text, brackets in strings ignored."""
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return int(_depth_profile(raw)[1].max(initial=0))


def first_offset_at_depth(raw: bytes, depth: int) -> int:
    """The byte offset of the first opening bracket that reaches ``depth`` (-1: none)."""
    where, depths = _depth_profile(raw)
    reached = np.flatnonzero(depths >= depth)
    return int(where[reached[0]]) if reached.size else -1


def value_depth(value: Any, limit: int) -> int:
    """How many nested calls a recursive copy of ``value`` makes (leaves count one).

    Stops counting at ``limit``; iterative, so deep values cannot crash us.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest >= limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def find_non_finite(value: Any, limit: int = 50) -> list[tuple[tuple[str | int, ...], float]]:
    """Paths of ``NaN``/``Infinity`` numbers in a parsed body (at most ``limit``)."""
    found: list[tuple[tuple[str | int, ...], float]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack and len(found) < limit:
        item, path = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                found.append((path, item))
        elif isinstance(item, dict):
            stack.extend((v, (*path, k)) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((v, (*path, i)) for i, v in reversed(list(enumerate(item))))
    return found


def render_json(value: Any, limit: int = 80) -> str:
    """Render a JSON value as compact text (``NaN`` literals kept) for messages.

    Only the first ``limit`` characters are built, and nesting deeper than a
    few levels is elided, so huge or hostile values cost nothing.
    """
    parts: list[str] = []
    _render(value, parts, limit + 1, 0)
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _render(value: Any, out: list[str], budget: int, depth: int) -> int:
    """Append the rendering of ``value``; return the budget left."""
    if budget <= 0:
        return budget
    if isinstance(value, (list, tuple, dict)):
        if depth >= 8:
            text = "[...]" if not isinstance(value, dict) else "{...}"
            out.append(text)
            return budget - len(text)
        is_dict = isinstance(value, dict)
        out.append("{" if is_dict else "[")
        budget -= 1
        items: Any = value.items() if isinstance(value, dict) else enumerate(value)
        for n, (key, item) in enumerate(items):
            if budget <= 0:
                return budget
            if n:
                out.append(", ")
                budget -= 2
            if is_dict:
                key_text = json.dumps(str(key), ensure_ascii=False) + ": "
                out.append(key_text)
                budget -= len(key_text)
            budget = _render(item, out, budget, depth + 1)
        out.append("}" if is_dict else "]")
        return budget - 1
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > budget:
        text = text[:budget]
    out.append(text)
    return budget - len(text)


__all__ = [
    "JSON_DEPTH_LIMIT",
    "decode_body",
    "find_non_finite",
    "nesting_depth",
    "render_json",
    "value_depth",
]
