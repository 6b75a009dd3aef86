"""Decoding a request body before any schema sees it.

Two decoders, one per mode:

* ``mlflow``: what MLflow's scoring server does (``json.loads`` on the raw
  bytes: a UTF-8 BOM, UTF-16/32 bodies, ``NaN``/``Infinity`` literals and
  duplicate keys (last one wins) are all accepted);
* ``strict``: RFC 8259 only.  The same parse (so the value is exactly the one
  MLflow builds), plus hooks that find what RFC 8259 forbids: non-finite
  literals, duplicate object keys (both located by RFC 6901 pointer), a BOM,
  bytes that are not UTF-8.

Malformed JSON is reported with line and column.  Every problem is a
`PayloadError`; nothing here raises anything else.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from sig2jsonschema.exceptions import PayloadError, to_pointer

#: The media types MLflow's scoring server reads (``invocations`` in scoring_server).
JSON_TYPE = "application/json"
CSV_TYPE = "text/csv"
PARQUET_TYPE = "application/vnd.apache.parquet"
CONTENT_TYPES = (CSV_TYPE, JSON_TYPE, PARQUET_TYPE)

_BOM = b"\xef\xbb\xbf"

#: Keywords of the body-level rules (they are not JSON Schema keywords).
KW_SYNTAX = "x-json-syntax"
KW_EMPTY = "x-json-empty"
KW_ENCODING = "x-json-encoding"
KW_BOM = "x-json-bom"
KW_NONFINITE = "x-json-nonfinite"
KW_DUPLICATE = "x-json-duplicate-key"
KW_DEPTH = "x-json-depth"
KW_NUMBER = "x-json-number"
KW_TOP_LEVEL = "x-mlflow-body"
KW_CONTENT_TYPE = "x-mlflow-content-type"


@dataclass
class Decoded:
    """A decoded JSON body: the value MLflow builds, and what strict refuses in it."""

    #: The parsed value (plain dicts/lists/scalars; duplicates resolved last-wins).
    value: Any = None
    #: Errors that stop everything (malformed, empty, undecodable): no value.
    fatal: PayloadError | None = None
    #: RFC 8259 problems found in a body that still parsed (strict mode reports them).
    problems: list[PayloadError] = field(default_factory=list)


@dataclass(frozen=True)
class ContentType:
    """A parsed ``Content-Type`` header, judged as MLflow's ``invocations`` judges it."""

    #: The media type (case kept: MLflow compares it case-sensitively).
    mime: str
    #: The 415 reason when MLflow refuses the header, else empty.
    refusal: str = ""


def parse_content_type(header: str | None) -> ContentType:
    """Split a ``Content-Type`` header and decide whether MLflow serves it.

    MLflow splits on ``;``, compares the media type case-sensitively with its
    three types, allows only a ``charset=utf-8`` parameter (case-insensitive
    value), and answers 415 otherwise.
    """
    if header is None:
        return ContentType("", "a Content-Type header (MLflow answers 500 without one)")
    parts = [p.strip() for p in header.split(";")]
    mime, params = parts[0], parts[1:]
    values = {}
    for pair in params:
        key, _, value = pair.partition("=")
        values[key] = value
    if values.get("charset", "utf-8").lower() != "utf-8":
        return ContentType(mime, "charset utf-8 (MLflow serves UTF-8 only)")
    if set(values) - {"charset"}:
        extra = ", ".join(sorted(set(values) - {"charset"}))
        return ContentType(mime, f"no media-type parameter other than charset (got {extra})")
    if mime not in CONTENT_TYPES:
        return ContentType(mime, "one of " + ", ".join(CONTENT_TYPES))
    return ContentType(mime)


def position_of(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of a character offset, as ``json`` counts them."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) if line > 1 else -1)
    return line, column


def _encoding_failure(got: str, why: str, line: int, column: int, *, redact: bool) -> Decoded:
    """A body that is not UTF-8 text: fatal, located by line and column."""
    error = PayloadError(
        pointer="",
        keyword=KW_ENCODING,
        expected="UTF-8 text",
        got=got,
        hint=f"line {line}, column {column}: {why}",
        redacted=redact,
    )
    return Decoded(fatal=_with_position(error, line, column))


def _with_position(error: PayloadError, line: int, column: int) -> PayloadError:
    # NB: PayloadError has no line/column fields yet: data as attributes, and
    # text in the hint, until it does.
    for name, value in (("line", line), ("column", column)):
        object.__setattr__(error, name, value)
    return error


def _syntax_error(text: str, exc: json.JSONDecodeError, *, redact: bool) -> PayloadError:
    excerpt = text[exc.pos : exc.pos + 20]
    more = " ..." if len(text) > exc.pos + 20 else ""
    error = PayloadError(
        pointer="",
        keyword=KW_SYNTAX,
        expected="well-formed JSON",
        got=repr(excerpt) + more if excerpt else "the end of the body",
        hint=f"line {exc.lineno}, column {exc.colno}: {exc.msg}",
        redacted=redact,
    )
    return _with_position(error, exc.lineno, exc.colno)


def _empty_error(*, redact: bool) -> PayloadError:
    return _with_position(
        PayloadError(
            pointer="",
            keyword=KW_EMPTY,
            expected="a JSON object",
            got="an empty body",
            redacted=redact,
        ),
        1,
        1,
    )


def _bom_error(*, redact: bool) -> PayloadError:
    return _with_position(
        PayloadError(
            pointer="",
            keyword=KW_BOM,
            expected="JSON text without a byte order mark (RFC 8259 section 8.1)",
            got="a UTF-8 BOM",
            redacted=redact,
        ),
        1,
        1,
    )


class _Hooks:
    """A parse hook that notes objects whose text repeated a key; one per parse.

    The object itself is built last-wins, exactly as ``json`` (and so MLflow)
    builds it; only the repeated names are remembered, by object identity
    (the objects are kept alive here, so identities stay unique).
    """

    def __init__(self) -> None:
        self.duplicates: dict[int, tuple[dict[str, Any], list[str]]] = {}

    def pairs(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            repeated: list[str] = []
            for key, _ in pairs:
                if key in seen and key not in repeated:
                    repeated.append(key)
                seen.add(key)
            self.duplicates[id(result)] = (result, repeated)
        return result


def _duplicate_paths(
    value: Any, duplicates: dict[int, tuple[dict[str, Any], list[str]]]
) -> list[tuple[list[str | int], str]]:
    """(path of the repeated member, its name) for every noted object."""
    out: list[tuple[list[str | int], str]] = []
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            if id(node) in duplicates:
                out.extend(([*where, k], k) for k in duplicates[id(node)][1])
            stack.extend((v, [*where, k]) for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(
                (v, [*where, i]) for i, v in enumerate(node) if isinstance(v, (dict, list))
            )
    out.sort(key=lambda item: [str(p) for p in item[0]])
    return out


def _nonfinite_floats(value: Any) -> list[tuple[list[str | int], float]]:
    """Every non-finite float (from a literal or an overflowing number), with its path."""
    out: list[tuple[list[str | int], float]] = []
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, where = stack.pop()
        if isinstance(node, float):
            if not math.isfinite(node):
                out.append((where, node))
        elif isinstance(node, dict):
            stack.extend((v, [*where, k]) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, [*where, i]) for i, v in enumerate(node))
    out.sort(key=lambda item: [str(p) for p in item[0]])
    return out


def decode_json(body: bytes | str, *, strict: bool, redact: bool = False) -> Decoded:
    """Decode a raw JSON body as MLflow does, noting what strict refuses.

    Args:
        body: the raw body (bytes as received, or text).
        strict: also report RFC 8259 problems (in `Decoded.problems`).
        redact: withhold payload values from every message.
    """
    problems: list[PayloadError] = []
    if isinstance(body, (bytes, bytearray, memoryview)):
        raw = bytes(body)
        if raw.startswith(_BOM) and strict:
            problems.append(_bom_error(redact=redact))
        try:
            if strict:
                text = raw.removeprefix(_BOM).decode("utf-8")
            else:
                # json.loads(bytes) detects UTF-8 (with or without BOM), UTF-16 and
                # UTF-32, exactly as MLflow's json.loads(request body) does.
                text = raw.decode(json.detect_encoding(raw), "surrogatepass")
                text = text.removeprefix("\ufeff")
        except UnicodeDecodeError as exc:
            prefix = raw[: exc.start].decode("utf-8", "replace")
            line, column = position_of(prefix, len(prefix))
            return _encoding_failure(
                f"byte 0x{raw[exc.start]:02x} at offset {exc.start}",
                "invalid UTF-8",
                line,
                column,
                redact=redact,
            )
    else:
        text = str(body)
        if text.startswith("\ufeff"):
            # A str body as a client would send it: the BOM travels as bytes EF BB BF.
            if strict:
                problems.append(_bom_error(redact=redact))
            text = text[1:]
        if strict:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                line, column = position_of(text, exc.start)
                return _encoding_failure(
                    f"a lone surrogate at line {line}, column {column}",
                    "not encodable as UTF-8",
                    line,
                    column,
                    redact=redact,
                )
    if not text.strip():
        return Decoded(fatal=_empty_error(redact=redact))
    hooks = _Hooks()
    decoder = json.JSONDecoder(object_pairs_hook=hooks.pairs)
    try:
        value = decoder.decode(text)
    except json.JSONDecodeError as exc:
        return Decoded(fatal=_syntax_error(text, exc, redact=redact))
    except RecursionError:
        return Decoded(
            fatal=PayloadError(
                pointer="",
                keyword=KW_DEPTH,
                expected="JSON nested less deeply (MLflow's parser fails with a 500)",
                got="a deeply nested body",
                redacted=redact,
                error_code="INTERNAL_ERROR",
                status=500,
            )
        )
    except ValueError:
        # int() refuses integer literals of more than 4300 digits; MLflow does
        # not catch that and answers 500.
        return Decoded(
            fatal=PayloadError(
                pointer="",
                keyword=KW_NUMBER,
                expected="numbers of at most 4300 digits (Python's JSON parser, and so "
                "MLflow's server, fails on longer ones with a 500)",
                got="a longer integer literal",
                redacted=redact,
                error_code="INTERNAL_ERROR",
                status=500,
            )
        )
    if strict:
        problems.extend(
            PayloadError(
                pointer=to_pointer(path),
                keyword=KW_DUPLICATE,
                expected="unique member names (MLflow silently keeps the last one)",
                got=f"member {name!r} repeated",
                redacted=redact,
            )
            for path, name in _duplicate_paths(value, hooks.duplicates)
        )
        problems.extend(nonfinite_errors(value, redact=redact))
    return Decoded(value=value, problems=problems)


def nonfinite_errors(value: Any, *, redact: bool = False) -> list[PayloadError]:
    """Strict errors for every non-finite number in a parsed body.

    RFC 8259 has no ``NaN``/``Infinity``; a number too large for a double
    (``1e400``) also reaches MLflow as infinity, so it is refused too.
    """
    return [
        PayloadError(
            pointer=to_pointer(path),
            keyword=KW_NONFINITE,
            expected="a finite JSON number (RFC 8259 has no NaN or Infinity)",
            got=_nonfinite_text(number),
            redacted=redact,
        )
        for path, number in _nonfinite_floats(value)
    ]


def _nonfinite_text(number: float) -> str:
    if math.isnan(number):
        return "NaN"
    return "Infinity" if number > 0 else "-Infinity"


def top_level_error(value: Any, *, redact: bool = False) -> PayloadError | None:
    """MLflow's first check on a parsed body: it must be an object."""
    if isinstance(value, dict):
        return None
    kind = "an array" if isinstance(value, list) else f"a {type(value).__name__} value"
    from sig2jsonschema._signature.param_rules import describe_json

    return PayloadError(
        pointer="",
        keyword=KW_TOP_LEVEL,
        expected="a JSON object holding exactly one of dataframe_split, dataframe_records, "
        "instances, inputs",
        got=kind if isinstance(value, list) else describe_json(value),
        redacted=redact,
    )


__all__ = [
    "CONTENT_TYPES",
    "CSV_TYPE",
    "JSON_TYPE",
    "KW_BOM",
    "KW_CONTENT_TYPE",
    "KW_DEPTH",
    "KW_DUPLICATE",
    "KW_EMPTY",
    "KW_ENCODING",
    "KW_NONFINITE",
    "KW_NUMBER",
    "KW_SYNTAX",
    "KW_TOP_LEVEL",
    "PARQUET_TYPE",
    "ContentType",
    "Decoded",
    "decode_json",
    "nonfinite_errors",
    "parse_content_type",
    "position_of",
    "top_level_error",
]
