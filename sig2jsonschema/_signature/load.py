"""`load_signature`: one entry point for every place a signature lives.

Sources: an ``MLmodel`` file, a model directory holding one, a JSON file in
``ModelSignature.to_dict()`` form, a mapping in that form, or any object with
``to_dict()`` (an ``mlflow.models.ModelSignature``, read without importing
MLflow).  Files are read with ``yaml.safe_load`` only: no tags run code, and
anchors/aliases are refused outright (they are how YAML bombs expand).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from sig2jsonschema.exceptions import SignatureError

from .serialized import parse_signature
from .types import Signature

#: The largest signature file read (MLmodel files are a few kilobytes).
MAX_SIGNATURE_BYTES = 16 * 1024 * 1024

_NO_SIGNATURE = "this model has no signature; add one with mlflow.models.set_signature"


class _SafeNoAliasLoader(yaml.SafeLoader):
    """``SafeLoader`` that refuses aliases, so no document can expand itself."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases are not allowed in MLmodel files", event.start_mark
            )
        return super().compose_node(parent, index)


def read_text(path: Path) -> str:
    """A model file as text: size-capped, UTF-8 (BOM allowed); `SignatureError` otherwise."""
    try:
        size = path.stat().st_size
        if size > MAX_SIGNATURE_BYTES:
            raise SignatureError(
                f"file is {size} bytes; signature files are limited to {MAX_SIGNATURE_BYTES} bytes",
                source=str(path),
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise SignatureError("no such file or directory", source=str(path)) from None
    except IsADirectoryError:
        raise SignatureError("is a directory", source=str(path)) from None
    except OSError as exc:
        raise SignatureError(f"cannot read ({exc.strerror})", source=str(path)) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SignatureError(
            f"not UTF-8 text (byte {exc.start}: {data[exc.start : exc.start + 1]!r})",
            source=str(path),
        ) from None


def parse_yaml(text: str, source: str) -> Any:
    """YAML through the safe loader that refuses aliases; `SignatureError` with the place."""
    try:
        return yaml.load(text, Loader=_SafeNoAliasLoader)  # noqa: S506 - safe subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SignatureError(
            f"malformed YAML: {exc.problem or exc}", where=where, source=source
        ) from None
    except yaml.reader.ReaderError as exc:
        raise SignatureError(
            f"malformed YAML: unacceptable character #x{exc.character:04x}",
            where=f"character {exc.position}",
            source=source,
        ) from None
    except RecursionError:
        raise SignatureError("malformed YAML: nested too deeply", source=source) from None
    except yaml.YAMLError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        raise SignatureError(f"malformed YAML: {first}", source=source) from None
    except ValueError:  # PyYAML's int() of a scalar beyond Python's 4,300-digit limit
        raise SignatureError(
            "malformed YAML: an integer of more than 4,300 digits", source=source
        ) from None


def _from_mlmodel(path: Path) -> Signature:
    source = str(path)
    document = parse_yaml(read_text(path), source)
    if not isinstance(document, Mapping):
        raise SignatureError("an MLmodel file is a YAML mapping", source=source)
    block = document.get("signature")
    if not block:
        raise SignatureError(_NO_SIGNATURE, source=source)
    if not isinstance(block, Mapping):
        raise SignatureError("must be a mapping", where="signature", source=source)
    flag = bool(document.get("is_signature_from_type_hint", False))
    try:
        signature = parse_signature(block, from_type_hint=flag)
    except SignatureError as exc:
        raise exc.with_source(source) from None
    recorded = document.get("mlflow_version")
    if isinstance(recorded, str) and recorded.strip():
        return replace(signature, mlflow_version=recorded.strip())
    return signature


def _from_json_file(path: Path) -> Signature:
    source = str(path)
    text = read_text(path)
    try:
        document = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        where = f"line {line}, column {col}" if line else ""
        msg = getattr(exc, "msg", str(exc))
        raise SignatureError(f"malformed JSON: {msg}", where=where, source=source) from None
    except RecursionError:
        raise SignatureError("JSON nested too deeply", source=source) from None
    if (
        isinstance(document, Mapping)
        and "signature" in document
        and not ({"inputs", "outputs", "params"} & set(document))
    ):
        flag = bool(document.get("is_signature_from_type_hint", False))
        document = document["signature"]
    else:
        flag = False
    try:
        return parse_signature(document, from_type_hint=flag)
    except SignatureError as exc:
        raise exc.with_source(source) from None


def load_signature(source: Any) -> Signature:
    """Read a signature from wherever it lives.

    Args:
        source: a path (``MLmodel``, a model directory, a ``.json``/``.yaml``
            signature file), a mapping in ``ModelSignature.to_dict()`` form,
            a `Signature`, or an object with ``to_dict()``.

    Raises:
        SignatureError: the signature is malformed (the message names the place).
        SourceError: the path does not exist or cannot be read.

    .. versionadded:: 0.1
    """
    if isinstance(source, Signature):
        return source
    if isinstance(source, (str, os.PathLike)):
        return _from_path(Path(source))
    if isinstance(source, Mapping):
        return parse_signature(source)
    to_dict = getattr(source, "to_dict", None)
    if callable(to_dict):
        return parse_signature(to_dict())
    raise SignatureError(
        f"cannot read a signature from {type(source).__name__}; give a path, a "
        "dict in ModelSignature.to_dict() form, or a ModelSignature"
    )


def _from_path(path: Path) -> Signature:
    if path.is_dir():
        mlmodel = path / "MLmodel"
        if not mlmodel.is_file():
            raise SignatureError(
                "directory has no MLmodel file (is it an MLflow model directory?)",
                source=str(path),
            )
        return _from_mlmodel(mlmodel)
    if not path.exists():
        raise SignatureError("no such file or directory", source=str(path))
    if path.name == "MLmodel" or path.suffix in {".yaml", ".yml"}:
        return _from_mlmodel(path)
    return _from_json_file(path)


def model_dir_of(source: Any) -> Path | None:
    """The model directory of a path source (for its example files), if any."""
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    if path.is_dir() and (path / "MLmodel").is_file():
        return path
    if path.name == "MLmodel" and path.is_file():
        return path.parent
    return None


__all__ = ["MAX_SIGNATURE_BYTES", "load_signature", "model_dir_of", "parse_yaml", "read_text"]
