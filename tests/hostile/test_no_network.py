"""Nothing but ``fuzz --url`` touches the network.

With every way out patched to raise (``socket.socket.connect``/``connect_ex``,
``socket.create_connection``, ``getaddrinfo``, ``gethostbyname``; see the
``no_network`` fixture), the loaders, the exports, validation and the
``schema``/``signature``/``validate`` commands all run, and no attempt is
recorded (an attempt whose error some caller swallowed still counts).
``$schema`` and ``$ref`` URLs are never fetched.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest

from sig2jsonschema import Sig2JsonSchemaError, load_signature

ROOT = Path(__file__).resolve().parent.parent.parent
CONFORMANCE = ROOT / "fixtures" / "conformance"
MODELS = ROOT / "fixtures" / "models"
#: URLs that would answer if anything tried them (they must never be tried).
URLS = [
    "https://json-schema.org/draft/2020-12/schema",
    "http://127.0.0.1:9/schema.json",
    "https://schemas.example.invalid/row.json",
]


def _sources() -> list[Path]:
    models = sorted(p for p in MODELS.iterdir() if (p / "MLmodel").is_file())
    return [*models, *sorted((CONFORMANCE / "signatures").glob("*.json"))]


def _registered(command: str) -> bool:
    from sig2jsonschema.cli import build_parser

    for action in build_parser()._actions:
        choices = getattr(action, "choices", None)
        if isinstance(choices, dict):
            return command in choices
    return False


def test_loading_every_signature_needs_no_network(no_network: Any) -> None:
    for source in _sources():
        # A fixture may be deliberately broken; only the network matters here.
        with contextlib.suppress(Sig2JsonSchemaError):
            load_signature(source)
    assert no_network.attempts == []


def test_exports_need_no_network(no_network: Any) -> None:
    import sig2jsonschema._export.from_schema as from_schema
    import sig2jsonschema._export.to_schema as to_schema

    for source in _sources():
        try:
            sig = load_signature(source)
        except Sig2JsonSchemaError:
            continue
        for part in ("request", "inputs", "outputs", "params"):
            for mode in ("strict", "mlflow"):
                try:
                    schema = to_schema.to_jsonschema(sig, part=part, mode=mode)
                except Sig2JsonSchemaError:
                    continue
                if part == "inputs":
                    with contextlib.suppress(Sig2JsonSchemaError):
                        from_schema.from_jsonschema(schema)
    assert no_network.attempts == []


@pytest.mark.parametrize("url", URLS)
def test_schema_urls_are_never_fetched(url: str, no_network: Any) -> None:
    import sig2jsonschema._export.from_schema as from_schema

    documents = [
        {"$schema": url, "type": "object", "properties": {"a": {"type": "string"}}},
        {"type": "object", "properties": {"a": {"$ref": url}}},
        {"type": "object", "properties": {"a": {"$ref": url + "#/$defs/x"}}},
        {"$id": url, "type": "object", "properties": {"a": {"$ref": "other.json"}}},
        {"type": "object", "properties": {"a": {"$dynamicRef": url + "#meta"}}},
    ]
    for document in documents:
        with contextlib.suppress(Sig2JsonSchemaError):
            from_schema.from_jsonschema(document)
    assert no_network.attempts == []


@pytest.mark.parametrize("mode", ["strict", "mlflow"])
def test_validation_needs_no_network(mode: str, no_network: Any) -> None:
    import sig2jsonschema._validate.validator as validate

    validators: dict[str, Any] = {}
    with (CONFORMANCE / "cases.jsonl").open(encoding="utf-8") as f:
        cases = [json.loads(line) for line in f][::7]
    for case in cases:
        name = case["signature"]
        if name not in validators:
            sig = load_signature(CONFORMANCE / "signatures" / f"{name}.json")
            validators[name] = validate.Validator(sig, mode=mode)
        list(validators[name].iter_errors(case["body"].encode("utf-8")))
    assert no_network.attempts == []


def test_emulation_needs_no_network(no_network: Any) -> None:
    import sig2jsonschema._emulator.server as emulate

    sig = load_signature(CONFORMANCE / "signatures" / "n_object_arrays_maps.json")
    with (CONFORMANCE / "cases.jsonl").open(encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            if case["signature"] == "n_object_arrays_maps":
                emulate.emulate(sig, case["body"].encode("utf-8"))
    assert no_network.attempts == []


def test_cli_commands_need_no_network(tmp_path: Path, cli: Any, no_network: Any) -> None:
    model = MODELS / "iris_sklearn_classifier"
    body = tmp_path / "body.json"
    body.write_text('{"inputs": [[1.0, 2.0, 3.0, 4.0]]}', encoding="utf-8")
    remote = tmp_path / "remote.json"
    remote.write_text(
        json.dumps({"$schema": URLS[0], "type": "object", "properties": {"a": {"$ref": URLS[1]}}}),
        encoding="utf-8",
    )
    ran = []
    if _registered("validate"):
        assert cli("validate", str(model), str(body)).code in {0, 1}
        assert cli("validate", str(model), str(body), "--mode", "mlflow").code in {0, 1}
        ran.append("validate")
    if _registered("schema"):
        result = cli("schema", str(model))
        assert result.code == 0, result
        ran.append("schema")
        exported = tmp_path / "exported.json"
        exported.write_text(result.out, encoding="utf-8")
        if _registered("signature"):
            assert cli("signature", str(exported)).code in {0, 2}
    if _registered("signature"):
        result = cli("signature", str(remote))
        assert result.code == 2, result
        assert URLS[1] in result.err
        ran.append("signature")
    if _registered("check"):
        assert cli("check", str(model)).code in {0, 1}
        ran.append("check")
    if not ran:
        pytest.fail("no command is registered in the CLI")
    assert no_network.attempts == []


def test_the_fixture_really_blocks(no_network: Any) -> None:
    import socket
    import urllib.request

    with pytest.raises(Exception, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)
    with pytest.raises(Exception, match="network access attempted"):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)
    assert len(no_network.attempts) == 2
    no_network.attempts.clear()


def test_fuzz_contacts_only_the_url_it_is_given(cli: Any, no_network: Any) -> None:
    if not _registered("fuzz"):
        pytest.fail("the 'fuzz' command is missing from the CLI")
    model = MODELS / "iris_sklearn_classifier"
    url = "http://127.0.0.1:9/invocations"
    result = cli("fuzz", str(model), "--url", url, "-n", "2", "--timeout", "2")
    assert result.code in {0, 1, 2}, result
    assert "Traceback" not in result.err
    assert no_network.attempts, "fuzz never tried the URL it was given"
    for attempt in no_network.attempts:
        assert "127.0.0.1" in attempt, attempt
    no_network.attempts.clear()


def test_fuzz_with_a_broken_signature_contacts_nothing(
    tmp_path: Path, cli: Any, no_network: Any
) -> None:
    if not _registered("fuzz"):
        pytest.fail("the 'fuzz' command is missing from the CLI")
    broken = tmp_path / "sig.json"
    broken.write_text('{"inputs": "[{\\"type\\": \\"int\\"}]"}', encoding="utf-8")
    result = cli("fuzz", str(broken), "--url", "http://127.0.0.1:9/invocations", "-n", "2")
    assert result.code == 2, result
    assert len(result.err_lines) == 1, result
    assert no_network.attempts == []
