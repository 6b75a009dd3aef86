"""`to_jsonschema`: an MLflow signature as a self-contained JSON Schema 2020-12 document.

Four parts can be exported: ``request`` (the whole ``POST /invocations`` JSON
body), ``inputs`` (the value of the body's ``inputs`` key), ``outputs`` (the
value of ``predictions`` in the response) and ``params`` (the params object).

Two modes: ``strict`` (the default) describes only the body forms that work
for the signature (`sig2jsonschema._hazards.verdicts`) with values typed as tightly as
JSON Schema allows (docs/strict-contract.md); ``mlflow`` describes what
the chosen MLflow release's server accepts, lossy casts included, as far as JSON Schema
can say it.

The request schema dispatches on the key that is present (``if``/``then``,
never a ``oneOf`` of whole bodies), so a validation error points into the
form that was sent.  What JSON Schema cannot say is carried by ``x-mlflow-*``
keywords (documented in ``schemas/mlflow-vocabulary.schema.json`` and
implemented in `sig2jsonschema._export.vocabulary`); the annotations among them also
make `sig2jsonschema.from_jsonschema` exact on these documents.
"""

from __future__ import annotations

import collections
import hashlib
import json
from typing import Any, Literal

from sig2jsonschema._hazards.releases import strict_releases
from sig2jsonschema._hazards.verdicts import (
    LLM_KEYS,
    applicable_forms,
    form_verdicts,
    hazards,
    recommended_form,
)
from sig2jsonschema._releases.table import NEWEST_RELEASE, Release, release_for_model
from sig2jsonschema._signature.load import load_signature
from sig2jsonschema._signature.serialized import signature_to_json_parts
from sig2jsonschema._signature.types import ColSpec, Schema, Signature, TensorSpec, field_name

from .defs import (
    Ctx,
    describe_column,
    describe_tensor,
    params_object,
    ref,
    register_param,
    register_spec,
)
from .forms import form_schema

JSON = dict[str, Any]
Part = Literal["request", "inputs", "outputs", "params"]
Mode = Literal["strict", "mlflow"]

#: The MLflow release an ``mlflow``-mode export describes by default (a model
#: that records a supported release gets that one instead).
MLFLOW_VERSION = NEWEST_RELEASE.line
DIALECT = "https://json-schema.org/draft/2020-12/schema"
PARTS: tuple[str, ...] = ("request", "inputs", "outputs", "params")
MODES: tuple[str, ...] = ("strict", "mlflow")
DATA_KEYS = ("dataframe_split", "dataframe_records", "inputs", "instances")

_TITLES = {
    "request": "MLflow scoring request body",
    "inputs": "MLflow model inputs (the value of the request's inputs key)",
    "outputs": "MLflow model predictions (the value of the response's predictions key)",
    "params": "MLflow inference params (the value of the request's params key)",
}


def signature_digest(sig: Signature) -> str:
    """A stable SHA-256 of the signature's serialized form (for ``$id``)."""
    doc = {"parts": signature_to_json_parts(sig), "from_type_hint": sig.from_type_hint}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def schema_id(sig: Signature, part: str, mode: str, release: Release | None = None) -> str:
    """The ``$id`` of an export: ``urn:sig2jsonschema:<sha256>:<part>:<mode>``.

    An ``mlflow``-mode export describes one release: its line is appended
    (``...:mlflow:3.18``), so two releases' documents never share an id.
    """
    suffix = f":{release.line}" if mode == "mlflow" and release is not None else ""
    return f"urn:sig2jsonschema:{signature_digest(sig)}:{part}:{mode}{suffix}"


def to_jsonschema(
    signature: Any,
    part: Part = "request",
    mode: Mode = "strict",
    *,
    title: str | None = None,
    mlflow_version: str | None = None,
) -> dict[str, Any]:
    """Export a signature (or one part of it) as a JSON Schema 2020-12 document.

    Args:
        signature: a `Signature`, or anything `load_signature` reads.
        part: ``request``, ``inputs``, ``outputs`` or ``params``.
        mode: ``strict`` (the portable contract) or ``mlflow`` (MLflow's leniency).
        title: overrides the document's ``title``.
        mlflow_version: the release an ``mlflow``-mode export describes
            (``"2.22"``, ``"3.17"``, ``"3.18"``; default: the model's own
            release when supported, else the newest).  A strict export is one
            contract for every supported release, whatever this says.

    Returns:
        A self-contained schema: ``$schema``, ``$id``, ``title``, ``description``,
        ``x-mlflow-version`` (mlflow mode: the release's line) or
        ``x-mlflow-versions`` (strict: every release it is safe for), internal
        ``$defs`` only.

    Raises:
        ValueError: an unknown part or mode, or an unsupported MLflow release.
        SignatureError: the signature cannot be read.

    .. versionadded:: 0.1
    """
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; expected one of {', '.join(PARTS)}")
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    sig = load_signature(signature)
    release, _note = release_for_model(mlflow_version, sig.mlflow_version)
    ctx = Ctx(sig, mode, release)
    input_defs = _register_inputs(ctx) if part in {"request", "inputs"} else []
    body: JSON
    if part == "request":
        body = _request(ctx, input_defs)
    elif part == "inputs":
        body = _inputs_part(ctx, input_defs)
    elif part == "params":
        body = params_object(ctx)
    else:
        body = _outputs(ctx)
    if part in {"request", "params"} and sig.params is not None:
        for i, p in enumerate(sig.params.params):
            if f"params.{i}" not in ctx.defs:
                register_param(ctx, i, p)
    root: JSON = {
        "$schema": DIALECT,
        "$id": schema_id(sig, part, mode, release),
        "title": title or _TITLES[part],
        "description": _describe(sig, part, mode, body, release),
    }
    if mode == "mlflow":
        root["x-mlflow-version"] = release.line
    else:
        root["x-mlflow-versions"] = list(strict_releases())
    root["x-mlflow-part"] = part
    root["x-mlflow-mode"] = mode
    if sig.from_type_hint and part in {"request", "inputs"}:
        root["x-mlflow-from-type-hint"] = True
    body_description = body.pop("description", None)
    if body_description:
        root["description"] += " " + body_description[0].upper() + body_description[1:] + "."
    root.update(body)
    if ctx.defs:
        root["$defs"] = dict(sorted(ctx.defs.items(), key=lambda kv: _def_order(kv[0])))
    return root


def _def_order(name: str) -> tuple[int, str, int]:
    head, _, tail = name.partition(".")
    rank = {"inputs": 0, "outputs": 1, "params": 2}.get(head, 3)
    return (rank, "" if tail.isdigit() else name, int(tail) if tail.isdigit() else 0)


def _register_inputs(ctx: Ctx) -> list[str]:
    if ctx.sig.inputs is None:
        return []
    specs: tuple[ColSpec | TensorSpec, ...] = ctx.sig.inputs.specs
    return [register_spec(ctx, "inputs", i, s) for i, s in enumerate(specs)]


def _forms_for(ctx: Ctx) -> tuple[str, ...]:
    """The forms this export describes: working ones (strict) or all applicable (mlflow)."""
    if ctx.strict:
        verdicts = form_verdicts(ctx.sig)
        return tuple(f for f, v in verdicts.items() if v.works)
    forms = applicable_forms(ctx.sig)
    if ctx.sig.from_type_hint:
        forms = tuple(f for f in forms if f.startswith("inputs/"))
    named = ctx.sig.inputs is not None and ctx.sig.inputs.has_names
    if named and ctx.sig.inputs is not None and not ctx.sig.inputs.is_tensor and "llm" not in forms:
        # MLflow takes the LLM path for any body with messages/prompt/input.
        forms = (*forms, "llm")
    return forms


def _register_form(ctx: Ctx, form: str, defs: list[str]) -> str:
    name = "form." + form.replace("/", ".")
    if name not in ctx.defs:
        ctx.defs[name] = form_schema(ctx, form, defs)
    return name


_OBJECT_FORMS = ("columnar", "row", "tensors")


def _key_schema(ctx: Ctx, key: str, forms: tuple[str, ...], defs: list[str]) -> JSON:
    """The value under ``inputs`` or ``instances``: dispatch on its JSON shape."""
    mine = [f for f in forms if f.startswith(key + "/")]
    if not ctx.strict and ctx.sig.inputs is None:
        return {"x-mlflow-forms": mine, "description": f"{key}: any value (no input schema)"}
    obj = [f for f in mine if f.split("/")[1] in _OBJECT_FORMS]
    rec = [f for f in mine if f.endswith("/records")]
    lst = [f for f in mine if f.endswith(("/list", "/tensor"))]
    if _loose_instances_list(ctx, key) and not lst:
        lst = ["instances/tensor"]  # MLflow reads a list as the one named tensor
    if not ctx.strict and key == "instances" and ctx.named and ctx.tensors and not rec:
        rec = ["instances/records"]  # stacked, whatever the first dimension
    out: JSON = {"x-mlflow-forms": mine}
    types: list[str] = []
    branches: list[JSON] = []
    if obj:
        types.append("object")
        branches.append({"if": {"type": "object"}, "then": ref(_register_form(ctx, obj[0], defs))})
    if rec and lst:
        records_test: JSON = (
            {"type": "array", "items": {"type": "object"}}
            if key == "inputs" and ctx.strict
            else {"type": "array", "minItems": 1, "prefixItems": [{"type": "object"}]}
        )
        branches.append(
            {
                "if": {"type": "array"},
                "then": {
                    "if": records_test,
                    "then": ref(_register_form(ctx, rec[0], defs)),
                    "else": ref(_register_form(ctx, lst[0], defs)),
                },
            }
        )
        types.append("array")
    elif rec:
        types.append("array")
        branches.append({"if": {"type": "array"}, "then": ref(_register_form(ctx, rec[0], defs))})
    elif lst:
        name = _register_form(ctx, lst[0], defs)
        if lst[0].endswith("/tensor"):
            spec = ctx.tensors[0]
            if spec.shape:
                types.append("array")
                branches.append({"if": {"not": {"type": "object"}}, "then": ref(name)})
            else:
                types += ["number", "string", "boolean"]
                branches.append({"if": {"not": {"type": "object"}}, "then": ref(name)})
        else:
            types.append("array")
            branches.append({"if": {"type": "array"}, "then": ref(name)})
    if ctx.strict:
        out["type"] = types[0] if len(types) == 1 else types
    else:
        out["type"] = ["object", "array", "string", "number", "boolean"]
        if _null_reads(ctx):
            out["type"].append("null")
    if len(branches) == 1:
        out.update(branches[0])
    elif branches:
        out["allOf"] = branches
    out["description"] = f"{key}: " + ", ".join(mine)
    return out


def _null_reads(ctx: Ctx) -> bool:
    """Whether ``null`` may be read as an input: a 0-d tensor, or columns all optional.

    With every column optional, ``null`` becomes a frame of no rows that MLflow
    often serves; whether it does depends on the column types and the release
    in ways no keyword states, so the pure export lets it through and the
    Validator gives the exact verdict.
    """
    if ctx.tensors:
        return not ctx.tensors[0].shape
    return bool(ctx.columns) and not any(c.is_required for c in ctx.columns)


def _loose_instances_list(ctx: Ctx, key: str) -> bool:
    return (
        not ctx.strict
        and key == "instances"
        and ctx.sig.inputs is not None
        and ctx.sig.inputs.is_tensor
        and len(ctx.tensors) == 1
    )


def _inputs_part(ctx: Ctx, defs: list[str]) -> JSON:
    forms = _forms_for(ctx)
    if not any(f.startswith("inputs/") for f in forms):
        return _refused(ctx, "inputs")
    return _key_schema(ctx, "inputs", forms, defs)


def _refused(ctx: Ctx, what: str) -> JSON:
    verdicts = form_verdicts(ctx.sig)
    reasons = sorted(
        {v.why for f, v in verdicts.items() if f in applicable_forms(ctx.sig) and not v.works}
    )
    return {
        "not": {},
        "x-mlflow-forms": [],
        "description": f"no {what} body form works for this signature: " + "; ".join(reasons),
    }


def _request(ctx: Ctx, defs: list[str]) -> JSON:
    forms = _forms_for(ctx)
    keys = [k for k in DATA_KEYS if any(f.split("/")[0] == k for f in forms)]
    if not ctx.strict:
        keys = ["inputs"] if ctx.sig.from_type_hint else list(DATA_KEYS)
    envelope: JSON = {"type": "object"}
    props: JSON = {}
    for k in keys:
        if k in {"dataframe_split", "dataframe_records"}:
            if k in forms:
                props[k] = ref(_register_form(ctx, k, defs))
            else:  # mlflow mode, form not applicable (e.g. an unframeable tensor)
                props[k] = {"type": "object" if k == "dataframe_split" else "array"}
        else:
            name = f"key.{k}"
            ctx.defs[name] = _key_schema(ctx, k, forms, defs)
            props[k] = ref(name)
    ctx.defs["params"] = params_object(ctx)
    props["params"] = ref("params")
    envelope["properties"] = props
    if ctx.strict:
        envelope["additionalProperties"] = False
    else:
        for k in DATA_KEYS:
            if k not in keys:
                props[k] = _forbidden(f"{k} is refused for this signature (type hint: inputs only)")
    if keys:
        envelope.update(_exactly_one(keys, _preferred_key(ctx, keys)))
    hazard_notes = [
        {"code": h.code, "severity": h.severity, "field": h.field, "forms": list(h.forms)}
        for h in hazards(ctx.sig)
    ]
    head: JSON = {
        "x-mlflow-forms": list(forms),
        "x-mlflow-recommended-form": recommended_form(ctx.sig),
    }
    if hazard_notes:
        head["x-mlflow-hazards"] = hazard_notes
    if not forms and ctx.strict:
        return {**head, **_refused(ctx, "request")}
    llm_on = "llm" in forms
    if not llm_on and ctx.strict:
        return {**head, **envelope}
    llm = ref(_register_form(ctx, "llm", defs)) if llm_on else _whole_body()
    llm_test = {"anyOf": [{"required": [k]} for k in LLM_KEYS]}
    return {
        **head,
        "type": "object",
        "if": llm_test,
        "then": llm,
        "else": envelope,
    }


def _whole_body() -> JSON:
    return {
        "type": "object",
        "description": "a top-level messages/prompt/input key makes MLflow read the whole "
        "body as the input, which this signature's enforcement judges",
    }


def _preferred_key(ctx: Ctx, keys: list[str]) -> str:
    best = recommended_form(ctx.sig)
    if best is not None and best != "llm" and best.split("/")[0] in keys:
        return best.split("/")[0]
    return keys[0]


def _exactly_one(keys: list[str], preferred: str) -> JSON:
    """Exactly one data key: ``required``-based ``if``/``then``/``else``, no ``oneOf``.

    Each branch forbids the other keys (``properties: {other: false}``), so the
    error names the extra key; with none present the last ``else`` asks for
    the preferred key.
    """
    chain: JSON = {"required": [preferred]}
    for k in reversed(keys):
        others = {
            o: _forbidden(f"only one data key per request, and {k} is present")
            for o in DATA_KEYS
            if o != k
        }
        chain = {"if": {"required": [k]}, "then": {"properties": others}, "else": chain}
    return chain


def _forbidden(why: str) -> JSON:
    """A key that must be absent (``not: {}``, not ``false``: jsonschema reports errors of a
    ``false`` subschema without their location)."""
    return {"not": {}, "description": why}


# --------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------
def _outputs(ctx: Ctx) -> JSON:
    outputs = ctx.sig.outputs
    if outputs is None:
        return {"description": "the signature declares no outputs"}
    specs: tuple[ColSpec | TensorSpec, ...] = outputs.specs
    defs = [register_spec(ctx, "outputs", i, s) for i, s in enumerate(specs)]
    if outputs.is_tensor:
        if not outputs.has_names:
            return {**ref(defs[0]), "description": "predictions: one tensor as nested lists"}
        return {
            "type": "object",
            "properties": {str(s.name): ref(d) for s, d in zip(outputs.tensors, defs, strict=True)},
            "description": "predictions: named tensors",
        }
    cols = outputs.columns
    if outputs.has_names:
        row: JSON = {
            "type": "object",
            "properties": {str(c.name): ref(d) for c, d in zip(cols, defs, strict=True)},
        }
        required = [str(c.name) for c in cols if c.is_required]
        if required:
            row["required"] = required
        return {"type": "array", "items": row, "description": "predictions: records"}
    if len(cols) == 1:
        return {"type": "array", "items": ref(defs[0]), "description": "predictions: values"}
    return {
        "type": "array",
        "items": {"type": "array", "prefixItems": [ref(d) for d in defs]},
        "description": "predictions: rows",
    }


# --------------------------------------------------------------------------
# Descriptions
# --------------------------------------------------------------------------
#: Above this many inputs/outputs, the document's description counts them instead of
#: listing each (every one is described in its own ``$defs`` entry).
MAX_LISTED_SPECS = 20


def _describe_schema(schema: Schema, part: str) -> str:
    specs: tuple[ColSpec | TensorSpec, ...] = schema.specs
    if len(specs) > MAX_LISTED_SPECS:
        kinds = collections.Counter(
            str(s.dtype if isinstance(s, TensorSpec) else s.type) for s in specs
        )
        noun = "tensors" if schema.is_tensor else "columns"
        counts = ", ".join(f"{n} {k}" for k, n in kinds.most_common())
        return f"{len(specs)} {noun} ({counts}), each described in $defs"
    words = []
    for i, s in enumerate(specs):
        if isinstance(s, TensorSpec):
            words.append(describe_tensor(s, part, i))
        else:
            words.append(describe_column(s, part, i))
    return "; ".join(words)


def _describe(sig: Signature, part: str, mode: str, body: JSON, release: Release) -> str:
    lead = {
        "strict": "Strict contract (only body forms that reach the model unchanged, on MLflow "
        + ", ".join(strict_releases())
        + ").",
        "mlflow": f"What MLflow {release.line}'s scoring server accepts (lossy casts included).",
    }[mode]
    lines = [lead]
    if part in {"request", "inputs"}:
        if sig.inputs is not None:
            lines.append("Inputs: " + _describe_schema(sig.inputs, "inputs") + ".")
        forms = body.get("x-mlflow-forms")
        if forms is not None:
            lines.append("Body forms: " + (", ".join(forms) or "none") + ".")
        if sig.from_type_hint:
            lines.append("Signature from a type hint: only the inputs key is accepted.")
    if part in {"request", "params"} and sig.params is not None:
        names = ", ".join(field_name("params", p, i) for i, p in enumerate(sig.params.params))
        lines.append(f"Params: {names}.")
    if part == "outputs" and sig.outputs is not None:
        lines.append("Outputs: " + _describe_schema(sig.outputs, "outputs") + ".")
    return " ".join(lines)


__all__ = [
    "MLFLOW_VERSION",
    "MODES",
    "PARTS",
    "schema_id",
    "signature_digest",
    "to_jsonschema",
]
