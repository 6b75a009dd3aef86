"""The ``schema`` and ``signature`` commands: output, files, pointers and exit codes."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import yaml
from jsonschema import Draft202012Validator

from sig2jsonschema import load_signature, signature_to_dict
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema.cli import run
from tests.conftest import CONFORMANCE, MODELS


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


IRIS = MODELS / "iris_sklearn_classifier"


@pytest.mark.parametrize("part", ["request", "inputs", "outputs", "params"])
@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_schema_prints_the_export(part, mode):
    code, out, err = cli("schema", str(IRIS), "--part", part, "--mode", mode)
    assert (code, err) == (0, "")
    document = json.loads(out)
    Draft202012Validator.check_schema(document)
    assert document == to_jsonschema(load_signature(IRIS), part, mode)


def test_schema_defaults_to_the_strict_request():
    code, out, _ = cli("schema", str(IRIS))
    assert code == 0
    assert json.loads(out)["$id"].endswith(":request:strict")


def test_schema_writes_to_a_file(tmp_path):
    target = tmp_path / "request.json"
    code, out, err = cli("schema", str(IRIS), "-o", str(target))
    assert (code, out, err) == (0, "", "")
    assert json.loads(target.read_text())["x-mlflow-part"] == "request"


def test_schema_of_a_missing_source_is_exit_2_with_one_line(tmp_path):
    code, out, err = cli("schema", str(tmp_path / "nope"))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert err.startswith("sig2jsonschema: error: ")


def test_schema_refuses_an_unknown_part(capsys):
    code, _, _ = cli("schema", str(IRIS), "--part", "body")
    assert code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["schema", "signature"])
def test_help_shows_an_example(command):
    out = StringIO()
    code = run([command, "--help"], stdout=out, stderr=StringIO())
    assert code == 0


def test_help_text_has_examples(capsys):
    run(["schema", "--help"])
    assert "examples:" in capsys.readouterr().out
    run(["signature", "--help"])
    assert "--pointer /components/schemas/" in capsys.readouterr().out


# --------------------------------------------------------------------------
# signature
# --------------------------------------------------------------------------
def test_signature_reads_an_export_back_exactly(tmp_path):
    source = CONFORMANCE / "signatures" / "p_scalar_all_types.json"
    exported = tmp_path / "request.json"
    assert cli("schema", str(source), "-o", str(exported))[0] == 0
    code, out, err = cli("signature", str(exported))
    assert (code, err) == (0, "")
    original = json.loads(source.read_text())
    assert json.loads(out) == {**original, "outputs": None}


def test_signature_as_an_mlmodel_block(tmp_path):
    exported = tmp_path / "inputs.json"
    cli("schema", str(MODELS / "type_hinted_pyfunc"), "--part", "inputs", "-o", str(exported))
    code, out, _ = cli("signature", str(exported), "--format", "mlmodel")
    assert code == 0
    block = yaml.safe_load(out)
    assert block["is_signature_from_type_hint"] is True
    assert (
        block["signature"]["inputs"]
        == signature_to_dict(load_signature(MODELS / "type_hinted_pyfunc"))["inputs"]
    )


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Customer": {
                "type": "object",
                "properties": {
                    "age": {"type": "integer"},
                    "tags": {"$ref": "#/components/schemas/Tags"},
                },
                "required": ["age"],
            },
            "Tags": {"type": "array", "items": {"type": "string"}},
            "Bad": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        }
    },
}


def test_signature_from_an_openapi_yaml_component_with_pointer(tmp_path):
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(OPENAPI))
    target = tmp_path / "sig.json"
    code, out, err = cli(
        "signature", str(path), "--pointer", "/components/schemas/Customer", "-o", str(target)
    )
    assert (code, out, err) == (0, "", "")
    inputs = json.loads(json.loads(target.read_text())["inputs"])
    assert inputs == [
        {"type": "long", "name": "age", "required": True},
        {"type": "array", "items": {"type": "string"}, "name": "tags", "required": False},
    ]


@pytest.mark.parametrize(
    ("setup", "pointer", "words"),
    [
        ("missing", None, "no such file"),
        ("not-json", None, "malformed JSON"),
        ("openapi", "/components/schemas/Nope", "leads nowhere"),
        ("openapi", "/components/schemas/Bad", "/components/schemas/Bad/oneOf (oneOf)"),
        ("list", None, "a schema is a JSON object"),
    ],
)
def test_signature_bad_input_is_exit_2_with_one_line(tmp_path, setup, pointer, words):
    path = tmp_path / "schema.json"
    if setup == "not-json":
        path.write_text("{nope")
    elif setup == "openapi":
        path.write_text(json.dumps(OPENAPI))
    elif setup == "list":
        path.write_text("[1, 2]")
    argv = ["signature", str(path)] + (["--pointer", pointer] if pointer else [])
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert words in err
