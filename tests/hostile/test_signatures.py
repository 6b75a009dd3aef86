"""Hostile and broken signature sources: one clear `SignatureError`, exit 2, no traceback.

Each case is a file a user may have got from elsewhere.  The loader must answer
with a `SignatureError` naming the file (``.source``) and, where the file has
one, the place (``.where``: a line/column or a signature path such as
``inputs[0].type``); every CLI command that reads a signature must exit 2
with one stderr line carrying the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sig2jsonschema import SignatureError, load_signature
from sig2jsonschema._payload.limits import DEFAULT_LIMITS
from sig2jsonschema._signature.load import MAX_SIGNATURE_BYTES
from sig2jsonschema._signature.serialized import MAX_SIGNATURE_DEPTH, parse_signature

NO_SIGNATURE = "this model has no signature; add one with mlflow.models.set_signature"


def _nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def _nested_array_type(levels: int) -> dict[str, object]:
    node: dict[str, object] = {"type": "long"}
    for _ in range(levels):
        node = {"type": "array", "items": node}
    return node


@dataclass(frozen=True)
class Case:
    """One hostile signature source."""

    #: Path relative to the case directory; ``x/MLmodel`` is loaded as directory ``x``.
    path: str
    #: The file's bytes (None: the path is a directory without MLmodel).
    data: bytes | None
    #: A piece of text ``.where`` must contain ("" when the whole file is the place).
    where: str
    #: A piece of text the message must contain.
    says: str

    @property
    def source(self) -> str:
        return self.path.split("/")[0]


def _sig(inputs: object) -> bytes:
    return json.dumps({"inputs": json.dumps(inputs)}).encode()


CASES = {
    "malformed YAML": Case(
        "malformed_yaml/MLmodel",
        b'flavors: {}\nsignature:\n  inputs: \'[{"type": "long"}]\'\n  outputs: [unclosed\n',
        "line 5, column 1",
        "malformed YAML",
    ),
    "malformed JSON": Case(
        "malformed.json", b'{"inputs": "[{\\"type\\": \\"long\\"}]",}', "line 1", "malformed JSON"
    ),
    "malformed JSON inside a part": Case(
        "bad_part.json", b'{"inputs": "[{\\"type\\": "}', "inputs", "not valid JSON"
    ),
    "empty JSON file": Case("empty.json", b"", "line 1, column 1", "malformed JSON"),
    "unknown type": Case(
        "unknown_type.json", _sig([{"type": "int", "name": "a"}]), "inputs[0].type", "'int'"
    ),
    "unknown tensor dtype": Case(
        "bad_dtype.json",
        _sig([{"type": "tensor", "tensor-spec": {"dtype": "float999", "shape": [-1]}}]),
        "inputs[0]",
        "float999",
    ),
    "array items given as a string": Case(
        "items_string.json",
        _sig([{"type": "array", "items": "long", "name": "a"}]),
        "inputs[0].items",
        "expected object",
    ),
    "inputs given as an object": Case(
        "inputs_object.json", _sig({"type": "long"}), "inputs", "inputs"
    ),
    "properties given as a list": Case(
        "properties_list.json",
        _sig([{"type": "object", "name": "o", "properties": [{"type": "long"}]}]),
        "inputs[0].properties",
        "properties",
    ),
    "top level is a list": Case("toplist.json", b"[1, 2]", "", "got list"),
    "unknown top-level key": Case(
        "unknown_key.json", b'{"inputs": "[{\\"type\\": \\"long\\"}]", "foo": 1}', "", "'foo'"
    ),
    "NaN instead of a part": Case("nan.json", b'{"inputs": NaN}', "inputs", "inputs"),
    "file nested 10,000 deep": Case(
        "deep_file.json", f'{{"inputs": {_nested_json(10_000)}}}'.encode(), "", "nested"
    ),
    "signature nested deeper than the limit": Case(
        "deep100.json",
        _sig([{"name": "a", **_nested_array_type(MAX_SIGNATURE_DEPTH)}]),
        "inputs[0].items.items",
        f"deeper than {MAX_SIGNATURE_DEPTH}",
    ),
    "YAML python tag": Case(
        "tag/MLmodel",
        b"signature: !!python/object/apply:os.system ['echo pwned']\n",
        "line 1",
        "python/object/apply",
    ),
    "YAML custom tag": Case(
        "customtag/MLmodel", b"signature: !foo {inputs: x}\n", "line 1", "'!foo'"
    ),
    "YAML anchor bomb (billion laughs)": Case(
        "bomb/MLmodel",
        b"a: &a [x,x,x,x,x,x,x,x,x]\n"
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        b"signature: {inputs: *d}\n",
        "line 2",
        "aliases",
    ),
    "YAML single alias": Case(
        "alias/MLmodel",
        b'x: &s \'[{"type": "long"}]\'\nsignature: {inputs: *s}\n',
        "line 2",
        "aliases",
    ),
    "YAML nested 10,000 deep": Case(
        "deep_yaml/MLmodel",
        f"signature: {_nested_json(10_000)}\n".encode(),
        "",
        "malformed YAML",
    ),
    "non-UTF-8 MLmodel": Case(
        "latin1/MLmodel",
        'signature:\n  inputs: \'[{"type": "long", "name": "caf\xe9"}]\'\n'.encode("latin-1"),
        "",
        "not UTF-8",
    ),
    "non-UTF-8 JSON file": Case(
        "latin1.json",
        '{"inputs": "[{\\"type\\": \\"long\\", \\"name\\": \\"caf\xe9\\"}]"}'.encode("latin-1"),
        "",
        "not UTF-8",
    ),
    "binary garbage": Case("garbage.json", bytes(range(256)), "", "not UTF-8"),
    "directory without MLmodel": Case("nomodel/", None, "", "no MLmodel"),
    "MLmodel without a signature": Case(
        "nosig/MLmodel",
        b"flavors:\n  python_function: {}\nmlflow_version: 3.17.2\n",
        "",
        NO_SIGNATURE,
    ),
    "MLmodel with a null signature": Case(
        "nullsig/MLmodel", b"signature: null\n", "", NO_SIGNATURE
    ),
    "empty MLmodel": Case("emptymodel/MLmodel", b"", "", "YAML mapping"),
    "MLmodel that is a list": Case("listdoc/MLmodel", b"- a\n- b\n", "", "YAML mapping"),
    "signature that is a list": Case(
        "sig_as_list/MLmodel", b"signature: [1, 2]\n", "signature", "mapping"
    ),
    "all parts null": Case(
        "none_parts.json", b'{"inputs": null, "outputs": null, "params": null}', "", "at least one"
    ),
}

#: Cases that cost seconds each (PyYAML's scanner is quadratic in flow nesting up to
#: the recursion limit, ~4 s): run through one CLI command only, to keep the suite fast.
SLOW_CASES = {"YAML nested 10,000 deep"}

#: Cases whose current behaviour is a bug in someone else's module (strict xfail).
XFAIL: dict[str, str] = {}


def _write(case: Case, root: Path) -> Path:
    target = root / case.path
    if case.data is None:
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(case.data)
    return root / case.source


def _params() -> list[object]:
    return [
        pytest.param(
            name,
            id=name,
            marks=[pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else [],
        )
        for name in CASES
    ]


@pytest.mark.parametrize("name", _params())
def test_hostile_signature_is_a_signature_error_naming_file_and_place(
    name: str, tmp_path: Path, guard: object
) -> None:
    case = CASES[name]
    source = _write(case, tmp_path)
    with guard(), pytest.raises(SignatureError) as info:  # type: ignore[operator]
        load_signature(source)
    error = info.value
    assert error.source is not None
    assert Path(error.source).name in {source.name, "MLmodel"}
    assert str(source) in str(error) or str(source / "MLmodel") in str(error)
    assert case.where in error.where
    assert case.says in str(error)
    assert "\n" not in str(error)


def test_missing_signature_message_is_exact(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "MLmodel").write_text("flavors: {}\n", encoding="utf-8")
    with pytest.raises(SignatureError) as info:
        load_signature(model)
    assert info.value.problem == NO_SIGNATURE


def test_yaml_tags_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    model = tmp_path / "m"
    model.mkdir()
    (model / "MLmodel").write_text(
        f"signature: !!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8"
    )
    with pytest.raises(SignatureError):
        load_signature(model)
    assert not marker.exists()


def test_signature_file_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    # A sparse file: the loader must refuse it from its size, not read 17 MB.
    big = tmp_path / "huge.json"
    with big.open("wb") as f:
        f.truncate(MAX_SIGNATURE_BYTES + 1)
    with pytest.raises(SignatureError) as info:
        load_signature(big)
    assert info.value.source == str(big)
    assert str(MAX_SIGNATURE_BYTES) in str(info.value)


def test_size_limit_matches_documented_default() -> None:
    assert DEFAULT_LIMITS.max_signature_bytes == MAX_SIGNATURE_BYTES
    assert DEFAULT_LIMITS.max_signature_depth == MAX_SIGNATURE_DEPTH


def test_wide_legal_signature_loads(tmp_path: Path, guard: object) -> None:
    """A wide (2,000-column) signature is legal and loads; the guard only detects a hang."""
    columns = [{"type": "long", "name": f"c{i}", "required": True} for i in range(2_000)]
    path = tmp_path / "wide.json"
    path.write_text(json.dumps({"inputs": json.dumps(columns)}), encoding="utf-8")
    with guard():  # type: ignore[operator]
        sig = load_signature(path)
    assert sig.inputs is not None
    assert len(sig.inputs.specs) == 2_000


@pytest.mark.parametrize("part", ["inputs", "outputs", "params"])
def test_part_string_nested_10000_deep_is_a_signature_error(part: str) -> None:
    with pytest.raises(SignatureError) as info:
        parse_signature({part: _nested_json(10_000)})
    assert part in info.value.where


def _short(value: object) -> str:
    try:
        return json.dumps(value)[:60]
    except ValueError:  # an int too long for str(): itself a hostile value
        return "huge-int"


@pytest.mark.parametrize(
    "document",
    [
        {"inputs": 5},
        {"inputs": [5]},
        {"inputs": [{"type": {"type": "long"}}]},
        {"inputs": [{"type": "array", "items": {"type": "array"}}]},
        {"inputs": [{"type": "map", "values": None, "name": "m"}]},
        {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": None, "shape": None}}]},
        {"inputs": [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": "x"}}]},
        {"params": [{"name": "k", "type": "double", "default": "NaN"}]},
        {"params": [{"name": "k", "type": "datetime", "default": "99999-99-99"}]},
        {"params": [{"name": 5, "type": "long"}]},
        {"inputs": [{"type": "long", "name": "a", "required": "no"}], "outputs": "[]"},
        {"inputs": "\ud800"},
    ],
    ids=_short,
)
def test_wrong_shapes_in_memory_are_signature_errors(document: dict[str, object]) -> None:
    with pytest.raises(SignatureError):
        parse_signature(document)


def test_param_default_with_5000_digits_is_a_signature_error() -> None:
    with pytest.raises(SignatureError):
        parse_signature({"params": [{"name": "k", "type": "long", "default": 10**5000}]})


#: How each signature-reading command is called (a body file where one is needed).
COMMANDS: dict[str, list[str]] = {
    "schema": ["schema", "{source}"],
    "validate": ["validate", "{source}", "{body}"],
    "sample": ["sample", "{source}"],
    "openapi": ["openapi", "{source}"],
    "check": ["check", "{source}"],
    "diff": ["diff", "{source}", "{source}"],
}


def _registered_commands() -> set[str]:
    """The commands registered right now (others are still being written)."""
    from sig2jsonschema.cli import build_parser

    for action in build_parser()._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict) and choices:
            return set(choices)
    return set()


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", _params())
def test_every_command_exits_2_with_one_line_naming_file_and_place(
    name: str, command: str, tmp_path: Path, cli: Any
) -> None:
    if command not in _registered_commands():
        pytest.fail(f"the {command!r} command is missing from the CLI")
    if name in SLOW_CASES and command != "validate":
        pytest.skip("slow case: checked through one command only")
    case = CASES[name]
    source = _write(case, tmp_path)
    body = tmp_path / "body.json"
    body.write_text('{"inputs": [1]}', encoding="utf-8")
    argv = [a.format(source=source, body=body) for a in COMMANDS[command]]
    result = cli(*argv)
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    line = result.err_lines[0]
    assert "Traceback" not in result.err
    assert str(source) in line, result
    assert case.where in line, result


def test_control_character_in_yaml_is_one_line_with_the_place(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "MLmodel").write_bytes(b"signature: \x00\n")
    with pytest.raises(SignatureError) as info:
        load_signature(model)
    assert "\n" not in str(info.value)
    assert info.value.where


def test_yaml_integer_over_4300_digits_is_a_signature_error(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "MLmodel").write_text("x: " + "9" * 5000 + "\nsignature: {}\n", encoding="utf-8")
    with pytest.raises(SignatureError) as info:
        load_signature(model)
    assert str(model / "MLmodel") in str(info.value)
