"""Hostile JSON Schemas given to `from_jsonschema` and the ``signature`` command.

Remote ``$ref`` (never fetched; the error names the reference), recursive
``$ref``, ``$dynamicRef``, unknown dialects, 10,000-deep nesting, enormous
``enum`` and exponential ``$ref`` fan-out: each is an `UnrepresentableSchema`
(or, for a document that is not a schema at all, another
`Sig2JsonSchemaError`) in bounded time, and exit 2 with one stderr line.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema import Sig2JsonSchemaError, UnrepresentableSchema
from sig2jsonschema._payload.limits import DEFAULT_LIMITS

if TYPE_CHECKING:
    from pathlib import Path

import sig2jsonschema._export.from_schema as from_schema

from_jsonschema = from_schema.from_jsonschema

#: A hang detector for the child process, not a timing assertion.
HANG_SECONDS = 60
REMOTE = "https://schemas.example.invalid/row.json"


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def _deep(levels: int) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        node = {"type": "array", "items": node}
    return _object(a=node)


def _ref_bomb(levels: int, fan_out: int = 10) -> dict[str, Any]:
    """``$defs`` each referencing the previous one ``fan_out`` times: fan_out**levels leaves."""
    names = "abcdefghijklmnopqrstuvwxyz"[:fan_out]
    defs: dict[str, Any] = {"d0": {"type": "string"}}
    for i in range(1, levels + 1):
        defs[f"d{i}"] = {
            "type": "object",
            "properties": {k: {"$ref": f"#/$defs/d{i - 1}"} for k in names},
            "required": list(names),
        }
    return {"$defs": defs, **_object(x={"$ref": f"#/$defs/d{levels}"})}


#: name -> (schema, keyword the error must name, text the message must contain)
CASES: dict[str, tuple[Any, str, str]] = {
    "remote $ref": (_object(a={"$ref": REMOTE}), "$ref", REMOTE),
    "remote $ref at the root": ({"$ref": REMOTE + "#/x"}, "$ref", REMOTE),
    "remote $ref behind a local one": (
        {"$defs": {"r": {"$ref": REMOTE}}, **_object(a={"$ref": "#/$defs/r"})},
        "$ref",
        REMOTE,
    ),
    "relative $ref resolved against a remote $id": (
        {"$id": "https://schemas.example.invalid/base.json", **_object(a={"$ref": "other.json"})},
        "$ref",
        "other.json",
    ),
    "local $ref to nowhere": (_object(a={"$ref": "#/$defs/nope"}), "$ref", "#/$defs/nope"),
    "recursive $ref": (
        {
            "$defs": {"n": _object(next={"$ref": "#/$defs/n"})},
            **_object(a={"$ref": "#/$defs/n"}),
        },
        "$ref",
        "#/$defs/n",
    ),
    "mutually recursive $ref": (
        {
            "$defs": {
                "a": {"type": "array", "items": {"$ref": "#/$defs/b"}},
                "b": {"type": "array", "items": {"$ref": "#/$defs/a"}},
            },
            **_object(x={"$ref": "#/$defs/a"}),
        },
        "$ref",
        "#/$defs/",
    ),
    "$ref to the root": (_object(a={"$ref": "#"}), "$ref", "#"),
    "$dynamicRef": (_object(a={"$dynamicRef": "#meta"}), "$dynamicRef", "$dynamicRef"),
    "unknown dialect": (
        {"$schema": "https://dialects.example.invalid/mine", **_object(a={"type": "string"})},
        "$schema",
        "dialects.example.invalid",
    ),
    "dialect that is not a string": ({"$schema": 5, **_object(a={"type": "string"})}, "", ""),
}

#: Schemas that are not schemas at all: some `Sig2JsonSchemaError`, nothing else.
NOT_SCHEMAS: list[Any] = [
    None,
    5,
    "x",
    [1, 2],
    {"properties": []},
    {"type": "object", "properties": {"a": 5}},
    {"type": "object", "properties": {"a": {"items": 7, "type": "array"}}},
    {"type": "object", "properties": {"a": {"type": "array", "prefixItems": "x"}}},
    True,
    False,
    {"type": 5},
    {"type": "object", "properties": {"a": {"anyOf": 3}}},
    {"type": "object", "required": 5, "properties": {"a": {}}},
]


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_schema_is_unrepresentable_naming_keyword(
    name: str, no_network: Any, guard: Any
) -> None:
    schema, keyword, says = CASES[name]
    with guard(), pytest.raises(Sig2JsonSchemaError) as info:
        from_jsonschema(schema)
    error = info.value
    if keyword:
        assert isinstance(error, UnrepresentableSchema)
        assert error.keyword == keyword
        assert error.pointer.startswith("/") or error.pointer == ""
    assert says in str(error)
    assert no_network.attempts == []


#: Documents that fail the 2020-12 meta-schema with a keyword value of the wrong
#: type, on which from_jsonschema raises a non-library error today.
MALFORMED_KEYWORD_VALUES: dict[str, Any] = {
    "$schema is a list": {
        "$schema": ["https://json-schema.org/draft/2020-12/schema"],
        **_object(a={"type": "string"}),
    },
    "$schema is an object": {"$schema": {}, **_object(a={"type": "string"})},
    "format is a list": _object(a={"type": "string", "format": ["date-time"]}),
    "format is an object": _object(a={"type": "string", "format": {}}),
    "contentEncoding is a list": _object(a={"type": "string", "contentEncoding": ["base64"]}),
}


@pytest.mark.parametrize("name", list(MALFORMED_KEYWORD_VALUES))
def test_keyword_values_of_the_wrong_type_are_unrepresentable(name: str) -> None:
    with pytest.raises(UnrepresentableSchema):
        from_jsonschema(MALFORMED_KEYWORD_VALUES[name])


@pytest.mark.parametrize("schema", NOT_SCHEMAS, ids=repr)
def test_documents_that_are_not_schemas_are_our_errors(schema: Any) -> None:
    with pytest.raises(Sig2JsonSchemaError):
        from_jsonschema(schema)


@pytest.mark.parametrize(
    "defs",
    [None, 5, [], {"point": [{"type": "object"}]}, {"point": 7}],
    ids=["null", "number", "list", "member-list", "member-number"],
)
def test_malformed_defs_are_unrepresentable(defs: Any) -> None:
    with pytest.raises(Sig2JsonSchemaError):
        from_jsonschema({"$defs": defs, **_object(p={"$ref": "#/$defs/point"})})


def test_schema_nested_10000_deep_is_unrepresentable(guard: Any) -> None:
    with guard(), pytest.raises(UnrepresentableSchema):
        from_jsonschema(_deep(10_000))


def test_schema_deeper_than_any_signature_is_unrepresentable() -> None:
    from sig2jsonschema._signature.serialized import parse_signature, signature_to_dict

    try:
        signature = from_jsonschema(_deep(100))
    except UnrepresentableSchema:
        return
    parse_signature(signature_to_dict(signature))  # must load back, or have been refused


def test_schema_within_the_depth_limit_maps() -> None:
    signature = from_jsonschema(_deep(10))
    assert signature.inputs is not None


@pytest.mark.parametrize(
    "members",
    [
        [str(i) for i in range(200_000)],
        [*range(200_000), "x"],
        [{"k": i} for i in range(100_000)],
    ],
    ids=["200k strings", "200k mixed", "100k objects"],
)
def test_enormous_enum_finishes_with_a_signature_or_our_error(
    members: list[Any], guard: Any
) -> None:
    with guard(), contextlib.suppress(Sig2JsonSchemaError):
        from_jsonschema(_object(a={"enum": members}))


_BOMB_SCRIPT = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from sig2jsonschema import Sig2JsonSchemaError
from sig2jsonschema._export.from_schema import from_jsonschema
try:
    from_jsonschema(json.load(sys.stdin))
except Sig2JsonSchemaError as exc:
    print(type(exc).__name__)
else:
    print("mapped")
"""


def test_ref_fan_out_bomb_is_refused_in_bounded_time() -> None:
    done = _run_bounded(_BOMB_SCRIPT, json.dumps(_ref_bomb(8)))
    assert done == "UnrepresentableSchema"


def _run_bounded(script: str, stdin: str) -> str:
    """Run ``script`` in a child with a hang timeout and 3 GiB of address space."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=HANG_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "hang"
    return done.stdout.strip() if done.returncode == 0 else f"crash: {done.stderr[-300:]}"


def test_schema_limits_have_documented_defaults() -> None:
    assert DEFAULT_LIMITS.max_schema_depth == 2 * DEFAULT_LIMITS.max_signature_depth
    assert DEFAULT_LIMITS.max_schema_nodes == 100_000


# --------------------------------------------------------------------------------------
# The ``signature`` command


def _signature_command() -> None:
    from sig2jsonschema.cli import build_parser

    for action in build_parser()._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and "signature" in choices:
            return
    pytest.fail("the 'signature' command is missing from the CLI")


@pytest.mark.parametrize("name", list(CASES))
def test_signature_command_exits_2_with_one_line(
    name: str, tmp_path: Path, cli: Any, no_network: Any
) -> None:
    _signature_command()
    schema, _, says = CASES[name]
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema), encoding="utf-8")
    result = cli("signature", str(path))
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert "Traceback" not in result.err
    assert says in result.err_lines[0]
    assert no_network.attempts == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("malformed JSON", b'{"type": "object",'),
        ("not UTF-8", b'{"type": "\xff"}'),
        ("empty", b""),
        ("nested 10,000 deep", ("[" * 10_000 + "]" * 10_000).encode()),
        ("5000-digit number", b'{"type": "object", "maxProperties": ' + b"9" * 5000 + b"}"),
    ],
)
def test_signature_command_on_broken_schema_files_exits_2(
    name: str, data: bytes, tmp_path: Path, cli: Any
) -> None:
    _signature_command()
    path = tmp_path / "schema.json"
    path.write_bytes(data)
    result = cli("signature", str(path))
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert str(path) in result.err_lines[0]
    assert "Traceback" not in result.err
