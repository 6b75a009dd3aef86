"""The ``check`` and ``diff`` commands: output, JSON shape and exit codes."""

from __future__ import annotations

import json
from io import StringIO

import pytest

from sig2jsonschema._check.changes import CHANGE_KINDS
from sig2jsonschema._check.report import CHECK_CODES, all_codes, check_severity
from sig2jsonschema._hazards.verdicts import FORMS, RULES
from sig2jsonschema.cli import run
from tests.check.test_check import clean_signatures, rejected_signatures
from tests.conftest import CONFORMANCE, MODELS, ROOT


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def sig_path(name: str) -> str:
    return str(CONFORMANCE / "signatures" / f"{name}.json")


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------
def test_check_text_of_a_clean_model():
    model = MODELS / "iris_sklearn_classifier"
    code, out, err = cli("check", str(model))
    assert (code, err) == (0, "")
    assert out == (
        f"{model}: ok: 0 error(s), 0 warning(s)\n"
        "judged for MLflow 3.17; the strict contract holds on MLflow 2.22, 3.17, 3.18\n"
        "\n"
        "body forms (recommended: dataframe_split)\n"
        "  works  dataframe_split\n"
        "  works  dataframe_records\n"
        "  works  inputs/columnar\n"
        "  works  inputs/records\n"
        "  works  instances/records\n"
        "  works  instances/columnar\n"
        "  (not for this signature: inputs/row, inputs/list, inputs/tensor, inputs/tensors, "
        "instances/list, instances/tensor, instances/tensors, llm)\n"
        "\n"
        "examples\n"
        "  serving_input_example.json: dataframe_split, MLflow serves it; strict: valid\n"
        "  input_example.json: dataframe_split, MLflow serves it; strict: valid\n"
    )


def test_check_text_puts_errors_first_and_names_failing_forms():
    code, out, _ = cli("check", sig_path("m_map_object"))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].endswith("FAIL: 2 error(s), 2 warning(s)")
    heads = [line.split()[0] for line in lines if line.startswith(("ERROR", "WARNING"))]
    assert heads == ["ERROR", "ERROR", "WARNING", "WARNING"]
    assert "  FAILS  inputs/columnar     map-column-not-one-row (inputs['entities'])" in lines


def test_check_json_document():
    code, out, _ = cli("check", str(MODELS / "optional_columns_sklearn"), "--output", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {
        "source",
        "mlflow_version",
        "strict_releases",
        "summary",
        "findings",
        "forms",
        "recommended",
        "examples",
    }
    # The model was saved by MLflow 3.17.2: its own release is judged.
    assert (doc["mlflow_version"], doc["strict_releases"]) == ("3.17", ["2.22", "3.17", "3.18"])
    assert list(doc["forms"]) == list(FORMS)
    assert all(set(v) >= {"works", "why"} for v in doc["forms"].values())
    for finding in doc["findings"]:
        assert set(finding) == {"severity", "code", "field", "forms", "message", "fix", "example"}
    codes = [f["code"] for f in doc["findings"]]
    assert "example-non-rfc-json" in codes
    assert doc["recommended"] == "dataframe_split"
    assert [e["file"] for e in doc["examples"]] == [
        "serving_input_example.json",
        "input_example.json",
    ]
    assert doc["examples"][0]["mlflow"]["status"] == 200


def test_fail_on_warning_fails_on_warnings():
    model = str(MODELS / "optional_columns_sklearn")
    assert cli("check", model)[0] == 0
    assert cli("check", model, "--fail-on", "warning")[0] == 1
    assert cli("check", str(MODELS / "iris_sklearn_classifier"), "--fail-on", "warning")[0] == 0


@pytest.mark.parametrize("name", rejected_signatures())
def test_check_exits_1_where_mlflow_rejected_well_formed_bodies(name):
    code, out, _ = cli("check", sig_path(name), "--output", "json")
    assert code == 1
    assert any(
        f["severity"] == "error" and (f["field"] or f["forms"]) for f in json.loads(out)["findings"]
    )


@pytest.mark.parametrize("name", clean_signatures())
def test_check_exits_0_where_mlflow_served_every_form_unchanged(name):
    assert cli("check", sig_path(name))[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "/no/such/model"],
        ["check", "/no/such/model", "--output", "json"],
        ["diff", "/no/such/model", sig_path("u_double")],
        ["diff", sig_path("u_double"), "/no/such/model"],
    ],
)
def test_bad_input_exits_2_with_one_line(argv):
    code, out, err = cli(*argv)
    assert (code, out) == (2, "")
    assert err.startswith("sig2jsonschema: error: ")
    assert err.count("\n") == 1


def test_malformed_signature_exits_2(tmp_path):
    bad = tmp_path / "sig.json"
    bad.write_text('{"inputs": "[{\\"type\\": \\"int\\"}]"}', encoding="utf-8")
    code, _, err = cli("check", str(bad))
    assert code == 2
    assert "inputs[0].type" in err


def test_usage_error_exits_2():
    assert cli("check", sig_path("u_double"), "--fail-on", "info")[0] == 2


# --------------------------------------------------------------------------
# diff
# --------------------------------------------------------------------------
def test_diff_identical_exits_0():
    code, out, _ = cli("diff", sig_path("u_double"), sig_path("u_double"))
    assert code == 0
    assert out.endswith(": no changes\n")


def test_diff_text_groups_requests_and_responses():
    old = str(MODELS / "iris_sklearn_classifier")
    new = str(MODELS / "mixed_types_sklearn_regressor")
    code, out, _ = cli("diff", old, new)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{old} -> {new}: 10 change(s), 5 breaking"
    assert lines.index("requests (inputs and params)") < lines.index("responses (outputs)")
    kinds = [line.split()[0] for line in lines if line.startswith("  ") and line[2] != " "]
    assert kinds == ["BREAKING"] * 5 + ["BEHAVIOUR"] * 5


def test_diff_json_and_exit_code_follow_breaking_changes():
    code, out, _ = cli(
        "diff", sig_path("s_numeric_mixed_optional"), sig_path("u_double"), "--output", "json"
    )
    doc = json.loads(out)
    assert code == 1
    assert doc["breaking"] is True
    assert {c["change_code"] for c in doc["changes"]} == {"naming-changed"}
    assert set(doc["changes"][0]) == {"kind", "part", "field", "change_code", "message"}


def test_diff_with_only_safe_or_behaviour_changes_exits_0(tmp_path):
    old = {"inputs": json.dumps([{"type": "long", "name": "a", "required": True}])}
    new = {
        "inputs": json.dumps(
            [
                {"type": "double", "name": "a", "required": True},
                {"type": "string", "name": "b", "required": False},
            ]
        )
    }
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new), encoding="utf-8")
    code, out, _ = cli("diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert code == 0
    assert "SAFE      type-widened" in out
    assert "SAFE      column-added-optional" in out


# --------------------------------------------------------------------------
# docs/check.md stays true
# --------------------------------------------------------------------------
DOC = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")


def _table_rows() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 2:
            rows[cells[0].split("`")[1]] = cells[1:]
    return rows


def test_every_finding_code_is_documented_with_its_severity():
    rows = _table_rows()
    for code in all_codes():
        assert code in rows, code
    for code, (severity, _) in CHECK_CODES.items():
        assert rows[code][0] == severity
    for rule in RULES:
        table = "warning" if rule.severity == "required" else rule.severity
        assert rows[rule.code][0] == check_severity(rule.code, table), rule.code


def test_every_change_code_is_documented_with_its_kinds():
    rows = _table_rows()
    for code, kinds in CHANGE_KINDS.items():
        assert tuple(rows[code][:2]) == kinds, code


def test_the_pasted_report_is_what_the_command_prints(monkeypatch):
    """The report in the docs is the real one (codes, fields and form lines)."""
    monkeypatch.chdir(ROOT)
    start = DOC.index("$ sig2jsonschema check fixtures/models/optional_columns_sklearn\n")
    pasted = DOC[start:].split("\n", 1)[1].split("$ echo $?")[0]
    code, out, _ = cli("check", "fixtures/models/optional_columns_sklearn")
    assert code == 0

    def skeleton(text: str) -> list[str]:
        # Codes, fields, forms and example verdicts; not the message, fix and
        # forms lines, nor the strict problem counts (the validator's wording).
        return [
            line.split(";")[0]
            for line in text.splitlines()
            if line and not line.startswith("         ")
        ]

    assert skeleton(pasted) == skeleton(out)
