"""The audit behind ``sig2jsonschema check``: will this model serve as intended?

A `CheckReport` answers three questions about a model (or a bare signature)
before it is served by a real MLflow 3.x scoring server:

* **hazards**: what in the signature goes wrong on the server, field by field
  (read from the one table, `sig2jsonschema._hazards.verdicts`; nothing is re-decided
  here);
* **body forms**: which request forms deliver a well-formed body to
  ``predict`` unchanged, and which one to recommend (the same table);
* **examples**: what MLflow does with the model's own ``input_example.json``
  and ``serving_input_example.json``, judged in ``mlflow`` mode (the
  emulator's verdict) and ``strict`` mode (the portable contract) by
  `sig2jsonschema._check.examples`.

Severity policy (documented in ``docs/check.md``): an ``error`` is a body form
that fails for a well-formed body, a field no JSON value can satisfy, or an
example MLflow would reject; a ``warning`` is a trap well-formed requests can
avoid, or an example outside the strict contract.  A signature where some forms
fail is therefore an error *naming those forms*, even when another form works: a
client that picks the failing form gets 400s or silently changed data.

An optional field is part of the contract too: a body that sends it is well
formed.  So a table row that blocks a form for a field (severity ``required``:
the strict export only makes the field stay out of that form) is an error here
even when the field is optional, and a field no form can deliver is an error
naming that field (`check_severity`).  The form then "works only without"
those fields (`FormStatus.left_out`).  The one exception is a signature
without an input schema: MLflow serves every form, unchecked, so that is a
warning (the strict contract still refuses every body).

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sig2jsonschema._hazards import verdicts as _hazards
from sig2jsonschema._hazards.releases import (
    split_index_breaks,
    strict_releases,
    tensor_index_without_zero_breaks,
)
from sig2jsonschema._hazards.verdicts import (
    FORMS,
    RULES,
    Hazard,
    applicable_forms,
    form_verdicts,
)
from sig2jsonschema._releases.table import release_for_model
from sig2jsonschema._signature.load import load_signature, model_dir_of
from sig2jsonschema._signature.types import Signature

from .examples import ExampleReport, judge_examples

Severity = Literal["error", "warning"]
FailOn = Literal["error", "warning"]

_RANK: dict[str, int] = {"error": 0, "warning": 1}

#: Codes of the rows that block a form for one field (an error for a field that must be
#: sent; the strict export keeps an optional one out of the form).
_BLOCKING = frozenset(r.code for r in RULES if r.severity == "required")
#: Table errors `check` reports as warnings: MLflow serves every form of such a signature.
_SERVED_UNCHECKED = frozenset({"no-input-schema"})

#: The codes `check` adds to the hazard codes of `sig2jsonschema._hazards.verdicts`.
CHECK_CODES: dict[str, tuple[Severity, str]] = {
    "no-working-form": ("error", "no request body form reaches the model unchanged"),
    "example-rejected": ("error", "MLflow's scoring server rejects the model's own example"),
    "example-non-rfc-json": (
        "warning",
        "the example holds NaN/Infinity tokens, which RFC 8259 JSON forbids",
    ),
    "example-not-strict": ("warning", "MLflow accepts the example, outside the strict contract"),
    "example-unreadable": ("warning", "an example file cannot be read or turned into a body"),
    "breaks-on-release": (
        "warning",
        "a body element one supported MLflow release mishandles (strict leaves it out)",
    ),
}


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
    #: Optional fields a body must leave out for the form to work (each an error finding).
    left_out: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "works": self.works,
            "why": self.why,
            "applicable": self.applicable,
            "hazards": list(self.hazards),
            "left_out": list(self.left_out),
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
    #: One status per form in `sig2jsonschema._hazards.verdicts.FORMS`, in that order.
    forms: tuple[FormStatus, ...]
    #: The form to send, or None when none works.
    recommended: str | None
    examples: tuple[ExampleReport, ...] = ()
    #: The MLflow release judged for (``"3.18"``): the examples' verdicts are its.
    mlflow_version: str = ""
    #: Why that is not the model's own release, when the model's is unsupported.
    release_note: str | None = None

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
            "mlflow_version": self.mlflow_version,
            "strict_releases": list(strict_releases()),
            "summary": {"errors": self.count("error"), "warnings": self.count("warning")},
            "findings": [f.to_dict() for f in self.findings],
            "forms": {s.form: s.to_dict() for s in self.forms},
            "recommended": self.recommended,
            "examples": [e.to_dict() for e in self.examples],
        }


# --------------------------------------------------------------------------
# The audit
# --------------------------------------------------------------------------
def check(source: Any, *, examples: bool = True, mlflow_version: str | None = None) -> CheckReport:
    """Audit a model or signature for a real MLflow scoring server.

    Args:
        source: an MLmodel file, a model directory, a signature JSON file, a
            `Signature` or a ``to_dict()`` mapping.
        examples: also judge ``input_example.json`` and
            ``serving_input_example.json`` (only for model sources).
        mlflow_version: the release to judge for (``"2.22"``, ``"3.17"``,
            ``"3.18"``; default: the model's own when supported, else the
            newest).  What breaks on another supported release is a
            ``breaks-on-release`` warning naming it.

    Raises:
        SignatureError: the signature is malformed.
        SourceError: the source cannot be read.
        ValueError: an unsupported MLflow release.

    .. versionadded:: 0.1
    """
    sig = load_signature(source)
    release, note = release_for_model(mlflow_version, sig.mlflow_version)
    found = _hazards.hazards(sig)
    findings = [_from_hazard(h) for h in found]
    statuses = _form_statuses(sig, findings)
    # Forms that carry every field first; those that work only without some next.
    full = [s.form for s in statuses if s.works and not s.left_out]
    working = full or [s.form for s in statuses if s.works]
    findings.extend(_form_findings(sig, statuses))
    findings.extend(_release_findings(sig))
    reports: list[ExampleReport] = []
    model_dir = model_dir_of(source) if examples else None
    if model_dir is not None:
        reports = judge_examples(sig, model_dir, release)
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
        mlflow_version=release.line,
        release_note=note,
    )


def _release_findings(sig: Signature) -> list[Finding]:
    """What one supported release mishandles and the others serve (`_hazards.releases`)."""
    out: list[Finding] = []
    lines = split_index_breaks(sig)
    if lines:
        out.append(
            Finding(
                "warning",
                "breaks-on-release",
                "",
                ("dataframe_split",),
                f"a dataframe_split 'index' breaks on {', '.join(lines)}: with array, object, "
                "map or any columns MLflow "
                + ", ".join(lines)
                + " resets it, or misaligns the rows and pads them with NaN",
                "leave 'index' out of dataframe_split (the strict contract does)",
            )
        )
    lines = tensor_index_without_zero_breaks(sig)
    if lines:
        out.append(
            Finding(
                "warning",
                "breaks-on-release",
                "",
                ("dataframe_split",),
                f"a dataframe_split 'index' without the label 0 breaks on {', '.join(lines)} "
                "when tensor cells are lists: they read the first cell by the label 0 to "
                "reshape them",
                "leave 'index' out of dataframe_split, or include 0 (the strict contract "
                "requires it)",
            )
        )
    return out


def check_severity(code: str, table_severity: Severity) -> Severity:
    """The severity `check` gives a hazard of the table (see the module docstring)."""
    if code in _SERVED_UNCHECKED:
        return "warning"
    if code in _BLOCKING:
        return "error"
    return table_severity


def _from_hazard(h: Hazard) -> Finding:
    severity = check_severity(h.code, h.severity)
    message = h.message
    if severity != h.severity and h.severity == "warning":
        message += (
            f" ({h.field} is optional: a body that sends it fails in these forms; "
            "they work only while it is left out)"
        )
    elif severity != h.severity:
        message += " (MLflow serves every form unchecked; the strict contract refuses every body)"
    return Finding(severity, h.code, h.field, h.forms, message, h.fix)


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first; within a severity, signature-wide, then fields, then examples."""

    def key(item: tuple[int, Finding]) -> tuple[int, int, int, int]:
        index, f = item
        headline = 0 if f.code == "no-working-form" else 1
        about_example = 1 if f.example is not None else 0
        return (_RANK[f.severity], headline, about_example, index)

    return [f for _, f in sorted(enumerate(findings), key=key)]


def _form_statuses(sig: Signature, findings: list[Finding]) -> list[FormStatus]:
    """One status per form, from `_hazards.form_verdicts`, with the fields it cannot carry."""
    applicable = applicable_forms(sig)
    verdicts = form_verdicts(sig)
    statuses = []
    for form in FORMS:
        verdict = verdicts[form]
        left_out: tuple[str, ...] = ()
        why = verdict.why
        if verdict.works:
            left_out = tuple(
                dict.fromkeys(
                    f.field
                    for f in findings
                    if f.severity == "error" and form in f.forms and f.code in _BLOCKING
                )
            )
            if left_out:
                why = f"works only without {', '.join(left_out)}"
        statuses.append(
            FormStatus(form, verdict.works, why, form in applicable, verdict.hazards, left_out)
        )
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
                    f"MLflow's scoring server rejects the example ({r.answer}): {r.error}",
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
    "ExampleReport",
    "Finding",
    "FormStatus",
    "all_codes",
    "check",
    "check_severity",
    "judge_examples",
]
