"""The package's shape: its public face, its stages, and how they import each other.

The layering itself (which stage may import which) is import-linter's contract in
pyproject.toml, run by the test command; these tests hold what a contract of layers
cannot say: the public API, what ``import sig2jsonschema`` loads, import cycles inside a
stage, and module size.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

import sig2jsonschema
from tests.conftest import ROOT

if TYPE_CHECKING:
    from pathlib import Path

PACKAGE = ROOT / "sig2jsonschema"

#: The public API (``sig2jsonschema.__all__``): moving code between modules never changes it.
PUBLIC_API = [
    "AnyType", "Array", "Change", "CheckReport", "CoercionError", "ColSpec", "DataType",
    "FormVerdict", "Hazard", "Map", "Object", "ParamSchema", "ParamSpec", "ParsedRequest",
    "PayloadError", "Property", "Schema", "Sig2JsonSchemaError", "Signature", "SignatureError",
    "SourceError", "SparkMLVector", "TensorSpec", "UnrepresentableSchema", "Validator", "check",
    "coerce", "diff_signatures", "export_schema", "form_verdicts", "from_jsonschema", "hazards",
    "load_signature", "openapi_document", "signature_to_dict", "signature_to_mlmodel_yaml",
    "to_dialect", "to_jsonschema",
]  # fmt: skip

#: Every documented import path besides the root, with the names the docs use.
DOCUMENTED = {
    "sig2jsonschema.strategies": [
        "NearMiss", "inputs", "invalid_requests", "params", "requests", "schemaless_requests",
        "signatures", "working_forms_for",
    ],
    "sig2jsonschema.coercion": ["ParsedRequest", "coerce"],
    "sig2jsonschema.serve": [
        "ServeSettings", "Sidecar", "ValidationMiddleware", "build_sidecar", "run_sidecar",
    ],
    "sig2jsonschema.exceptions": [
        "CoercionError", "PayloadError", "Sig2JsonSchemaError", "SignatureError", "SourceError",
        "UnrepresentableSchema", "escape_pointer_token", "to_pointer",
    ],
    "sig2jsonschema.typing": [
        "JSON", "Envelope", "JSONObject", "Mode", "Part", "Pointer", "SignatureDict",
    ],
}  # fmt: skip

#: Modules ``import sig2jsonschema`` must not load: optional extras and heavy libraries
#: that only the stages needing them import (pandas when a body is parsed).
NOT_ON_IMPORT = ["hypothesis", "pandas", "pyarrow", "starlette", "uvicorn", "httpx", "pyspark"]

#: The public modules allowed directly in sig2jsonschema/, besides the package itself.
ROOT_MODULES = {"__init__", "__main__", "exceptions", "typing", "coercion"}

MAX_LINES = 600


def test_the_public_api_is_unchanged() -> None:
    assert sorted(sig2jsonschema.__all__) == sorted(PUBLIC_API)
    for name in PUBLIC_API:
        assert getattr(sig2jsonschema, name) is not None


@pytest.mark.parametrize(("module", "names"), DOCUMENTED.items(), ids=list(DOCUMENTED))
def test_every_documented_import_path_works(module: str, names: list[str]) -> None:
    imported = importlib.import_module(module)
    assert sorted(imported.__all__) == sorted(names)
    for name in names:
        assert getattr(imported, name) is not None


def test_the_package_face_is_the_same_object_as_its_submodules() -> None:
    from sig2jsonschema import coercion

    assert coercion.ParsedRequest is sig2jsonschema.ParsedRequest
    assert coercion.coerce is sig2jsonschema.coerce


def test_importing_the_package_loads_no_optional_or_heavy_dependency() -> None:
    code = "import json, sys, sig2jsonschema; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert [m for m in NOT_ON_IMPORT if m in loaded] == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every sig2jsonschema module ``path`` imports, lazily too; not under TYPE_CHECKING.

    ``from pkg import mod`` depends on ``pkg.mod`` only: a package's own modules may
    import their siblings that way without depending on the package's face.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for stmt in node.body
        for sub in ast.walk(stmt)
    }
    name = _module_name(path)
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            anchor = base[: len(base) - node.level + 1] if node.level else []
            target = ".".join([*anchor, *([node.module] if node.module else [])])
            names = {f"{target}.{alias.name}" for alias in node.names}
            found.update(names & modules if names <= modules else {target, *names})
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {t for t in found if t.startswith("sig2jsonschema")}


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    names = set(modules)
    return {name: (_imports(path, names) & names) - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start, targets in graph.items():
        if start in index:
            continue
        work = [(start, iter(sorted(targets)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return cycles


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_module_imports_itself_back_through_a_cycle() -> None:
    assert _cycles(_graph()) == []


def test_no_two_stages_import_each_other() -> None:
    stages: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        if module in {"sig2jsonschema", "sig2jsonschema.__main__"}:
            continue  # the package's face sits above every stage
        for target in targets:
            if target != "sig2jsonschema" and _stage(target) != _stage(module):
                stages.setdefault(_stage(module), set()).add(_stage(target))
    assert _cycles(stages) == []


def test_the_root_holds_only_the_public_modules() -> None:
    assert {p.stem for p in PACKAGE.glob("*.py")} <= ROOT_MODULES


def test_no_module_is_longer_than_600_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize(
    "init",
    sorted(PACKAGE.glob("*/**/__init__.py")),
    ids=lambda p: str(p.parent.relative_to(PACKAGE)),
)
def test_every_stage_says_what_it_holds_and_what_it_may_import(init: Path) -> None:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    assert doc, f"{init} has no docstring"
    assert "import" in doc.lower(), f"{init} does not say what it may import"
    if init.parent.name.startswith("_"):
        # An internal stage's __init__ is a label: importing one module of the stage
        # must not load the rest (pandas, the converter...).
        assert len(tree.body) == 1, f"{init} holds code; put it in a module of the stage"
