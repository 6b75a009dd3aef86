"""OpenAPI documents for MLflow scoring servers: valid, faithful to MLflow, and usable.

* every fixture model and corpus signature gives a document ``openapi-spec-validator``
  accepts, in OpenAPI 3.1, 3.0 and 3.1-with-draft-04 (IBM DataPower), in both modes;
* the request component means what the 2020-12 export means (3.1: same verdict on every
  corpus body; 3.0 and draft-04: every body the strict validator accepts passes);
* the endpoints, content types, status codes and bodies are MLflow's (spec 2.1, 2.9);
* examples come from the model directory and validate; NaN never reaches the document;
* several models share one document; the CLI writes JSON or YAML and reports losses.
"""

from __future__ import annotations

import io
import json
import re
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

from sig2jsonschema import cli, load_signature
from sig2jsonschema._export.openapi import ModelSpec, build_document, openapi_document
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema.exceptions import SignatureError
from tests.conftest import MODELS, corpus_signature_paths, load_cases, model_dirs

if TYPE_CHECKING:
    from pathlib import Path

PROFILES = [("3.1", "2020-12"), ("3.0", "2020-12"), ("3.1", "draft-04")]
SOURCES = [*model_dirs(), *corpus_signature_paths()]


def _id(path: Path) -> str:
    return path.stem if path.is_file() else path.name


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [
            *([node["$ref"]] if isinstance(node.get("$ref"), str) else []),
            *(r for v in node.values() for r in refs(v)),
        ]
    if isinstance(node, list):
        return [r for v in node for r in refs(v)]
    return []


def component_validator(document: dict[str, Any], name: str, *, draft4: bool = False) -> Any:
    """A validator for one component, resolving references inside the document."""
    spec = DRAFT4 if draft4 else DRAFT202012
    registry: Registry[Any] = Registry().with_resource(
        "urn:doc", Resource.from_contents(document, default_specification=spec)
    )
    root = {"$ref": f"urn:doc#/components/schemas/{name}"}
    if document["openapi"].startswith("3.0"):
        return OAS30Validator(root, registry=registry)
    cls = Draft4Validator if draft4 else Draft202012Validator
    return cls(root, registry=registry, format_checker=FormatChecker())


@pytest.mark.parametrize("source", SOURCES, ids=_id)
def test_every_document_passes_openapi_spec_validator(source: Path) -> None:
    """Every profile in strict mode; mlflow mode's schemas in the strictest profile (3.0).

    (The validator takes about half a second per 3.1 document, so the mlflow-mode schemas
    are checked in 3.1 by test_dialects, as standalone Schema Objects.)
    """
    runs = [(v, d, "strict") for v, d in PROFILES] + [("3.0", "2020-12", "mlflow")]
    for version, dialect, mode in runs:
        result = openapi_document(source, version=version, mode=mode, schema_dialect=dialect)  # type: ignore[arg-type]
        document = result.document
        json.dumps(document, allow_nan=False)  # never NaN, never Python-only values
        validate(document)
        assert document["openapi"] == {"3.1": "3.1.0", "3.0": "3.0.3"}[version]
        components = document["components"]["schemas"]
        for ref in refs(document):
            assert ref.startswith("#/components/schemas/"), ref
            assert ref.removeprefix("#/components/schemas/") in components, ref
        if dialect == "draft-04":
            assert document["jsonSchemaDialect"] == "http://json-schema.org/draft-04/schema#"
            assert '"prefixItems"' not in json.dumps(components)


@cache
def bodies(name: str) -> list[tuple[str, str, Any]]:
    out = []
    for case in load_cases():
        if case["signature"] == name:
            try:
                out.append((case["id"], case["body"], json.loads(case["body"])))
            except (ValueError, RecursionError):
                continue
    return out


@pytest.mark.parametrize("path", corpus_signature_paths(), ids=_id)
def test_the_request_component_keeps_the_export_meaning(path: Path) -> None:
    from sig2jsonschema._validate.validator import Validator

    sig = load_signature(path)
    strict = Validator(sig)
    export = Draft202012Validator(to_jsonschema(sig), format_checker=FormatChecker())
    oas31 = openapi_document(path).document
    oas30 = openapi_document(path, version="3.0").document
    datapower = openapi_document(path, schema_dialect="draft-04").document
    same = component_validator(oas31, "InvocationRequest")
    wider = [
        component_validator(oas30, "InvocationRequest"),
        component_validator(datapower, "InvocationRequest", draft4=True),
        component_validator(datapower, "InvocationRequest"),
    ]
    for case_id, raw, body in bodies(path.stem):
        assert same.is_valid(body) == export.is_valid(body), case_id
        if strict.is_valid(raw):
            assert all(v.is_valid(body) for v in wider), case_id


def test_draft04_schemas_in_31_mean_the_same_to_draft04_and_2020_12_readers() -> None:
    """IBM DataPower reads them as draft-04, other 3.1 tools as 2020-12: same verdicts.

    Except ``integer``: draft-04 refuses 1.0 there (as the strict contract does).
    """
    for path in corpus_signature_paths():
        document = openapi_document(path, schema_dialect="draft-04", mode="mlflow").document
        as_draft4 = component_validator(document, "InvocationRequest", draft4=True)
        as_2020 = component_validator(document, "InvocationRequest")
        for case_id, _, body in bodies(path.stem):
            if as_draft4.is_valid(body) != as_2020.is_valid(body):
                # draft-04 reads "integer" without fractions (1.0 is not one), as the
                # strict contract does; nothing else may differ.
                assert as_draft4.is_valid(_integral(body)), case_id
                assert as_2020.is_valid(body), case_id


def _integral(value: Any) -> Any:
    """``value`` with integral floats (1.0) written as integers (1)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


def _invocations(document: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][f"{prefix}/invocations"]["post"]
    return operation


def test_the_document_describes_mlflows_endpoints_and_status_codes() -> None:
    document = openapi_document(MODELS / "iris_sklearn_classifier").document
    assert set(document["paths"]) == {"/invocations", "/ping", "/health", "/version"}
    assert set(document["paths"]["/ping"]) == {"get"}
    assert set(document["paths"]["/version"]) == {"get"}
    post = _invocations(document)
    assert post["requestBody"]["required"] is True
    assert set(post["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert set(post["responses"]) == {"200", "400", "415", "500", "504"}
    assert set(post["responses"]["415"]["content"]) == {"text/plain"}
    assert set(post["responses"]["500"]["content"]) == {"application/json", "text/plain"}
    error = document["components"]["schemas"]["MLflowError"]
    assert set(error["properties"]) == {
        "error_code",
        "message",
        "error_class",
        "sqlstate",
        "stack_trace",
    }
    predictions = document["components"]["schemas"]["Predictions"]
    assert predictions["required"] == ["predictions"]
    assert predictions["properties"]["predictions"] == {"$ref": "#/components/schemas/Outputs"}


def test_mlflow_error_bodies_of_the_corpus_match_the_error_schema() -> None:
    document = openapi_document(MODELS / "iris_sklearn_classifier").document
    check = component_validator(document, "MLflowError")
    errors = [c["mlflow"] for c in load_cases() if c["mlflow"]["error_code"]]
    assert errors
    for label in errors:
        body = {k: label[k] for k in ("error_code", "message", "error_class")}
        assert check.is_valid(body)


def test_csv_is_offered_only_where_mlflow_can_read_it() -> None:
    def content(name: str) -> set[str]:
        return set(_invocations(openapi_document(MODELS / name).document)["requestBody"]["content"])

    assert "text/csv" in content("mixed_types_sklearn_regressor")
    assert "text/csv" not in content("mnist_uint8_tensor")  # tensors
    assert "text/csv" not in content("chat_messages_pyfunc")  # array/object columns
    assert "text/csv" not in content("type_hinted_pyfunc")  # only the "inputs" key
    csv = _invocations(openapi_document(MODELS / "iris_sklearn_classifier").document)[
        "requestBody"
    ]["content"]["text/csv"]
    assert csv["schema"]["type"] == "string"
    assert "sepal length (cm)" in csv["schema"]["description"]
    assert csv["example"].splitlines()[0] == (
        "sepal length (cm),sepal width (cm),petal length (cm),petal width (cm)"
    )


def test_unified_llm_requests_are_answered_unwrapped() -> None:
    chat = _invocations(openapi_document(MODELS / "chat_messages_pyfunc").document)
    answer = chat["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {
        "anyOf": [
            {"$ref": "#/components/schemas/Predictions"},
            {"$ref": "#/components/schemas/Outputs"},
        ]
    }
    iris = _invocations(openapi_document(MODELS / "iris_sklearn_classifier").document)
    assert iris["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Predictions"
    }
    hinted = _invocations(openapi_document(MODELS / "type_hinted_pyfunc", mode="mlflow").document)
    assert "anyOf" not in hinted["responses"]["200"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("path", model_dirs(), ids=_id)
def test_examples_come_from_the_model_and_validate(path: Path) -> None:
    for mode in ("strict", "mlflow"):
        result = openapi_document(path, mode=mode)
        document = result.document
        check = component_validator(document, "InvocationRequest")
        examples = _invocations(document)["requestBody"]["content"]["application/json"].get(
            "examples", {}
        )
        for example in examples.values():
            assert check.is_valid(example["value"])
        left_out = {m.group(1) for n in result.notes if (m := re.search(r"example (\w+) left", n))}
        assert set(examples) | left_out >= {"serving_input_example"}


def test_nan_in_mlflow_examples_is_written_as_null_or_left_out() -> None:
    source = MODELS / "optional_columns_sklearn"
    assert "NaN" in (source / "serving_input_example.json").read_text(encoding="utf-8")
    lenient = openapi_document(source, mode="mlflow")
    examples = _invocations(lenient.document)["requestBody"]["content"]["application/json"]
    serving = examples["examples"]["serving_input_example"]
    assert "written as null" in serving["summary"]
    assert serving["value"]["dataframe_split"]["data"][0][0] is None
    strict = openapi_document(source)  # null is not a strict optional string: left out
    assert (
        "examples"
        not in _invocations(strict.document)["requestBody"]["content"]["application/json"]
    )
    assert any("serving_input_example left out" in note for note in strict.notes)


def test_several_models_share_one_document() -> None:
    result = openapi_document(
        models={"iris": MODELS / "iris_sklearn_classifier", "mnist": MODELS / "mnist_uint8_tensor"},
        servers=["https://gateway.example.com"],
        title="Models",
    )
    document = result.document
    validate(document)
    assert set(document["paths"]) == {
        f"/{m}/{e}" for m in ("iris", "mnist") for e in ("invocations", "ping", "health", "version")
    }
    operations = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(operations) == len(set(operations))
    schemas = document["components"]["schemas"]
    assert "MLflowError" in schemas
    assert all(n == "MLflowError" or n.startswith(("iris.", "mnist.")) for n in schemas)
    assert _invocations(document, "/iris")["requestBody"]["content"]["application/json"][
        "schema"
    ] == {"$ref": "#/components/schemas/iris.InvocationRequest"}
    assert document["servers"] == [{"url": "https://gateway.example.com"}]
    assert document["info"]["title"] == "Models"


def test_model_names_must_be_usable_in_paths_and_unique() -> None:
    with pytest.raises(SignatureError, match="letters, digits"):
        openapi_document(models={"a/b": MODELS / "iris_sklearn_classifier"})
    spec = ModelSpec(name="m", title="m", request={"type": "object"})
    with pytest.raises(SignatureError, match="its own NAME"):
        build_document([spec, spec])
    with pytest.raises(SignatureError, match="SOURCE"):
        openapi_document()


def test_build_document_takes_hand_written_schemas() -> None:
    spec = ModelSpec(
        name=None,
        title="toy",
        request={
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {"inputs": {"$ref": "#/$defs/rows"}},
            "required": ["inputs"],
            "$defs": {"rows": {"type": "array", "prefixItems": [{"const": 1}]}},
        },
        examples={"one": ("a body", {"inputs": [1]}), "bad": ("not valid", {"inputs": [2]})},
    )
    result = build_document([spec], version="3.0")
    validate(result.document)
    schemas = result.document["components"]["schemas"]
    # 3.0 has no tuples: the one-position tuple leaves the rest open, so nothing is checked.
    assert schemas["InvocationRequest.rows"] == {"type": "array", "items": {}}
    assert set(
        _invocations(result.document)["requestBody"]["content"]["application/json"]["examples"]
    ) == {"one"}
    assert result.notes == [
        "toy: example bad left out: it does not validate against the request schema"
    ]
    assert [(e["schema"], e["keyword"]) for e in result.losses] == [
        ("InvocationRequest", "prefixItems")
    ]
    assert result.document["x-sig2jsonschema-losses"] == result.losses
    with pytest.raises(ValueError, match=r"3\.1"):
        build_document([spec], version="3.0", schema_dialect="draft-04")


# -- CLI --------------------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["openapi", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_cli_writes_a_json_document() -> None:
    code, out, err = run(str(MODELS / "iris_sklearn_classifier"))
    assert code == 0
    assert err == ""
    document = json.loads(out)
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_cli_writes_yaml_and_reports_losses(tmp_path: Path) -> None:
    report = tmp_path / "losses.json"
    target = tmp_path / "api.yaml"
    code, out, err = run(
        str(MODELS / "mixed_types_sklearn_regressor"),
        "--version",
        "3.0",
        "--format",
        "yaml",
        "--title",
        "Regressor",
        "--server",
        "https://ml.example.com",
        "-o",
        str(target),
        "--report",
        str(report),
    )
    assert code == 0
    assert out == ""
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    validate(document)
    assert document["info"]["title"] == "Regressor"
    losses = json.loads(report.read_text(encoding="utf-8"))
    assert losses
    assert {loss["keyword"] for loss in losses} == {"prefixItems"}
    assert "OpenAPI 3.0 cannot express everything" in err
    assert f"({len(losses)} constraint" in err or f"; {len(losses)} constraint" in err


def test_cli_serves_several_models() -> None:
    code, out, _ = run(
        "--model",
        f"iris={MODELS / 'iris_sklearn_classifier'}",
        "--model",
        f"chat={MODELS / 'chat_messages_pyfunc'}",
        "--mode",
        "mlflow",
    )
    assert code == 0
    assert "/chat/invocations" in json.loads(out)["paths"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "give a SOURCE"),
        (("--model", "no-equals-sign"), "NAME=SOURCE"),
        (("--model", "a=x", "--model", "a=y"), "given twice"),
        (("x", "--version", "3.0", "--schema-dialect", "draft-04"), "needs --version 3.1"),
        (("does/not/exist",), "no such file"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(*argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.splitlines()) == 1


# --------------------------------------------------------------------------
# Issue 16 class 3: every signature MLflow can save exports valid OpenAPI 3.0 and 3.1
# --------------------------------------------------------------------------
NULL_DEFAULT = {
    "inputs": json.dumps([{"type": "string", "name": "prompt", "required": True}]),
    "outputs": None,
    "params": json.dumps(
        [
            {"name": "max_tokens", "type": "long", "default": None, "shape": None},
            {"name": "stop", "type": "string", "default": ["a", None], "shape": [-1]},
            {"name": "temperature", "type": "double", "default": 0.5, "shape": None},
        ]
    ),
}
#: Generated signatures (seeded), each exported as 3.1 and 3.0 in strict mode.
GENERATED_SIGNATURES = 40


@pytest.mark.parametrize("version", ["3.1", "3.0"])
def test_null_param_defaults_keep_the_document_valid(version: str) -> None:
    result = openapi_document(NULL_DEFAULT, version=version)  # type: ignore[arg-type]
    validate(result.document)
    params = {
        s["x-mlflow-field"]: s
        for s in result.document["components"]["schemas"].values()
        if "x-mlflow-param" in s
    }
    # a default its own schema refuses is left out; the description and x-mlflow-param keep it
    for field in ("params['max_tokens']", "params['stop']"):
        assert "default" not in params[field]
        assert "None" in params[field]["description"]
    assert params["params['max_tokens']"]["x-mlflow-param"]["default"] is None
    assert params["params['temperature']"]["default"] == 0.5
    why = "which refuses it (OpenAPI requires a valid default; the description keeps it)"
    assert [n for n in result.notes if "default" in n] == [
        f"InvocationRequest: params['max_tokens']: default null left out of the schema, {why}",
        f"InvocationRequest: params['stop']: default [\"a\", null] left out of the schema, {why}",
    ]


@cache
def _generated() -> list[Any]:
    from sig2jsonschema.strategies import signatures
    from sig2jsonschema.strategies._draw import draw_examples

    return draw_examples(signatures(), GENERATED_SIGNATURES, 316)


@pytest.mark.parametrize("index", range(GENERATED_SIGNATURES))
def test_generated_signatures_export_valid_openapi_30_and_31(index: int) -> None:
    sig = _generated()[index]
    for version in ("3.1", "3.0"):
        document = openapi_document(sig, version=version).document  # type: ignore[arg-type]
        json.dumps(document, allow_nan=False)
        validate(document)
