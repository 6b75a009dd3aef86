"""The release table: each row's measured facts, re-asked of the real server it describes."""

from __future__ import annotations

import json
from importlib.metadata import version
from typing import TYPE_CHECKING

import pytest

from sig2jsonschema import load_signature, openapi_document, to_jsonschema
from sig2jsonschema._releases.table import (
    DEFAULT_RELEASE,
    NEWEST_RELEASE,
    RELEASES,
    release_for_model,
    resolve_release,
)
from tests.conftest import CONFORMANCE, MODELS

if TYPE_CHECKING:
    from collections.abc import Callable

    from tests.oracles import ReleaseOracle

DOUBLE = json.loads((CONFORMANCE / "signatures" / "u_double.json").read_text())
OBJECT_TENSOR = json.loads((CONFORMANCE / "signatures" / "t_object_1d.json").read_text())


def _with_extra(value: str) -> str:
    """A valid body plus an ignored top-level key holding ``value``."""
    return '{"dataframe_records": [{"c0": 1.5}], "zz": ' + value + "}"


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_every_release_is_filed_under_its_own_version() -> None:
    assert RELEASES, "the table is empty"
    for key, release in RELEASES.items():
        assert release.version.startswith(key + ".")
        assert release.line == key
    assert RELEASES[DEFAULT_RELEASE.line] is DEFAULT_RELEASE


@pytest.mark.parametrize(
    ("asked", "line"),
    [("3.18", "3.18"), ("3.18.0", "3.18"), (" 2.22.5 ", "2.22"), ("3.17", "3.17")],
)
def test_a_release_is_named_by_its_line_or_any_patch_of_it(asked: str, line: str) -> None:
    assert resolve_release(asked).line == line


@pytest.mark.parametrize("asked", ["3.16", "4.0", "", "latest", "3"])
def test_an_unsupported_release_is_a_value_error_listing_the_supported(asked: str) -> None:
    with pytest.raises(ValueError, match=r"supported: 2\.22, 3\.17, 3\.18"):
        resolve_release(asked)


def test_the_default_is_the_models_own_release_else_the_newest() -> None:
    assert release_for_model(None, "2.22.1") == (RELEASES["2.22"], None)
    assert release_for_model(None, None) == (NEWEST_RELEASE, None)
    assert release_for_model("3.17", "2.22.1") == (RELEASES["3.17"], None)
    release, note = release_for_model(None, "2.9.0")
    assert release is NEWEST_RELEASE
    assert note is not None
    assert "2.9.0" in note
    assert "not supported" in note


def test_the_default_release_is_the_mlflow_the_tests_compare_with() -> None:
    # The oracle, the labelled corpus and the live tests all run this MLflow.
    assert version("mlflow-skinny") == DEFAULT_RELEASE.version


def test_mlflow_exports_are_stamped_with_their_release_and_strict_with_all() -> None:
    sig = load_signature(MODELS / "iris_sklearn_classifier")  # saved by MLflow 3.17.2
    assert to_jsonschema(sig, mode="mlflow")["x-mlflow-version"] == "3.17"
    assert to_jsonschema(sig, mode="mlflow", mlflow_version="3.18.0")["x-mlflow-version"] == "3.18"
    assert to_jsonschema(sig)["x-mlflow-versions"] == ["2.22", "3.17", "3.18"]
    document = openapi_document(sig, mode="mlflow", mlflow_version="2.22").document
    assert document["info"]["version"] == "2.22"
    assert "MLflow 2.22" in document["info"]["description"]
    strict = openapi_document(sig).document
    assert strict["info"]["version"] == "2.22, 3.17, 3.18"
    with pytest.raises(ValueError, match="supported: "):
        to_jsonschema(sig, mode="mlflow", mlflow_version="3.16")


def test_a_2_22_mlflow_export_accepts_mixed_datetime_formats_as_its_server_does() -> None:
    sig = load_signature({"inputs": '[{"type": "datetime", "name": "d"}]'})
    for line, uniform in (("2.22", False), ("3.17", True), ("3.18", True)):
        schema = to_jsonschema(sig, mode="mlflow", mlflow_version=line)
        split = json.dumps(schema)
        assert ("x-mlflow-uniform-datetime" in split) is uniform, line


@pytest.mark.mlflow
@pytest.mark.parametrize("line", list(RELEASES))
def test_the_measured_limits_of_every_release_hold_on_its_real_server(
    release_oracle: Callable[[str], ReleaseOracle], line: str
) -> None:
    release = RELEASES[line]
    oracle = release_oracle(line)
    assert oracle.version == release.version
    # The top-level object counts as one level, the ignored array the rest.
    json_depth = {
        _with_extra(_nested(release.json_crash_depth - 2)): 200,
        _with_extra(_nested(release.json_crash_depth - 1)): 500,
    }
    digits = {
        _with_extra("9" * release.max_int_digits): 200,
        _with_extra("9" * (release.max_int_digits + 1)): 500,
    }
    answers = oracle.query(DOUBLE, [*json_depth, *digits])
    assert [a["status"] for a in answers] == [*json_depth.values(), *digits.values()]
    deepcopy = {
        '{"inputs": ' + _nested(release.deepcopy_crash_depth - 1) + "}": 200,
        '{"inputs": ' + _nested(release.deepcopy_crash_depth) + "}": 400,
    }
    answers = oracle.query(OBJECT_TENSOR, list(deepcopy))
    assert [a["status"] for a in answers] == list(deepcopy.values())
