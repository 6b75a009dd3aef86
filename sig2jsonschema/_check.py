"""The audit behind ``sig2jsonschema check``: will this model serve as intended?

A `CheckReport` answers three questions about a model (or a bare signature)
before it is served by a real MLflow 3.x scoring server:

* **hazards**: what in the signature goes wrong on the server, field by field
  (read from the one table, `sig2jsonschema._hazards`; nothing is re-decided
  here);
* **body forms**: which request forms deliver a well-formed body to
  ``predict`` unchanged, and which one to recommend (the same table);
* **examples**: what MLflow does with the model's own ``input_example.json``
  and ``serving_input_example.json``, judged in ``mlflow`` mode (the
  emulator's verdict) and ``strict`` mode (the portable contract).

Severity policy (documented in ``docs/check.md``): an ``error`` is a body form
that cannot work, a field no JSON value can satisfy, or an example MLflow
would reject; a ``warning`` is a trap well-formed requests can avoid, or an
example outside the strict contract.  A signature where some forms fail is
therefore an error *naming those forms*, even when another form works: a
client that picks the failing form gets 400s or silently changed data.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from . import _hazards
from ._hazards import FORMS, FRAME_FORMS, Hazard, applicable_forms, form_verdicts
from ._load import _parse_yaml, _read_text, load_signature, model_dir_of
from ._types import Signature, TensorSpec, field_name
from .exceptions import Sig2JsonSchemaError, to_pointer

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from ._emulate_types import Outcome

Severity = Literal["error", "warning"]
FailOn = Literal["error", "warning"]

_RANK: dict[str, int] = {"error": 0, "warning": 1}

#: The codes `check` adds to the hazard codes of `sig2jsonschema._hazards`.
CHECK_CODES: dict[str, tuple[Severity, str]] = {
    "no-working-form": ("error", "no request body form reaches the model unchanged"),
    "tensor-frame-cells": (
        "error",
        "a str/bytes/object tensor cannot travel as DataFrame list cells",
    ),
    "example-rejected": ("error", "MLflow's scoring server rejects the model's own example"),
    "example-non-rfc-json": (
        "warning",
        "the example holds NaN/Infinity tokens, which RFC 8259 JSON forbids",
    ),
    "example-not-strict": ("warning", "MLflow accepts the example, outside the strict contract"),
    "example-unreadable": ("warning", "an example file cannot be read or turned into a body"),
}

#: The two example files MLflow writes next to ``MLmodel``.
INPUT_EXAMPLE = "input_example.json"
SERVING_EXAMPLE = "serving_input_example.json"


@dataclass(frozen=True)
class Finding:
    """One thing `check` reports, with a stable ``code``.

    .. versionadded:: 0.1
    """

    #: ``error`` or ``warning`` (see the module docstring for the policy).
    severity: Severity
    #: A hazard code (docs/hazards.md) or one of `CHECK_CODES` (docs/check.md).
    code: str
    #: The signature field concerned (``inputs['age']``), "" for the whole signature.
    field: str
    #: The body forms affected (empty when the finding is about an example only).
    forms: tuple[str, ...]
    #: What goes wrong on a real MLflow 3.x server.
    message: str
    #: What to do about it.
    fix: str
    #: The example file(s) concerned, for example findings.
    example: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form used by ``check --output json``."""
        return {
            "severity": self.severity,
            "code": self.code,
            "field": self.field,
            "forms": list(self.forms),
            "message": self.message,
            "fix": self.fix,
            "example": self.example,
        }


@dataclass(frozen=True)
class FormStatus:
    """Whether one body form reaches the model unchanged, and why."""

    form: str
    works: bool
    why: str
    #: Whether the form fits the signature's shape at all (`applicable_forms`).
    applicable: bool
    #: Hazard codes that concern this form.
    hazards: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "works": self.works,
            "why": self.why,
            "applicable": self.applicable,
            "hazards": list(self.hazards),
        }


@dataclass(frozen=True)
class Problem:
    """One way an example falls outside the strict contract."""

    #: RFC 6901 pointer into the example body.
    pointer: str
    #: The signature field concerned, when known.
    field: str
    #: The rule (a JSON Schema keyword, ``x-json-nonfinite``, a conversion code, ...).
    keyword: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {
            "pointer": self.pointer,
            "field": self.field,
            "keyword": self.keyword,
            "message": self.message,
        }


@dataclass(frozen=True)
class ExampleReport:
    """What MLflow does with one example file, and whether it is strict."""

    #: The file, relative to the model directory.
    file: str
    #: How the body was obtained (``as written``, or built from input_example.json).
    origin: str
    #: The body form the example uses, when recognised.
    form: str | None = None
    #: The emulated server's HTTP status (None when the body could not be built).
    status: int | None = None
    #: MLflow's error code when rejected.
    error_code: str | None = None
    #: Why MLflow rejects it, in our words.
    error: str | None = None
    #: The signature field the rejection concerns, when known.
    error_field: str = ""
    #: Whether MLflow answers without the ``predictions`` wrapper (LLM form).
    unwrapped: bool = False
    #: Strict-contract problems (empty when strict-valid).
    strict_problems: tuple[Problem, ...] = ()
    #: Where the body holds NaN/Infinity literals (RFC 6901 pointers).
    nonfinite_at: tuple[str, ...] = ()
    #: Set when the example could not be read or built.
    unreadable: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether MLflow serves the example (HTTP 200)."""
        return self.status == 200

    @property
    def nonfinite(self) -> int:
        """How many NaN/Infinity literals the body holds."""
        return len(self.nonfinite_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "origin": self.origin,
            "form": self.form,
            "mlflow": {
                "status": self.status,
                "error_code": self.error_code,
                "message": self.error,
                "unwrapped": self.unwrapped,
            },
            "strict": {
                "valid": None if self.status is None else not self.strict_problems,
                "problems": [p.to_dict() for p in self.strict_problems],
            },
            "nonfinite_at": list(self.nonfinite_at),
            "unreadable": self.unreadable,
        }


@dataclass(frozen=True)
class CheckReport:
    """Everything `check` found about one model or signature.

    .. versionadded:: 0.1
    """

    #: What was checked, as given.
    source: str
    signature: Signature = field(repr=False)
    #: Worst first: errors before warnings.
    findings: tuple[Finding, ...]
    #: One status per form in `sig2jsonschema._hazards.FORMS`, in that order.
    forms: tuple[FormStatus, ...]
    #: The form to send, or None when none works.
    recommended: str | None
    examples: tuple[ExampleReport, ...] = ()

    def count(self, severity: Severity) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity == severity)

    def exit_code(self, fail_on: FailOn = "error") -> int:
        """0 when no finding is at or above ``fail_on``, 1 otherwise."""
        limit = _RANK[fail_on]
        return 1 if any(_RANK[f.severity] <= limit for f in self.findings) else 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``check --output json``."""
        return {
            "source": self.source,
            "summary": {"errors": self.count("error"), "warnings": self.count("warning")},
            "findings": [f.to_dict() for f in self.findings],
            "forms": {s.form: s.to_dict() for s in self.forms},
            "recommended": self.recommended,
            "examples": [e.to_dict() for e in self.examples],
        }


# --------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------
def check(source: Any, *, examples: bool = True) -> CheckReport:
    """Audit a model or signature for a real MLflow 3.x scoring server.

    Args:
        source: an MLmodel file, a model directory, a signature JSON file, a
            `Signature` or a ``to_dict()`` mapping.
        examples: also judge ``input_example.json`` and
            ``serving_input_example.json`` (only for model sources).

    Raises:
        SignatureError: the signature is malformed.
        SourceError: the source cannot be read.

    .. versionadded:: 0.1
    """
    sig = load_signature(source)
    found = [*_hazards.hazards(sig), *pending_hazards(sig)]
    statuses = _form_statuses(sig, found)
    working = [s.form for s in statuses if s.works]
    findings = [_from_hazard(h) for h in found]
    findings.extend(_form_findings(sig, statuses))
    reports: list[ExampleReport] = []
    model_dir = model_dir_of(source) if examples else None
    if model_dir is not None:
        reports = judge_examples(sig, model_dir)
        findings.extend(_example_findings(reports))
    recommended = _hazards.recommended_form(sig)
    if recommended not in working:
        recommended = next((f for f in working), None)
    return CheckReport(
        source=str(source) if not isinstance(source, (Signature, dict)) else "<signature>",
        signature=sig,
        findings=tuple(_ordered(findings)),
        forms=tuple(statuses),
        recommended=recommended,
        examples=tuple(reports),
    )


def _from_hazard(h: Hazard) -> Finding:
    return Finding(h.severity, h.code, h.field, h.forms, h.message, h.fix)


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first; within a severity, signature-wide, then fields, then examples."""

    def key(item: tuple[int, Finding]) -> tuple[int, int, int, int]:
        index, f = item
        headline = 0 if f.code == "no-working-form" else 1
        about_example = 1 if f.example is not None else 0
        return (_RANK[f.severity], headline, about_example, index)

    return [f for _, f in sorted(enumerate(findings), key=key)]


def _form_statuses(sig: Signature, found: list[Hazard]) -> list[FormStatus]:
    applicable = applicable_forms(sig)
    verdicts = form_verdicts(sig)
    statuses: list[FormStatus] = []
    for form in FORMS:
        verdict = verdicts[form]
        works, why = verdict.works, verdict.why
        # Pending rows (see `pending_hazards`) may rule out a form the table keeps.
        extra = [h for h in found if form in h.forms and h.severity == "error"]
        if works and extra:
            works, why = False, extra[0].message
        codes = tuple(dict.fromkeys([*verdict.hazards, *(h.code for h in extra)]))
        # A form a pending row names is one clients send: show it (see `pending_hazards`).
        shown = form in applicable or any(form in h.forms for h in found)
        statuses.append(FormStatus(form, works, why, shown, codes))
    return statuses


def _form_findings(sig: Signature, statuses: list[FormStatus]) -> list[Finding]:
    """The headline error when no form works (each failing form is named by a hazard).

    `_hazards.form_verdicts` fails a form exactly when an error hazard names
    it, so every failing form already has a finding that names it.
    """
    out: list[Finding] = []
    if sig.inputs is not None and not any(s.works for s in statuses):
        out.append(
            Finding(
                "error",
                "no-working-form",
                "",
                tuple(s.form for s in statuses if s.applicable),
                "no request body form reaches the model unchanged: every well-formed request "
                "is rejected or altered by MLflow",
                "change the signature: fix the error findings below",
            )
        )
    return out


# --------------------------------------------------------------------------
# Rows pending in the hazard table (MOVE TO _hazards.py, then delete here)
# --------------------------------------------------------------------------
def pending_hazards(sig: Signature) -> list[Hazard]:
    """Hazards the one table does not list yet.  MOVE TO ``_hazards.RULES``.

    ``tensor-frame-cells``: `_hazards.applicable_forms` drops the DataFrame
    forms for str/bytes/object tensors, so the table reports nothing about
    them, yet clients send them (MLflow documents ``dataframe_split`` for
    tensors) and MLflow fails: a list cell of a bytes tensor raises
    "encoding without a string argument" (corpus ``t_bytes_1d``), str/object
    list cells are stringified (``t_object_1d``).  Only shapes a DataFrame
    can carry (first dimension -1, no other -1) are concerned.
    """
    if sig.inputs is None or not sig.inputs.is_tensor:
        return []
    specs: tuple[TensorSpec, ...] = sig.inputs.tensors
    frame_shaped = all(
        t.shape and t.shape[0] == -1 and all(d >= 0 for d in t.shape[1:]) for t in specs
    )
    if not frame_shaped:
        return []
    out: list[Hazard] = []
    for i, spec in enumerate(specs):
        if _tensor_kind(spec.dtype) not in {"U", "S", "O"}:
            continue
        name = field_name("inputs", spec, i)
        out.append(
            Hazard(
                "tensor-frame-cells",
                "error",
                name,
                FRAME_FORMS,
                f"{name} is a {spec.dtype} tensor: dataframe_split/dataframe_records carry "
                "each row as a list cell, and MLflow fails on list cells of bytes "
                "('encoding without a string argument') and stringifies those of str/object",
                "send the tensor under inputs as a nested list",
            )
        )
    return out


def _tensor_kind(dtype: str) -> str:
    import numpy as np

    try:
        return str(np.dtype(dtype).kind)
    except TypeError:
        return "O"


# --------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------
class ExampleError(Sig2JsonSchemaError, ValueError):
    """An example file cannot be turned into the request body MLflow would build."""


def _sparse_to_dense(data: Mapping[str, Any], kind: str) -> list[list[Any]]:
    """Densify MLflow's csr/csc example form ``{data, indices, indptr, shape}``."""
    rows, cols = (int(n) for n in data["shape"])
    dense: list[list[Any]] = [[0] * cols for _ in range(rows)]
    values, indices, indptr = data["data"], data["indices"], data["indptr"]
    outer = rows if kind.endswith("csr") else cols
    for major in range(outer):
        for k in range(int(indptr[major]), int(indptr[major + 1])):
            minor = int(indices[k])
            r, c = (major, minor) if kind.endswith("csr") else (minor, major)
            dense[r][c] = values[k]
    return dense


def build_example_body(info: Mapping[str, Any], example: Any) -> Any:
    """The request body MLflow builds from ``input_example.json`` (spec 4.6).

    ``info`` is MLmodel's ``saved_input_example_info``: ``type`` ``dataframe``
    (``pandas_orient`` split/values) becomes ``dataframe_split``; ``ndarray``,
    sparse matrices and ``json_object`` become ``inputs``, except a dict with a
    ``messages``/``prompt``/``input`` key, which MLflow writes unwrapped (the
    unified-LLM form) with params merged in at the top level.  With
    ``params: 'true'`` the file holds ``{"inputs": data, "params": {...}}``.

    Raises:
        ExampleError: the file does not have the shape ``info`` announces.
    """
    kind = info.get("type")
    params: Any = None
    data = example
    if str(info.get("params", "")).lower() == "true":
        if not isinstance(example, dict) or "inputs" not in example:
            raise ExampleError("MLmodel says the example has params, but it has no 'inputs' key")
        data, params = example["inputs"], example.get("params")
    body: dict[str, Any]
    if kind == "dataframe":
        orient = info.get("pandas_orient", "split")
        if orient == "records":
            body = {"dataframe_records": data}
        elif orient in {"split", "values"} and isinstance(data, dict):
            body = {"dataframe_split": data}
        else:
            raise ExampleError(f"cannot read a dataframe example in {orient!r} orient")
    elif kind == "ndarray":
        body = {"inputs": data}
    elif kind in {"sparse_matrix_csr", "sparse_matrix_csc"}:
        try:
            body = {"inputs": _sparse_to_dense(data, kind)}
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ExampleError(f"malformed {kind} example ({exc})") from None
    elif kind == "json_object":
        if isinstance(data, dict) and any(k in data for k in _hazards.LLM_KEYS):
            return {**data, **(params or {})}
        body = {"inputs": data}
    else:
        raise ExampleError(f"unknown saved_input_example_info type {kind!r}")
    if params is not None:
        body["params"] = params
    return body


def _example_info(model_dir: Path) -> dict[str, Any]:
    document = _parse_yaml(_read_text(model_dir / "MLmodel"), str(model_dir / "MLmodel"))
    info = document.get("saved_input_example_info") if isinstance(document, dict) else None
    return dict(info) if isinstance(info, dict) else {}


def judge_examples(sig: Signature, model_dir: Path) -> list[ExampleReport]:
    """Judge the serving example as written, and the body MLflow builds from the input example."""
    try:
        info = _example_info(model_dir)
    except Sig2JsonSchemaError:
        info = {}
    serving = model_dir / str(info.get("serving_input_path") or SERVING_EXAMPLE)
    example = model_dir / str(info.get("artifact_path") or INPUT_EXAMPLE)
    reports: list[ExampleReport] = []
    if serving.is_file():
        try:
            text = _read_text(serving)
        except Sig2JsonSchemaError as exc:
            reports.append(ExampleReport(serving.name, "as written", unreadable=str(exc)))
        else:
            reports.append(_judge(sig, serving.name, "as written", text))
    if example.is_file():
        origin = f"built as MLflow does from type {info.get('type', '?')}"
        if info.get("pandas_orient"):
            origin += f", orient {info['pandas_orient']}"
        try:
            raw = json.loads(_read_text(example))
            text = json.dumps(build_example_body(info, raw), allow_nan=True)
        except (Sig2JsonSchemaError, ValueError, RecursionError) as exc:
            reports.append(ExampleReport(example.name, origin, unreadable=str(exc)))
        else:
            reports.append(_judge(sig, example.name, origin, text))
    return reports


class _NonFinite:
    """Stands for a NaN/Infinity literal while its location is found."""


def _nonfinite_pointers(text: str) -> tuple[str, ...]:
    """RFC 6901 pointers of every NaN/Infinity/-Infinity literal in a JSON text."""
    try:
        value = json.loads(text, parse_constant=lambda _token: _NonFinite())
    except (ValueError, RecursionError):
        return ()
    found: list[str] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _NonFinite):
            found.append(to_pointer(path))
        elif isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
    return tuple(sorted(found))


def _judge(sig: Signature, file: str, origin: str, text: str) -> ExampleReport:
    """The mlflow verdict (the emulator) and the strict problems (the validator) of one body."""
    from ._emulate import emulate

    outcome = emulate(sig, text)
    return ExampleReport(
        file=file,
        origin=origin,
        form=outcome.form,
        status=outcome.status,
        error_code=outcome.error_code,
        error=None if outcome.status == 200 else outcome.message,
        error_field="" if outcome.status == 200 else outcome.field,
        unwrapped=outcome.unwrapped,
        strict_problems=_strict_problems(sig, text, outcome),
        nonfinite_at=_nonfinite_pointers(text),
    )


def _strict_problems(sig: Signature, text: str, outcome: Outcome) -> tuple[Problem, ...]:
    """Strict-mode errors of the body; the emulator's warnings if the validator is missing."""
    try:
        from ._validate import Validator

        validator = Validator(sig, mode="strict")
    except ImportError:  # pragma: no cover - only while the validator's modules are absent
        return tuple(Problem(w.pointer, w.field, w.code, w.message) for w in outcome.warnings)
    return tuple(
        Problem(e.pointer, e.field, e.keyword, e.message) for e in validator.iter_errors(text)
    )


def _example_findings(reports: list[ExampleReport]) -> list[Finding]:
    """One finding per distinct problem; identical ones name every file concerned."""
    merged: dict[tuple[str, str], tuple[Finding, list[str]]] = {}

    def add(finding: Finding, file: str) -> None:
        key = (finding.code, finding.message)
        if key in merged:
            merged[key][1].append(file)
        else:
            merged[key] = (finding, [file])

    for r in reports:
        where = r.form or ""
        forms = (r.form,) if r.form in FORMS else ()
        if r.unreadable is not None:
            add(
                Finding(
                    "warning",
                    "example-unreadable",
                    "",
                    (),
                    f"cannot judge the example: {r.unreadable}",
                    "re-save the model with mlflow so that it writes the example again",
                ),
                r.file,
            )
            continue
        if not r.accepted:
            add(
                Finding(
                    "error",
                    "example-rejected",
                    r.error_field,
                    forms,
                    f"MLflow's scoring server rejects the example ({r.status} {r.error_code}): "
                    f"{r.error}",
                    "fix the example or the signature so that they agree",
                ),
                r.file,
            )
            continue
        nan_at = set(r.nonfinite_at)
        if nan_at:
            shown = sorted(nan_at)[:3]
            add(
                Finding(
                    "warning",
                    "example-non-rfc-json",
                    "",
                    forms,
                    f"the example holds {len(nan_at)} bare NaN/Infinity token(s) (at "
                    f"{', '.join(shown)}{', ...' if len(nan_at) > 3 else ''}): MLflow's server "
                    "accepts them, but they are not RFC 8259 JSON and most clients outside "
                    "Python cannot send them",
                    "send null only where the strict contract allows it (optional double, float "
                    "and datetime columns); otherwise leave the column out of that request",
                ),
                r.file,
            )
        # Problems at a NaN token are consequences of it, already reported above.
        other = [p for p in r.strict_problems if p.pointer not in nan_at]
        if other:
            more = f" (and {len(other) - 1} more)" if len(other) > 1 else ""
            add(
                Finding(
                    "warning",
                    "example-not-strict",
                    other[0].field,
                    forms,
                    f"MLflow accepts the example{f' ({where})' if where else ''}, but it is "
                    f"outside the strict contract: {other[0].message}{more}",
                    "rewrite the example in a form and with values the strict contract accepts",
                ),
                r.file,
            )
    return [
        Finding(f.severity, f.code, f.field, f.forms, f.message, f.fix, ", ".join(files))
        for f, files in merged.values()
    ]


def all_codes() -> tuple[str, ...]:
    """Every finding code `check` can report: the hazard table's, then its own."""
    return (*_hazards.hazard_codes(), *CHECK_CODES)


__all__ = [
    "CHECK_CODES",
    "CheckReport",
    "ExampleError",
    "ExampleReport",
    "Finding",
    "FormStatus",
    "Problem",
    "all_codes",
    "build_example_body",
    "check",
    "judge_examples",
    "pending_hazards",
]
