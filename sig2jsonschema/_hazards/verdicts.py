"""The one table of what works: body forms and hazards per signature.

MLflow 3.17.2's scoring server reads the same signature differently depending
on the request key and the body's shape (spec sections 2.6, 2.7, 3.4.1, 5, 6).
This module is the single place that knows which body *forms* make sense for
a signature (`applicable_forms`), which of them deliver a well-formed strict
body to ``predict`` unchanged (`form_verdicts`), and what goes wrong where
(`hazards`).  The strict export, the strategies and ``sig2jsonschema check``
all read it, so there is no second copy of this knowledge.

The knowledge is data: `RULES` (in `sig2jsonschema._hazards.rules`) is a
tuple of rows (code, severity, site kind, predicate, affected forms, message,
fix); `sig2jsonschema._hazards.sites` names the forms and decides which apply.
This module evaluates the table and re-exports both.  `walk` lists every
*site* of a signature (a column, a nested position, a tensor, a param, or the whole
signature); each rule's predicate is asked about each site.  Severity
``"error"`` means the affected forms cannot carry a strict body that reaches
the model unchanged; ``"warning"`` means they can, with the restriction the
message names (the strict schema encodes it).  Rows whose severity is
``"required"`` resolve per site: an error when the field must be sent, a
warning when it can be left out.

Every code is documented, with an example, in ``docs/hazards.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .rules import RULES, Rule
from .sites import (
    FORM_KEY,
    FORMS,
    FRAME_FORMS,
    LLM_KEYS,
    Site,
    applicable_forms,
    has_one_row_column,
    is_one_row_type,
    nested_field,
    tensor_frame_applicable,
    tensor_frame_ok,
    tensor_frame_shaped,
    walk,
)

if TYPE_CHECKING:
    from sig2jsonschema._signature.types import Signature

Severity = Literal["error", "warning"]

#: Preference order for `recommended_form` (spec 6.5).
_PREFERENCE = (
    "inputs/tensor",
    "inputs/tensors",
    "dataframe_split",
    "dataframe_records",
    "inputs/records",
    "inputs/list",
    "inputs/columnar",
    "inputs/row",
    "instances/tensor",
    "instances/tensors",
    "instances/records",
    "instances/columnar",
    "instances/list",
    "llm",
)


@dataclass(frozen=True)
class Hazard:
    """Something about a signature that goes wrong on a real MLflow 3.x server."""

    #: Stable identifier, documented in docs/hazards.md.
    code: str
    #: ``error``: the affected forms cannot carry a strict body; ``warning``: they can.
    severity: Severity
    #: The signature field concerned (``inputs['doc'].embedding[*]``), "" for all of it.
    field: str
    #: The body forms affected (always a subset of `applicable_forms`).
    forms: tuple[str, ...]
    #: What MLflow does.
    message: str
    #: What to do about it.
    fix: str


@dataclass(frozen=True)
class FormVerdict:
    """Whether a well-formed strict body in one form reaches the model unchanged."""

    works: bool
    why: str
    #: Codes of the hazards that concern this form.
    hazards: tuple[str, ...]


def _render(template: str, site: Site) -> str:
    type_text = str(site.type) if site.type is not None else ""
    dtype = site.tensor.dtype if site.tensor is not None else ""
    return template.format(field=site.field or "the signature", type=type_text, dtype=dtype)


def hazards(sig: Signature) -> list[Hazard]:
    """Every hazard of the signature, in table order then field order.

    A hazard is reported only when it affects at least one applicable form.
    """
    applicable = applicable_forms(sig)
    sites = list(walk(sig))
    out: list[Hazard] = []
    for rule in RULES:
        for site in sites:
            if site.kind != rule.site or not rule.predicate(site, sig):
                continue
            wanted = rule.forms(site, sig) if callable(rule.forms) else rule.forms
            forms = tuple(f for f in applicable if f in wanted)
            if not forms:
                continue
            severity: Severity
            if rule.severity == "required":
                severity = "error" if site.required else "warning"
            else:
                severity = rule.severity
            out.append(
                Hazard(
                    rule.code,
                    severity,
                    site.field,
                    forms,
                    _render(rule.message, site),
                    _render(rule.fix, site),
                )
            )
    return out


def form_verdicts(sig: Signature) -> dict[str, FormVerdict]:
    """A verdict for every form in `FORMS` (inapplicable forms do not work)."""
    applicable = applicable_forms(sig)
    found = hazards(sig)
    verdicts: dict[str, FormVerdict] = {}
    for form in FORMS:
        if form not in applicable:
            verdicts[form] = FormVerdict(
                works=False, why=f"{form} does not fit this signature's shape", hazards=()
            )
            continue
        mine = [h for h in found if form in h.forms]
        errors = [h for h in mine if h.severity == "error"]
        codes = tuple(dict.fromkeys(h.code for h in mine))
        if errors:
            verdicts[form] = FormVerdict(works=False, why=errors[0].message, hazards=codes)
        else:
            why = "works" if not mine else "works, with restrictions: " + ", ".join(codes)
            verdicts[form] = FormVerdict(works=True, why=why, hazards=codes)
    return verdicts


def working_forms(sig: Signature) -> tuple[str, ...]:
    """The forms whose verdict is ``works``, in `FORMS` order."""
    return tuple(f for f, v in form_verdicts(sig).items() if v.works)


def recommended_form(sig: Signature) -> str | None:
    """The form to send (spec 6.5), or None when no form works."""
    working = working_forms(sig)
    if not working:
        return None
    inputs = sig.inputs
    unnamed_single = (
        inputs is not None
        and not inputs.is_tensor
        and not inputs.has_names
        and len(inputs.specs) == 1
    )
    if unnamed_single and "inputs/list" in working:
        return "inputs/list"
    for form in _PREFERENCE:
        if form in working:
            return form
    return working[0]  # pragma: no cover - _PREFERENCE lists every form


def hazard_codes() -> tuple[str, ...]:
    """Every code the table can report, once each, in table order."""
    return tuple(dict.fromkeys(r.code for r in RULES))


__all__ = [
    "FORMS",
    "FORM_KEY",
    "FRAME_FORMS",
    "LLM_KEYS",
    "RULES",
    "FormVerdict",
    "Hazard",
    "Rule",
    "Site",
    "applicable_forms",
    "form_verdicts",
    "has_one_row_column",
    "hazard_codes",
    "hazards",
    "is_one_row_type",
    "nested_field",
    "recommended_form",
    "tensor_frame_applicable",
    "tensor_frame_ok",
    "tensor_frame_shaped",
    "walk",
    "working_forms",
]
