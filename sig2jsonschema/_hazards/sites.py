"""Body forms, MLflow's envelope interpretation, and the sites of a signature.

The vocabulary the hazard table (`sig2jsonschema._hazards.rules`) is written in:
the body form names of docs/strict-contract.md, which forms *apply* to a
signature's shape (`applicable_forms`, spec 2.6, 2.7, 3.4.1), and `walk`,
which lists every place a rule can talk about (a column, a nested position,
a tensor, a param, the whole signature).  `sig2jsonschema._hazards.verdicts` re-exports
all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sig2jsonschema._signature.types import (
    Array,
    ColSpec,
    ColType,
    Map,
    Object,
    ParamSpec,
    Signature,
    SparkMLVector,
    TensorSpec,
    field_name,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

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


def tensors_share_batch(tensors: tuple[TensorSpec, ...]) -> bool:
    """Whether named tensors can have one length (a batch): none 0-d, fixed first dims agree."""
    fixed = {t.shape[0] for t in tensors if t.shape and t.shape[0] != -1}
    return all(t.shape for t in tensors) and len(fixed) <= 1


def tensor_frame_shaped(spec: TensorSpec) -> bool:
    """Whether a tensor's shape fits a DataFrame column: first dimension ``-1``, no other."""
    shape = spec.shape
    return bool(shape) and shape[0] == -1 and all(d >= 0 for d in shape[1:])


#: Tensor dtype kinds MLflow reads from DataFrame cells (spec 3.8.2): numeric and
#: boolean survive the stacking; ``S`` (bytes) and ``O`` (object) are read as a
#: frame too, but their list cells fail or are altered (hazard ``tensor-frame-cells``).
FRAME_TENSOR_KINDS = frozenset({"b", "i", "u", "f", "c"})
FRAME_CELL_HAZARD_KINDS = frozenset({"S", "O"})


def tensor_frame_ok(spec: TensorSpec) -> bool:
    """Whether a tensor travels as a DataFrame column unchanged (spec 3.8.2).

    The first dimension must be ``-1`` and no other, and the dtype numeric or
    boolean: MLflow stacks the cells (flat lists of ``prod(shape[1:])`` leaves)
    and casts them to the dtype.
    """
    return tensor_frame_shaped(spec) and tensor_dtype_kind(spec.dtype) in FRAME_TENSOR_KINDS


def tensor_frame_applicable(spec: TensorSpec) -> bool:
    """Whether MLflow reads ``dataframe_split``/``dataframe_records`` for this tensor at all.

    Frame-shaped numeric, boolean, bytes and object tensors: bytes and object
    tensors are read as a frame, but break there (hazard ``tensor-frame-cells``
    makes the frame forms fail for them).
    """
    return tensor_frame_shaped(spec) and tensor_dtype_kind(spec.dtype) in (
        FRAME_TENSOR_KINDS | FRAME_CELL_HAZARD_KINDS
    )


def tensor_dtype_kind(dtype: str) -> str:
    """The numpy kind of a tensor dtype (``"O"`` when numpy does not know it)."""
    import numpy as np

    try:
        return str(np.dtype(dtype).kind)
    except TypeError:
        return "O"


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
        if all(tensor_frame_applicable(t) for t in tensors):
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


__all__ = [
    "COLUMNAR_FORMS",
    "FORMS",
    "FORM_KEY",
    "FRAME_CELL_HAZARD_KINDS",
    "FRAME_FORMS",
    "INPUTS_FORMS",
    "LIST_FORMS",
    "LLM_KEYS",
    "RECORDS_FORMS",
    "TF_FORMS",
    "Site",
    "SiteKind",
    "applicable_forms",
    "has_one_row_column",
    "is_one_row_type",
    "nested_field",
    "tensor_dtype_kind",
    "tensor_frame_applicable",
    "tensor_frame_ok",
    "tensor_frame_shaped",
    "tensors_share_batch",
    "walk",
]
