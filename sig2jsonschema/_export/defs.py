"""What every form builder shares: the context, and the canonical ``$defs``.

The canonical schema of each column, tensor and param lives once in ``$defs``
(``inputs.0``, ``params.1``, ...) and carries the ``x-mlflow-column`` /
``x-mlflow-tensor`` / ``x-mlflow-param`` annotation that `from_jsonschema`
reads back.  Forms either ``$ref`` it (dataframe forms, whose cells are cast
like the canonical value) or inline a variant carrying the same annotations
(`field_notes`), so every variant maps back to its field exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sig2jsonschema._hazards.verdicts import RULES, hazards
from sig2jsonschema._signature.serialized import param_to_dict, spec_to_dict
from sig2jsonschema._signature.types import (
    ColSpec,
    DataType,
    Object,
    ParamSpec,
    Signature,
    TensorSpec,
    field_name,
)

from .values import (
    DATETIME_PATTERN,
    FLOAT32_MAX,
    INT32,
    INT64,
    Mode,
    column_value,
    object_schema,
    ragged_object_hatch,
    tensor_leaf,
    tensor_value,
    with_null,
)

if TYPE_CHECKING:
    from sig2jsonschema._releases.table import Release

JSON = dict[str, Any]

#: Codes whose severity depends on whether the field must be sent (see `Ctx.forbidden`).
_REQUIRED_CODES = frozenset(r.code for r in RULES if r.severity == "required")


#: Above this many optional columns, strict ``dataframe_split`` stops listing every
@dataclass
class Ctx:
    """What every form builder needs: the signature, the mode and the ``$defs`` being filled."""

    sig: Signature
    mode: Mode
    #: The release an ``mlflow``-mode export describes (strict is for every release).
    release: Release
    defs: dict[str, JSON] = field(default_factory=dict)
    _forbidden: dict[str, dict[int, str]] | None = None
    #: Canonical JSON text of each shared definition -> its name in ``defs`` (`share`).
    shared_names: dict[str, str] = field(default_factory=dict)

    @property
    def strict(self) -> bool:
        return self.mode == "strict"

    @property
    def columns(self) -> tuple[ColSpec, ...]:
        return self.sig.inputs.columns if self.sig.inputs is not None else ()

    @property
    def tensors(self) -> tuple[TensorSpec, ...]:
        return self.sig.inputs.tensors if self.sig.inputs is not None else ()

    @property
    def named(self) -> bool:
        return self.sig.inputs is not None and self.sig.inputs.has_names

    def forbidden(self, form: str) -> dict[int, str]:
        """Optional columns a strict body must leave out in ``form``, with the reason.

        A hazard row that is an error for a required column is a warning for an
        optional one, because the column can be left out: the strict schema then
        forbids it in the forms the hazard names.
        """
        if not self.strict:
            return {}
        if self._forbidden is None:
            by_field = {field_name("inputs", c, i): i for i, c in enumerate(self.columns)}
            found: dict[str, dict[int, str]] = {}
            for h in hazards(self.sig):
                index = by_field.get(h.field)
                if index is None or h.severity != "warning" or h.code not in _REQUIRED_CODES:
                    continue
                for f in h.forms:
                    found.setdefault(f, {}).setdefault(index, h.message)
            self._forbidden = found
        return self._forbidden.get(form, {})


def ref(name: str) -> JSON:
    """A reference to ``$defs/name`` (def names never hold ``/`` or ``~``)."""
    return {"$ref": f"#/$defs/{name}"}


def share(ctx: Ctx, stem: str, schema: JSON) -> JSON:
    """A reference to ``schema``, put in ``$defs`` once whatever the forms that use it.

    Forms repeat the same column variants and row objects (``inputs/records`` and
    ``instances/records``, the two columnar forms, ...): each is stored once, by
    content, under ``stem`` (numbered when the name is taken), so an export grows
    with the signature, not with signature x forms.
    """
    key = json.dumps(schema, sort_keys=True, separators=(",", ":"), default=str)
    name = ctx.shared_names.get(key)
    if name is None:
        name, n = stem, 1
        while name in ctx.defs:
            n += 1
            name = f"{stem}.{n}"
        ctx.defs[name] = schema
        ctx.shared_names[key] = name
    return ref(name)


def column_ref(ctx: Ctx, index: int, variant: JSON, stem: str) -> JSON:
    """A reference to one variant of input column ``index`` (with its `field_notes`).

    The canonical ``inputs.N`` when the variant says the same, else a shared
    ``inputs.N.<stem>`` definition.
    """
    name = f"inputs.{index}"
    canonical = ctx.defs.get(name)
    if (
        canonical is not None
        and {k: v for k, v in canonical.items() if k != "description"} == variant
    ):
        return ref(name)
    return share(ctx, f"{name}.{stem}", variant)


def describe_column(spec: ColSpec, part: str, index: int) -> str:
    """Human words for a column: ``inputs['age']: long, required``."""
    need = "required" if spec.is_required else "optional"
    return f"{field_name(part, spec, index)}: {spec.type}, {need}"


def describe_tensor(spec: TensorSpec, part: str, index: int) -> str:
    """Human words for a tensor: ``inputs[0]: float32 tensor of shape (-1, 4)``."""
    shape = ", ".join(str(d) for d in spec.shape)
    return f"{field_name(part, spec, index)}: {spec.dtype} tensor of shape ({shape})"


# --------------------------------------------------------------------------
# Canonical definitions
# --------------------------------------------------------------------------
def register_spec(ctx: Ctx, part: str, index: int, spec: ColSpec | TensorSpec) -> str:
    """Put the canonical schema of one column/tensor in ``$defs``; return its name."""
    name = f"{part}.{index}"
    fieldname = field_name(part, spec, index)
    if isinstance(spec, TensorSpec):
        leaf = tensor_leaf(spec.dtype, ctx.mode)
        body: JSON = (
            {"type": "array"}
            if ragged_object_hatch(spec.dtype, spec.shape, ctx.mode)
            else tensor_value(spec.shape, leaf, batch=ctx.strict and part == "inputs")
        )
        ctx.defs[name] = {
            "x-mlflow-field": fieldname,
            "x-mlflow-tensor": spec_to_dict(spec),
            "x-mlflow-index": index,
            "description": describe_tensor(spec, part, index),
            **body,
        }
        return name
    null_ok = True
    value = column_value(spec.type, spec.is_required, "frame", ctx.mode, null_ok=null_ok)
    ctx.defs[name] = {
        "x-mlflow-field": fieldname,
        "x-mlflow-column": spec_to_dict(spec),
        "x-mlflow-index": index,
        "description": describe_column(spec, part, index),
        **value,
    }
    return name


def param_value(spec: ParamSpec, mode: Mode) -> JSON:
    """The value of one param (spec 3.9): exact JSON types, ``[-1]`` as a list."""
    if isinstance(spec.type, Object):
        return object_schema(spec.type, flag=True, mode=mode)
    one = _param_scalar(spec.type, mode)
    if spec.shape is None:
        return with_null(one) if mode == "mlflow" else one
    items = with_null(one) if mode == "mlflow" else one
    return {"type": "array", "items": items}


def _param_scalar(dt: DataType, mode: Mode) -> JSON:
    out: JSON = {"x-mlflow-type": dt.name}
    if dt is DataType.boolean:
        out["type"] = "boolean"
    elif dt in {DataType.integer, DataType.long}:
        out["type"] = "integer"
        out["x-mlflow-token"] = "integer"
        if mode == "strict":
            lo, hi = INT32 if dt is DataType.integer else INT64
            out.update(minimum=lo, maximum=hi)
    elif dt in {DataType.float, DataType.double}:
        out["type"] = "number"
        if mode == "strict" and dt is DataType.float:
            out.update(minimum=-FLOAT32_MAX, maximum=FLOAT32_MAX)
    elif dt is DataType.datetime:
        out["type"] = "string"
        if mode == "strict":
            out["pattern"] = DATETIME_PATTERN
            out["x-mlflow-datetime"] = "naive"
    else:  # string (binary params do not exist)
        out["type"] = "string"
    return out


def register_param(ctx: Ctx, index: int, spec: ParamSpec) -> str:
    """Put one param's schema (with its ``default``) in ``$defs``; return its name."""
    name = f"params.{index}"
    shape = "" if spec.shape is None else " list (shape [-1])"
    ctx.defs[name] = {
        "x-mlflow-field": f"params[{spec.name!r}]",
        "x-mlflow-param": param_to_dict(spec),
        "x-mlflow-index": index,
        "description": f"params[{spec.name!r}]: {spec.type}{shape}, default "
        f"{spec.default!r} when absent",
        **param_value(spec, ctx.mode),
        "default": spec.default,
    }
    return name


def params_object(ctx: Ctx) -> JSON:
    """The ``params`` object of a request (also the whole ``params`` part)."""
    params = ctx.sig.params.params if ctx.sig.params is not None else ()
    if not params:
        if ctx.strict:
            return {
                "type": "object",
                "maxProperties": 0,
                "description": "the signature declares no params: MLflow would drop any",
            }
        return {"description": "the signature declares no params: MLflow ignores this value"}
    props = {p.name: ref(register_param(ctx, i, p)) for i, p in enumerate(params)}
    out: JSON = {
        "type": "object" if ctx.strict else ["object", "null"],
        "properties": props,
        "description": "inference params; absent ones take their default",
    }
    if ctx.strict:
        out["additionalProperties"] = False
    return out


def field_notes(spec: ColSpec | TensorSpec, index: int) -> JSON:
    """What every variant of an input's schema carries, so each one maps back exactly."""
    key = "x-mlflow-tensor" if isinstance(spec, TensorSpec) else "x-mlflow-column"
    return {
        "x-mlflow-field": field_name("inputs", spec, index),
        key: spec_to_dict(spec),
        "x-mlflow-index": index,
    }


def left_out(spec: ColSpec, i: int, why: str) -> JSON:
    """An optional column that must be absent in this form (`Ctx.forbidden`)."""
    return {**field_notes(spec, i), "not": {}, "description": f"leave it out here: {why}"}


#: Optional column types whose missing record key MLflow reads as the canonical
#: missing value (NaN/NaT), per record form (checked on MLflow 3.17.2's server:
#: float32 NaN fails enforcement through inputs, and instances records of uneven
#: length fail DataFrame construction).
_MAY_BE_MISSING: dict[str, frozenset[DataType]] = {
    "dataframe_records": frozenset({DataType.double, DataType.float, DataType.datetime}),
    "inputs": frozenset({DataType.double, DataType.datetime}),
    "instances": frozenset(),
}


def loose_record(row: JSON) -> JSON:
    """mlflow mode: an empty record is a row of missing values, which MLflow lets through."""
    return {"if": {"minProperties": 1}, "then": row}


def loose_records(row: JSON) -> JSON:
    """mlflow mode records: a required key need only be in some record (the others get NaN)."""
    row = dict(row)
    required = row.pop("required", [])
    out: JSON = {"type": "array", "items": row}
    if required:
        out["allOf"] = [{"contains": {"required": [n]}} for n in required]
    return out


def same_keys(schema: JSON, ctx: Ctx, key: str = "instances") -> JSON:
    """Strict records: optional columns must be present in all records or in none."""
    if not ctx.strict:
        return schema
    may_be_missing = _MAY_BE_MISSING.get(key, frozenset())
    fixed = [str(c.name) for c in ctx.columns if not c.is_required and c.type not in may_be_missing]
    if fixed:
        schema["x-mlflow-same-keys"] = fixed
    return schema


__all__ = [
    "JSON",
    "Ctx",
    "column_ref",
    "describe_column",
    "describe_tensor",
    "field_notes",
    "left_out",
    "loose_record",
    "loose_records",
    "param_value",
    "params_object",
    "ref",
    "register_param",
    "register_spec",
    "same_keys",
    "share",
]
