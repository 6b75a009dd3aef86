"""Resource limits: refuse a hostile body before anything expensive touches it.

The validator sits in front of models exposed to the internet, so a request
body is attacker-controlled.  Python's ``json`` parser is safe against most of
what an attacker can send, but not cheap against all of it: nesting thousands
of levels deep exhausts the interpreter's recursion limit (in the parser, then
in every recursive walk after it), an integer literal of millions of digits
costs quadratic time to convert, and a body of hundreds of megabytes costs
ten times its size in Python objects.  `check_body_limits` looks at the raw
bytes *without parsing and without recursion* (C-level ``bytes`` operations
and chunked numpy passes) and answers before ``json.loads`` runs.

Each limit is a field of the frozen `Limits`; `DEFAULT_LIMITS` holds the
defaults, chosen to protect a server (the reasons are next to each field and
in ``docs/limits.md``).

MLflow's own verdict is kept where MLflow has one.  MLflow 3.17.2's scoring
server crashes (HTTP 500) on a body nested `MLFLOW_CRASH_DEPTH` or more levels
deep and on an integer literal of more than `MLFLOW_MAX_INT_DIGITS` digits, so
a limit error on such a body carries MLflow's status (500).  A body over one
of *our* limits that MLflow would still parse gets status 413 (size) or 400
(depth, number length) and an ``x-limit-*`` keyword: a deliberate, documented
difference from MLflow, made so that a server never does unbounded work.

.. versionadded:: 0.1
"""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import Any

from sig2jsonschema._releases.table import DEFAULT_RELEASE
from sig2jsonschema.exceptions import PayloadError

from .mlflow_json import judge_deep_body
from .refusal import Rejection

#: Container nesting (arrays and objects, the top level counting one) at which
#: MLflow's ``json.loads`` runs out of recursion inside the scoring server and
#: the request crashes with HTTP 500 (`Release.json_crash_depth`).
MLFLOW_CRASH_DEPTH = DEFAULT_RELEASE.json_crash_depth

#: The longest integer literal the server's ``int()`` reads
#: (`Release.max_int_digits`); a longer one is an uncaught ``ValueError`` and
#: HTTP 500.  Only integer literals are affected: ``float()`` reads any length.
MLFLOW_MAX_INT_DIGITS = DEFAULT_RELEASE.max_int_digits

#: Keyword of a body larger than `Limits.max_body_bytes`.
KW_LIMIT_BYTES = "x-limit-body-bytes"
#: Keyword of a body nested deeper than `Limits.max_depth`.
KW_LIMIT_DEPTH = "x-limit-depth"
#: Keyword of a number literal longer than `Limits.max_number_digits`.
KW_LIMIT_NUMBER = "x-limit-number-digits"
#: Keyword of a parsed (Python) body that is not a JSON value at all.
KW_LIMIT_TYPE = "x-limit-json-type"

_MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """The resource limits applied to untrusted input.

    Every field is a positive ``int``; use `Limits.replace` (or
    ``dataclasses.replace``) to change one and keep the other defaults.

    .. versionadded:: 0.1
    """

    #: Largest request body read, in bytes (UTF-8 bytes for a ``str`` body).
    #: Checking a body costs far more than its size: measured, about 50x in
    #: resident memory (a 4 MiB ``dataframe_records`` body: +200 MiB, in either
    #: mode, as pandas builds frames from it) and seconds to a minute of CPU.
    #: 4 MiB keeps one request near 200 MiB, so a few concurrent ones fit a
    #: small server; it is also gRPC's default message limit.  Hosts that take
    #: bigger bodies (Databricks Model Serving: 16 MB) should raise it.
    max_body_bytes: int = 4 * _MIB
    #: Deepest container nesting of a body (the top-level object counts one).
    #: A legal body for the deepest legal signature is far shallower (a
    #: signature is at most `max_signature_depth` levels, half of them
    #: ``items``/``properties`` wrappers, plus the 3-4 envelope levels), and
    #: every recursive walk after parsing (``jsonschema``, ``copy.deepcopy``,
    #: numpy) spends several stack frames per level: 128 leaves 3x headroom
    #: over real bodies and stays far below Python's recursion limit of 1000.
    #: MLflow itself crashes at `MLFLOW_CRASH_DEPTH`.
    max_depth: int = 128
    #: Longest number literal, in characters after an optional minus sign
    #: (for an integer, its digit count).  Equal to CPython's default integer
    #: limit (`MLFLOW_MAX_INT_DIGITS`), so every integer MLflow can read is
    #: read, and the quadratic cost of converting longer ones is never paid,
    #: whatever ``sys.set_int_max_str_digits`` says in this process.  No
    #: double needs more than 17 significant digits; a long float literal is
    #: refused too (MLflow would parse it: a deliberate difference).
    max_number_digits: int = MLFLOW_MAX_INT_DIGITS
    #: Largest signature file read (MLmodel, signature JSON).  Real MLmodel
    #: files are a few kilobytes; 16 MiB admits a signature with hundreds of
    #: thousands of columns while refusing a file that is not a signature.
    #: Mirrors ``sig2jsonschema._signature.load.MAX_SIGNATURE_BYTES``.
    max_signature_bytes: int = 16 * _MIB
    #: Deepest nesting of a signature document.  MLflow's own signatures are a
    #: few levels deep; 64 keeps every recursive pass over a signature (and
    #: over the schemas made from it) far from Python's stack limit.
    #: Mirrors ``sig2jsonschema._signature.serialized.MAX_SIGNATURE_DEPTH``.
    max_signature_depth: int = 64
    #: Deepest nesting of a JSON Schema given to ``from_jsonschema``: twice the
    #: signature bound, since every signature level becomes two schema levels
    #: (``items``/``properties`` plus the subschema).
    max_schema_depth: int = 128
    #: Most subschemas ``from_jsonschema`` may visit, counting every ``$ref``
    #: expansion.  Without a budget, ``$defs`` that each reference the previous
    #: one ten times expand exponentially (a "billion laughs" of references).
    #: The widest real signatures have tens of thousands of columns, and
    #: `parse_signature` already spends about a millisecond per column, so a
    #: schema expanding past 100,000 nodes is not a signature anyone serves;
    #: the budget caps the work at a few seconds.
    max_schema_nodes: int = 100_000
    #: Most members of one ``enum`` read from a JSON Schema.  A signature has
    #: no enums; one only appears as ``const``-like narrowing that
    #: ``from_jsonschema`` must refuse, so reading 10,000 members to say so is
    #: already generous.
    max_enum_values: int = 10_000
    #: Most errors reported for one body.  A 4 MiB body of wrong values could
    #: otherwise yield a million `PayloadError` objects (about a kilobyte
    #: each); the first thousand say everything a client can act on.
    max_errors: int = 1_000

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                msg = f"Limits.{item.name} must be a positive int, got {value!r}"
                raise ValueError(msg)

    def replace(self, **changes: int) -> Limits:
        """A copy with some limits changed (the others kept)."""
        return dataclasses.replace(self, **changes)


#: The limits used when none are given.
DEFAULT_LIMITS = Limits()

# Escapes are neutralised with same-length blanks so that byte offsets survive:
# a run of backslashes pairs up from the left, and a backslash left before a
# quote escapes it.  After this every remaining ``"`` delimits a string.
_ESCAPED_BACKSLASH = b"\\\\"
_ESCAPED_QUOTE = b'\\"'
_BLANK2 = b"  "
#: Every byte that can appear in a JSON number maps to ``1``, the rest to space,
#: so a long number is a long run of ``1`` found by ``bytes.find`` (C speed).
_NUMBER_TABLE = bytes(0x31 if chr(b) in "-+.0123456789eE" else 0x20 for b in range(256))
#: Python's own number grammar (``json.scanner.NUMBER_RE``): integer part,
#: fraction, exponent.  A literal without fraction and exponent is an ``int``.
_NUMBER_RE = re.compile(rb"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
#: Bytes scanned per numpy pass (bounds the scanner's temporary memory).
_CHUNK = 1 << 20


def _depth_table() -> Any:
    import numpy as np

    table = np.zeros(256, dtype=np.int8)
    table[[ord("["), ord("{")]] = 1
    table[[ord("]"), ord("}")]] = -1
    return table


def _unescaped(raw: bytes) -> bytes:
    """``raw`` with escape sequences blanked (same length), quotes now all real."""
    if b"\\" not in raw:
        return raw
    return raw.replace(_ESCAPED_BACKSLASH, _BLANK2).replace(_ESCAPED_QUOTE, _BLANK2)


def nesting_depth(raw: bytes, *, stop: int | None = None) -> int:
    """The deepest container nesting of JSON text, brackets inside strings ignored.

    No recursion and no parsing: escapes are blanked, then chunked numpy passes
    track string parity and a running bracket count.  Malformed text gets a
    meaningful answer too (the depth a parser reading left to right would reach
    before failing, or more).

    Args:
        raw: the body bytes.
        stop: return as soon as the depth is known to reach this value.
    """
    import numpy as np

    text = _unescaped(raw)
    data = np.frombuffer(text, dtype=np.uint8)
    table = _depth_table()
    depth = deepest = 0
    parity = 0
    for start in range(0, data.size, _CHUNK):
        chunk = data[start : start + _CHUNK]
        steps = table[chunk]
        quotes = chunk == ord('"')
        if parity or quotes.any():
            # Inside a string iff an odd number of quotes came before (the
            # quote itself is not a bracket, so counting it is harmless).
            seen = np.cumsum(quotes, dtype=np.uint8)
            seen += np.uint8(parity)
            inside = (seen & 1).astype(bool)
            parity = int(seen[-1]) & 1
            steps[inside] = 0
        running = np.cumsum(steps, dtype=np.int64)
        running += depth
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
        if stop is not None and deepest >= stop:
            return deepest
    return deepest


def _long_numbers(raw: bytes, longer_than: int) -> list[tuple[int, bytes]]:
    """(offset, literal) of every number literal outside strings longer than the bound.

    The bound excludes a leading minus sign.  A run of number characters
    inside a string (a long digit string, base64) does not count.
    """
    runs = raw.translate(_NUMBER_TABLE)
    needle = b"1" * (longer_than + 1)
    found: list[tuple[int, bytes]] = []
    start = runs.find(needle)
    if start < 0:
        return found
    text = _unescaped(raw)
    counted_to = 0
    quotes_before = 0
    while start >= 0:
        end = runs.find(b" ", start)
        end = len(runs) if end < 0 else end
        # Runs never contain a quote, so one parity test covers the whole run.
        quotes_before += text.count(b'"', counted_to, start)
        counted_to = start
        literal = raw[start:end]
        digits = len(literal) - (1 if literal.startswith(b"-") else 0)
        if quotes_before % 2 == 0 and digits > longer_than:
            found.append((start, literal))
        start = runs.find(needle, end)
    return found


def _integer_digits(literal: bytes) -> int:
    """Digits of the integer ``json`` would build from ``literal`` (0: it builds a float)."""
    match = _NUMBER_RE.match(literal)
    if match is None or match.group(2) or match.group(3):
        return 0
    return len(match.group(1).lstrip(b"-"))


def _to_bytes(raw: bytes | bytearray | memoryview | str, limit: int) -> bytes | int:
    """The body as UTF-8 bytes, or its size (at least) when that is over ``limit``."""
    if isinstance(raw, str):
        if len(raw) > limit:
            return len(raw)  # every character is at least one byte
        return raw.encode("utf-8", "surrogatepass")
    if isinstance(raw, memoryview):
        return raw.nbytes if raw.nbytes > limit else raw.tobytes()
    if len(raw) > limit:
        return len(raw)
    return bytes(raw)


def _size_error(size: int, limits: Limits, *, redact: bool) -> PayloadError:
    return PayloadError(
        pointer="",
        keyword=KW_LIMIT_BYTES,
        expected=f"a body of at most {limits.max_body_bytes} bytes (Limits.max_body_bytes)",
        got=f"{size} bytes" if size > limits.max_body_bytes else "more bytes",
        hint="refused unread; MLflow 3.17.2 has no size limit, this is sig2jsonschema's",
        redacted=redact,
        error_code="BAD_REQUEST",
        status=413,
    )


def _crashes_mlflow(data: bytes) -> bool:
    """Whether MLflow's parser reaches `MLFLOW_CRASH_DEPTH` before a syntax error.

    ``json.loads`` reads left to right: a body already invalid before its first
    point nested that deep gets MLflow's 400, not the crash.  Only that prefix
    is parsed (by ``mlflow_json``), never the deep remainder.
    """
    try:
        judge_deep_body(data)
    except Rejection as rejection:
        return rejection.status == 500
    except Exception:  # noqa: BLE001 - not UTF-8 text etc.: keep the crash verdict
        return True
    return True  # pragma: no cover - judge_deep_body always raises


def _depth_error(
    depth: int, limits: Limits, *, redact: bool, syntax_first: bool = False
) -> PayloadError:
    crashes = depth >= MLFLOW_CRASH_DEPTH and not syntax_first
    if crashes:
        hint = (
            f"MLflow's JSON parser runs out of recursion at {MLFLOW_CRASH_DEPTH} levels "
            "and the server answers 500"
        )
    elif syntax_first:
        hint = "MLflow 3.17.2 would answer 400: the body is not valid JSON before that depth"
    else:
        hint = "MLflow 3.17.2 would parse this body; the limit is sig2jsonschema's"
    return PayloadError(
        pointer="",
        keyword=KW_LIMIT_DEPTH,
        expected=f"arrays and objects nested at most {limits.max_depth} deep (Limits.max_depth)",
        got=f"nesting {depth} deep" if depth < 10 * limits.max_depth else "deeper nesting",
        hint=hint,
        redacted=redact,
        error_code="INTERNAL_ERROR" if crashes else "BAD_REQUEST",
        status=500 if crashes else 400,
    )


def _number_error(offset: int, literal: bytes, limits: Limits, *, redact: bool) -> PayloadError:
    int_digits = _integer_digits(literal)
    crashes = int_digits > MLFLOW_MAX_INT_DIGITS
    digits = len(literal) - (1 if literal.startswith(b"-") else 0)
    hint = (
        f"Python's int() refuses more than {MLFLOW_MAX_INT_DIGITS} digits and MLflow's "
        "server answers 500"
        if crashes
        else "MLflow 3.17.2 would parse this number; the limit is sig2jsonschema's"
    )
    return PayloadError(
        pointer="",
        keyword=KW_LIMIT_NUMBER,
        expected=f"number literals of at most {limits.max_number_digits} digits "
        "(Limits.max_number_digits)",
        # The literal itself is a payload value: only its length and place are told.
        got=f"a {digits}-character {'integer' if int_digits else 'number'} at byte {offset}",
        hint=hint,
        redacted=redact,
        error_code="INTERNAL_ERROR" if crashes else "BAD_REQUEST",
        status=500 if crashes else 400,
    )


def check_body_limits(
    raw: bytes | bytearray | memoryview | str,
    limits: Limits = DEFAULT_LIMITS,
    *,
    redact: bool = False,
) -> PayloadError | None:
    """Refuse a raw body over a limit, before it is parsed.

    Checks, in order: size (without reading further), number literal length
    outside strings, nesting depth outside strings.  No recursion, no
    ``json.loads``, no ``int()``: time is linear in the body and temporary
    memory at most about three times `Limits.max_body_bytes` (plus a few MiB
    of numpy chunks).  Where MLflow also fails on the body (500 at
    `MLFLOW_CRASH_DEPTH` levels or an integer of more than
    `MLFLOW_MAX_INT_DIGITS` digits) the error carries MLflow's status; a
    crash is reported in preference to a limit only sig2jsonschema has.

    A body with a JSON syntax error *before* the point where MLflow's parser
    would crash gets MLflow's 400 (only that prefix is parsed), not the 500.

    Args:
        raw: the body as received (``bytes``) or as text (measured as UTF-8).
        limits: the limits to apply.
        redact: withhold what the body held from the message.

    Returns:
        The `PayloadError` (keyword ``x-limit-*``), or ``None`` when the body
        is within every limit.

    .. versionadded:: 0.1
    """
    data = _to_bytes(raw, limits.max_body_bytes)
    if isinstance(data, int):
        return _size_error(data, limits, redact=redact)
    if len(data) > limits.max_body_bytes:
        return _size_error(len(data), limits, redact=redact)
    errors: list[PayloadError] = []
    numbers = _long_numbers(data, limits.max_number_digits)
    if numbers:
        crash = next(
            ((o, lit) for o, lit in numbers if _integer_digits(lit) > MLFLOW_MAX_INT_DIGITS),
            None,
        )
        offset, literal = crash or numbers[0]
        errors.append(_number_error(offset, literal, limits, redact=redact))
    if data.count(b"[") + data.count(b"{") > limits.max_depth:
        depth = nesting_depth(data, stop=max(limits.max_depth + 1, MLFLOW_CRASH_DEPTH))
        if depth > limits.max_depth:
            syntax_first = depth >= MLFLOW_CRASH_DEPTH and not _crashes_mlflow(data)
            errors.append(_depth_error(depth, limits, redact=redact, syntax_first=syntax_first))
    if not errors:
        return None
    # MLflow's verdict first: a crash it shares outranks a limit only we have.
    errors.sort(key=lambda e: e.status != 500)
    return errors[0]


def check_value_limits(
    value: Any, limits: Limits = DEFAULT_LIMITS, *, redact: bool = False
) -> PayloadError | None:
    """Refuse an already-parsed body that no JSON text within the limits produces.

    For callers that hand over Python values instead of bytes: nesting deeper
    than `Limits.max_depth` (a list that contains itself included: it has no
    finite depth), an ``int`` of more than `Limits.max_number_digits` digits
    (measured without ``str()``, which is quadratic), and objects JSON cannot
    hold (sets, tuples, bytes, numpy scalars, non-string keys).  Iterative;
    stops at the first problem.

    .. versionadded:: 0.1
    """
    bound = _power_of_ten(limits.max_number_digits)
    stack: list[tuple[Any, int, tuple[str | int, ...]]] = [(value, 1, ())]
    while stack:
        item, depth, path = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limits.max_depth:
                return PayloadError(
                    pointer=_pointer(path),
                    keyword=KW_LIMIT_DEPTH,
                    expected=f"arrays and objects nested at most {limits.max_depth} deep "
                    "(Limits.max_depth)",
                    got=f"nesting deeper than {limits.max_depth}",
                    redacted=redact,
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str):
                        return _type_error(
                            path, f"an object key of type {type(key).__name__}", redact=redact
                        )
                    stack.append((child, depth + 1, (*path, key)))
            else:
                stack.extend((child, depth + 1, (*path, i)) for i, child in enumerate(item))
        elif item is None or isinstance(item, (str, float, bool)):
            continue
        elif isinstance(item, int):
            if abs(item) >= bound:
                return PayloadError(
                    pointer=_pointer(path),
                    keyword=KW_LIMIT_NUMBER,
                    expected=f"integers of at most {limits.max_number_digits} digits "
                    "(Limits.max_number_digits)",
                    got="a longer integer",
                    redacted=redact,
                )
        else:
            return _type_error(path, f"a Python {type(item).__name__}", redact=redact)
    return None


@functools.lru_cache(maxsize=8)
def _power_of_ten(digits: int) -> int:
    """``10**digits``: the smallest integer with ``digits + 1`` digits."""
    return int(10**digits)


def _pointer(path: tuple[str | int, ...]) -> str:
    from sig2jsonschema.exceptions import to_pointer

    return to_pointer(path)


def _type_error(path: tuple[str | int, ...], got: str, *, redact: bool) -> PayloadError:
    return PayloadError(
        pointer=_pointer(path),
        keyword=KW_LIMIT_TYPE,
        expected="a JSON value (dict with str keys, list, str, int, float, bool, None)",
        got=got,
        redacted=redact,
    )


__all__ = [
    "DEFAULT_LIMITS",
    "KW_LIMIT_BYTES",
    "KW_LIMIT_DEPTH",
    "KW_LIMIT_NUMBER",
    "KW_LIMIT_TYPE",
    "MLFLOW_CRASH_DEPTH",
    "MLFLOW_MAX_INT_DIGITS",
    "Limits",
    "check_body_limits",
    "check_value_limits",
    "nesting_depth",
]
