"""`diff_signatures`: one test per kind of change, classified as a client sees it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sig2jsonschema._check.changes import CHANGE_KINDS, Change
from sig2jsonschema._check.diff import diff_signatures, has_breaking
from sig2jsonschema._signature.types import Signature


def sig(inputs: Any = None, outputs: Any = None, params: Any = None) -> dict[str, Any]:
    """A signature in ``to_dict()`` form from plain lists."""
    return {
        "inputs": json.dumps(inputs) if inputs is not None else None,
        "outputs": json.dumps(outputs) if outputs is not None else None,
        "params": json.dumps(params) if params is not None else None,
    }


def col(name: str | None, t: Any, *, required: bool = True) -> dict[str, Any]:
    spec = dict(t) if isinstance(t, dict) else {"type": t}
    if name is not None:
        spec["name"] = name
    spec["required"] = required
    return spec


def tensor(dtype: str, shape: list[int], name: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {} if name is None else {"name": name}
    spec.update({"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": shape}})
    return spec


def param(name: str, t: str, default: Any, shape: list[int] | None = None) -> dict[str, Any]:
    return {"name": name, "default": default, "shape": shape, "type": t}


def only(changes: list[Change]) -> Change:
    assert len(changes) == 1, changes
    return changes[0]


BASE = [col("a", "long"), col("b", "string")]


def test_identical_signatures_have_no_changes():
    assert diff_signatures(sig(BASE), sig(BASE)) == []


def test_every_change_code_has_a_request_and_a_response_kind():
    kinds = {"breaking", "behaviour", "safe"}
    assert all(set(pair) <= kinds for pair in CHANGE_KINDS.values())


# --------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------
def test_new_required_column_breaks_requests():
    c = only(diff_signatures(sig(BASE), sig([*BASE, col("c", "double")])))
    assert (c.kind, c.change_code, c.field) == ("breaking", "column-added-required", "inputs['c']")


def test_new_optional_column_is_safe():
    c = only(diff_signatures(sig(BASE), sig([*BASE, col("c", "double", required=False)])))
    assert (c.kind, c.change_code) == ("safe", "column-added-optional")


def test_removed_column_is_dropped_by_mlflow_so_it_changes_behaviour():
    c = only(diff_signatures(sig(BASE), sig(BASE[:1])))
    assert (c.kind, c.change_code, c.field) == ("behaviour", "column-removed", "inputs['b']")
    assert "drops" in c.message


def test_column_made_required_breaks_requests():
    old = sig([col("a", "long"), col("b", "string", required=False)])
    c = only(diff_signatures(old, sig(BASE)))
    assert (c.kind, c.change_code) == ("breaking", "column-made-required")


def test_column_made_optional_is_safe():
    new = sig([col("a", "long"), col("b", "string", required=False)])
    c = only(diff_signatures(sig(BASE), new))
    assert (c.kind, c.change_code) == ("safe", "column-made-optional")


def test_reordered_columns_change_what_predict_receives():
    c = only(diff_signatures(sig(BASE), sig(BASE[::-1])))
    assert (c.kind, c.change_code, c.field) == ("behaviour", "columns-reordered", "inputs")


def test_unnamed_columns_are_matched_by_position():
    old = sig([col(None, "string"), col(None, "long")])
    new = sig([col(None, "string"), col(None, "double")])
    c = only(diff_signatures(old, new))
    assert (c.field, c.change_code, c.kind) == ("inputs[1]", "type-widened", "safe")


# --------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "code", "kind"),
    [
        ("long", "double", "type-widened", "safe"),
        ("integer", "long", "type-widened", "safe"),
        ("float", "double", "type-relaxed", "behaviour"),
        ("long", "float", "type-relaxed", "behaviour"),
        ("binary", "string", "type-relaxed", "behaviour"),
        ("datetime", "string", "type-relaxed", "behaviour"),
        ("double", "long", "type-narrowed", "breaking"),
        ("long", "integer", "type-narrowed", "breaking"),
        ("double", "float", "type-narrowed", "breaking"),
        ("string", "binary", "type-narrowed", "breaking"),
        ("string", "datetime", "type-narrowed", "breaking"),
        ("boolean", "long", "type-changed", "breaking"),
        ("string", "double", "type-changed", "breaking"),
    ],
)
def test_top_level_scalar_type_changes(old, new, code, kind):
    c = only(diff_signatures(sig([col("x", old)]), sig([col("x", new)])))
    assert (c.change_code, c.kind, c.field) == (code, kind, "inputs['x']")


def test_any_column_accepts_everything_but_predict_receives_it_unchecked():
    c = only(diff_signatures(sig([col("x", "long")]), sig([col("x", "any")])))
    assert (c.change_code, c.kind) == ("type-relaxed", "behaviour")
    c = only(diff_signatures(sig([col("x", "any")]), sig([col("x", "long")])))
    assert (c.change_code, c.kind) == ("type-narrowed", "breaking")


def test_scalar_to_array_breaks():
    new = sig([col("x", {"type": "array", "items": {"type": "long"}})])
    c = only(diff_signatures(sig([col("x", "long")]), new))
    assert (c.change_code, c.kind) == ("type-changed", "breaking")


def test_nested_long_to_double_breaks_because_nested_doubles_reject_integer_tokens():
    old = sig([col("x", {"type": "array", "items": {"type": "long"}})])
    new = sig([col("x", {"type": "array", "items": {"type": "double"}})])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind, c.field) == ("type-changed", "breaking", "inputs['x'][*]")


def test_nested_integer_could_not_be_sent_so_changing_it_is_safe():
    old = sig([col("x", {"type": "array", "items": {"type": "integer"}})])
    new = sig([col("x", {"type": "array", "items": {"type": "long"}})])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind) == ("type-widened", "safe")


def test_nested_binary_and_string_are_the_same_text():
    old = sig([col("m", {"type": "map", "values": {"type": "string"}})])
    new = sig([col("m", {"type": "map", "values": {"type": "binary"}})])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind, c.field) == ("type-equivalent", "safe", "inputs['m'].*")


def test_sparkml_vector_and_array_of_double_are_enforced_alike():
    old = sig([col("v", {"type": "sparkml_vector"})])
    new = sig([col("v", {"type": "array", "items": {"type": "double"}})])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind) == ("type-equivalent", "safe")


# --------------------------------------------------------------------------
# Object properties
# --------------------------------------------------------------------------
def obj(**props: tuple[str, bool]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: {"type": t, "required": r} for k, (t, r) in props.items()},
    }


def test_removed_property_breaks_because_mlflow_rejects_unknown_properties():
    old = sig([col("o", obj(a=("long", True), b=("string", False)))])
    new = sig([col("o", obj(a=("long", True)))])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind, c.field) == ("property-removed", "breaking", "inputs['o'].b")


@pytest.mark.parametrize(
    ("required", "code", "kind"),
    [(True, "property-added-required", "breaking"), (False, "property-added-optional", "safe")],
)
def test_added_property(required, code, kind):
    old = sig([col("o", obj(a=("long", True)))])
    new = sig([col("o", obj(a=("long", True), b=("string", required)))])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind) == (code, kind)


def test_property_requiredness_changes():
    opt = sig([col("o", obj(a=("long", False)))])
    req = sig([col("o", obj(a=("long", True)))])
    c = only(diff_signatures(opt, req))
    assert (c.change_code, c.kind) == ("property-made-required", "breaking")
    c = only(diff_signatures(req, opt))
    assert (c.change_code, c.kind) == ("property-made-optional", "safe")


# --------------------------------------------------------------------------
# Tensors and schema shape
# --------------------------------------------------------------------------
def test_tensor_dtype_widening_changes_what_predict_receives():
    c = only(diff_signatures(sig([tensor("float32", [-1, 4])]), sig([tensor("float64", [-1, 4])])))
    assert (c.change_code, c.kind, c.field) == ("tensor-dtype-widened", "behaviour", "inputs[0]")


def test_tensor_dtype_narrowing_breaks():
    c = only(diff_signatures(sig([tensor("float64", [-1])]), sig([tensor("int64", [-1])])))
    assert (c.change_code, c.kind) == ("tensor-dtype-changed", "breaking")


def test_tensor_shape_fixed_breaks_and_wildcard_relaxes():
    c = only(diff_signatures(sig([tensor("uint8", [-1, 28])]), sig([tensor("uint8", [-1, 32])])))
    assert (c.change_code, c.kind) == ("tensor-shape-changed", "breaking")
    c = only(diff_signatures(sig([tensor("uint8", [-1, 28])]), sig([tensor("uint8", [-1, -1])])))
    assert (c.change_code, c.kind) == ("tensor-shape-relaxed", "safe")
    c = only(diff_signatures(sig([tensor("uint8", [-1])]), sig([tensor("uint8", [-1, 1])])))
    assert c.change_code == "tensor-shape-changed"


def test_named_tensor_added_breaks_and_removed_is_dropped():
    one = sig([tensor("int64", [-1], "a")])
    two = sig([tensor("int64", [-1], "a"), tensor("bool", [-1], "b")])
    c = only(diff_signatures(one, two))
    assert (c.change_code, c.kind, c.field) == ("tensor-added", "breaking", "inputs['b']")
    c = only(diff_signatures(two, one))
    assert (c.change_code, c.kind) == ("tensor-removed", "behaviour")


def test_tensor_to_column_switch_breaks():
    c = only(diff_signatures(sig([tensor("float64", [-1])]), sig([col(None, "double")])))
    assert (c.change_code, c.kind, c.field) == ("schema-kind-changed", "breaking", "inputs")


def test_named_to_unnamed_breaks():
    c = only(diff_signatures(sig([col("x", "string")]), sig([col(None, "string")])))
    assert (c.change_code, c.kind) == ("naming-changed", "breaking")


def test_inputs_added_and_removed():
    c = only(diff_signatures(sig(outputs=[col(None, "long")]), sig(BASE, [col(None, "long")])))
    assert (c.change_code, c.kind) == ("schema-added", "breaking")
    c = only(diff_signatures(sig(BASE, [col(None, "long")]), sig(outputs=[col(None, "long")])))
    assert (c.change_code, c.kind) == ("schema-removed", "behaviour")


def test_type_hint_flag():
    s = sig([col(None, "string")])
    plain = diff_signatures(s, s)
    assert plain == []
    from sig2jsonschema import load_signature

    base = load_signature(s)
    hinted = Signature(base.inputs, base.outputs, base.params, from_type_hint=True)
    c = only(diff_signatures(base, hinted))
    assert (c.change_code, c.kind) == ("type-hint-added", "breaking")
    c = only(diff_signatures(hinted, base))
    assert (c.change_code, c.kind) == ("type-hint-removed", "behaviour")


# --------------------------------------------------------------------------
# Params
# --------------------------------------------------------------------------
P = [param("k", "long", 3)]


def test_new_param_with_default_is_safe():
    c = only(
        diff_signatures(sig(BASE, params=P), sig(BASE, params=[*P, param("t", "double", 0.5)]))
    )
    assert (c.change_code, c.kind, c.field) == ("param-added", "safe", "params['t']")


def test_removed_param_is_dropped_by_mlflow_so_it_changes_behaviour():
    c = only(diff_signatures(sig(BASE, params=P), sig(BASE)))
    assert (c.change_code, c.kind) == ("param-removed", "behaviour")


def test_param_default_change_changes_behaviour():
    c = only(diff_signatures(sig(BASE, params=P), sig(BASE, params=[param("k", "long", 4)])))
    assert (c.change_code, c.kind) == ("param-default-changed", "behaviour")


def test_param_type_changes():
    changes = diff_signatures(sig(BASE, params=P), sig(BASE, params=[param("k", "string", "3")]))
    assert [(c.change_code, c.kind) for c in changes] == [
        ("type-changed", "breaking"),
        ("param-default-changed", "behaviour"),
    ]
    changes = diff_signatures(sig(BASE, params=P), sig(BASE, params=[param("k", "double", 3)]))
    # MLflow stores the double default 3 as 3.0, so predict gets a float either way.
    assert [(c.change_code, c.kind) for c in changes] == [
        ("type-relaxed", "behaviour"),
        ("param-default-changed", "behaviour"),
    ]
    changes = diff_signatures(
        sig(BASE, params=[param("t", "float", 0.5)]), sig(BASE, params=[param("t", "double", 0.5)])
    )
    assert [(c.change_code, c.kind) for c in changes] == [("type-equivalent", "safe")]
    changes = diff_signatures(
        sig(BASE, params=[param("t", "long", 1)]), sig(BASE, params=[param("t", "integer", 1)])
    )
    assert [(c.change_code, c.kind) for c in changes] == [("type-narrowed", "breaking")]


def test_object_param_properties_use_nested_rules():
    old = sig(BASE, params=[{**param("cfg", "object", {"a": 1}), **obj(a=("long", True))}])
    new = sig(
        BASE,
        params=[
            {**param("cfg", "object", {"a": 1, "b": 2}), **obj(a=("long", True), b=("long", True))}
        ],
    )
    changes = diff_signatures(old, new)
    assert [(c.change_code, c.kind, c.field) for c in changes] == [
        ("property-added-required", "breaking", "params['cfg'].b"),
        ("param-default-changed", "behaviour", "params['cfg']"),
    ]


def test_param_shape_change_breaks():
    new = sig(BASE, params=[param("k", "long", [3], [-1])])
    changes = diff_signatures(sig(BASE, params=P), new)
    assert ("param-shape-changed", "breaking") in [(c.change_code, c.kind) for c in changes]
    assert has_breaking(changes)


def test_nan_defaults_are_equal():
    p = [param("t", "double", float("nan"))]
    assert diff_signatures(sig(BASE, params=p), sig(BASE, params=p)) == []


# --------------------------------------------------------------------------
# Outputs: the same changes, seen by response consumers
# --------------------------------------------------------------------------
def test_output_column_removed_breaks_consumers():
    c = only(diff_signatures(sig(BASE, BASE), sig(BASE, BASE[:1])))
    assert (c.change_code, c.kind, c.part) == ("column-removed", "breaking", "outputs")


def test_output_column_added_is_safe_for_consumers():
    c = only(diff_signatures(sig(BASE, BASE[:1]), sig(BASE, BASE)))
    assert (c.change_code, c.kind, c.part) == ("column-added-required", "safe", "outputs")


def test_output_type_narrowed_is_safe_and_widened_changes_behaviour():
    old = sig(BASE, [col(None, "double")])
    new = sig(BASE, [col(None, "long")])
    c = only(diff_signatures(old, new))
    assert (c.change_code, c.kind) == ("type-narrowed", "safe")
    c = only(diff_signatures(new, old))
    assert (c.change_code, c.kind) == ("type-widened", "behaviour")


def test_outputs_declared_or_dropped():
    c = only(diff_signatures(sig(BASE), sig(BASE, BASE)))
    assert (c.change_code, c.kind, c.field) == ("schema-added", "safe", "outputs")
    c = only(diff_signatures(sig(BASE, BASE), sig(BASE)))
    assert (c.change_code, c.kind, c.field) == ("schema-removed", "behaviour", "outputs")


def test_output_tensor_changes_are_seen_by_consumers():
    old = sig(BASE, [tensor("int64", [-1])])
    c = only(diff_signatures(old, sig(BASE, [tensor("float64", [-1])])))
    assert (c.change_code, c.kind) == ("tensor-dtype-widened", "behaviour")
    assert "responses" in c.message
    c = only(diff_signatures(old, sig(BASE, [tensor("int64", [-1, -1])])))
    assert (c.change_code, c.kind) == ("tensor-shape-changed", "breaking")


def test_changes_come_inputs_then_params_then_outputs():
    old = sig(BASE, [col(None, "double")], P)
    new = sig(BASE[:1], [col(None, "string")], [param("k", "long", 9)])
    assert [c.part for c in diff_signatures(old, new)] == ["inputs", "params", "outputs"]


def test_change_to_dict_is_json_ready():
    c = only(diff_signatures(sig(BASE), sig(BASE[:1])))
    assert json.loads(json.dumps(c.to_dict())) == {
        "kind": "behaviour",
        "part": "inputs",
        "field": "inputs['b']",
        "change_code": "column-removed",
        "message": c.message,
    }
