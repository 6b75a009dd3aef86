"""Hypothesis strategies for MLflow model signatures.

Importing this module is the only thing in sig2jsonschema that imports
Hypothesis.  Every strategy builds its values *by construction* from the
signature (bounds, token kinds, formats, shapes), never by filtering, so no
health check fires and thousands of bodies come out per minute:

* `requests` -- complete request bodies in a body form that works for the
  signature (the form table is `sig2jsonschema._hazards.verdicts`), with and without
  ``params``; every body passes the strict validator and MLflow 3.17.2
  serves it unchanged;
* `inputs` -- what a user hands ``model.predict`` directly (DataFrames with
  the right dtypes, ndarrays, dicts of ndarrays);
* `params` -- param dicts, sometimes partial (defaults fill the rest);
* `signatures` -- arbitrary valid signatures;
* `invalid_requests` -- labelled near misses (`NearMiss`), each breaking one
  rule of the strict contract, labelled with the keyword the strict
  validator reports;
* `schemaless_requests` -- bodies MLflow serves for a signature that declares
  no input schema (the strict contract refuses every body for one).

Errors are deferred to draw time, the Hypothesis convention: asking for a
form that does not work returns a strategy that raises
``hypothesis.errors.InvalidArgument`` (naming the hazard) when drawn from.

The package also holds the ``fuzz`` engine (``_fuzz``), which posts these
bodies to a running server.  It sits above ``_validate`` and may import every
internal stage; only ``cli`` imports it.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from sig2jsonschema._hazards.verdicts import (
    FORM_KEY,
    FORMS,
    form_verdicts,
    hazards,
    recommended_form,
)
from sig2jsonschema._releases.table import resolve_release
from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._signature.serialized import parse_signature, signature_to_dict
from sig2jsonschema._signature.types import Signature

from . import _bodies as bodies
from ._invalid import NearMiss, near_misses
from ._python import python_inputs

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


def _signature(signature: Any) -> Signature:
    return signature if isinstance(signature, Signature) else load_signature(signature)


def _no_form_message(sig: Signature, wanted: str | None = None) -> str:
    """Why no body can be generated: the hazards that block every candidate form."""
    errors = [h for h in hazards(sig) if h.severity == "error"]
    if wanted is not None:
        errors = [h for h in errors if any(FORM_KEY[f] == wanted or f == wanted for f in h.forms)]
    head = "no body form works for this signature"
    if wanted is not None:
        head = f"no working body form for {wanted!r}"
    if not errors:
        return f"{head}: it does not fit this signature's shape"
    reasons = "; ".join(f"{h.code} ({h.field or 'signature'}): {h.message}" for h in errors[:3])
    return f"{head}: {reasons}"


def working_forms_for(signature: Any, envelope: str | None = None) -> list[str]:
    """The forms `requests` draws from, best first; raises ``InvalidArgument`` if none.

    ``envelope`` is None (every working form), a form name
    (``"inputs/records"``), or a top-level key (``"inputs"``: its working
    sub-forms).
    """
    sig = _signature(signature)
    verdicts = form_verdicts(sig)
    working = [f for f, v in verdicts.items() if v.works]
    if envelope is None:
        candidates = working
    elif envelope in FORMS:
        verdict = verdicts[envelope]
        if not verdict.works:
            codes = f" (hazards: {', '.join(verdict.hazards)})" if verdict.hazards else ""
            msg = f"body form {envelope!r} does not work for this signature{codes}: {verdict.why}"
            raise InvalidArgument(msg)
        candidates = [envelope]
    elif envelope in set(FORM_KEY.values()):
        candidates = [f for f in working if FORM_KEY[f] == envelope]
    else:
        known = ", ".join([*FORMS, *sorted(set(FORM_KEY.values()) - set(FORMS))])
        msg = f"unknown envelope {envelope!r}; expected one of {known}"
        raise InvalidArgument(msg)
    if not candidates:
        raise InvalidArgument(_no_form_message(sig, envelope))
    sendable = [f for f in candidates if bodies.can_send(sig, f)]
    if not sendable:
        msg = (
            f"no column can be sent in {', '.join(candidates)}: every column of this "
            "signature is optional and must stay out of these forms"
        )
        raise InvalidArgument(msg)
    candidates = sendable
    best = recommended_form(sig)
    return sorted(candidates, key=lambda f: (f != best, FORMS.index(f)))


def _check_release(mlflow_version: str | None) -> None:
    """Raise ``ValueError`` (listing the supported releases) for an unsupported one."""
    if mlflow_version is not None:
        resolve_release(mlflow_version)


def _deferred(build: Any) -> SearchStrategy[Any]:
    """Build the strategy lazily, so argument errors surface at draw time."""
    return st.deferred(build)


def requests(
    signature: Any,
    envelope: str | None = None,
    params: bool = True,
    *,
    mlflow_version: str | None = None,
) -> SearchStrategy[Any]:
    """Complete request bodies (JSON-ready Python objects) MLflow serves unchanged.

    Args:
        signature: a `Signature` or anything `load_signature` reads.
        envelope: None (any working form), a form name such as
            ``"dataframe_split"`` or ``"inputs/records"``, or a top-level key
            (``"inputs"`` picks among its working sub-forms).
        params: whether to add ``params`` (sometimes absent, sometimes
            partial) when the signature declares params.
        mlflow_version: the MLflow release the bodies are for (``"2.22"``,
            ``"3.17"``, ``"3.18"``).  The bodies follow the strict contract,
            which holds for every supported release, so this only checks the
            name: an unsupported release raises ``ValueError`` at once.

    Drawing raises ``InvalidArgument`` when the form asked for does not work
    for the signature (the message names the hazard), or none does.

    .. versionadded:: 0.1
    """

    _check_release(mlflow_version)

    def build() -> SearchStrategy[Any]:
        sig = _signature(signature)
        forms = working_forms_for(sig, envelope)
        return st.one_of([bodies.form_body(sig, f, params=params) for f in forms])

    return _deferred(build)


def inputs(signature: Any) -> SearchStrategy[Any]:
    """What a user passes to ``model.predict`` directly, accepted by MLflow's enforcement.

    Column signatures give DataFrames with MLflow's dtypes (bool, int32,
    int64, float32, float64, object str, object bytes, datetime64[ns]; lists
    and dicts in object cells for complex columns); an unnamed tensor gives
    an ndarray of its dtype and shape, named tensors a dict of ndarrays.

    .. versionadded:: 0.1
    """
    return _deferred(lambda: python_inputs(_signature(signature)))


def params(signature: Any) -> SearchStrategy[dict[str, Any]]:
    """Param dicts of declared params (each present or not; defaults fill the rest).

    .. versionadded:: 0.1
    """
    return _deferred(lambda: bodies.params_dict(_signature(signature)))


def signatures(**kwargs: Any) -> SearchStrategy[Signature]:
    """Arbitrary valid MLflow signatures (see ``sig2jsonschema.strategies._signatures``).

    .. versionadded:: 0.1
    """
    from ._signatures import signatures as generate

    return generate(**kwargs)


def invalid_requests(
    signature: Any, envelope: str | None = None, *, mlflow_version: str | None = None
) -> SearchStrategy[NearMiss]:
    """Near misses: a valid body with one rule broken, labelled with that rule.

    ``mlflow_version`` is checked as for `requests` (the strict contract the
    near misses break is the same on every supported release).

    Each `NearMiss` has ``rule`` (the keyword of the error the strict
    validator reports: ``required``, ``type``, ``minimum``, ``maximum``,
    ``pattern``, ``additionalProperties``, ``minItems``, ``maxItems``,
    ``x-mlflow-token``, ...) and ``body``.  Some near misses MLflow itself
    accepts (a float token in a long column is truncated): those are
    exactly the bodies the strict contract exists to refuse.

    .. versionadded:: 0.1
    """

    _check_release(mlflow_version)

    def build() -> SearchStrategy[NearMiss]:
        sig = _signature(signature)
        forms = working_forms_for(sig, envelope)
        return near_misses(sig, forms)

    return _deferred(build)


#: Column types of the tables `schemaless_requests` lays out: pandas and numpy infer each
#: one back without loss (one JSON type per column, no nulls, nothing nested).
_SCHEMALESS_TYPES = ("long", "double", "string", "boolean")


@st.composite
def _schemaless_table(draw: st.DrawFn, sig: Signature) -> Signature:
    """``sig`` with an invented input schema: 1 to 3 required scalar columns."""
    types = draw(st.lists(st.sampled_from(_SCHEMALESS_TYPES), min_size=1, max_size=3))
    columns = [{"type": t, "name": f"c{i}", "required": True} for i, t in enumerate(types)]
    return parse_signature({**signature_to_dict(sig), "inputs": columns})


def schemaless_requests(
    signature: Any, envelope: str | None = None, params: bool = True
) -> SearchStrategy[Any]:
    """Request bodies MLflow serves for a signature without an input schema.

    MLflow checks nothing for such a model and hands ``predict`` what pandas or
    numpy infer from the JSON, so no body is strictly valid (the strict contract
    refuses every one: hazard ``no-input-schema``).  These bodies are small
    tables MLflow accepts: named scalar columns (integers, numbers, strings or
    booleans), no nulls, laid out in any form `requests` uses for such a table,
    with declared params as usual.
    Drawing raises ``InvalidArgument`` when the signature has an input schema
    (use `requests`) or ``envelope`` names no form such a table can take.

    .. versionadded:: 0.1
    """

    def build() -> SearchStrategy[Any]:
        sig = _signature(signature)
        if sig.inputs is not None:
            msg = "the signature declares an input schema: use requests()"
            raise InvalidArgument(msg)
        return _schemaless_table(sig).flatmap(lambda table: requests(table, envelope, params))

    return _deferred(build)


__all__ = [
    "NearMiss",
    "inputs",
    "invalid_requests",
    "params",
    "requests",
    "schemaless_requests",
    "signatures",
    "working_forms_for",
]
