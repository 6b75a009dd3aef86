"""`check`: the audit agrees with what MLflow 3.17.2's real server did.

The corpus tests derive their signature sets from ``cases.jsonl`` (MLflow's
recorded verdicts), never from our own tables:

* every signature with a well-formed (``valid-shape``) body that MLflow
  rejected must get an ``error`` naming the form (or field) concerned;
* every signature whose well-formed bodies MLflow served *unchanged* in every
  form (``received`` equals the canonical decoding of docs/strict-contract.md,
  checked here by an independent decoder) must pass.
"""

from __future__ import annotations

import base64
import json
import shutil
from collections import defaultdict
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from sig2jsonschema import load_signature
from sig2jsonschema._check.examples import ExampleError, build_example_body, example_info
from sig2jsonschema._check.report import CHECK_CODES, all_codes, check, check_severity
from sig2jsonschema._hazards.verdicts import (
    FORMS,
    LLM_KEYS,
    has_one_row_column,
    hazard_codes,
    hazards,
)
from sig2jsonschema._signature.types import DataType, Signature
from tests.conftest import CONFORMANCE, MODELS, load_cases, model_dirs

if TYPE_CHECKING:
    from pathlib import Path

# --------------------------------------------------------------------------
# The corpus, grouped
# --------------------------------------------------------------------------


@cache
def valid_shape() -> dict[str, list[dict[str, Any]]]:
    by_sig: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for case in load_cases():
        if case["kind"] == "valid-shape":
            by_sig[case["signature"]].append(case)
    return dict(by_sig)


def signature(name: str) -> Signature:
    return load_signature(CONFORMANCE / "signatures" / f"{name}.json")


def rejected_signatures() -> list[str]:
    return sorted(
        name
        for name, cases in valid_shape().items()
        if any(c["mlflow"]["status"] != 200 for c in cases)
    )


def envelope(case: dict[str, Any]) -> str:
    """The corpus envelope name: 'envelope inputs_cols, 3 rows' -> 'inputs_cols'."""
    text = (case["mutation"] or "").removeprefix("envelope ")
    return text.split(",")[0].split(" +")[0].strip()


def form_of(case: dict[str, Any], sig: Signature) -> str:
    """The body form (docs/strict-contract.md) of a corpus envelope for ``sig``."""
    env = envelope(case)
    key, _, shape = env.partition("_")
    if env == "unified":
        return "llm"
    if key == "split":
        return "dataframe_split"
    if key == "records":
        return "dataframe_records"
    assert sig.inputs is not None
    if sig.inputs.is_tensor and not shape:
        return f"{key}/tensors" if sig.inputs.has_names else f"{key}/tensor"
    if shape == "cols":
        # Columnar lists; with an array/object column MLflow reads any object as
        # one row (spec 2.7), so this form does not exist for such signatures.
        return f"{key}/columnar"
    if shape == "row":
        # One row of scalars: a columnar object (broadcast) without such a column.
        return f"{key}/row" if has_one_row_column(sig) else f"{key}/columnar"
    return f"{key}/{shape}"


# --------------------------------------------------------------------------
# An independent canonical decoder (docs/strict-contract.md), for the corpus
# --------------------------------------------------------------------------
_DTYPES = {
    DataType.double: {"float64"},
    DataType.float: {"float32"},
    DataType.long: {"int64"},
    DataType.integer: {"int32"},
    DataType.boolean: {"bool"},
    DataType.string: {"str", "object"},
    DataType.binary: {"object"},
    DataType.datetime: {"datetime64[ns]"},
}


def _canonical(t: Any, sent: Any) -> Any:
    if t is DataType.double:
        return float(sent)
    if t is DataType.float:
        return float(np.float32(sent))
    if t in {DataType.long, DataType.integer}:
        assert type(sent) is int
        return sent
    if t is DataType.binary:
        # Standard base64, padding required; MLflow's own line breaks allowed.
        raw = base64.b64decode(sent.replace("\n", ""), validate=True)
        return {"$bytes": base64.b64encode(raw).decode()}
    if t is DataType.datetime:
        return {"$datetime": pd.Timestamp(sent).isoformat()}
    return sent


def _rows(sig: Signature, body: dict[str, Any]) -> list[list[tuple[str, Any]]]:
    """The rows a body means, as (column, JSON value) pairs in body order."""
    names = sig.inputs.names() if sig.inputs else []
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        return [list(zip(split.get("columns") or names, row, strict=True)) for row in split["data"]]
    if "dataframe_records" in body:
        return [list(r.items()) for r in body["dataframe_records"]]
    for key in ("inputs", "instances"):
        if key not in body:
            continue
        value = body[key]
        if isinstance(value, list):
            if value and all(isinstance(v, dict) for v in value):
                return [list(r.items()) for r in value]
            return [[(names[0], v)] for v in value]
        if has_one_row_column(sig) or not any(isinstance(v, list) for v in value.values()):
            return [list(value.items())]
        n = max(len(v) for v in value.values() if isinstance(v, list))
        return [
            [(k, v[i] if isinstance(v, list) else v) for k, v in value.items()] for i in range(n)
        ]
    declared = {p.name for p in sig.params.params} if sig.params else set()
    return [[(k, v) for k, v in body.items() if k not in declared]]


def _columns_unchanged(sig: Signature, body: dict[str, Any], got: dict[str, Any]) -> bool:
    assert sig.inputs is not None
    specs = sig.inputs.columns
    rows = _rows(sig, body)
    if got["type"] != "DataFrame" or len(got["values"]) != len(rows):
        return False
    if sig.inputs.has_names:
        by_name = {c.name: c for c in specs}
        sent = [dict(r) for r in rows]
        expected_columns = [c.name for c in specs if any(c.name in r for r in sent)]
        if got["columns"] != expected_columns:
            return False
        types = [by_name[n].type for n in expected_columns]
        expected = [
            [_canonical(t, r[n]) for t, n in zip(types, expected_columns, strict=True)]
            for r in sent
        ]
    else:
        types = [c.type for c in specs]
        expected = [[_canonical(t, v) for t, (_, v) in zip(types, r, strict=False)] for r in rows]
    dtypes_ok = all(d in _DTYPES.get(t, {d}) for t, d in zip(types, got["dtypes"], strict=True))
    return dtypes_ok and _cells(got["values"]) == expected


def _cells(v: Any) -> Any:
    """Received cells as JSON values: an ndarray cell is its list of values.

    Through inputs/instances MLflow hands array cells over as numpy arrays
    (spec 6.4); the values are what counts, not the container.
    """
    if isinstance(v, dict) and set(v) == {"$ndarray"}:
        return _cells(v["$ndarray"]["values"])
    if isinstance(v, list):
        return [_cells(x) for x in v]
    if isinstance(v, dict) and not any(k.startswith("$") for k in v):
        return {k: _cells(x) for k, x in v.items()}
    return v


def _untag(v: Any) -> Any:
    if isinstance(v, dict) and "$bytes" in v:
        return base64.b64decode(v["$bytes"])
    if isinstance(v, list):
        return [_untag(x) for x in v]
    return v


def _tensor_value(body: dict[str, Any], name: str | None) -> Any:
    if "dataframe_split" in body or "dataframe_records" in body:
        rows = _rows_for_frame(body)
        return [
            [x for cell in row for x in (cell if isinstance(cell, list) else [cell])]
            for row in rows[name]
        ]
    value = body.get("inputs", body.get("instances"))
    if name is None:
        return value
    if isinstance(value, list):  # instances as records: stacked per name
        return [r[name] for r in value]
    return value[name]


def _rows_for_frame(body: dict[str, Any]) -> dict[str | None, list[list[Any]]]:
    if "dataframe_split" in body:
        split = body["dataframe_split"]
        columns = split.get("columns")
        data = split["data"]
    else:
        records = body["dataframe_records"]
        columns = list(records[0])
        data = [list(r.values()) for r in records]
    out: dict[str | None, list[list[Any]]] = {None: data}
    for i, c in enumerate(columns or []):
        out[c] = [[row[i]] for row in data]
    return out


def _tensor_unchanged(spec: Any, sent: Any, got: dict[str, Any]) -> bool:
    expected = np.array(sent, dtype=spec.dtype)
    if spec.shape and spec.shape[0] == -1 and expected.ndim != len(spec.shape):
        expected = expected.reshape((-1, *spec.shape[1:]))
    if got["type"] != "ndarray" or tuple(got["shape"]) != expected.shape:
        return False
    if spec.dtype == "object":
        return _untag(got["values"]) == expected.tolist()
    values = np.array(_untag(got["values"]), dtype=spec.dtype)
    return np.dtype(got["dtype"]).kind == expected.dtype.kind and bool(np.all(values == expected))


def _params_unchanged(sig: Signature, body: dict[str, Any], got: Any) -> bool:
    if sig.params is None:
        return got in (None, {})
    sent = dict(body.get("params") or {})
    if any(k in body for k in LLM_KEYS):
        sent = {p.name: body[p.name] for p in sig.params.params if p.name in body}
    expected: dict[str, Any] = {}
    for p in sig.params.params:
        value = sent.get(p.name, p.default)
        assert isinstance(p.type, DataType)
        if p.type is DataType.datetime:
            value = {"$datetime": pd.Timestamp(value).isoformat()}
        elif p.type in {DataType.double, DataType.float}:
            value = float(value)
        expected[p.name] = value
    return got == expected


def served_unchanged(sig: Signature, case: dict[str, Any]) -> bool:
    """Whether MLflow handed predict the canonical decoding of this accepted body."""
    body = json.loads(case["body"])
    got = case["mlflow"]["received"]
    assert sig.inputs is not None
    if sig.inputs.is_tensor:
        specs = sig.inputs.tensors
        if sig.inputs.has_names:
            ok = got["type"] == "dict" and all(
                _tensor_unchanged(s, _tensor_value(body, s.name), got["items"][s.name])
                for s in specs
            )
        else:
            ok = _tensor_unchanged(specs[0], _tensor_value(body, None), got)
    else:
        ok = _columns_unchanged(sig, body, got)
    return ok and _params_unchanged(sig, body, case["mlflow"]["params"])


def clean_signatures() -> list[str]:
    """Signatures whose RFC 8259 well-formed bodies MLflow served unchanged in every form.

    Bodies that are not RFC 8259 JSON (MLflow's own NaN-bearing serving
    examples) are outside the strict contract, so they do not count here.
    """
    out = []
    for name, cases in valid_shape().items():
        sig = signature(name)
        if all(
            c["mlflow"]["status"] == 200 and (not c["strict_json"] or served_unchanged(sig, c))
            for c in cases
        ):
            out.append(name)
    return sorted(out)


def test_the_corpus_sets_are_what_mlflow_recorded():
    """Pins the derived sets, so a decoder bug cannot silently shrink them."""
    assert rejected_signatures() == [
        "m_any_required",
        "m_map_object",
        "m_sparkml_vector",
        "n_array_of_arrays",
        "n_object_arrays_maps",
        "p_llm_chat",
        "t_bytes_1d",
        "x_input_array",
    ]
    assert clean_signatures() == [
        "fx_iris_sklearn_numpy_tensor",
        "fx_mixed_types_sklearn_regressor",
        "fx_optional_columns_sklearn",
        "fx_unnamed_strings_pyfunc",
        "p_scalar_all_types",
        "s_numeric_mixed_optional",
        "s_single_string_optional",
        "t_float16_cube",
        "t_float32_scalar",
        "t_int32_var",
        "t_uint64_1d",
        "tn_image_label",
        "tn_tokens_var",
        "u_double",
    ]


def test_the_canonical_decoder_sees_mlflow_changing_values():
    """The decoder is not vacuous: binary via inputs and object-tensor cells are caught."""
    changed = {
        (name, envelope(c))
        for name, cases in valid_shape().items()
        for c in cases
        if c["mlflow"]["status"] == 200
        and c["strict_json"]
        and not served_unchanged(signature(name), c)
    }
    assert ("u_binary", "inputs_list") in changed
    assert ("s_all_types_required", "inputs_cols") in changed
    assert ("t_object_1d", "records_flat") in changed
    assert ("u_binary", "split") not in changed


# --------------------------------------------------------------------------
# check against the corpus
# --------------------------------------------------------------------------
@pytest.mark.parametrize("name", rejected_signatures())
def test_rejected_well_formed_bodies_are_errors_naming_the_form(name):
    sig = signature(name)
    report = check(sig)
    assert report.exit_code() == 1
    errors = [f for f in report.findings if f.severity == "error"]
    statuses = {s.form: s for s in report.forms}
    for case in valid_shape()[name]:
        if case["mlflow"]["status"] == 200:
            continue
        form = form_of(case, sig)
        if form in statuses and statuses[form].applicable:
            # A form clients can send: an error must name it.
            assert any(form in f.forms for f in errors), (form, case["body"][:80])
            assert not statuses[form].works
        else:
            # A shape that is not a form of this signature: never reported as working.
            assert form not in statuses or not statuses[form].works, form


@pytest.mark.parametrize("name", clean_signatures())
def test_signatures_mlflow_served_unchanged_pass(name):
    report = check(signature(name))
    assert [f for f in report.findings if f.severity == "error"] == []
    assert report.exit_code() == 0
    assert report.recommended is not None


@pytest.mark.parametrize("name", clean_signatures())
def test_forms_mlflow_served_unchanged_are_reported_working(name):
    sig = signature(name)
    statuses = {s.form: s for s in check(sig).forms}
    for case in valid_shape()[name]:
        if envelope(case).startswith("MLflow-written"):
            continue
        form = form_of(case, sig)
        if form in statuses and statuses[form].applicable:
            assert statuses[form].works, (form, statuses[form].why)


#: Bodies MLflow alters that check does not flag yet, by name, with the reason.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def altered_cases() -> list[tuple[str, dict[str, Any]]]:
    """Accepted RFC 8259 well-formed bodies whose values MLflow changed."""
    return [
        (name, c)
        for name, cases in sorted(valid_shape().items())
        for c in cases
        if c["mlflow"]["status"] == 200
        and c["strict_json"]
        and not served_unchanged(signature(name), c)
    ]


@pytest.mark.parametrize(
    ("name", "case"),
    [
        pytest.param(
            name,
            case,
            id=f"{name}-{case['id']}",
            marks=[pytest.mark.xfail(reason=KNOWN_GAPS[name, envelope(case)], strict=True)]
            if (name, envelope(case)) in KNOWN_GAPS
            else [],
        )
        for name, case in altered_cases()
    ],
)
def test_forms_where_mlflow_alters_well_formed_bodies_are_errors(name, case):
    sig = signature(name)
    report = check(sig)
    form = form_of(case, sig)
    statuses = {s.form: s for s in report.forms}
    assert not statuses[form].works, (form, case["body"][:80])
    assert any(f.severity == "error" and form in f.forms for f in report.findings)


# --------------------------------------------------------------------------
# One table: check reports the hazard table, with its severities
# --------------------------------------------------------------------------
def _sig(inputs: Any = None, params: Any = None, *, type_hint: bool = False) -> Signature:
    base = load_signature(
        {
            "inputs": json.dumps(inputs) if inputs is not None else None,
            "params": json.dumps(params) if params is not None else None,
        }
    )
    return Signature(base.inputs, base.outputs, base.params, from_type_hint=type_hint)


def _c(name: str | None, t: Any, required: bool = True) -> dict[str, Any]:
    spec = dict(t) if isinstance(t, dict) else {"type": t}
    if name is not None:
        spec["name"] = name
    spec["required"] = required
    return spec


def _arr(items: Any) -> dict[str, Any]:
    return {"type": "array", "items": items if isinstance(items, dict) else {"type": items}}


def _t(dtype: str, shape: list[int], name: str | None = None) -> dict[str, Any]:
    return {
        **({"name": name} if name else {}),
        "type": "tensor",
        "tensor-spec": {"dtype": dtype, "shape": shape},
    }


_S = [_c("s", "string")]

#: code -> (signature, expected severity of that code's finding)
HAZARD_CASES: dict[str, tuple[Signature, str]] = {
    "nested-integer-unusable": (_sig([_c("x", _arr("integer"))]), "error"),
    "nested-float-unusable": (_sig([_c("x", _arr("float"))]), "error"),
    "nested-datetime-unusable": (
        _sig([_c("o", {"type": "object", "properties": {"d": {"type": "datetime"}}})]),
        "error",
    ),
    "nested-binary-not-decoded": (_sig([_c("x", _arr("binary"))]), "warning"),
    "nested-double-needs-float-tokens": (_sig([_c("x", _arr("double"))]), "warning"),
    "nested-long-needs-integer-tokens": (_sig([_c("x", _arr("long"))]), "warning"),
    "binary-not-decoded": (_sig([_c("b", "binary")]), "error"),
    "optional-scalar-not-nullable": (_sig([*_S, _c("o", "string", False)]), "warning"),
    "optional-integer-may-be-missing": (_sig([*_S, _c("o", "long", False)]), "warning"),
    "optional-column-uneven-records": (_sig([*_S, _c("o", "string", False)]), "warning"),
    "map-column-not-one-row": (
        _sig([*_S, _c("m", {"type": "map", "values": {"type": "long"}})]),
        "error",
    ),
    "any-column-columnar": (_sig([*_S, _c("p", "any")]), "error"),
    "complex-column-instances-records": (_sig([*_S, _c("x", _arr("string"))]), "error"),
    "optional-array-null-inputs": (_sig([*_S, _c("x", _arr("string"), False)]), "warning"),
    "nested-array-ragged-inputs": (_sig([*_S, _c("x", _arr(_arr("string")))]), "error"),
    "any-items-stringified-inputs": (_sig([*_S, _c("x", _arr("any"))]), "error"),
    "complex-column-list-form": (_sig([_c("x", _arr("string"))]), "error"),
    "llm-column-unusable": (_sig([_c("prompt", "string"), _c("n", "integer")]), "error"),
    "llm-number-tokens": (_sig([_c("prompt", "string"), _c("n", "long")]), "warning"),
    "float32-rounding": (_sig([_c("f", "float")]), "warning"),
    "datetime-one-format": (_sig([_c("d", "datetime")]), "warning"),
    "sparkml-vector": (_sig([_c("v", "sparkml_vector")]), "warning"),
    "any-required-not-enforced": (_sig([*_S, _c("a", "any")]), "warning"),
    "unnamed-rows-first-type": (_sig([_c(None, "string"), _c(None, "long")]), "error"),
    "unnamed-records-key-order": (_sig([_c(None, "string"), _c(None, "string")]), "error"),
    "type-hint-inputs-only": (_sig([_c(None, "string")], type_hint=True), "error"),
    "named-tensor-batch-unchecked": (
        _sig([_t("int64", [-1], "a"), _t("int64", [-1], "b")]),
        "warning",
    ),
    "tensor-float-precision": (_sig([_t("float32", [-1, 2])]), "warning"),
    "tensor-uint64": (_sig([_t("uint64", [-1])]), "warning"),
    "tensor-complex": (_sig([_t("complex128", [-1])]), "warning"),
    "tensor-object": (_sig([_t("object", [-1])]), "warning"),
    "tensor-bytes-ascii": (_sig([_t("bytes", [-1])]), "warning"),
    "param-integer-unbounded": (
        _sig(_S, [{"name": "k", "default": 1, "type": "integer"}]),
        "warning",
    ),
    "param-explicit-null": (_sig(_S, [{"name": "k", "default": 1, "type": "long"}]), "warning"),
    "tensor-frame-cells": (_sig([_t("bytes", [-1])]), "error"),
    "named-tensors-no-batch": (_sig([_t("int64", [1], "a"), _t("int64", [2], "b")]), "error"),
    # MLflow serves every form of it (unchecked): a warning, though no strict form works
    "no-input-schema": (_sig(None, [{"name": "k", "default": 1, "type": "long"}]), "warning"),
    # check's own codes that a signature alone triggers
    "no-working-form": (_sig([_c("x", _arr("float"))]), "error"),
}


def test_every_code_has_a_check_test():
    example_codes = {c for c in CHECK_CODES if c.startswith("example-")}
    release_codes = {"breaks-on-release"}  # tests below
    assert set(all_codes()) == set(HAZARD_CASES) | example_codes | release_codes


@pytest.mark.parametrize("code", sorted(HAZARD_CASES))
def test_check_reports_the_code_with_its_severity_and_exit_code(code):
    sig, severity = HAZARD_CASES[code]
    report = check(sig)
    mine = [f for f in report.findings if f.code == code]
    assert mine, [f.code for f in report.findings]
    assert {f.severity for f in mine} == {severity}
    assert all(f.message and f.fix for f in mine)
    if severity == "error":
        assert report.exit_code() == 1
        assert report.exit_code("warning") == 1
    else:
        assert report.exit_code("warning") == 1
        has_error = any(f.severity == "error" for f in report.findings)
        assert report.exit_code() == int(has_error)


def test_str_tensors_travel_as_frame_cells():
    report = check(_sig([_t("str", [-1])]))
    assert "tensor-frame-cells" not in {f.code for f in report.findings}
    assert report.exit_code() == 0


def test_a_field_no_form_delivers_is_an_error_even_when_optional():
    """Issue 16 class 2: the table keeps the strict forms (the field stays out), check fails."""
    sig = _sig([*_S, _c("x", _arr("float"), False)])
    (hazard,) = [h for h in hazards(sig) if h.code == "nested-float-unusable"]
    assert hazard.severity == "warning"
    report = check(sig)
    (finding,) = [f for f in report.findings if f.code == "nested-float-unusable"]
    assert finding.severity == "error"
    assert finding.field == "inputs['x'][*]"
    assert "optional" in finding.message
    assert report.exit_code() == 1
    working = [s for s in report.forms if s.works]
    assert working
    assert all(s.left_out == ("inputs['x'][*]",) for s in working)
    assert set(finding.forms) >= {s.form for s in working}


def test_a_form_an_optional_field_breaks_is_an_error_naming_it():
    sig = _sig([*_S, _c("m", {"type": "map", "values": {"type": "long"}}, False)])
    report = check(sig)
    (finding,) = [f for f in report.findings if f.code == "map-column-not-one-row"]
    assert finding.severity == "error"
    assert finding.forms == ("inputs/columnar", "instances/columnar")
    assert report.exit_code() == 1
    by_form = {s.form: s for s in report.forms}
    assert by_form["inputs/columnar"].left_out == ("inputs['m']",)
    assert by_form["dataframe_split"].left_out == ()
    assert report.recommended == "dataframe_split"


@pytest.mark.parametrize("name", sorted(valid_shape()))
def test_check_reports_exactly_the_hazard_table(name):
    """No private copy: every hazard of the table, with check's severity; the rest are its own."""
    sig = signature(name)
    report = check(sig)
    table = {(h.code, h.field, check_severity(h.code, h.severity), h.forms) for h in hazards(sig)}
    reported = {
        (f.code, f.field, f.severity, f.forms) for f in report.findings if f.code in all_codes()
    }
    assert table <= reported
    assert {f.code for f in report.findings} - set(hazard_codes()) <= set(CHECK_CODES)


def test_findings_are_worst_first():
    report = check(signature("n_object_arrays_maps"))
    ranks = [0 if f.severity == "error" else 1 for f in report.findings]
    assert ranks == sorted(ranks)
    assert report.findings[0].code == "no-working-form"
    assert report.recommended is None


def test_forms_cover_every_form_in_table_order():
    report = check(signature("m_map_object"))
    assert tuple(s.form for s in report.forms) == FORMS
    assert report.recommended == "dataframe_split"
    doc = report.to_dict()
    assert list(doc["forms"]) == list(FORMS)
    assert doc["forms"]["inputs/columnar"]["works"] is False
    # The second warning: a dataframe_split index breaks on 2.22 (breaks-on-release).
    assert doc["summary"] == {"errors": 2, "warnings": 2}


# --------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------
VERDICTS = json.loads((MODELS / "verdicts.json").read_text(encoding="utf-8"))


def _same_json(a: Any, b: Any) -> bool:
    """JSON equality that treats NaN tokens as equal (MLflow writes them)."""
    return json.dumps(a, sort_keys=True, allow_nan=True) == json.dumps(
        b, sort_keys=True, allow_nan=True
    )


@pytest.mark.parametrize("model", model_dirs(), ids=lambda p: p.name)
def test_input_example_builds_the_body_mlflow_wrote(model):
    """Our reading of saved_input_example_info reproduces serving_input_example.json."""
    info = example_info(model)
    example = json.loads((model / "input_example.json").read_text(encoding="utf-8"))
    serving = json.loads((model / "serving_input_example.json").read_text(encoding="utf-8"))
    assert _same_json(build_example_body(info, example), serving)


@pytest.mark.parametrize("model", model_dirs(), ids=lambda p: p.name)
def test_real_model_examples_match_what_mlflow_did(model):
    report = check(model)
    verdict = VERDICTS[model.name]
    by_file = {e.file: e for e in report.examples}
    assert set(by_file) == {"serving_input_example.json", "input_example.json"}
    assert by_file["serving_input_example.json"].status == verdict["oracle_status"]
    assert by_file["serving_input_example.json"].status == verdict["real_model"][0]
    # The input example builds the same body, so MLflow serves it too.
    assert by_file["input_example.json"].status == verdict["oracle_status"]
    example_errors = [f for f in report.findings if f.example and f.severity == "error"]
    assert example_errors == []
    nan_bodies = "NaN" in (model / "serving_input_example.json").read_text(encoding="utf-8")
    codes = {f.code for f in report.findings if f.example}
    assert ("example-non-rfc-json" in codes) == nan_bodies


def test_bare_nan_examples_are_warnings_not_errors():
    report = check(MODELS / "optional_columns_sklearn")
    (nan,) = [f for f in report.findings if f.code == "example-non-rfc-json"]
    assert nan.severity == "warning"
    assert nan.example == "serving_input_example.json, input_example.json"
    assert nan.forms == ("dataframe_split",)
    assert report.exit_code() == 0
    assert report.exit_code("warning") == 1
    serving = report.examples[0]
    assert serving.nonfinite == 5
    assert any(p.keyword == "x-json-nonfinite" for p in serving.strict_problems)


def test_chat_examples_are_sent_without_an_envelope():
    report = check(MODELS / "chat_messages_pyfunc")
    for example in report.examples:
        assert (example.form, example.unwrapped, example.status) == ("llm", True, 200)
        assert example.strict_problems == ()


def test_type_hinted_model_examples_are_served():
    report = check(MODELS / "type_hinted_pyfunc" / "MLmodel")
    assert [e.status for e in report.examples] == [200, 200]
    assert [f.code for f in report.findings] == ["type-hint-inputs-only"]


def test_a_signature_file_has_no_examples():
    report = check(MODELS / "iris_sklearn_classifier" / "signature.json")
    assert report.examples == ()
    assert report.to_dict()["examples"] == []


def _model_copy(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(MODELS / name, target)
    return target


def test_an_example_mlflow_rejects_is_an_error(tmp_path):
    model = _model_copy(tmp_path, "iris_sklearn_classifier")
    body = json.loads((model / "serving_input_example.json").read_text(encoding="utf-8"))
    body["dataframe_split"]["data"][0][0] = "five"
    (model / "serving_input_example.json").write_text(json.dumps(body), encoding="utf-8")
    report = check(model)
    (rejected,) = [f for f in report.findings if f.code == "example-rejected"]
    assert (rejected.severity, rejected.example) == ("error", "serving_input_example.json")
    assert rejected.forms == ("dataframe_split",)
    assert "400" in rejected.message
    assert report.exit_code() == 1
    assert report.examples[0].to_dict()["mlflow"]["status"] == 400


def test_an_example_mlflow_alters_is_not_strict(tmp_path):
    model = _model_copy(tmp_path, "mixed_types_sklearn_regressor")
    body = json.loads((model / "serving_input_example.json").read_text(encoding="utf-8"))
    body["dataframe_split"]["data"][0][0] = 52.5  # a long column: MLflow truncates to 52
    (model / "serving_input_example.json").write_text(json.dumps(body), encoding="utf-8")
    report = check(model)
    (finding,) = [f for f in report.findings if f.code == "example-not-strict"]
    assert (finding.severity, finding.example) == ("warning", "serving_input_example.json")
    assert report.examples[0].accepted
    assert report.examples[0].to_dict()["strict"]["valid"] is False
    assert report.exit_code() == 0


def test_an_unreadable_input_example_is_a_warning(tmp_path):
    model = _model_copy(tmp_path, "params_pyfunc")
    (model / "input_example.json").write_text('{"columns": ["prompt"]}', encoding="utf-8")
    report = check(model)
    (finding,) = [f for f in report.findings if f.code == "example-unreadable"]
    assert (finding.severity, finding.example) == ("warning", "input_example.json")
    assert "params" in finding.message
    by_file = {e.file: e for e in report.examples}
    assert by_file["input_example.json"].status is None
    assert by_file["input_example.json"].to_dict()["strict"]["valid"] is None
    assert by_file["serving_input_example.json"].accepted


def test_an_unreadable_serving_example_is_a_warning(tmp_path):
    model = _model_copy(tmp_path, "iris_sklearn_classifier")
    (model / "serving_input_example.json").write_bytes(b"\xff\xfe{}")
    report = check(model)
    (finding,) = [f for f in report.findings if f.code == "example-unreadable"]
    assert (finding.severity, finding.example) == ("warning", "serving_input_example.json")
    assert "UTF-8" in finding.message
    assert report.exit_code() == 0


def test_a_model_without_example_files_has_no_examples(tmp_path):
    model = tmp_path / "m"
    model.mkdir()
    shutil.copy(MODELS / "iris_sklearn_classifier" / "MLmodel", model / "MLmodel")
    assert check(model).examples == ()
    assert check(model, examples=False).examples == ()


@pytest.mark.parametrize(
    ("info", "example", "body"),
    [
        (
            {"type": "dataframe", "pandas_orient": "values"},
            {"data": [[1]]},
            {"dataframe_split": {"data": [[1]]}},
        ),
        (
            {"type": "dataframe", "pandas_orient": "records"},
            [{"a": 1}],
            {"dataframe_records": [{"a": 1}]},
        ),
        ({"type": "ndarray"}, {"a": [1, 2]}, {"inputs": {"a": [1, 2]}}),
        ({"type": "json_object"}, ["x"], {"inputs": ["x"]}),
        (
            {"type": "json_object", "params": "true"},
            {"inputs": {"prompt": "hi"}, "params": {"k": 1}},
            {"prompt": "hi", "k": 1},
        ),
        (
            {"type": "sparse_matrix_csr"},
            {"data": [1, 2], "indices": [2, 0], "indptr": [0, 1, 2], "shape": [2, 3]},
            {"inputs": [[0, 0, 1], [2, 0, 0]]},
        ),
        (
            {"type": "sparse_matrix_csc"},
            {"data": [1, 2], "indices": [1, 0], "indptr": [0, 1, 1, 2], "shape": [2, 3]},
            {"inputs": [[0, 0, 2], [1, 0, 0]]},
        ),
    ],
)
def test_example_bodies_follow_mlflow(info, example, body):
    assert build_example_body(info, example) == body


@pytest.mark.parametrize(
    ("info", "example"),
    [
        ({"type": "dataframe", "pandas_orient": "index"}, {"a": {"0": 1}}),
        ({"type": "sparse_matrix_csr"}, {"data": [1]}),
        ({"type": "image"}, [1]),
        ({"type": "ndarray", "params": "true"}, [1]),
    ],
)
def test_example_shapes_mlflow_does_not_write_are_refused(info, example):
    with pytest.raises(ExampleError):
        build_example_body(info, example)


# --------------------------------------------------------------------------
# Releases
# --------------------------------------------------------------------------
def _release_findings(report: Any) -> list[Any]:
    return [f for f in report.findings if f.code == "breaks-on-release"]


@pytest.mark.parametrize("line", ["2.22", "3.17", "3.18"])
def test_an_index_2_22_loses_is_a_warning_naming_2_22_whatever_the_release(line):
    report = check(signature("m_map_object"), mlflow_version=line)
    found = _release_findings(report)
    assert [(f.severity, f.forms) for f in found] == [("warning", ("dataframe_split",))]
    assert "breaks on 2.22" in found[0].message
    assert report.mlflow_version == line


def test_a_tensor_index_without_zero_breaks_on_the_releases_reading_label_zero():
    found = _release_findings(check(_sig([_t("float64", [-1, 2])])))
    assert len(found) == 1
    assert "breaks on 2.22, 3.17" in found[0].message


def test_scalar_columns_break_on_no_release():
    assert not _release_findings(check(_sig([_c("a", "long"), _c("b", "string")])))


def test_check_judges_for_the_models_own_release_unless_told():
    model = MODELS / "iris_sklearn_classifier"
    assert check(model).mlflow_version == "3.17"  # saved by MLflow 3.17.2
    assert check(model, mlflow_version="2.22.5").mlflow_version == "2.22"
    with pytest.raises(ValueError, match=r"supported: 2\.22, 3\.17, 3\.18"):
        check(model, mlflow_version="2.21")
