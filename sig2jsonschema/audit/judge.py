"""One logged request judged against the contract: the per-row verdict.

`RowJudge` holds the validators of one audit (strict, mlflow, or both) and
turns one request body into a `RowVerdict`.  The command line and the Spark
job both judge rows here, so a row gets the same verdict wherever it is
audited.  A `RowJudge` keeps no per-row state: one per process (or per Spark
Python worker) serves every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import orjson

from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.exceptions import PayloadError

if TYPE_CHECKING:
    from sig2jsonschema._releases.table import Release
    from sig2jsonschema._signature.types import Signature

AuditMode = Literal["both", "strict", "mlflow"]
AUDIT_MODES: tuple[AuditMode, ...] = ("both", "strict", "mlflow")

#: Top-level keys naming a body's envelope, when the emulator did not name its form.
_ENVELOPES = ("dataframe_split", "dataframe_records", "inputs", "instances")
_LLM_KEYS = ("messages", "prompt", "input")


@dataclass(frozen=True)
class RowVerdict:
    """What the contract says about one logged request (the ``--rows`` keys).

    .. versionadded:: 0.1
    """

    #: strict's verdict; None when strict did not run (``mlflow`` mode).
    valid: bool | None
    #: strict's errors (mlflow mode's in ``mlflow`` mode), each
    #: ``{"pointer", "keyword", "field", "expected"}``.
    errors: tuple[dict[str, str], ...]
    #: The HTTP status our mlflow mode predicts; None in ``strict`` mode.
    mlflow_status: int | None
    #: MLflow serves the body but changes what ``predict`` receives; None in ``strict``.
    altered: bool | None
    #: Those changes, each ``{"pointer", "code", "message"}``.
    warnings: tuple[dict[str, str], ...]
    #: The body form MLflow served (``inputs/records``, ...), else the envelope key.
    form: str | None

    def to_dict(self) -> dict[str, Any]:
        """The verdict's ``--rows`` keys, ready for JSON."""
        return {
            "valid": self.valid,
            "errors": list(self.errors),
            "mlflow_status": self.mlflow_status,
            "altered": self.altered,
            "warnings": list(self.warnings),
            "form": self.form,
        }


class RowJudge:
    """Judge logged request bodies for one signature.

    Args:
        signature: a `Signature`, or anything `load_signature` reads.
        mode: ``"both"`` (default), ``"strict"`` or ``"mlflow"``.
        mlflow_version: the MLflow release the mlflow verdict is for (the
            `Validator`'s ``mlflow_version``; default: the model's own).
        redact: withhold payload values from error words.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        signature: Signature | Any,
        mode: AuditMode = "both",
        *,
        mlflow_version: str | None = None,
        redact: bool = True,
    ) -> None:
        if mode not in AUDIT_MODES:
            msg = f"mode must be one of {', '.join(AUDIT_MODES)}, got {mode!r}"
            raise ValueError(msg)
        self.mode: AuditMode = mode
        self.strict: Validator | None = None
        self.mlflow: Validator | None = None
        if mode in {"both", "strict"}:
            self.strict = Validator(signature, "strict", redact, mlflow_version=mlflow_version)
            signature = self.strict.signature
        if mode in {"both", "mlflow"}:
            self.mlflow = Validator(signature, "mlflow", redact, mlflow_version=mlflow_version)
        judge = self.strict or self.mlflow
        assert judge is not None
        #: The MLflow release the mlflow verdicts are for.
        self.release: Release = judge.release
        self.signature: Signature = judge.signature

    def judge(self, body: str | bytes) -> RowVerdict:
        """The verdict on one request body, judged exactly as it was sent."""
        valid: bool | None = None
        errors: tuple[dict[str, str], ...] = ()
        if self.strict is not None:
            found, form = self.strict.errors_and_form(body)
            errors = tuple(_error_record(e) for e in found)
            valid = not errors
            if valid and self.mlflow is not None:
                # The strict contract (docs/strict-contract.md): a body strict accepts is
                # served by every supported MLflow release and reaches the model
                # unchanged, so mlflow mode's verdict on it is known without running
                # the emulator (~2.5 ms a row): 200, nothing altered, no warnings, in
                # the form strict judged it in.  On strict's reference path that holds
                # by construction (strict turns every emulator refusal or warning into
                # an error); on the fast path it is what these tests guarantee:
                # tests/validate/test_validate_releases.py (every strict-accepted corpus
                # body served unchanged by every release), tests/fast/
                # test_fast_equivalence.py (the fast path's verdict and form are the
                # reference path's), tests/audit/test_judge_shortcut.py (these rows equal
                # the emulator's for every strict-valid corpus body and release).
                return RowVerdict(valid, (), 200, altered=False, warnings=(), form=form)
        if self.mlflow is None:
            return RowVerdict(valid, errors, None, None, (), _envelope(body))
        try:
            parsed = self.mlflow.parse(body)
        except PayloadError as exc:
            if self.strict is None:
                errors = tuple(_error_record(e) for e in self.mlflow.iter_errors(body))
            return RowVerdict(
                valid, errors, exc.status, altered=False, warnings=(), form=_envelope(body)
            )
        warnings = tuple(
            {"pointer": w.pointer, "code": w.code, "message": w.message} for w in parsed.warnings
        )
        return RowVerdict(valid, errors, 200, bool(warnings), warnings, parsed.form)


def _error_record(error: PayloadError) -> dict[str, str]:
    return {
        "pointer": error.pointer,
        "keyword": error.keyword,
        "field": error.field,
        "expected": error.expected,
    }


def _envelope(body: str | bytes) -> str | None:
    """The body's envelope key, when it is a JSON object naming exactly one."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(value, dict):
        return None
    keys = [k for k in _ENVELOPES if k in value]
    if len(keys) == 1:
        return keys[0]
    if not keys and any(k in value for k in _LLM_KEYS):
        return "llm"
    return None


__all__ = ["AUDIT_MODES", "AuditMode", "RowJudge", "RowVerdict"]
