"""Warnings for tensor signatures: what numpy's cast to the spec dtype changed.

Over ``inputs``/``instances`` each tensor is built with
``numpy.array(value, dtype=spec_dtype)``, which truncates floats into integer
dtypes, reads booleans and numeric strings as numbers, numbers as booleans by
truthiness, and stringifies everything for ``str`` tensors.  The JSON value is
read once more without a dtype and compared with the result in bulk; only the
changed elements are rendered.  Tensors fed through ``dataframe_split`` or
``dataframe_records`` are not screened.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sig2jsonschema.exceptions import escape_pointer_token

from .warning_words import make_warning

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sig2jsonschema._signature.types import Schema

    from .outcome import WarningSink
    from .parse import Parsed


def tensor_warnings(
    schema: Schema, parsed: Parsed, received: Any, body: Any, sink: WarningSink
) -> None:
    """Add warnings for every tensor element numpy changed on the way in."""
    del body
    if parsed.envelope not in {"inputs", "instances"}:
        return
    root = parsed.root
    if not schema.has_names:
        source = parsed.sources.get(0)
        if source is None or not isinstance(received, np.ndarray):
            return
        _compare(source.sent, received, "inputs[0]", lambda path: root + _path(path), sink)
        return
    if not isinstance(received, dict):
        return
    for spec in schema.tensors:
        name = spec.name
        source = parsed.sources.get(name)
        final = received.get(name)
        if source is None or not isinstance(final, np.ndarray):
            continue
        token = escape_pointer_token(str(name))
        field = f"inputs[{name!r}]"
        if source.records is not None:
            sent = [r.get(name) if isinstance(r, dict) else None for r in source.records]

            def pointer(path: tuple[int, ...], _t: str = token) -> str:
                return f"{root}/{path[0]}/{_t}{_path(path[1:])}" if path else root

        else:
            sent = source.sent

            def pointer(path: tuple[int, ...], _t: str = token) -> str:
                return f"{root}/{_t}{_path(path)}"

        _compare(sent, final, field, pointer, sink)


def _path(path: tuple[int, ...]) -> str:
    return "".join(f"/{i}" for i in path)


def _screen(sent: np.ndarray[Any, Any], final: np.ndarray[Any, Any]) -> Iterable[int] | None:
    """Flat indices that may have changed (``None``: look at every element)."""
    target = final.dtype.kind
    kind = sent.dtype.kind
    if target == "O" or (kind == target and kind in "bU"):
        return ()
    if kind in "iuf" and target in "iuf":
        with np.errstate(all="ignore"):
            as_float = sent.astype(np.float64).ravel()
            got = final.astype(np.float64).ravel()
            changed = (as_float != got) & ~(np.isnan(as_float) & np.isnan(got))
            if target == "f":
                # Rounding to a narrower float is the dtype's nature; overflow is not.
                changed &= np.isfinite(as_float) & ~np.isfinite(got)
        return np.flatnonzero(changed)
    if kind == "U" and target in "SM":
        # A string into datetime64 is parsed as a date, not read as a number (even
        # though ``.item()`` of a ns value is an int); the strict schema bounds its format.
        return ()
    return None


def _compare(
    sent_value: Any,
    final: np.ndarray[Any, Any],
    field: str,
    pointer: Callable[[tuple[int, ...]], str],
    sink: WarningSink,
) -> None:
    try:
        sent = np.asarray(sent_value)
    except (ValueError, TypeError):
        return
    if sent.shape != final.shape or (final.ndim == 0 and sent.dtype.kind == final.dtype.kind):
        return
    candidates = _screen(sent, final)
    flat_sent = sent.ravel()
    flat_final = final.ravel()
    indices: Iterable[int] = range(flat_final.size) if candidates is None else candidates
    for flat in indices:
        path = tuple(int(i) for i in np.unravel_index(int(flat), final.shape))
        value = _json_leaf(sent_value, path, flat_sent[flat])
        got = flat_final[flat]
        code = element_code(value, got)
        if code is None:
            continue
        if sink.room(field, code) == 0:
            sink.skip(field, code, 1)
            continue
        sink.add(make_warning(pointer(path), field, code, value, got))


def _json_leaf(value: Any, path: tuple[int, ...], fallback: Any) -> Any:
    """The JSON leaf at ``path`` (numpy's copy may have stringified it)."""
    for i in path:
        if not isinstance(value, list) or i >= len(value):
            return fallback.item() if isinstance(fallback, np.generic) else fallback
        value = value[i]
    return value


def element_code(sent: Any, final: Any) -> str | None:
    """The warning code for one tensor element, or ``None``."""
    if isinstance(final, np.generic):
        final = final.item()
    if sent is None:
        if final is False:
            return "null-to-false"
        if final in {"None", b"None"}:
            return "null-to-None-string"
        if isinstance(final, float) and math.isnan(final):
            return "null-to-nan"
        return None
    if isinstance(sent, bool):
        if isinstance(final, bool):
            return None
        return "number-stringified" if isinstance(final, (str, bytes)) else "boolean-as-number"
    if isinstance(sent, (int, float)):
        if isinstance(final, bool):
            return "truthy-number"
        if isinstance(final, (str, bytes)):
            return "number-stringified"
        if isinstance(final, int) and isinstance(sent, float) and sent != final:
            return "float-truncated"
        if isinstance(final, float) and math.isinf(final) and math.isfinite(sent):
            return "float-overflow"
        return None
    if isinstance(sent, str):
        if isinstance(final, bool):
            return "truthy-string"
        if isinstance(final, (int, float)):
            return "string-parsed-as-number"
    return None


__all__ = ["element_code", "tensor_warnings"]
