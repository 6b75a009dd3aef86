"""`Validator`: would MLflow's scoring server serve this request body as intended?

Two modes (``docs/validation.md``):

* ``mlflow`` predicts the chosen MLflow release's verdict exactly
  (``mlflow_version``; `sig2jsonschema._releases.table`).  A body the strict
  contract's fast path accepts is served unchanged by every supported release,
  so it is answered there; any other verdict comes from
  the emulator (`sig2jsonschema._emulator.server`); the exported ``mlflow``-mode JSON
  Schema, run on the ``jsonschema`` library with our vocabulary keywords,
  supplies pointer, keyword and expected words where it agrees, the
  emulator's own outcome otherwise.  Lossy conversions on accepted bodies are
  warnings.
* ``strict`` (the default) is the contract of ``docs/strict-contract.md``,
  judged for the form the body came in: RFC 8259 JSON, the strict schema, a
  body form that works for the signature (`sig2jsonschema._hazards.verdicts`), and the
  emulator accepting with no warning (each ``mlflow``-mode warning is a strict
  error at its pointer).

Everything is compiled once, in ``__init__``: the schemas, their validators
(the extended 2020-12 class of `sig2jsonschema._export.vocabulary` with the offline
registry), the schema indexes that name fields, the form verdicts.  A
`Validator` keeps no per-body state, so it may be shared between threads; it
never mutates the signature or a body.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema._export.vocabulary import validator_for
from sig2jsonschema._hazards.verdicts import form_verdicts
from sig2jsonschema._payload.decode import (
    CSV_TYPE,
    JSON_TYPE,
    KW_CONTENT_TYPE,
    PARQUET_TYPE,
    decode_json,
    nonfinite_errors,
    parse_content_type,
    top_level_error,
)
from sig2jsonschema._payload.limits import (
    DEFAULT_LIMITS,
    Limits,
    check_body_limits,
    check_value_limits,
)
from sig2jsonschema._payload.parsed import ParsedRequest
from sig2jsonschema._releases.table import Release, release_for_model
from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._signature.shipped import registry
from sig2jsonschema._signature.types import Signature
from sig2jsonschema.exceptions import to_pointer

from .first_error import FirstErrors
from .mapper import DATA_KEYS, ErrorMapper
from .ranking import order
from .schema_index import SchemaIndex
from .server_errors import KW_FORM, KW_SERVER, OutcomeErrors, with_status

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sig2jsonschema._emulator.outcome import Outcome
    from sig2jsonschema._fast.first_error import Cell
    from sig2jsonschema._fast.results import FastFailure, FastResult
    from sig2jsonschema._payload.parsed import ConversionWarning
    from sig2jsonschema.exceptions import PayloadError
    from sig2jsonschema.typing import Mode

_MODES = ("strict", "mlflow")
_RAW = (str, bytes, bytearray, memoryview)
#: Bodies `FastPlan.quick_valid` reads.
_QUICK = frozenset({bytes, str})


@dataclass
class _Check:
    """What one validation found (internal; never shared between calls)."""

    errors: list[PayloadError] = field(default_factory=list)
    outcome: Outcome | None = None
    #: The fast path's answer, when it was certain the body is valid.
    fast: Any = None


class Validator:
    """Validate MLflow scoring-server request bodies against one signature.

    Args:
        signature: a `Signature`, or anything `load_signature` reads (an
            MLmodel file, a model directory, a signature JSON file or dict).
        mode: ``"strict"`` (default; the portable contract) or ``"mlflow"``
            (the chosen MLflow release's own verdict).
        redact: withhold every payload value from messages (pointers, fields
            and expected types only).
        limits: resource limits checked before anything parses a body (size,
            nesting, number length, errors per body; ``docs/limits.md``).
        mlflow_version: the MLflow release to judge for: ``"2.22"``,
            ``"3.17"`` or ``"3.18"`` (a patch release such as ``"3.18.0"`` is
            the same).  Default: the release that saved the model, when
            supported, else the newest supported (``docs/mlflow-versions.md``).

    Raises:
        ValueError: an unknown mode or an unsupported MLflow release.
        SignatureError: the signature cannot be read.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        signature: Any,
        mode: Mode = "strict",
        redact: bool = False,
        *,
        limits: Limits = DEFAULT_LIMITS,
        mlflow_version: str | None = None,
    ) -> None:
        if mode not in _MODES:
            msg = f"mode must be 'strict' or 'mlflow', got {mode!r}"
            raise ValueError(msg)
        sig = signature if isinstance(signature, Signature) else load_signature(signature)
        self.signature: Signature = sig
        release, note = release_for_model(mlflow_version, sig.mlflow_version)
        #: The MLflow release the ``mlflow`` mode reproduces (`sig2jsonschema._releases`).
        self.release: Release = release
        #: Why the release is not the model's own, when the model's is unsupported.
        self.release_note: str | None = note
        self.mode: Mode = mode
        self.redact = redact
        #: The resource limits every body is checked against first (docs/limits.md);
        #: fixed at construction (the quick path binds them), do not reassign.
        self.limits = limits
        #: The exported request schema this validator runs (do not modify).
        self.schema: dict[str, Any] = to_jsonschema(sig, part="request", mode=mode)
        self._validator = validator_for(self.schema)
        self._mapper = ErrorMapper(SchemaIndex(self.schema, registry()), sig, redact=redact)
        self._outcomes = OutcomeErrors(self._mapper, sig, form_verdicts(sig), redact=redact)
        from sig2jsonschema._fast.plan import compile_fast_plan

        #: The strict contract's fast path (`sig2jsonschema._fast.plan`), None when it
        #: has none.  mlflow mode runs it too: a body strict accepts is served by every
        #: supported release, unchanged and without a warning (docs/strict-contract.md),
        #: so its mlflow verdict and what ``predict`` receives are the fast path's.
        self._fast: Any = compile_fast_plan(
            sig,
            schema=self.schema if mode == "strict" else to_jsonschema(sig, part="request"),
            object_strings=release.string_dtype == "object",
        )
        #: The fast path's answer types (`_fast_check` tells them apart on every body).
        self._fast_types = _fast_types()
        #: The fast path's quick answer for small raw bodies, bound once.  Where the
        #: generated function is `is_valid` itself, the method meets only the bodies it
        #: hands on (not bytes, too big, not JSON): the plan's own answer, no second copy.
        self._quick_valid: Callable[[Any], bool] | None = None
        if self._fast is not None:
            self._quick_valid = (
                functools.partial(self._fast.quick_valid, limits=limits)
                if self._answer_small_bodies(limits)
                else self._fast.quick_valid_for(limits)
            )
        #: The errors of plain one-value failures, learned from the reference path
        #: (strict only: mlflow mode judges a body strict refuses as a whole).
        self._first_errors: FirstErrors | None = (
            FirstErrors() if self._fast is not None and mode == "strict" else None
        )
        self._response: tuple[dict[str, Any], Any, ErrorMapper] | None = None
        if sig.outputs is not None:
            outputs = to_jsonschema(sig, part="outputs", mode=mode)
            self._response = (
                outputs,
                validator_for(outputs),
                ErrorMapper(
                    SchemaIndex(outputs, registry()), sig, redact=redact, subject="outputs"
                ),
            )

    def __repr__(self) -> str:
        return (
            f"Validator(<signature>, mode={self.mode!r}, redact={self.redact!r}, "
            f"mlflow_version={self.release.line!r})"
        )

    # -- requests -----------------------------------------------------------------------

    def iter_errors(self, body: Any, *, content_type: str = JSON_TYPE) -> Iterator[PayloadError]:
        """Every `PayloadError` of ``body``, best first (a heuristic order).

        ``body`` is the raw body (``bytes`` as received, or ``str`` sent as
        UTF-8) or an already parsed JSON value; ``content_type`` the request's
        ``Content-Type`` (``text/csv`` and ``application/vnd.apache.parquet``
        bodies are read as MLflow reads them).

        The body is judged by this call, not when the iterator is first read:
        the order needs every error anyway, and a generator's frame would add
        ~5% to the first error of a small body.
        """
        return iter(self._check(body, content_type).errors)

    def errors_and_form(
        self, body: Any, *, content_type: str = JSON_TYPE
    ) -> tuple[list[PayloadError], str | None]:
        """``body``'s errors (as `iter_errors` yields them) and the form it was judged in.

        For a valid body the form is the one `parse` reports (``inputs/records``,
        ...), found without building what ``predict`` receives; for an invalid
        one it is the form the checks read, or None where none was named (a body
        over a limit, one that is not JSON).
        """
        check = self._check(body, content_type)
        if check.fast is not None:
            form: str | None = check.fast.form
        else:
            form = check.outcome.form if check.outcome is not None else None
        return check.errors, form

    def validate(self, body: Any, *, content_type: str = JSON_TYPE) -> None:
        """Raise the best `PayloadError` of ``body``, if any.

        The best error is jsonschema's `best_match` (plus a deep match into the
        body form that was sent) after the body-level checks: a heuristic,
        which may change between versions.
        """
        errors = self._check(body, content_type).errors
        if errors:
            raise errors[0]

    def is_valid(self, body: Any, *, content_type: str = JSON_TYPE) -> bool:
        """Whether ``body`` is valid in this validator's mode."""
        quick = self._quick_valid
        if (
            quick is not None
            and type(body) in _QUICK
            and (content_type is JSON_TYPE or _is_json(content_type))  # the default: no lookup
            and quick(body)
        ):
            return True  # the fast path's quick answer for small frame bodies
        return not self._check(body, content_type).errors

    def _answer_small_bodies(self, limits: Limits) -> bool:
        """Let the quick path's generated function be `is_valid` (True: it is).

        For a body of a few rows a method's frame around it is ~3% of the time.  It
        hands every body it is not sure of to `is_valid` or `_errorless`
        (`sig2jsonschema._fast.rows.Answers`): the answers are the method's.  A
        subclass that defines its own ``is_valid`` keeps it.
        """
        if type(self).is_valid is not Validator.is_valid:
            return False  # a subclass's own is_valid stays its own
        from sig2jsonschema._fast.rows import Answers

        anew = functools.partial(Validator.is_valid, self)
        answers = Answers(anew=anew, full=self._errorless, is_json=_is_json, json_type=JSON_TYPE)
        found = self._fast.is_valid_for(limits, answers)
        if found is not None:
            found.__name__ = "is_valid"
            found.__qualname__ = "Validator.is_valid"
            found.__doc__ = Validator.is_valid.__doc__
            found.__signature__ = _IS_VALID_SIGNATURE  # not its helpers, passed as defaults
            self.is_valid = found  # type: ignore[method-assign]
        return found is not None

    def _errorless(self, body: Any, content_type: str) -> bool:
        return not self._check(body, content_type).errors

    def parse(self, body: Any, *, content_type: str = JSON_TYPE) -> ParsedRequest:
        """Validate ``body`` (raising as `validate` does) and return what ``predict`` gets.

        Raises:
            PayloadError: the body is invalid in this mode.
        """
        check = self._check(body, content_type, build=True)
        if check.errors:
            raise check.errors[0]
        if check.fast is not None:
            # Built for this release already (``object_strings`` in ``__init__``).
            parsed: ParsedRequest = check.fast.as_parsed_request()
            return parsed
        outcome = check.outcome
        assert outcome is not None
        return ParsedRequest(
            inputs=outcome.received,
            params=outcome.params,
            warnings=tuple(outcome.warnings) if self.mode == "mlflow" else (),
            form=outcome.form,
            unwrapped=outcome.unwrapped,
        )

    def warnings(
        self, body: Any, *, content_type: str = JSON_TYPE
    ) -> tuple[ConversionWarning, ...]:
        """The lossy conversions MLflow makes on ``body`` (none when MLflow rejects it)."""
        if self._fast is not None and _is_json(content_type):
            FastResult = self._fast_types[2]  # noqa: N806 - a class

            # Asked of the plan directly: `_fast_check` would run the reference path
            # on an invalid body's offending rows, and the emulator runs below anyway.
            if isinstance(self._fast.check(body, build=False), FastResult):
                return ()  # strict-valid, so served unchanged (see ``_fast`` in __init__)
        outcome = self._emulate(body, content_type)
        return tuple(outcome.warnings) if outcome.status == 200 else ()

    # -- responses ----------------------------------------------------------------------

    def validate_response(self, body: Any, *, unwrapped: bool | None = None) -> None:
        """Check a scoring-server response against the signature's outputs.

        ``body`` is ``{"predictions": ...}`` (raw JSON text/bytes or parsed),
        or, for unified-LLM requests, the unwrapped predictions.  With
        ``unwrapped=None`` an object holding ``predictions`` is taken as
        wrapped, and any other object too unless the outputs are an object.

        Raises:
            PayloadError: the best error, with pointers into the response body.
        """
        for error in self.iter_response_errors(body, unwrapped=unwrapped):
            raise error

    def iter_response_errors(
        self, body: Any, *, unwrapped: bool | None = None
    ) -> Iterator[PayloadError]:
        """Yield every `PayloadError` of a response body (see `validate_response`)."""
        if isinstance(body, _RAW):
            raw = bytes(body) if not isinstance(body, str) else body
            decoded = decode_json(raw, strict=False, redact=self.redact)
            if decoded.fatal is not None:
                yield decoded.fatal
                return
            value = decoded.value
        else:
            value = body
        if self._response is None:
            return
        schema, validator, mapper = self._response
        wrapped = isinstance(value, dict) and "predictions" in value
        if unwrapped is None:
            unwrapped = not wrapped and not (
                isinstance(value, dict) and schema.get("type") != "object"
            )
        prefix: list[str | int] = []
        predictions = value
        if not unwrapped:
            if not wrapped:
                yield mapper.make(
                    pointer="",
                    keyword="required",
                    expected="an object with a 'predictions' member",
                    got="an object without it" if isinstance(value, dict) else "another value",
                )
                return
            predictions, prefix = value["predictions"], ["predictions"]
        for error in order(list(validator.iter_errors(predictions))):
            for mapped in mapper.map(error, predictions):
                mapped.pointer = to_pointer(prefix) + mapped.pointer
                yield mapped

    # -- the pipeline -------------------------------------------------------------------

    def _emulate(self, body: Any, content_type: str | None) -> Outcome:
        from sig2jsonschema._emulator.server import emulate

        return emulate(self.signature, body, content_type=content_type, release=self.release)

    def _check(self, body: Any, content_type: str | None, *, build: bool = False) -> _Check:
        """The fast path when it is certain, else the reference path (`_reference`).

        The fast path (strict mode, JSON bodies) answers "valid" outright, or
        names the rows holding every offending value: the reference path then
        judges only those rows and the pointers are mapped back.
        """
        raw = isinstance(body, _RAW)
        # Raw JSON text goes to the fast path first: it vouches for the limits
        # itself at a fraction of the full scan's cost, and answers None when it
        # cannot, in which case the scan runs before anything parses the body.
        check = self._fast_check(body, content_type, build=build, limits=raw) if raw else None
        if check is None:
            limit_error = self._limit_error(body, content_type)
            if limit_error is not None:
                return _Check(errors=[limit_error])
            if not raw:
                check = self._fast_check(body, content_type, build=build, limits=False)
        if check is None:
            check = self._reference(body, content_type)
        del check.errors[self.limits.max_errors :]
        if not self.release.error_class:
            for error in check.errors:
                error.error_class = None
                error.error_class_reported = False
        return check

    def _limit_error(self, body: Any, content_type: str | None) -> PayloadError | None:
        """A body over one of the limits, found without parsing it (docs/limits.md)."""
        if not isinstance(body, _RAW):
            return check_value_limits(body, self.limits, redact=self.redact)
        if _is_json(content_type):
            return check_body_limits(body, self.limits, redact=self.redact)
        size = len(body.encode("utf-8", "surrogatepass")) if isinstance(body, str) else len(body)
        if size > self.limits.max_body_bytes:  # tables: only the size applies
            return check_body_limits(body, self.limits, redact=self.redact)
        return None

    def _fast_check(
        self, body: Any, content_type: str | None, *, build: bool, limits: bool
    ) -> _Check | None:
        """The fast path's answer when it is certain (JSON bodies), else None.

        A strict-valid body is answered outright, in either mode.  For an invalid
        one, in strict mode, the fast path names the rows holding every offending
        value, the reference path judges only those rows and the pointers are
        mapped back; mlflow mode sends it to the reference path whole.
        """
        if self._fast is None or not _is_json(content_type):
            return None
        Cell, FastFailure, FastResult = self._fast_types  # noqa: N806 - classes

        first = self._first_errors
        verdict = self._fast.check(
            body,
            build=build,
            limits=self.limits if limits else None,
            cells=first is not None and first.ready,
        )
        if isinstance(verdict, Cell):
            assert first is not None
            known = first.answer(verdict)
            if known is not None:
                return _Check([known[0]], known[1])  # positional: the cheap path's every call
            verdict = self._fast.check(body, build=build, limits=self.limits if limits else None)
        if isinstance(verdict, FastResult):
            return _Check(fast=verdict)
        if isinstance(verdict, FastFailure) and self.mode == "strict":
            # mlflow mode judges a body strict refuses as a whole: the emulator's
            # verdict may turn on any value, not only the offending rows.
            cell = None
            if first is not None and self._fast.locator is not None:
                cell = self._fast.locator.locate(verdict)
                if cell is not None:
                    known = first.answer(cell)
                    if known is not None:
                        return _Check(errors=[known[0]], outcome=known[1])
            reduced = self._reference(verdict.body, content_type)
            if reduced.errors:
                for error in reduced.errors:
                    verdict.remap_error(error)
                if cell is not None and first is not None:
                    first.learn(cell, reduced.errors, reduced.outcome)
                return reduced
        return None

    def _reference(self, body: Any, content_type: str | None) -> _Check:
        """Decoding, the emulator and the schema: exact, and explains every error."""
        check = _Check()
        header = parse_content_type(content_type)
        if header.refusal:
            status = 500 if content_type is None else 415
            check.errors.append(
                self._mapper.make(
                    pointer="",
                    keyword=KW_CONTENT_TYPE,
                    expected=f"a Content-Type MLflow serves: {header.refusal}",
                    got=repr(content_type),
                    status=status,
                    error_code="BAD_REQUEST" if status == 415 else "INTERNAL_ERROR",
                )
            )
            return check
        if header.mime in {CSV_TYPE, PARQUET_TYPE}:
            return self._check_table(body, content_type, check)
        strict = self.mode == "strict"
        if isinstance(body, _RAW):
            decoded = decode_json(
                bytes(body) if not isinstance(body, str) else body,
                strict=strict,
                redact=self.redact,
            )
            if decoded.fatal is not None:
                check.outcome = self._emulate(body, content_type)
                check.errors.append(with_status(decoded.fatal, check.outcome))
                return check
            value = decoded.value
            check.errors.extend(decoded.problems)
        else:
            value = body
            if strict:
                check.errors.extend(nonfinite_errors(value, redact=self.redact))
        outcome = check.outcome = self._emulate(body, content_type)
        shape_error = top_level_error(value, redact=self.redact)
        if shape_error is not None:
            check.errors.append(with_status(shape_error, outcome))
            return check
        if strict and not self._outcomes.working:
            check.errors.append(self._outcomes.no_form_error(outcome))
            return check
        if self.mode == "mlflow":
            if outcome.status == 200:
                # MLflow's verdict is the emulator's: the schema (which only
                # approximates MLflow's casts) would only word errors.
                check.errors.clear()
                return check
            return self._mlflow_verdict(check, outcome, self._schema_errors(value, outcome))
        schema_errors = self._schema_errors(value, outcome)
        form_error = self._outcomes.form_error(outcome)
        if form_error is not None:
            check.errors.append(form_error)
            # The envelope errors the schema raises for a form it does not list
            # (no such key, an unknown member) say the same thing less well.
            schema_errors = [e for e in schema_errors if e.pointer not in {"", form_error.pointer}]
        check.errors.extend(with_status(e, outcome) for e in schema_errors)
        if outcome.status != 200:
            if not check.errors:
                check.errors.append(self._outcomes.server_error(outcome))
            return check
        check.errors.extend(self._outcomes.warning_errors(outcome, check.errors))
        return check

    def _mlflow_verdict(
        self, check: _Check, outcome: Outcome, schema_errors: list[PayloadError]
    ) -> _Check:
        """mlflow mode, a rejected body: the schema words the errors it agrees on."""
        related = [e for e in schema_errors if _related(e.pointer, outcome.pointer)]
        others = [e for e in schema_errors if e not in related]
        check.errors.extend(with_status(e, outcome) for e in related)
        if not related:
            check.errors.append(self._outcomes.server_error(outcome))
        check.errors.extend(with_status(e, outcome) for e in others)
        return check

    def _check_table(self, body: Any, content_type: str | None, check: _Check) -> _Check:
        """CSV and Parquet: MLflow reads them with pandas; the emulator judges."""
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        outcome = check.outcome = self._emulate(body, content_type)
        if outcome.status != 200:
            check.errors.append(self._outcomes.server_error(outcome))
        elif self.mode == "strict":
            check.errors.extend(self._outcomes.table_errors(outcome))
            check.errors.extend(self._outcomes.warning_errors(outcome, check.errors))
        return check

    def _schema_errors(self, value: Any, outcome: Outcome) -> list[PayloadError]:
        """The schema's errors, best first, mapped; one per (pointer, rule, words)."""
        found = list(self._validator.iter_errors(value))
        out: list[PayloadError] = []
        seen: set[tuple[str, str, str]] = set()
        for error in order(found, outcome.form or _envelope_of(value)):
            for mapped in self._mapper.map(error, value):
                key = (mapped.pointer, mapped.keyword, mapped.expected)
                if key not in seen:
                    seen.add(key)
                    out.append(mapped)
        return out


_METHOD = inspect.signature(Validator.is_valid)
#: The generated `is_valid`'s signature as callers see it (the bound method's).
_IS_VALID_SIGNATURE = _METHOD.replace(parameters=list(_METHOD.parameters.values())[1:])


@functools.lru_cache(maxsize=256)
def _is_json(content_type: str | None) -> bool:
    """Whether MLflow reads the body as JSON (an accepted JSON content type)."""
    header = parse_content_type(content_type)
    return header.mime == JSON_TYPE and not header.refusal


def _envelope_of(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    if any(k in value for k in ("messages", "prompt", "input")):
        return "llm"
    keys = [k for k in DATA_KEYS if k in value]
    return keys[0] if len(keys) == 1 else None


def _related(pointer: str, server_pointer: str) -> bool:
    """Whether two body places are the same, or one contains the other."""
    if not server_pointer:
        return True
    a, b = pointer + "/", server_pointer + "/"
    return a.startswith(b) or b.startswith(a)


@functools.cache
def _fast_types() -> tuple[type[Cell], type[FastFailure], type[FastResult]]:
    """The fast path's answer types, imported once (an import statement per body
    costs); each `Validator` holds them."""
    from sig2jsonschema._fast.first_error import Cell
    from sig2jsonschema._fast.plan import FastFailure, FastResult

    return Cell, FastFailure, FastResult


__all__ = ["KW_FORM", "KW_SERVER", "Validator"]
