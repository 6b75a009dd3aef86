"""The one table of what works: body forms and hazards per signature.

MLflow 3.17.2's scoring server reads the same signature differently depending
on the request key and the body's shape (spec sections 2.6, 2.7, 3.4.1, 5, 6).
This module is the single place that knows which body *forms* make sense for
a signature (`applicable_forms`), which of them deliver a well-formed strict
body to ``predict`` unchanged (`form_verdicts`), and what goes wrong where
(`hazards`).  The strict export, the strategies and ``sig2jsonschema check``
all read it, so there is no second copy of this knowledge.

The knowledge is data: `RULES` is a tuple of rows (code, severity, site kind,
predicate, affected forms, message, fix).  `walk` lists every *site* of a
signature (a column, a nested position, a tensor, a param, or the whole
signature); each rule's predicate is asked about each site.  Severity
``"error"`` means the affected forms cannot carry a strict body that reaches
the model unchanged; ``"warning"`` means they can, with the restriction the
message names (the strict schema encodes it).  Rows whose severity is
``"required"`` resolve per site: an error when the field must be sent, a
warning when it can be left out.

Every code is documented, with an example, in ``docs/hazards.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from ._types import (
    AnyType,
    Array,
    ColSpec,
    ColType,
    DataType,
    Map,
    Object,
    ParamSpec,
    Signature,
    SparkMLVector,
    TensorSpec,
    field_name,
)

#: Every body form, in the order documentation lists them (docs/strict-contract.md).
FORMS: tuple[str, ...] = (
    "dataframe_split",
    "dataframe_records",
    "inputs/columnar",
    "inputs/row",
    "inputs/records",
    "inputs/list",
    "inputs/tensor",
    "inputs/tensors",
    "instances/records",
    "instances/columnar",
    "instances/list",
    "instances/tensor",
    "instances/tensors",
    "llm",
)

#: The request key each form is sent under ("llm" has none: top-level keys).
FORM_KEY: dict[str, str] = {
    form: ("llm" if form == "llm" else form.split("/")[0]) for form in FORMS
}

FRAME_FORMS = ("dataframe_split", "dataframe_records")
RECORDS_FORMS = ("dataframe_records", "inputs/records", "instances/records")
TF_FORMS = tuple(f for f in FORMS if f.startswith(("inputs/", "instances/")))
INPUTS_FORMS = tuple(f for f in FORMS if f.startswith("inputs/"))
COLUMNAR_FORMS = ("inputs/columnar", "instances/columnar")
LIST_FORMS = ("inputs/list", "instances/list")
#: Top-level keys that switch MLflow into the unified-LLM path (spec 2.2 step 2).
LLM_KEYS = ("messages", "prompt", "input")

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


# --------------------------------------------------------------------------
# Sites: every place of a signature a rule can talk about
# --------------------------------------------------------------------------
SiteKind = Literal["signature", "column", "nested", "tensor", "param"]


@dataclass(frozen=True)
class Site:
    """One place in a signature: a column, a nested position, a tensor or a param."""

    kind: SiteKind
    #: ``inputs['age']``, ``inputs['doc'].spans[*].start``, ``params['k']``, "".
    field: str
    #: The MLflow type at this place (None for tensors and the whole signature).
    type: ColType | None = None
    #: The enclosing top-level column (None outside column signatures).
    column: ColSpec | None = None
    tensor: TensorSpec | None = None
    param: ParamSpec | None = None
    #: Whether a value must be sent here: every step from the top is required.
    required: bool = True
    #: How this place is reached: column, items, property, values, param, tensor.
    via: str = "column"


def nested_field(parent: str, via: str, name: str = "") -> str:
    """The field name of a nested place: ``.name`` / ``['odd name']``, ``[*]``, ``.*``."""
    if via == "items":
        return f"{parent}[*]"
    if via == "values":
        return f"{parent}.*"
    if name.isidentifier():
        return f"{parent}.{name}"
    return f"{parent}[{name!r}]"


def _nested_sites(t: ColType, parent: Site) -> Iterator[Site]:
    children: list[tuple[ColType, str, str, bool]] = []
    if isinstance(t, Array):
        children.append((t.items, "items", "", parent.required))
    elif isinstance(t, Map):
        children.append((t.values, "values", "", parent.required))
    elif isinstance(t, Object):
        children.extend(
            (p.type, "property", p.name, parent.required and p.required) for p in t.properties
        )
    for child_type, via, name, required in children:
        site = Site(
            "nested",
            nested_field(parent.field, via, name),
            child_type,
            parent.column,
            None,
            parent.param,
            required,
            via,
        )
        yield site
        yield from _nested_sites(child_type, site)


def walk(sig: Signature) -> Iterator[Site]:
    """Every site of the signature: the whole, then inputs, then params (outputs: never served)."""
    yield Site("signature", "", required=True, via="signature")
    if sig.inputs is not None:
        specs: tuple[ColSpec | TensorSpec, ...] = sig.inputs.specs
        for i, spec in enumerate(specs):
            name = field_name("inputs", spec, i)
            if isinstance(spec, TensorSpec):
                yield Site("tensor", name, tensor=spec, via="tensor")
                continue
            site = Site("column", name, spec.type, spec, required=spec.is_required)
            yield site
            yield from _nested_sites(spec.type, site)
    if sig.params is not None:
        for p in sig.params.params:
            site = Site(
                "param", f"params[{p.name!r}]", p.type, param=p, required=False, via="param"
            )
            yield site
            if isinstance(p.type, Object):
                yield from _nested_sites(p.type, site)


# --------------------------------------------------------------------------
# Signature shape: which forms make sense
# --------------------------------------------------------------------------
def _columns(sig: Signature) -> tuple[ColSpec, ...]:
    return sig.inputs.columns if sig.inputs is not None else ()


def is_one_row_type(t: ColType) -> bool:
    """Whether a column type makes MLflow read an ``inputs`` object as one row.

    MLflow checks ``isinstance(col.type, (Array, Object))``; a SparkML vector
    subclasses Array, a Map does not (spec 2.7, 3.4.1).
    """
    return isinstance(t, (Array, Object, SparkMLVector))


def has_one_row_column(sig: Signature) -> bool:
    """Whether an ``inputs``/``instances`` object is one row (not columnar) for ``sig``."""
    return any(is_one_row_type(c.type) for c in _columns(sig))


def tensor_frame_ok(spec: TensorSpec) -> bool:
    """Whether a tensor can travel as a DataFrame column (spec 3.8.2).

    The first dimension must be ``-1`` and no other, and the dtype numeric or
    boolean: MLflow stacks the cells and casts them to the dtype.
    """
    shape = spec.shape
    if not shape or shape[0] != -1 or any(d < 0 for d in shape[1:]):
        return False
    # Cells travel as flat lists of prod(shape[1:]) leaves; str/bytes/object
    # cells do not survive the stacking (bytes fails, object is stringified).
    return _dtype_kind(spec.dtype) in {"b", "i", "u", "f", "c"}


def _dtype_kind(dtype: str) -> str:
    import numpy as np

    return str(np.dtype(dtype).kind)


def applicable_forms(sig: Signature) -> tuple[str, ...]:
    """The body forms that make sense for the signature's shape (spec 2.6, 2.7, 3.4.1, 6.5).

    A form is *applicable* when MLflow's envelope interpretation can read a
    body of that shape as this signature's input at all; whether it then
    works is `form_verdicts`' business.
    """
    forms: list[str] = []
    if sig.inputs is None:
        # No input schema: MLflow passes whatever it parses without enforcement.
        forms = [
            "dataframe_split",
            "dataframe_records",
            "inputs/columnar",
            "inputs/records",
            "inputs/list",
            "instances/records",
            "instances/columnar",
            "instances/list",
        ]
    elif sig.inputs.is_tensor:
        tensors = sig.inputs.tensors
        if sig.inputs.has_names:
            forms = ["inputs/tensors", "instances/tensors"]
            if all(t.shape and t.shape[0] == -1 for t in tensors):
                forms.append("instances/records")
        else:
            forms = ["inputs/tensor", "instances/tensor"]
        if all(tensor_frame_ok(t) for t in tensors):
            forms[:0] = list(FRAME_FORMS)
    elif sig.inputs.has_names:
        cols = sig.inputs.columns
        forms = ["dataframe_split", "dataframe_records", "inputs/records", "instances/records"]
        if has_one_row_column(sig):
            forms.append("inputs/row")
        else:
            forms += ["inputs/columnar", "instances/columnar"]
        if len(cols) == 1:
            forms += ["inputs/list", "instances/list"]
        if any(c.name in LLM_KEYS for c in cols):
            forms.append("llm")
    else:
        forms = ["dataframe_split", "dataframe_records", "inputs/list", "instances/list"]
    return tuple(f for f in FORMS if f in forms)


# --------------------------------------------------------------------------
# The rule table
# --------------------------------------------------------------------------
Predicate = Callable[[Site, Signature], bool]
FormsOf = Callable[[Site, Signature], tuple[str, ...]]


@dataclass(frozen=True)
class Rule:
    """One row of the hazard table."""

    code: str
    #: ``error``, ``warning``, or ``required`` (error when the site must be sent).
    severity: Literal["error", "warning", "required"]
    #: Which sites the predicate is asked about.
    site: SiteKind
    predicate: Predicate
    #: Affected forms (before intersecting with `applicable_forms`).
    forms: tuple[str, ...] | FormsOf
    #: Templates: ``{field}``, ``{type}`` and ``{dtype}`` are filled in.
    message: str
    fix: str


def _is(t: ColType | None, *types: DataType) -> bool:
    return isinstance(t, DataType) and t in types


def _nested_scalar(*types: DataType) -> Predicate:
    return lambda s, _sig: s.via != "param" and _is(s.type, *types)


def _dtype_is(pred: Callable[[str], bool]) -> Predicate:
    return lambda s, _sig: s.tensor is not None and pred(s.tensor.dtype)


def _unnamed_columns(sig: Signature) -> bool:
    return sig.inputs is not None and not sig.inputs.is_tensor and not sig.inputs.has_names


def _all(_site: Site, _sig: Signature) -> tuple[str, ...]:
    return FORMS


def _llm_only(_site: Site, _sig: Signature) -> tuple[str, ...]:
    return ("llm",)


def _contains_array_like(t: ColType) -> bool:
    """Whether values of ``t`` may themselves be JSON arrays (numpy would stack them)."""
    return isinstance(t, (Array, SparkMLVector, AnyType))


RULES: tuple[Rule, ...] = (
    # ---- nested scalars MLflow cannot accept from JSON (spec 3.5.1, 5.12, 5.13)
    Rule(
        "nested-integer-unusable",
        "required",
        "nested",
        _nested_scalar(DataType.integer),
        _all,
        "{field} is a nested integer: every JSON integer is read as int64 and MLflow refuses "
        "int64 -> int32 inside arrays, objects and maps, so no JSON value is accepted",
        "declare it as long (or make it optional and leave it out)",
    ),
    Rule(
        "nested-float-unusable",
        "required",
        "nested",
        _nested_scalar(DataType.float),
        _all,
        "{field} is a nested float: MLflow accepts only the integers 0 and 1 there, and inside "
        "arrays nothing at all (the array is enforced twice, float64 -> float32 is refused)",
        "declare it as double (or make it optional and leave it out)",
    ),
    Rule(
        "nested-datetime-unusable",
        "required",
        "nested",
        _nested_scalar(DataType.datetime),
        _all,
        "{field} is a nested datetime: with pandas 3 an ISO string is a str value and MLflow "
        "refuses str -> datetime64[ns] inside arrays, objects and maps",
        "declare it as string and parse it in the model (or make it optional and leave it out)",
    ),
    Rule(
        "nested-binary-not-decoded",
        "warning",
        "nested",
        _nested_scalar(DataType.binary),
        _all,
        "{field} is a nested binary: MLflow never base64-decodes nested values, the model "
        "receives the text itself (a str, or its ASCII bytes inside arrays)",
        "declare it as string, or decode base64 in the model",
    ),
    Rule(
        "nested-double-needs-float-tokens",
        "warning",
        "nested",
        lambda s, _sig: _is(s.type, DataType.double) or isinstance(s.type, SparkMLVector),
        _all,
        "{field} holds nested doubles: MLflow refuses an integer token (2) unless it is 0 or 1 "
        "or the same array also holds a float token (2.0); JSON Schema cannot see the difference",
        "always send doubles with a decimal point (2.0), as Python's json.dumps does for floats",
    ),
    Rule(
        "nested-long-needs-integer-tokens",
        "warning",
        "nested",
        _nested_scalar(DataType.long),
        _all,
        "{field} holds nested longs: MLflow refuses a float token such as 1.0 or 1e2 there "
        "(top-level columns truncate instead)",
        "send integers without a decimal point or exponent",
    ),
    # ---- top-level columns
    Rule(
        "binary-not-decoded",
        "required",
        "column",
        lambda s, _sig: _is(s.type, DataType.binary),
        (*TF_FORMS, "llm"),
        "{field} is binary: only dataframe_split and dataframe_records base64-decode it; "
        "inputs/instances pass the ASCII bytes of the text (non-ASCII fails), llm passes a str",
        "send binary columns with dataframe_split or dataframe_records",
    ),
    Rule(
        "optional-scalar-not-nullable",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and _is(
                s.type,
                DataType.long,
                DataType.integer,
                DataType.boolean,
                DataType.string,
                DataType.binary,
            )
        ),
        _all,
        "{field} is an optional {type} column, but optional means 'may be absent', not "
        "nullable: null is rejected (long, integer, binary in frames) or altered (boolean -> "
        "false, string -> 'None' via inputs/instances, binary -> b'None')",
        "leave the column out instead of sending null (the strict schema forbids null)",
    ),
    Rule(
        "optional-integer-may-be-missing",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and _is(s.type, DataType.long, DataType.integer)
        ),
        RECORDS_FORMS,
        "{field} is an optional {type} column: a record that lacks it makes the cell NaN and "
        "MLflow fails casting NaN to an integer (400 IntCastingNaNError)",
        "send the column in every record or in none",
    ),
    Rule(
        "optional-column-uneven-records",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and not _is(s.type, DataType.long, DataType.integer)
        ),
        RECORDS_FORMS,
        "{field} is optional: a record lacking it gets NaN, not null (boolean -> true, string "
        "-> NaN, array/object/map -> 400 'Expected data to be ...', instances -> 400 unequal "
        "lengths)",
        "send the same keys in every record (x-mlflow-same-keys)",
    ),
    Rule(
        "map-column-not-one-row",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, Map),
        COLUMNAR_FORMS,
        "{field} is a map column: a map does not switch an inputs/instances object to one row, "
        "so MLflow reads the object as columns and fails ('Expected data to be a dict')",
        "send maps with dataframe_records, dataframe_split or inputs as a list of records",
    ),
    Rule(
        "complex-column-instances-records",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, (Array, Object, SparkMLVector, AnyType)),
        ("instances/records",),
        "{field} is a {type} column: instances records are stacked column by column with "
        "numpy, which makes arrays two-dimensional ('Data must be 1-dimensional'), objects an "
        "ndarray and ragged values an error",
        "use dataframe_records or inputs records for array, object and any columns",
    ),
    Rule(
        "optional-array-null-inputs",
        "warning",
        "column",
        lambda s, _sig: (
            s.column is not None
            and not s.column.is_required
            and isinstance(s.type, (Array, SparkMLVector))
        ),
        INPUTS_FORMS,
        "{field} is an optional array column: null through inputs is wrapped in a 0-d array "
        "and enforcement crashes with 'len() of unsized object' (spec 5.17)",
        "leave the column out, or send null only with dataframe_split/dataframe_records",
    ),
    Rule(
        "nested-array-ragged-inputs",
        "required",
        "column",
        lambda s, _sig: (
            isinstance(s.type, Array) and isinstance(s.type.items, (Array, SparkMLVector))
        ),
        TF_FORMS,
        "{field} holds arrays of arrays: inputs/instances pass the value through numpy, so "
        "ragged inner arrays fail ('inhomogeneous shape') and rectangular ones arrive as a "
        "multi-dimensional ndarray instead of nested lists",
        "send it with dataframe_split/dataframe_records, or keep inner arrays the same length",
    ),
    Rule(
        "any-items-stringified-inputs",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, Array) and isinstance(s.type.items, AnyType),
        TF_FORMS,
        "{field} is Array(any): inputs/instances pass it through numpy, which turns mixed "
        "elements into strings ([1, 'a'] -> ['1', 'a']) and fails on ragged ones",
        "send it with dataframe_split or dataframe_records",
    ),
    Rule(
        "complex-column-list-form",
        "required",
        "column",
        lambda s, _sig: isinstance(s.type, (Array, Object, Map, SparkMLVector)),
        LIST_FORMS,
        "{field} is a {type} column: a bare list under inputs/instances is either read as one "
        "cell holding the whole list or as records, never as one value per row",
        "send it with dataframe_records or inputs as a list of records",
    ),
    Rule(
        "llm-column-unusable",
        "required",
        "column",
        lambda s, _sig: _is(s.type, DataType.integer, DataType.float, DataType.datetime),
        _llm_only,
        "{field} is a {type} column: the unified-LLM form skips the parse-stage casts, so the "
        "value meets MLflow's strict nested rules, which accept no JSON {type}",
        "use an envelope form (inputs or dataframe_records) for this signature",
    ),
    Rule(
        "llm-number-tokens",
        "warning",
        "column",
        lambda s, _sig: _is(s.type, DataType.long, DataType.double),
        _llm_only,
        "{field} is a {type} column: the unified-LLM form applies MLflow's strict nested "
        "rules, so a long refuses 1.0 and a double refuses integer tokens other than 0 and 1",
        "send longs as integer tokens and doubles with a decimal point",
    ),
    Rule(
        "float32-rounding",
        "warning",
        "column",
        lambda s, _sig: _is(s.type, DataType.float),
        _all,
        "{field} is a float column: values are rounded to float32 (0.1 arrives as "
        "0.10000000149011612) and numbers beyond +/-3.4e38 become infinity",
        "declare it as double if the model needs the exact value",
    ),
    Rule(
        "datetime-one-format",
        "warning",
        "column",
        lambda s, _sig: _is(s.type, DataType.datetime),
        FRAME_FORMS,
        "{field} is a datetime column: dataframe forms infer one format from the first value "
        "and fail on other formats or on offsets (tz-aware values are refused)",
        "send naive ISO 8601 text in one format per column",
    ),
    Rule(
        "sparkml-vector",
        "warning",
        "column",
        lambda s, _sig: isinstance(s.type, SparkMLVector),
        _all,
        "{field} is a SparkML vector: MLflow enforces it as Array(double) (nested double "
        "rules) and the model receives a list or ndarray, never a pyspark Vector",
        "send a JSON array of float tokens",
    ),
    Rule(
        "any-required-not-enforced",
        "warning",
        "column",
        lambda s, _sig: (
            isinstance(s.type, AnyType) and s.column is not None and s.column.is_required
        ),
        _all,
        "{field} is a required any column: MLflow checks only that the key exists; null and "
        "every other value pass unchecked",
        "validate the value in the model, or declare a precise type",
    ),
    Rule(
        "unnamed-rows-first-type",
        "error",
        "signature",
        lambda _s, sig: _unnamed_columns(sig) and len({c.type for c in _columns(sig)}) > 1,
        LIST_FORMS,
        "unnamed columns of different types: a list of rows under inputs/instances is cast as "
        "a whole with the first column's type (spec 5.29)",
        "send the rows with dataframe_split",
    ),
    Rule(
        "unnamed-records-key-order",
        "error",
        "signature",
        lambda _s, sig: _unnamed_columns(sig) and len(_columns(sig)) > 1,
        ("dataframe_records",),
        "unnamed columns are matched by position, and records carry them as JSON object keys, "
        "whose order JSON does not define",
        "send the rows with dataframe_split",
    ),
    Rule(
        "type-hint-inputs-only",
        "error",
        "signature",
        lambda _s, sig: sig.from_type_hint,
        tuple(f for f in FORMS if not f.startswith("inputs/")),
        "the signature comes from a type hint (is_signature_from_type_hint): the server accepts "
        "only the inputs key and validates the raw value against the hint",
        "send the body under inputs",
    ),
    Rule(
        "named-tensor-batch-unchecked",
        "warning",
        "signature",
        lambda _s, sig: (
            sig.inputs is not None
            and sig.inputs.is_tensor
            and sig.inputs.has_names
            and len(sig.inputs.specs) > 1
        ),
        ("inputs/tensors",),
        "named tensors under inputs: MLflow does not check that their first dimensions agree "
        "(instances does)",
        "send tensors with the same batch size (x-mlflow-same-batch)",
    ),
    # ---- tensors
    Rule(
        "tensor-float-precision",
        "warning",
        "tensor",
        _dtype_is(lambda d: d in {"float16", "float32"}),
        _all,
        "{field} is a {dtype} tensor: values are rounded to {dtype} and out-of-range numbers "
        "become infinity",
        "send numbers within the dtype's range; use float64 if exact values matter",
    ),
    Rule(
        "tensor-uint64",
        "warning",
        "tensor",
        _dtype_is(lambda d: d == "uint64"),
        _all,
        "{field} is a uint64 tensor: values above 2**63-1 fit no signed JSON integer most "
        "clients produce, and MLflow cannot cast uint64 columns to any other type",
        "use int64 unless values need the top bit",
    ),
    Rule(
        "tensor-complex",
        "warning",
        "tensor",
        _dtype_is(lambda d: d.startswith("complex")),
        _all,
        "{field} is a {dtype} tensor: JSON has no complex numbers, so only real values "
        "(imaginary part 0) can be sent",
        "split real and imaginary parts into two float tensors",
    ),
    Rule(
        "tensor-object",
        "warning",
        "tensor",
        _dtype_is(lambda d: d == "object"),
        _all,
        "{field} is an object tensor: values pass unchecked, nested lists become extra "
        "dimensions and list cells in dataframe forms are stringified",
        "declare a concrete dtype",
    ),
    Rule(
        "tensor-bytes-ascii",
        "warning",
        "tensor",
        _dtype_is(lambda d: d == "bytes"),
        _all,
        "{field} is a bytes tensor: the model receives the ASCII bytes of the text (never "
        "base64-decoded) and non-ASCII text fails",
        "send ASCII text, or declare a str tensor",
    ),
    # ---- params
    Rule(
        "param-integer-unbounded",
        "warning",
        "param",
        lambda s, _sig: _is(s.type, DataType.integer),
        _all,
        "{field} is an integer param: MLflow applies no int32 range check, so larger values "
        "reach the model",
        "the strict schema bounds it to int32; check the range in the model too",
    ),
    Rule(
        "param-explicit-null",
        "warning",
        "param",
        lambda s, _sig: (
            s.param is not None
            and s.param.shape is None
            and isinstance(s.param.type, DataType)
            and s.param.default is not None
        ),
        _all,
        "{field}: an explicit null is passed to the model as None, not replaced by the default",
        "leave the param out to get its default (the strict schema forbids null)",
    ),
)


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
    if _unnamed_columns(sig) and len(_columns(sig)) == 1 and "inputs/list" in working:
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
    "tensor_frame_ok",
    "walk",
    "working_forms",
]
