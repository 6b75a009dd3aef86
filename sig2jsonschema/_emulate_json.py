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

import json
import math
import re
from typing import Any

import numpy as np

from ._emulate_types import bad_request, server_crash

try:  # pragma: no branch - orjson is a declared dependency
    import orjson
except ImportError:  # pragma: no cover - fall back to the stdlib parser only
    orjson = None  # type: ignore[assignment]

#: The server's ``json.loads`` runs a few frames deep in a worker thread; a body
#: with this many nested containers exhausts the recursion limit there (measured
#: on MLflow 3.17.2 / CPython 3.11: 986 levels parse, 987 give a 500).
JSON_DEPTH_LIMIT = 987

#: orjson reads integers beyond 64 bits as floats; such bodies take the json path.
_LONG_DIGITS = re.compile(rb"\d{19}")

_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))


def decode_body(raw: bytes) -> tuple[Any, bool]:
    """Parse a JSON body; return the value and whether it was plain RFC 8259 JSON.

    Raises:
        Rejection: 400 for bytes that are not text or not JSON, 500 where
            MLflow's own parser crashes.
    """
    if (
        orjson is not None
        and not raw.startswith(b"\xef\xbb\xbf")
        and _LONG_DIGITS.search(raw) is None
    ):
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
        else:
            if _may_be_deep(raw, JSON_DEPTH_LIMIT) and nesting_depth(raw) >= JSON_DEPTH_LIMIT:
                raise _too_deep()
            return value, True
    try:
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError as exc:
        raise bad_request(
            f"the body is not valid text ({exc.reason} at byte {exc.start})",
            keyword="x-mlflow-json",
        ) from None
    if _may_be_deep(raw, JSON_DEPTH_LIMIT) and nesting_depth(text) >= JSON_DEPTH_LIMIT:
        raise _too_deep()
    try:
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
            f"the body holds a number MLflow's JSON parser cannot read ({exc})",
            keyword="x-mlflow-json",
        ) from None
    return value, False


def _too_deep() -> Exception:
    return server_crash(
        f"the body nests {JSON_DEPTH_LIMIT} or more arrays/objects; MLflow's JSON parser "
        "runs out of recursion and the server crashes",
        keyword="x-mlflow-json",
    )


def _may_be_deep(raw: bytes, limit: int) -> bool:
    """Cheap bound: fewer opening brackets than ``limit`` means shallower than it."""
    return raw.count(b"[") + raw.count(b"{") >= limit


def nesting_depth(text: bytes | str) -> int:
    """The deepest container nesting of a JSON text, brackets in strings ignored.

    Vectorised with numpy: a quote is real when preceded by an even run of
    backslashes; a bracket counts when an even number of real quotes precede it.
    """
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    data = np.frombuffer(raw, dtype=np.uint8)
    if data.size == 0:
        return 0
    backslash = data == ord("\\")
    run = np.cumsum(backslash)
    reset = np.maximum.accumulate(np.where(backslash, 0, run))
    run_length = run - reset
    preceding = np.concatenate(([0], run_length[:-1]))
    quote = (data == ord('"')) & (preceding % 2 == 0)
    inside = (np.cumsum(quote) - quote) % 2 == 1
    step = np.zeros(data.size, dtype=np.int64)
    step[np.isin(data, _OPEN) & ~inside & ~quote] = 1
    step[np.isin(data, _CLOSE) & ~inside & ~quote] = -1
    return int(np.cumsum(step).max(initial=0))


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
    """Render a JSON value as compact text (``NaN`` literals kept) for messages."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


__all__ = [
    "JSON_DEPTH_LIMIT",
    "decode_body",
    "find_non_finite",
    "nesting_depth",
    "render_json",
    "value_depth",
]
