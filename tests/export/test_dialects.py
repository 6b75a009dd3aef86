"""Dialect down-conversion: every export converts, stays valid for its metaschema, and the
loss report names exactly what was dropped or weakened.

Three kinds of test:

* corpus: every fixture signature, both modes, every part and dialect exports; draft-04/07
  pass their metaschema; exact dialects give the same verdicts as 2020-12 on every corpus
  body; lossy ones accept at least what the strict validator accepts;
* one test per construct a target cannot carry: the loss entry (pointer, keyword) and a
  witness body showing the direction of the change;
* exact rewrites: no loss, same verdicts on probe instances.
"""

from __future__ import annotations

import io
import json
from argparse import ArgumentParser
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import example, given, note
from hypothesis import strategies as st
from jsonschema import Draft4Validator, Draft7Validator, Draft202012Validator
from openapi_schema_validator import OAS30Validator, OAS31Validator

from sig2jsonschema import load_signature
from sig2jsonschema._export.dialects.convert import export, to_components, to_dialect
from sig2jsonschema._export.dialects.tree import DIALECTS
from sig2jsonschema._export.to_schema import to_jsonschema
from sig2jsonschema.cli._common import Streams
from sig2jsonschema.cli._schema import add_dialect_arguments, apply_dialect
from sig2jsonschema.exceptions import SourceError
from tests.conftest import corpus_signature_paths, load_cases, model_dirs

if TYPE_CHECKING:
    from pathlib import Path

SOURCES = [*corpus_signature_paths(), *model_dirs()]
VALIDATORS: dict[str, Any] = {
    "2020-12": Draft202012Validator,
    "draft-07": Draft7Validator,
    "draft-04": Draft4Validator,
    "openapi-3.1": OAS31Validator,
    "openapi-3.0": OAS30Validator,
}


def validator(schema: Any, dialect: str) -> Any:
    cls = VALIDATORS[dialect]
    # Each dialect's own format checker: it asserts only the formats that dialect defines.
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def verdicts(schema: Any, dialect: str, instances: list[Any]) -> list[bool]:
    check = validator(schema, dialect)
    return [check.is_valid(i) for i in instances]


def convert(schema: Any, dialect: str) -> tuple[Any, list[dict[str, Any]]]:
    out, losses = to_dialect(schema, dialect)  # type: ignore[arg-type]
    return out, [dict(loss) for loss in losses]


def keywords(losses: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(loss["pointer"], loss["keyword"]) for loss in losses]


# -- corpus ---------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem if p.is_file() else p.name)
def test_every_fixture_signature_exports_in_every_dialect(source: Path) -> None:
    sig = load_signature(source)
    for mode in ("strict", "mlflow"):
        for part in ("request", "inputs", "outputs", "params"):
            if part == "outputs" and sig.outputs is None:
                continue
            original = to_jsonschema(sig, part=part, mode=mode)
            for dialect in DIALECTS:
                out, losses = to_dialect(original, dialect)
                json.dumps(out, allow_nan=False)  # plain JSON, nothing Python-only
                if dialect == "draft-04":
                    Draft4Validator.check_schema(out)
                    assert out["$schema"] == "http://json-schema.org/draft-04/schema#"
                elif dialect == "draft-07":
                    Draft7Validator.check_schema(out)
                elif dialect == "2020-12":
                    assert out == original
                    assert losses == []
                else:
                    VALIDATORS[dialect].check_schema(out)
                    assert "$schema" not in out
                    assert "$defs" not in json.dumps(out)  # inlined: pasteable anywhere


@cache
def corpus_bodies() -> dict[str, list[tuple[str, Any]]]:
    """Per signature: (case id, parsed body) for every body JSON can parse."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for case in load_cases():
        try:
            body = json.loads(case["body"])
        except (ValueError, RecursionError):
            continue
        out.setdefault(case["signature"], []).append((case["id"], body))
    return out


def _without_integral_floats(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_without_integral_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _without_integral_floats(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
@pytest.mark.parametrize("path", corpus_signature_paths(), ids=lambda p: p.stem)
def test_conversions_keep_the_verdicts_on_the_corpus(path: Path, mode: str) -> None:
    """Empty report => same verdict; a report => accepts at least as much (2020-12 baseline).

    draft-04 and OpenAPI 3.0 read ``integer`` without fractions (1.0 is not an integer);
    the strict exports mark those places ``x-mlflow-token: integer`` (the strict
    validator rejects 1.0 there too), so a body that differs only by such a value is
    compared with its integral floats written as integers.
    """
    original = to_jsonschema(load_signature(path), mode=mode)
    bodies = corpus_bodies()[path.stem]
    reference = validator(original, "2020-12")
    for dialect in ("draft-07", "draft-04", "openapi-3.1", "openapi-3.0"):
        out, losses = convert(original, dialect)
        check = validator(out, dialect)
        for case_id, body in bodies:
            before, after = reference.is_valid(body), check.is_valid(body)
            if before and not after and dialect in {"draft-04", "openapi-3.0"}:
                after = check.is_valid(_without_integral_floats(body))
            if losses:
                assert after or not before, f"{dialect} rejects {case_id}"
            else:
                assert after == before, f"{dialect} changes the verdict on {case_id}"


@pytest.mark.parametrize("path", corpus_signature_paths(), ids=lambda p: p.stem)
def test_older_dialects_accept_every_body_the_strict_validator_accepts(path: Path) -> None:
    from sig2jsonschema._validate.validator import Validator

    sig = load_signature(path)
    strict = Validator(sig)
    original = to_jsonschema(sig, mode="strict")
    converted = {d: validator(convert(original, d)[0], d) for d in DIALECTS}
    cases = [c for c in load_cases() if c["signature"] == path.stem]
    for case in cases:
        if not strict.is_valid(case["body"]):
            continue
        body = json.loads(case["body"])
        rejected = [d for d, check in converted.items() if not check.is_valid(body)]
        assert rejected == [], case["id"]


def test_only_tuple_arrays_cost_anything_on_the_corpus() -> None:
    """What the fixture exports lose, per dialect: only OpenAPI 3.0's missing tuples."""
    lost: dict[str, set[str]] = {d: set() for d in DIALECTS}
    for path in SOURCES:
        sig = load_signature(path)
        for mode in ("strict", "mlflow"):
            original = to_jsonschema(sig, mode=mode)
            for dialect in DIALECTS:
                lost[dialect] |= {loss["keyword"] for loss in to_dialect(original, dialect)[1]}
    assert lost == {
        "2020-12": set(),
        "draft-07": set(),
        "draft-04": set(),
        "openapi-3.1": set(),
        "openapi-3.0": {"prefixItems"},
    }


def test_export_converts_from_any_signature_source() -> None:
    path = next(p for p in model_dirs() if p.name == "iris_sklearn_classifier")
    schema, losses = export(path, dialect="draft-04")
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert "definitions" in schema
    assert losses == []
    same, _ = export(path, mode="strict", part="request", dialect="2020-12")
    assert same == to_jsonschema(load_signature(path))


def test_conversion_leaves_its_input_untouched() -> None:
    original = to_jsonschema(load_signature(corpus_signature_paths()[0]))
    snapshot = json.dumps(original, sort_keys=True)
    for dialect in DIALECTS:
        to_dialect(original, dialect)
    assert json.dumps(original, sort_keys=True) == snapshot


def test_unknown_dialect_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown dialect"):
        to_dialect({}, "draft-03")  # type: ignore[arg-type]


# -- one test per construct a target cannot carry ----------------------------------------------

S = "https://json-schema.org/draft/2020-12/schema"


def check_direction(
    original: Any, dialect: str, probes: list[Any], *, loses: bool
) -> tuple[Any, list[dict[str, Any]]]:
    """Convert; assert the report is (non-)empty and the verdicts move the right way."""
    out, losses = convert(original, dialect)
    before = verdicts(original, "2020-12", probes)
    after = verdicts(out, dialect, probes)
    assert all(a or not b for a, b in zip(after, before, strict=True)), (before, after)
    if loses:
        assert losses
        assert before != after, "the probes show no weakening"
    else:
        assert losses == []
        assert before == after
    return out, losses


def test_prefix_items_in_openapi_30_become_one_schema_and_are_reported() -> None:
    schema = {"type": "array", "prefixItems": [{"type": "number"}, {"type": "string"}]}
    _, losses = check_direction(schema, "openapi-3.0", [[1, "a"], ["a", 1], [1]], loses=True)
    assert keywords(losses) == [("/prefixItems", "prefixItems")]


def test_prefix_items_of_one_schema_convert_exactly_to_openapi_30() -> None:
    schema = {"type": "array", "prefixItems": [{"type": "number"}] * 2, "items": False}
    out, _ = check_direction(schema, "openapi-3.0", [[1, 2], [1, 2, 3], ["a"]], loses=False)
    assert out["items"] == {"type": "number"}
    assert out["maxItems"] == 2


@pytest.mark.parametrize("dialect", ["draft-07", "draft-04"])
def test_prefix_items_become_exact_tuple_items_in_drafts(dialect: str) -> None:
    schema = {"prefixItems": [{"type": "number"}, {"type": "string"}], "items": False}
    out, _ = check_direction(schema, dialect, [[1, "a"], ["a", 1], [1, "a", 2], []], loses=False)
    assert out["items"] == [{"type": "number"}, {"type": "string"}]
    assert out["additionalItems"] is False


def test_unevaluated_properties_from_branches_are_reported() -> None:
    schema = {
        "anyOf": [{"properties": {"a": {"type": "number"}}}, {"properties": {"b": {}}}],
        "unevaluatedProperties": False,
    }
    probes = [{"a": 1}, {"b": 1}, {"a": "x", "b": 1}, {"c": 1}]
    for dialect in ("draft-07", "draft-04", "openapi-3.0"):
        _, losses = check_direction(schema, dialect, probes, loses=True)
        assert keywords(losses) == [("/unevaluatedProperties", "unevaluatedProperties")]
    assert convert(schema, "openapi-3.1")[1] == []


def test_unevaluated_properties_under_a_required_guard_convert_exactly() -> None:
    """The request schemas' dispatch idiom: ``if required [k] then properties {k}``."""
    schema = {
        "properties": {"params": {"type": "object"}},
        "allOf": [
            {"if": {"required": ["a"]}, "then": {"properties": {"a": {"type": "number"}}}},
            {"properties": {"b": {"type": "string"}}},
        ],
        "unevaluatedProperties": False,
    }
    probes = [{"a": 1}, {"a": "x"}, {"b": "s", "params": {}}, {"c": 1}, {"a": 1, "b": 2}]
    for dialect in ("draft-07", "draft-04", "openapi-3.0"):
        check_direction(schema, dialect, probes, loses=False)


def test_unevaluated_items_from_branches_are_reported() -> None:
    schema = {
        "anyOf": [
            {"prefixItems": [{"type": "number"}]},
            {"prefixItems": [{"type": "string"}, {}]},
        ],
        "unevaluatedItems": False,
    }
    _, losses = check_direction(schema, "draft-07", [[1], [1, 2], ["a", 2], [1, 2, 3]], loses=True)
    assert keywords(losses) == [("/unevaluatedItems", "unevaluatedItems")]


def test_unevaluated_items_after_contains_convert_exactly() -> None:
    schema = {"contains": {"type": "string"}, "unevaluatedItems": {"type": "number"}}
    probes = [["a", 1], ["a", True], [1], ["a", "b"], []]
    for dialect in ("draft-07", "draft-04", "openapi-3.0"):
        check_direction(schema, dialect, probes, loses=False)


@pytest.mark.parametrize("dialect", ["draft-07", "draft-04", "openapi-3.0"])
def test_min_contains_above_one_is_reported(dialect: str) -> None:
    schema = {"contains": {"type": "string"}, "minContains": 2}
    _, losses = check_direction(schema, dialect, [["a", "b"], ["a", 1], [1]], loses=True)
    assert keywords(losses) == [("/minContains", "minContains")]


@pytest.mark.parametrize("dialect", ["draft-07", "draft-04", "openapi-3.0"])
def test_max_contains_is_reported(dialect: str) -> None:
    schema = {"contains": {"type": "string"}, "maxContains": 1}
    _, losses = check_direction(schema, dialect, [["a"], ["a", "b"], [1]], loses=True)
    assert keywords(losses) == [("/maxContains", "maxContains")]


@pytest.mark.parametrize("dialect", ["draft-04", "openapi-3.0"])
def test_property_names_are_reported_where_missing(dialect: str) -> None:
    schema = {"propertyNames": {"pattern": "^[a-z]+$"}}
    _, losses = check_direction(schema, dialect, [{"ab": 1}, {"A": 1}, 3], loses=True)
    assert keywords(losses) == [("/propertyNames", "propertyNames")]
    assert convert(schema, "draft-07")[1] == []


def test_pattern_properties_in_openapi_30_are_reported() -> None:
    schema = {
        "properties": {"x_1": {"type": "number"}},
        "patternProperties": {"^x_": {"minimum": 0}},
        "additionalProperties": False,
    }
    probes = [{"x_1": 1}, {"x_1": -1}, {"x_2": 3}, {"y": 3}, {"x_2": -3}]
    out, losses = check_direction(schema, "openapi-3.0", probes, loses=True)
    assert keywords(losses) == [("/patternProperties", "patternProperties")]
    assert out["properties"]["x_1"] == {"allOf": [{"type": "number"}, {"minimum": 0}]}


@pytest.mark.parametrize(("dialect", "name"), [("draft-04", "date"), ("draft-07", "uuid")])
def test_formats_the_target_does_not_define_are_reported(dialect: str, name: str) -> None:
    schema = {"type": "string", "format": name}
    _, losses = check_direction(schema, dialect, ["2024-01-01", "not a value"], loses=True)
    assert keywords(losses) == [("/format", "format")]


@pytest.mark.parametrize("dialect", ["draft-04", "openapi-3.0"])
def test_draft04_integers_without_fraction_are_reported_as_rejecting_more(dialect: str) -> None:
    out, losses = convert({"type": "integer"}, dialect)
    assert keywords(losses) == [("/type", "type")]
    assert losses[0]["effect"] == "rejects-more"
    assert not validator(out, dialect).is_valid(1.0)
    token = {"type": "integer", "x-mlflow-token": "integer"}  # the export already wants 1
    assert convert(token, dialect)[1] == []


def test_ambiguous_dynamic_references_are_reported() -> None:
    schema = {
        "$dynamicRef": "#node",
        "$defs": {
            "a": {"$dynamicAnchor": "node", "type": "number"},
            "b": {"$dynamicAnchor": "node"},
        },
    }
    out, losses = convert(schema, "draft-07")
    assert ("/$dynamicRef", "$dynamicRef") in keywords(losses)
    assert validator(out, "draft-07").is_valid(1)


def test_recursive_references_cannot_be_inlined_in_openapi_and_are_reported() -> None:
    schema = {
        "$ref": "#/$defs/tree",
        "$defs": {"tree": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
    }
    out, losses = convert(schema, "openapi-3.0")
    assert ("/$defs/tree/items/$ref", "$ref") in keywords(losses)
    assert validator(out, "openapi-3.0").is_valid([[[]]])
    draft, none = convert(schema, "draft-07")  # drafts keep definitions: exact
    assert none == []
    assert not validator(draft, "draft-07").is_valid([[1]])


def test_legacy_assertions_openapi_30_cannot_hold_are_reported() -> None:
    _, losses = convert({"dependencies": {"a": ["b"]}}, "openapi-3.0")
    assert keywords(losses) == [("/dependencies", "dependencies")]


def test_approximations_in_negated_positions_are_narrowed() -> None:
    """Inside ``not`` (and in ``if`` conditions) a widened subschema would reject more."""
    schema = {"not": {"prefixItems": [{"type": "string"}, {"type": "number"}]}}
    probes = [["a", 1], [1, "a"], ["a", "b"], [], 5]
    _, losses = check_direction(schema, "openapi-3.0", probes, loses=True)
    assert "negated position" in losses[0]["consequence"]
    conditional = {
        "if": {"prefixItems": [{"type": "array"}]},
        "then": {"maxItems": 1},
        "else": {"items": {"type": "number"}},
    }
    probes = [[[1, 2]], [1.5, 2], [[1], [2]], ["a"], [[1], 2]]
    check_direction(conditional, "openapi-3.0", probes, loses=True)
    check_direction({"oneOf": [schema["not"], {"minItems": 2}]}, "openapi-3.0", probes, loses=True)


# -- exact rewrites ---------------------------------------------------------------------------


EXACT: list[tuple[str, dict[str, Any], list[Any]]] = [
    ("const", {"const": "x"}, ["x", "y", 1]),
    ("const null", {"type": ["string", "null"], "const": None}, [None, "x"]),
    (
        "if/then/else",
        {"if": {"type": "string"}, "then": {"minLength": 2}, "else": {"type": "number"}},
        ["ab", "a", 1, True],
    ),
    ("if/then", {"if": {"type": "string"}, "then": {"minLength": 2}}, ["ab", "a", 1]),
    ("if/else", {"if": {"type": "string"}, "else": {"type": "number"}}, ["a", 1, True]),
    (
        "dependentSchemas",
        {"dependentSchemas": {"a": {"required": ["b"]}}},
        [{"a": 1}, {"a": 1, "b": 2}, {"b": 1}, 3],
    ),
    ("dependentRequired", {"dependentRequired": {"a": ["b"]}}, [{"a": 1}, {"a": 1, "b": 2}, 3]),
    ("contains", {"contains": {"type": "string"}}, [["a"], [1], [], "x"]),
    ("minContains 0", {"contains": {"type": "string"}, "minContains": 0}, [[1], []]),
    ("exclusiveMinimum", {"exclusiveMinimum": 1, "minimum": 0}, [0, 1, 1.5]),
    ("exclusiveMaximum", {"exclusiveMaximum": 5, "maximum": 9}, [5, 4.9, 9]),
    ("false schema", {"properties": {"a": False}}, [{"a": 1}, {"b": 1}]),
    (
        "ref siblings",
        {"$ref": "#/$defs/n", "maximum": 3, "$defs": {"n": {"type": "number"}}},
        [2, 4, "a"],
    ),
    ("anchor", {"$ref": "#num", "$defs": {"n": {"$anchor": "num", "type": "number"}}}, [1, "a"]),
    ("type array", {"type": ["number", "string", "null"]}, [1, "a", None, True]),
    ("null type", {"type": "null"}, [None, 0]),
    ("empty enum", {"enum": []}, [1, None]),
    ("empty required", {"required": []}, [{}, 1]),
]


@pytest.mark.parametrize("dialect", ["draft-07", "draft-04", "openapi-3.1", "openapi-3.0"])
@pytest.mark.parametrize(("name", "schema", "probes"), EXACT, ids=[e[0] for e in EXACT])
def test_exact_rewrites_report_nothing_and_keep_verdicts(
    dialect: str, name: str, schema: dict[str, Any], probes: list[Any]
) -> None:
    out, _ = check_direction({"$schema": S, **schema}, dialect, probes, loses=False)
    if dialect == "draft-04":
        Draft4Validator.check_schema(out)
    if dialect == "openapi-3.0":
        OAS30Validator.check_schema(out)


def test_openapi_30_annotations_move_to_their_30_spelling() -> None:
    schema = {
        "type": "string",
        "contentEncoding": "base64",
        "contentMediaType": "image/png",
        "examples": ["aGk=", "eA=="],
        "$comment": "why",
        "x-mlflow-type": "binary",
    }
    out, losses = convert(schema, "openapi-3.0")
    assert losses == []
    assert out == {
        "type": "string",
        "example": "aGk=",
        "x-examples": ["aGk=", "eA=="],
        "x-contentEncoding": "base64",
        "x-contentMediaType": "image/png",
        "x-comment": "why",
        "x-mlflow-type": "binary",
    }


def test_draft_04_renames_identifiers_and_definitions() -> None:
    schema = {
        "$schema": S,
        "$id": "urn:example:x",
        "properties": {"a": {"$ref": "#/$defs/a"}},
        "$defs": {"a": {"const": 1}},
    }
    out, losses = convert(schema, "draft-04")
    assert losses == []
    assert out == {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "id": "urn:example:x",
        "properties": {"a": {"$ref": "#/definitions/a"}},
        "definitions": {"a": {"enum": [1]}},
    }


def test_components_point_references_into_the_openapi_document() -> None:
    schema = {
        "$schema": S,
        "$id": "urn:example:x",
        "properties": {"a": {"$ref": "#/$defs/a b"}, "self": {"$ref": "#"}},
        "$defs": {"a b": {"type": ["number", "null"]}},
    }
    out, components, losses = to_components(schema, "openapi-3.0", prefix="M.", name="M")
    assert losses == []
    assert out == {
        "properties": {
            "a": {"$ref": "#/components/schemas/M.a_b"},
            "self": {"$ref": "#/components/schemas/M"},
        }
    }
    assert components == {"M.a_b": {"type": "number", "nullable": True}}


# -- CLI hooks --------------------------------------------------------------------------------


def _streams() -> Streams:
    return Streams(stdout=io.StringIO(), stderr=io.StringIO(), stdin=io.StringIO())


def test_apply_dialect_summarizes_losses_and_writes_the_whole_report(tmp_path: Path) -> None:
    parser = ArgumentParser()
    add_dialect_arguments(parser)
    report = tmp_path / "losses.json"
    args = parser.parse_args(["--dialect", "openapi-3.0", "--report", str(report)])
    schema = {
        "properties": {
            f"c{i}": {"prefixItems": [{"type": "number"}, {"type": "string"}]} for i in range(5)
        }
    }
    streams = _streams()
    out = apply_dialect(schema, args, streams)
    assert "prefixItems" not in json.dumps(out)
    lines = streams.stderr.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0].endswith("5 constraint(s) dropped or weakened:")
    assert len(lines) == 5  # the heading, three losses, and "... and 2 more"
    assert lines[-1].strip() == "... and 2 more"
    written = json.loads(report.read_text(encoding="utf-8"))
    assert [entry["pointer"] for entry in written] == [
        f"/properties/c{i}/prefixItems" for i in range(5)
    ]


def test_apply_dialect_is_silent_when_nothing_is_lost(tmp_path: Path) -> None:
    parser = ArgumentParser()
    add_dialect_arguments(parser)
    report = tmp_path / "losses.json"
    args = parser.parse_args(["--dialect", "draft-07", "--report", str(report)])
    streams = _streams()
    apply_dialect({"const": 1}, args, streams)
    assert streams.stderr.getvalue() == ""  # type: ignore[attr-defined]
    assert json.loads(report.read_text(encoding="utf-8")) == []


def test_apply_dialect_refuses_a_report_on_stdout() -> None:
    parser = ArgumentParser()
    add_dialect_arguments(parser)
    args = parser.parse_args(["--report", "-"])
    with pytest.raises(SourceError, match="--report"):
        apply_dialect({}, args, _streams())


# -- property: soundness on random schemas ----------------------------------------------------

LEAVES = [None, True, False, 0, 1, 2.5, -3, "", "a", "2024-01-02", "x_1"]


def _instances() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.sampled_from(["a", "b", "x_1", "c"]), inner, max_size=3)
        ),
        max_leaves=6,
    )


def _schemas() -> st.SearchStrategy[Any]:
    names = st.sampled_from(["a", "b", "x_1"])
    leaf = st.one_of(
        st.booleans(),
        st.fixed_dictionaries(
            {"type": st.sampled_from(["number", "string", "boolean", "null", "array", "object"])}
        ),
        st.fixed_dictionaries(
            {
                "type": st.lists(
                    st.sampled_from(["number", "string", "null"]),
                    min_size=1,
                    max_size=2,
                    unique=True,
                )
            }
        ),
        st.builds(lambda v: {"const": v}, st.sampled_from(LEAVES)),
        st.builds(lambda m: {"exclusiveMinimum": m}, st.sampled_from([0, 1])),
        st.builds(lambda n: {"format": n}, st.sampled_from(["date", "uuid"])),
        st.builds(lambda r: {"required": r}, st.lists(names, max_size=2, unique=True)),
        st.builds(
            lambda r: {"dependentRequired": {"a": r}}, st.lists(names, max_size=2, unique=True)
        ),
    )

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(lambda s: {"not": s}, inner),
            st.builds(lambda a, b: {"allOf": [a, b]}, inner, inner),
            st.builds(lambda a, b: {"anyOf": [a, b]}, inner, inner),
            st.builds(lambda a, b: {"oneOf": [a, b]}, inner, inner),
            st.builds(lambda a, b, c: {"if": a, "then": b, "else": c}, inner, inner, inner),
            st.builds(
                lambda p, i: {"prefixItems": p, "items": i}, st.lists(inner, max_size=2), inner
            ),
            st.builds(lambda p: {"prefixItems": p}, st.lists(inner, min_size=1, max_size=2)),
            st.builds(
                lambda c, n: {"contains": c, "minContains": n}, inner, st.sampled_from([0, 1, 2])
            ),
            st.builds(
                lambda c, n: {"contains": c, "maxContains": n}, inner, st.sampled_from([0, 1])
            ),
            st.builds(
                lambda p, a: {"properties": p, "additionalProperties": a},
                st.dictionaries(names, inner, max_size=2),
                inner,
            ),
            st.builds(lambda p: {"patternProperties": {"^x_": p}}, inner),
            st.builds(
                lambda p, a: {"patternProperties": {"^x_": p}, "additionalProperties": a},
                inner,
                inner,
            ),
            st.builds(lambda p: {"propertyNames": p}, inner),
            st.builds(lambda s: {"dependentSchemas": {"a": s}}, inner),
            st.builds(
                lambda a, b, u: {"anyOf": [a, b], "unevaluatedProperties": u}, inner, inner, inner
            ),
            st.builds(
                lambda a, u: {"allOf": [a], "properties": {"b": True}, "unevaluatedProperties": u},
                inner,
                inner,
            ),
            st.builds(
                lambda a, b, u: {"anyOf": [a, b], "unevaluatedItems": u}, inner, inner, inner
            ),
            st.builds(lambda c, u: {"contains": c, "unevaluatedItems": u}, inner, inner),
        )

    tree = st.recursive(leaf, extend, max_leaves=5)
    # References, also from negated positions (a lossy definition is inlined narrowed there).
    with_refs = st.builds(
        lambda d, body: {
            "$defs": {"d": d},
            "anyOf": [{"allOf": [body, {"$ref": "#/$defs/d"}]}, {"not": {"$ref": "#/$defs/d"}}],
        },
        tree,
        tree,
    )
    return st.one_of(tree, with_refs)


@given(schema=_schemas(), instances=st.lists(_instances(), min_size=8, max_size=8))
# A lossy "if" with boolean branches once crashed the else-if flattening (draft-07).
@example(schema={"if": {"format": "uuid"}, "then": False, "else": False}, instances=["a"] * 8)
@example(schema={"if": {"format": "uuid"}, "then": True, "else": False}, instances=["a", 1] * 4)
def test_every_conversion_accepts_what_the_original_accepts(
    schema: Any, instances: list[Any]
) -> None:
    """Soundness on random schemas: weakening only ever widens, and no report means exact."""
    note(f"schema: {json.dumps(schema)}")
    before = verdicts(schema, "2020-12", instances)
    for dialect in ("draft-07", "draft-04", "openapi-3.1", "openapi-3.0"):
        out, losses = to_dialect(schema, dialect)  # type: ignore[arg-type]
        note(f"{dialect}: {json.dumps(out)} {losses}")
        after = verdicts(out, dialect, instances)
        for instance, b, a in zip(instances, before, after, strict=True):
            assert a or not b, f"{dialect} rejects {instance!r}"
            if not losses:
                assert a == b, f"{dialect} accepts {instance!r} and reports no loss"
