"""One CLI grammar: ``-o/--output-file FILE`` writes, ``--output`` is a format, everywhere.

Every command takes ``-o``/``--output-file``: what it would print on stdout goes to
the file instead (stderr is unchanged).  ``--output``, where a command has it, is a
report format (``text``/``json``), never a file.  ``openapi --output FILE`` (the old
spelling) still writes the file, with one warning line on stderr.  Options are never
abbreviated, so ``--output`` cannot silently mean ``--output-file``.
"""

from __future__ import annotations

import argparse
import json
from io import StringIO
from typing import TYPE_CHECKING

import pytest

from sig2jsonschema.cli import build_parser, run
from tests.conftest import CONFORMANCE, MODELS

if TYPE_CHECKING:
    from pathlib import Path

IRIS = str(MODELS / "iris_sklearn_classifier")
MIXED = str(MODELS / "mixed_types_sklearn_regressor")
SCHEMA_FILE = str(CONFORMANCE / "signatures" / "s_all_types_required.json")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    code = run(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_every_command_takes_output_file_and_output_is_only_a_format() -> None:
    commands = _commands()
    assert set(commands) >= {
        "schema", "signature", "validate", "sample", "fuzz", "openapi", "check", "diff",
    }  # fmt: skip
    for name, parser in commands.items():
        options = {s: a for a in parser._actions for s in a.option_strings}
        assert not parser.allow_abbrev, name
        if name == "serve":
            # A server prints no result to redirect: its log lines stay on stdout.
            assert "-o" not in options
            assert "--output" not in options
            continue
        assert options["-o"] is options["--output-file"], name
        assert options["-o"].dest == "output_file", name
        assert options["-o"].metavar == "FILE", name
        fmt = options.get("--output")
        if fmt is not None and name != "openapi":
            assert set(fmt.choices or ()) >= {"text", "json"}, name


@pytest.mark.parametrize(
    "argv",
    [
        ("schema", IRIS),
        ("schema", IRIS, "--dialect", "draft-04"),
        ("openapi", IRIS, "--format", "yaml"),
        ("check", MIXED, "--output", "json"),
        ("check", MIXED),
        ("diff", IRIS, MIXED),
        ("sample", MIXED, "-n", "5", "--seed", "3"),
        ("validate", MIXED, "--output", "json"),
    ],
    ids=lambda a: " ".join(x.rsplit("/", 1)[-1] for x in a),
)
def test_the_file_holds_exactly_what_stdout_would(argv: tuple[str, ...], tmp_path: Path) -> None:
    stdin = '{"dataframe_records": [{"age": 3.5}]}\n'
    out, err = StringIO(), StringIO()
    expected_code = run(list(argv), stdout=out, stderr=err, stdin=StringIO(stdin))
    for flag in ("-o", "--output-file"):
        target = tmp_path / f"out{flag}"
        out2, err2 = StringIO(), StringIO()
        code = run([*argv, flag, str(target)], stdout=out2, stderr=err2, stdin=StringIO(stdin))
        assert code == expected_code
        assert out2.getvalue() == ""
        assert err2.getvalue() == err.getvalue()
        assert target.read_text(encoding="utf-8") == out.getvalue()


def test_signature_writes_the_file(tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    assert _cli("schema", SCHEMA_FILE, "-o", str(schema))[0] == 0
    _, out, _ = _cli("signature", str(schema))
    target = tmp_path / "sig.json"
    assert _cli("signature", str(schema), "--output-file", str(target)) == (0, "", "")
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(out)


def test_openapi_output_file_is_a_deprecated_alias_that_warns(tmp_path: Path) -> None:
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    assert _cli("openapi", IRIS, "-o", str(new)) == (0, "", "")
    code, out, err = _cli("openapi", IRIS, "--output", str(old))
    assert (code, out) == (0, "")
    assert err == (
        "sig2jsonschema: warning: --output FILE is deprecated; use -o/--output-file FILE\n"
    )
    assert old.read_text(encoding="utf-8") == new.read_text(encoding="utf-8")


def test_output_is_never_read_as_output_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # without abbreviations, `sample --output json` is a usage error, not a file named json
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli("sample", MIXED, "--output", "json")
    assert (code, out) == (2, "")
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_file_is_bad_input_with_one_line(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.json"
    code, out, err = _cli("schema", IRIS, "-o", str(target))
    assert (code, out) == (2, "")
    assert err == f"sig2jsonschema: error: {target}: cannot write (No such file or directory)\n"


def test_a_failing_command_writes_no_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, _, _ = _cli("schema", str(tmp_path / "nope"), "-o", str(target))
    assert code == 2
    assert not target.exists()


def test_dash_means_stdout() -> None:
    code, out, _ = _cli("sample", MIXED, "-n", "2", "-o", "-")
    assert code == 0
    assert len(out.splitlines()) == 2
