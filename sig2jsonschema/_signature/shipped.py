"""The JSON Schema documents shipped in ``schemas/``, found offline.

In an installed wheel they live in ``sig2jsonschema/schemas``; in a source
checkout (an editable install) they sit beside the package.  Every document
is registered in a `referencing.Registry` under its ``$id``, and the registry
has no ``retrieve`` hook: an unknown URI is an error, never a download.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012


@functools.cache
def schemas_dir() -> Path:
    """The folder holding the shipped schemas."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "schemas", package.parent / "schemas"):
        if (candidate / "mlflow-signature.schema.json").is_file():
            return candidate
    msg = f"sig2jsonschema's schemas/ folder is missing (looked beside {package})"
    raise FileNotFoundError(msg)


@functools.cache
def _load(name: str) -> str:
    return (schemas_dir() / name).read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy of one shipped schema document."""
    document: dict[str, Any] = json.loads(_load(name))
    return document


@functools.cache
def registry() -> Registry[Any]:
    """A registry of every shipped schema, keyed by ``$id``; never retrieves."""
    resources = []
    for path in sorted(schemas_dir().glob("*.json")):
        contents = load_schema(path.name)
        if "$id" in contents:
            resource = Resource.from_contents(contents, default_specification=DRAFT202012)
            resources.append((contents["$id"], resource))
    return Registry().with_resources(resources).crawl()


__all__ = ["load_schema", "registry", "schemas_dir"]
