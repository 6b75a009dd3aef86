"""Read and write MLflow's serialized signature form.

``ModelSignature.to_dict()`` stores ``inputs``/``outputs``/``params`` as JSON
strings (or ``null``).  `parse_signature` turns that form (strings, or lists
already parsed) into the frozen model of `sig2jsonschema._signature.types`, after
checking it against the shipped meta-schema ``schemas/mlflow-signature.schema.json``;
`signature_to_dict` and `signature_to_mlmodel_yaml` write it back so that
MLflow's ``ModelSignature.from_dict`` reads an equal signature.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from sig2jsonschema.exceptions import SignatureError, to_pointer

from .param_rules import ParamValueError, check_param, to_json_value
from .shipped import load_schema
from .types import (
    AnyType,
    Array,
    ColSpec,
    ColType,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    Signature,
    SparkMLVector,
    TensorSpec,
)
from .value_rules import check_object_param

_PARTS = ("inputs", "outputs", "params")
#: Deepest nesting of a signature document (MLflow's own signatures are a few
#: levels deep; the bound keeps recursive checks far from Python's stack limit).
MAX_SIGNATURE_DEPTH = 64
# Python refuses to print integers of more than 4,300 digits; stay below that.
_MAX_INT_BITS = 13_000
_DATA_TYPES = [t.name for t in DataType]
_META_VALIDATOR: Draft202012Validator | None = None


def _meta_validator() -> Draft202012Validator:
    global _META_VALIDATOR  # noqa: PLW0603 - built once, read-only afterwards
    if _META_VALIDATOR is None:
        _META_VALIDATOR = Draft202012Validator(load_schema("mlflow-signature.schema.json"))
    return _META_VALIDATOR


def render_path(path: tuple[str | int, ...] | list[str | int]) -> str:
    """Render a path into the signature in MLflow's words.

    ``("inputs", 2, "type")`` -> ``inputs[2].type``;
    ``("inputs", 0, "properties", "a")`` -> ``inputs[0].properties['a']``.
    """
    out = ""
    previous: str | int | None = None
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        elif previous == "properties":
            out += f"[{step!r}]"
        else:
            out += f".{step}" if out else step
        previous = step
    return out


def _error(problem: str, path: tuple[str | int, ...]) -> SignatureError:
    return SignatureError(problem, where=render_path(path), pointer=to_pointer(path))


def _explain(error: ValidationError) -> str:
    """Turn a meta-schema error into words a signature author recognises."""
    key = error.path[-1] if error.path else ""
    wanted: Any = error.validator_value
    if error.validator == "enum":
        choices = ", ".join(str(c) for c in wanted)
        return f"unknown {key or 'value'} {error.instance!r}; expected one of {choices}"
    if error.validator == "required":
        instance: Any = error.instance
        missing = [k for k in wanted if k not in instance]
        return f"missing key {missing[0]!r}" if missing else error.message
    if error.validator in {"additionalProperties", "unevaluatedProperties"}:
        return (
            f"{error.message}; a scalar column accepts only 'type', 'name' and "
            "'required' (MLflow fails on other keys)"
        )
    if error.validator == "minItems":
        return "must not be empty (MLflow refuses an empty schema)"
    if error.validator == "minProperties":
        return "must not be empty (MLflow refuses an Object without properties)"
    if key == "shape" and error.validator in {"const", "anyOf"}:
        return f"shape must be null or [-1], got {json.dumps(error.instance)}"
    if error.validator == "not" and key == "type":
        return "sparkml_vector is not supported inside map values or object properties"
    if error.validator == "type":
        return f"expected {wanted}, got {json.dumps(error.instance)}"
    return error.message


def _load_part(value: Any, part: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise _error(f"not valid JSON text ({exc})", (part,)) from None
        except RecursionError:
            raise _error(f"nested deeper than {MAX_SIGNATURE_DEPTH} levels", (part,)) from None
    return value


def parse_signature(data: Mapping[str, Any], *, from_type_hint: bool = False) -> Signature:
    """Build a `Signature` from the ``ModelSignature.to_dict()`` form.

    Each part may be a JSON string (as MLflow writes it), an already-parsed
    list, or absent/falsy.

    Raises:
        SignatureError: naming the place, e.g. ``inputs[2].type: unknown type ...``.
    """
    if not isinstance(data, Mapping):
        raise SignatureError(
            f"a signature is an object with inputs/outputs/params, got {type(data).__name__}"
        )
    unknown = sorted(set(data) - set(_PARTS))
    if unknown:
        raise SignatureError(
            f"unknown signature key {unknown[0]!r}; expected inputs, outputs and params",
            pointer=to_pointer([unknown[0]]),
        )
    parts = {p: _load_part(data.get(p), p) for p in _PARTS}
    for p, value in parts.items():
        _check_depth(value, p)
    # MLflow treats any falsy part as absent, except that "[]" inputs/outputs
    # are kept (and refused: empty schema); "[]" params are simply absent.
    parts = {p: v for p, v in parts.items() if v or (v == [] and p != "params")}
    if not parts:
        raise SignatureError("at least one of inputs, outputs or params must be provided")
    error = best_match(_meta_validator().iter_errors(parts))
    if error is not None:
        raise _error(_explain(error), tuple(error.absolute_path))
    inputs = _schema(parts["inputs"], "inputs") if "inputs" in parts else None
    outputs = _schema(parts["outputs"], "outputs") if "outputs" in parts else None
    params = _param_schema(parts["params"]) if "params" in parts else None
    return Signature(inputs, outputs, params, from_type_hint=from_type_hint)


def _check_depth(value: Any, part: str) -> None:
    """Refuse documents nested deeper than `MAX_SIGNATURE_DEPTH`, or holding integers
    too long to print, before anything recursive (or ``repr``) touches them."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, (part,))]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_SIGNATURE_DEPTH:
            raise _error(f"nested deeper than {MAX_SIGNATURE_DEPTH} levels", path[:8])
        if isinstance(node, int) and node.bit_length() > _MAX_INT_BITS:
            raise _error("integer too large (more than 4,000 digits)", path)
        if isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))


def _col_type(d: Mapping[str, Any], path: tuple[str | int, ...]) -> ColType:
    name = d["type"]
    if name in _DATA_TYPES:
        return DataType[name]
    if name == "array":
        return Array(_col_type(d["items"], (*path, "items")))
    if name == "map":
        return Map(_col_type(d["values"], (*path, "values")))
    if name == "object":
        props = []
        for key, prop in d["properties"].items():
            ppath = (*path, "properties", key)
            props.append(Property(key, _col_type(prop, ppath), bool(prop.get("required", True))))
        return Object(tuple(sorted(props, key=lambda p: p.name)))
    if name == "any":
        return AnyType()
    if name == "sparkml_vector":
        return SparkMLVector()
    raise _error(f"unknown type {name!r}", (*path, "type"))  # pragma: no cover


def _tensor_dtype(text: str, path: tuple[str | int, ...]) -> str:
    try:
        dtype = np.dtype(text)
    except TypeError:
        raise _error(f"unknown numpy dtype {text!r}", path) from None
    if dtype.kind in {"U", "S"} and dtype.itemsize:
        raise _error(
            f"sized dtype {text!r} is not supported; use 'str' or 'bytes' "
            "(MLflow refuses size information in flexible dtypes)",
            path,
        )
    if dtype.kind == "V" or dtype.fields is not None or dtype.subdtype is not None:
        raise _error(f"structured dtype {text!r} is not supported", path)
    return dtype.name


def _schema(items: list[Any], part: str) -> Schema:
    specs: list[ColSpec | TensorSpec] = []
    for i, d in enumerate(items):
        path: tuple[str | int, ...] = (part, i)
        if d["type"] == "tensor":
            ts = d["tensor-spec"]
            specs.append(
                TensorSpec(
                    _tensor_dtype(ts["dtype"], (*path, "tensor-spec", "dtype")),
                    tuple(ts["shape"]),
                    d.get("name"),
                )
            )
            continue
        default_required: bool | None = True if d["type"] in _DATA_TYPES else None
        required = d.get("required", default_required)
        specs.append(ColSpec(_col_type(d, path), d.get("name"), required))
    tensors = [s for s in specs if isinstance(s, TensorSpec)]
    if tensors and len(tensors) != len(specs):
        raise _error("mixes column specs and tensor specs (MLflow forbids this)", (part,))
    named = [s.name is not None for s in specs]
    if any(named) and not all(named):
        first = named.index(not named[0])
        raise _error("mixes named and unnamed inputs (name every entry or none)", (part, first))
    if not any(named):
        if tensors and len(tensors) > 1:
            raise _error("several unnamed tensors are not supported", (part, 1))
        for i, s in enumerate(specs):
            if isinstance(s, ColSpec) and not s.is_required:
                raise _error(
                    "an unnamed column cannot be optional (MLflow refuses it)",
                    (part, i, "required"),
                )
    seen: dict[str, int] = {}
    for i, s in enumerate(specs):
        if s.name is None:
            continue
        if s.name in seen:
            raise _error(
                f"duplicate name {s.name!r} (also {part}[{seen[s.name]}])", (part, i, "name")
            )
        seen[s.name] = i
    if tensors:
        return Schema(tuple(tensors))
    return Schema(tuple(s for s in specs if isinstance(s, ColSpec)))


def _param_schema(items: list[Any]) -> ParamSchema:
    params: list[ParamSpec] = []
    seen: set[str] = set()
    for i, d in enumerate(items):
        path: tuple[str | int, ...] = ("params", i)
        type_name = d.get("type", d.get("dtype"))
        ptype: DataType | Object
        if type_name == "object":
            ptype = _col_type({**d, "type": "object"}, path)  # type: ignore[assignment]
        else:
            ptype = DataType[type_name]
        shape = tuple(d["shape"]) if d.get("shape") is not None else None
        name = d["name"]
        if name in seen:
            raise _error(f"duplicate param name {name!r}", (*path, "name"))
        seen.add(name)
        spec = ParamSpec(name, ptype, None, shape)
        default = d["default"]
        if default is None and (shape is not None or isinstance(ptype, Object)):
            raise _error("null default is only allowed for scalar params", (*path, "default"))
        try:
            normalized = check_param(spec, default, check_object_param)
        except ParamValueError as exc:
            raise _error(f"default does not fit its type: {exc}", (*path, "default")) from None
        except ValueError as exc:
            raise _error(f"default does not fit its type: {exc}", (*path, "default")) from None
        params.append(ParamSpec(name, ptype, to_json_value(normalized), shape))
    return ParamSchema(tuple(params))


# --------------------------------------------------------------------------
# Writing back
# --------------------------------------------------------------------------
def col_type_to_dict(t: ColType) -> dict[str, Any]:
    """MLflow's ``to_dict()`` of a column type (keys in MLflow's order)."""
    if isinstance(t, DataType):
        return {"type": t.name}
    if isinstance(t, Array):
        return {"type": "array", "items": col_type_to_dict(t.items)}
    if isinstance(t, Map):
        return {"type": "map", "values": col_type_to_dict(t.values)}
    if isinstance(t, Object):
        return {
            "type": "object",
            "properties": {
                p.name: {**col_type_to_dict(p.type), "required": p.required} for p in t.properties
            },
        }
    if isinstance(t, AnyType):
        return {"type": "any"}
    return {"type": "sparkml_vector"}


def spec_to_dict(spec: ColSpec | TensorSpec) -> dict[str, Any]:
    """MLflow's ``to_dict()`` of one ColSpec/TensorSpec."""
    if isinstance(spec, TensorSpec):
        out: dict[str, Any] = {} if spec.name is None else {"name": spec.name}
        out["type"] = "tensor"
        out["tensor-spec"] = {"dtype": spec.dtype, "shape": list(spec.shape)}
        return out
    out = col_type_to_dict(spec.type)
    if spec.name is not None:
        out["name"] = spec.name
    out["required"] = spec.required
    return out


def param_to_dict(spec: ParamSpec) -> dict[str, Any]:
    """MLflow's ``to_dict()`` of one ParamSpec."""
    out: dict[str, Any] = {
        "name": spec.name,
        "default": spec.default,
        "shape": list(spec.shape) if spec.shape is not None else None,
    }
    if isinstance(spec.type, Object):
        out["type"] = "object"
        out["properties"] = col_type_to_dict(spec.type)["properties"]
    else:
        out["type"] = spec.type.name
    return out


def signature_to_json_parts(sig: Signature) -> dict[str, list[Any] | None]:
    """The three parts as JSON lists (``None`` where absent)."""
    return {
        "inputs": [spec_to_dict(s) for s in sig.inputs.specs] if sig.inputs else None,
        "outputs": [spec_to_dict(s) for s in sig.outputs.specs] if sig.outputs else None,
        "params": [param_to_dict(p) for p in sig.params.params]
        if sig.params and sig.params.params
        else None,
    }


def _dumps(value: Any) -> str:
    # MLflow writes NaN defaults with Python's json, so we do too.
    return json.dumps(value, allow_nan=True)


def signature_to_dict(sig: Signature) -> dict[str, str | None]:
    """``ModelSignature.to_dict()``: each part a JSON string or ``None``."""
    return {
        k: _dumps(v) if v is not None else None for k, v in signature_to_json_parts(sig).items()
    }


def signature_to_mlmodel_yaml(sig: Signature) -> str:
    """The ``signature:`` block of an MLmodel file (plus the type-hint flag)."""
    import yaml

    block = {
        "is_signature_from_type_hint": sig.from_type_hint,
        "signature": signature_to_dict(sig),
    }
    return str(yaml.safe_dump(block, default_flow_style=False, sort_keys=True))


def is_nan(value: Any) -> bool:
    """Whether a JSON value is a float NaN."""
    return isinstance(value, float) and math.isnan(value)


__all__ = [
    "col_type_to_dict",
    "param_to_dict",
    "parse_signature",
    "render_path",
    "signature_to_dict",
    "signature_to_json_parts",
    "signature_to_mlmodel_yaml",
    "spec_to_dict",
]
