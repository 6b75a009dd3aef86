"""Emulate an MLflow release's scoring server on one request body, without MLflow.

`emulate` answers "what would ``POST /invocations`` do with this body?": the
HTTP status and MLflow error code, or, for an accepted body, exactly what the
model's ``predict()`` receives (DataFrame, arrays, params) and every lossy or
surprising conversion MLflow made on the way (`ConversionWarning`).

The pipeline is the server's (spec sections 2 and 3): content type, JSON
decoding (`sig2jsonschema._payload.mlflow_json`), the top-level interpretation
(unified-LLM keys, envelope keys, params), the parse stage per envelope
(`parse`, `frames`), CSV and Parquet (`tabular`), enforcement (`enforce`,
`tensors`), params (`params`), then the warning pass (`conversion_warnings`).
pandas and numpy do the casting, as in MLflow, so their quirks come out the
same.  Where releases differ, each stage reads the `Release` row it is handed
(`sig2jsonschema._releases.table`); nothing here spells a version.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sig2jsonschema._payload.decode import CONTENT_TYPES, JSON_TYPE, PARQUET_TYPE
from sig2jsonschema._payload.mlflow_json import (
    JSON_DEPTH_LIMIT,
    decode_body,
    find_non_finite,
    render_json,
    value_depth,
)
from sig2jsonschema._payload.parsed import ConversionWarning
from sig2jsonschema._payload.refusal import (
    Rejection,
    bad_request,
    brief,
    invalid_parameter,
    server_crash,
)
from sig2jsonschema._releases.table import NEWEST_RELEASE, Release
from sig2jsonschema.exceptions import escape_pointer_token, to_pointer

from .frames import parse_records, parse_split
from .outcome import Outcome, WarningSink
from .parse import ENVELOPE_KEYS, ColumnSource, Parsed, parse_tf
from .received import for_release

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

#: Top-level keys that switch the server to the "unified LLM" path.
LLM_KEYS = ("messages", "prompt", "input")


@dataclass
class _Run:
    """What is known so far about one request, for the final `Outcome`."""

    signature: Signature
    release: Release
    sink: WarningSink = field(default_factory=WarningSink)
    form: str | None = None
    unwrapped: bool = False
    body: Any = None
    parsed: Parsed | None = None


def emulate(
    signature: Signature,
    body: bytes | str | Any,
    *,
    content_type: str | None = JSON_TYPE,
    release: Release = NEWEST_RELEASE,
) -> Outcome:
    """What an MLflow release's scoring server does with one request body.

    Args:
        signature: the model's signature.
        body: the raw body (``bytes``, or ``str`` sent as UTF-8), or an already
            parsed JSON value (then JSON decoding is skipped).
        content_type: the request's ``Content-Type`` header (``None``: absent).
        release: the MLflow release whose server is reproduced (default: the
            newest supported).

    Returns:
        The `Outcome`; never raises, whatever the body.

    Neither the signature nor the body is mutated.  numpy/pandas warnings are
    silenced with ``warnings.catch_warnings`` (as the server merely logs them),
    which, like the recursion limit briefly raised for very deep non-RFC
    bodies, is process-wide state: do not rely on warning filters set in other
    threads while ``emulate`` runs.

    .. versionadded:: 0.1
    """
    run = _Run(signature, release)
    with warnings.catch_warnings():
        # numpy and pandas warn (timezones, casts) where the server just logs.
        warnings.simplefilter("ignore")
        try:
            received, params = _serve(run, body, content_type)
        except Rejection as rejection:
            return _rejected(run, rejection)
        except RecursionError:
            return _rejected(
                run,
                server_crash("the body nests too deeply for MLflow", keyword="x-mlflow-depth"),
            )
        except Exception as exc:  # noqa: BLE001 - the contract is: never raise
            return _rejected(
                run,
                Rejection(
                    f"sig2jsonschema could not emulate this body ({brief(exc)}); please report it",
                    status=500,
                    error_code=None,
                    error_class=None,
                    keyword="x-sig2jsonschema-internal",
                ),
            )
    return Outcome(
        status=200,
        error_code=None,
        error_class=None,
        message=None,
        pointer="",
        field="",
        keyword="",
        form=run.form,
        received=for_release(received, run.parsed),
        params=params,
        unwrapped=run.unwrapped,
        warnings=tuple(run.sink.items),
    )


def _rejected(run: _Run, rejection: Rejection) -> Outcome:
    message = rejection.message
    if run.form == "llm" and isinstance(run.body, dict):
        keys = [k for k in LLM_KEYS if k in run.body]
        message += (
            f" (the top-level key {keys[0]!r} makes MLflow read the whole body as unified-LLM "
            "input, without an envelope)"
        )
    return Outcome(
        status=rejection.status,
        error_code=rejection.error_code,
        error_class=rejection.error_class if run.release.error_class else None,
        message=message,
        pointer=rejection.pointer,
        field=rejection.field,
        keyword=rejection.keyword,
        form=run.form,
        received=None,
        params=None,
        unwrapped=False,
        warnings=(),
    )


def _media_type(content_type: str | None, release: Release) -> str:
    """Check the header the way the server does; return the media type.

    Raises:
        Rejection: 415 for unsupported types/parameters, 500 for no header.
    """
    if content_type is None:
        raise server_crash(
            "the request has no Content-Type header; MLflow's handler crashes",
            keyword="x-mlflow-content-type",
        )
    parts = [p.strip() for p in content_type.split(";")]
    options = {key: value for pair in parts[1:] for key, _, value in [pair.partition("=")]}
    if options.get("charset", "utf-8").lower() != "utf-8":
        raise _unsupported(f"charset {options['charset']!r}; MLflow only reads UTF-8")
    unexpected = sorted(set(options) - {"charset"})
    if unexpected:
        raise _unsupported(f"content type parameter {unexpected[0]!r}; only 'charset' is allowed")
    served = [t for t in CONTENT_TYPES if release.parquet or t != PARQUET_TYPE]
    if parts[0] not in served:
        raise _unsupported(
            f"content type {parts[0]!r}; MLflow {release.line} serves {', '.join(served)} "
            "(case-sensitive)"
        )
    return parts[0]


def _unsupported(problem: str) -> Rejection:
    return Rejection(
        f"unsupported {problem}",
        status=415,
        error_code=None,
        error_class=None,
        keyword="x-mlflow-content-type",
    )


def _serve(run: _Run, body: Any, content_type: str | None) -> tuple[Any, dict[str, Any] | None]:
    media = _media_type(content_type, run.release)
    if media != JSON_TYPE:
        from .tabular import read_table

        parsed = read_table(run.signature, body, media, run.release)
        run.form, run.parsed = parsed.form, parsed
        return _predict(run, parsed, None, params_pointer="/params", from_body=False)
    depth: int | None = None
    if isinstance(body, (bytes, bytearray, memoryview)):
        value, strict, depth = _decode(bytes(body), run.release)
    elif isinstance(body, str):
        value, strict, depth = _decode(body.encode("utf-8", "surrogatepass"), run.release)
    else:
        # Below the limit this is the body's exact depth: a bound for every walk below.
        depth = value_depth(body, JSON_DEPTH_LIMIT)
        if depth >= JSON_DEPTH_LIMIT:
            # Too deep for MLflow's parser to have produced; also stops a value
            # that contains itself, which every walk below would follow forever.
            raise server_crash(
                f"the body nests {JSON_DEPTH_LIMIT} or more arrays/objects (or contains "
                "itself); MLflow's JSON parser runs out of recursion and the server crashes",
                keyword="x-mlflow-json",
            )
        value, strict = body, False
    run.body = value
    if not strict:
        _warn_non_finite(run, value)
    if not isinstance(value, dict):
        from sig2jsonschema._signature.param_rules import json_kind

        raise bad_request(
            f"the body must be a JSON object with exactly one of the keys "
            f"{', '.join(ENVELOPE_KEYS)}; got {json_kind(value)}",
            keyword="type",
        )
    if any(key in value for key in LLM_KEYS):
        return _serve_llm(run, value)
    for key in value:
        if key not in ENVELOPE_KEYS and key != "params":
            run.sink.add(
                ConversionWarning(
                    "/" + escape_pointer_token(key),
                    "",
                    "unknown-key-ignored",
                    render_json(value[key]),
                    "(ignored)",
                    f"top-level key {key!r} is not an envelope key; MLflow ignores it",
                )
            )
    keys = [k for k in ENVELOPE_KEYS if k in value]
    params = value.get("params")
    sig = run.signature
    if sig.from_type_hint:
        if "inputs" not in keys:
            raise invalid_parameter(
                "this model's signature comes from a type hint: the body must use the "
                f"'inputs' key, got {sorted(value)}",
                keyword="x-mlflow-envelope",
            )
        from .hint import check_type_hint

        run.form = "inputs/raw"
        data = value["inputs"]
        params_out = _params(run, params, "/params", from_body=True)
        return check_type_hint(sig, data), params_out
    if len(keys) != 1:
        found = ", ".join(keys) if keys else "none"
        raise bad_request(
            f"the body needs exactly one of the keys {', '.join(ENVELOPE_KEYS)}; found {found}",
            keyword="x-mlflow-envelope",
            pointer="/" + keys[1] if len(keys) > 1 else "",
        )
    key = keys[0]
    run.form = key
    if key == "dataframe_split":
        parsed = parse_split(value[key], sig.inputs, run.release)
    elif key == "dataframe_records":
        parsed = parse_records(value[key], sig.inputs, run.release)
    else:
        parsed = parse_tf(value[key], key, sig.inputs, run.release, depth)
    run.form, run.parsed = parsed.form, parsed
    return _predict(run, parsed, params, params_pointer="/params", from_body=True)


def _decode(raw: bytes, release: Release) -> tuple[Any, bool, int]:
    """`decode_body`, and a release that lets a non-UTF-8 body crash (`Release.non_utf8_status`)."""
    if release.non_utf8_status != 400:
        import json

        try:
            raw.decode(json.detect_encoding(raw), "surrogatepass")
        except UnicodeDecodeError as exc:
            raise Rejection(
                f"the body is not valid text ({exc.reason} at byte {exc.start}); MLflow "
                f"{release.line} lets the decoding error escape",
                status=release.non_utf8_status,
                error_code=None,
                error_class=None,
                keyword="x-mlflow-json",
            ) from None
    return decode_body(raw)


def _serve_llm(run: _Run, value: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """The unified-LLM path: params are top-level keys named like declared params."""
    run.form = "llm"
    run.unwrapped = True
    declared = {p.name for p in run.signature.params.params} if run.signature.params else set()
    data = {k: v for k, v in value.items() if k not in declared}
    params = {k: v for k, v in value.items() if k in declared}
    sources = {
        k: ColumnSource(
            k,
            "/" + escape_pointer_token(k),
            _llm_cell(k) if isinstance(v, list) else None,
            sent=v,
        )
        for k, v in data.items()
    }
    parsed = Parsed(data, "llm", "", sources, run.release)
    run.parsed = parsed
    if run.signature.from_type_hint:
        from .hint import check_type_hint

        params_out = _params(run, params, "", from_body=True)
        return check_type_hint(run.signature, data), params_out
    return _predict(run, parsed, params, params_pointer="", from_body=True)


def _llm_cell(key: str) -> Any:
    token = escape_pointer_token(key)
    return lambda i: f"/{token}/{i}"


def _params(run: _Run, params: Any, pointer: str, *, from_body: bool) -> dict[str, Any] | None:
    from .params import enforce_params

    return enforce_params(
        params, run.signature.params, pointer=pointer, sink=run.sink, from_body=from_body
    )


def _predict(
    run: _Run, parsed: Parsed, params: Any, *, params_pointer: str, from_body: bool
) -> tuple[Any, dict[str, Any] | None]:
    """``PyFuncModel.predict``: enforce inputs (if declared), then params."""
    data = parsed.data
    dropped: list[Any] = []
    if run.signature.inputs is not None:
        from .enforce import enforce_input

        data, dropped = enforce_input(parsed, run.signature.inputs)
    run.form = parsed.form
    params_out = _params(run, params, params_pointer, from_body=from_body)
    from .conversion_warnings import collect_warnings

    collect_warnings(run.signature, parsed, data, dropped, run.body, run.sink)
    return data, params_out


def _warn_non_finite(run: _Run, value: Any) -> None:
    for path, number in find_non_finite(value, limit=run.sink.per_key * 5):
        run.sink.add(
            ConversionWarning(
                to_pointer(path),
                "",
                "nan-literal",
                render_json(number),
                render_json(number),
                f"{render_json(number)} is not JSON (RFC 8259); Python's parser accepts it "
                "but most clients cannot send it",
            )
        )


__all__ = ["ConversionWarning", "Outcome", "emulate"]
