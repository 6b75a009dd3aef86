"""A model's example files, as MLflow's scoring server would receive them.

MLflow writes two examples next to ``MLmodel``: ``serving_input_example.json``
(a ready request body) and ``input_example.json`` (the raw example, which
MLflow turns into a body by the rules of ``saved_input_example_info``, spec
4.6).  `build_example_body` follows those rules, `judge_examples` asks the
emulator what MLflow answers (``mlflow`` mode) and the validator what the
strict contract says, so ``check`` can report both without MLflow installed.

.. versionadded:: 0.1
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sig2jsonschema._hazards.verdicts import LLM_KEYS
from sig2jsonschema._releases.table import NEWEST_RELEASE, Release
from sig2jsonschema._signature.load import parse_yaml, read_text
from sig2jsonschema.exceptions import Sig2JsonSchemaError, to_pointer

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from sig2jsonschema._emulator.outcome import Outcome
    from sig2jsonschema._signature.types import Signature

#: The two example files MLflow writes next to ``MLmodel``.
INPUT_EXAMPLE = "input_example.json"
SERVING_EXAMPLE = "serving_input_example.json"


@dataclass(frozen=True)
class Problem:
    """One way an example falls outside the strict contract."""

    #: RFC 6901 pointer into the example body.
    pointer: str
    #: The signature field concerned, when known.
    field: str
    #: The rule (a JSON Schema keyword, ``x-json-nonfinite``, a conversion code, ...).
    keyword: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {
            "pointer": self.pointer,
            "field": self.field,
            "keyword": self.keyword,
            "message": self.message,
        }


@dataclass(frozen=True)
class ExampleReport:
    """What MLflow does with one example file, and whether it is strict."""

    #: The file, relative to the model directory.
    file: str
    #: How the body was obtained (``as written``, or built from input_example.json).
    origin: str
    #: The body form the example uses, when recognised.
    form: str | None = None
    #: The emulated server's HTTP status (None when the body could not be built).
    status: int | None = None
    #: MLflow's error code when rejected.
    error_code: str | None = None
    #: Why MLflow rejects it, in our words.
    error: str | None = None
    #: The signature field the rejection concerns, when known.
    error_field: str = ""
    #: Whether MLflow answers without the ``predictions`` wrapper (LLM form).
    unwrapped: bool = False
    #: Strict-contract problems (empty when strict-valid).
    strict_problems: tuple[Problem, ...] = ()
    #: Where the body holds NaN/Infinity literals (RFC 6901 pointers).
    nonfinite_at: tuple[str, ...] = ()
    #: Set when the example could not be read or built.
    unreadable: str | None = None

    @property
    def accepted(self) -> bool:
        """Whether MLflow serves the example (HTTP 200)."""
        return self.status == 200

    @property
    def answer(self) -> str:
        """The server's answer in short: ``400 BAD_REQUEST``, ``500`` (plain-text error)."""
        return f"{self.status} {self.error_code}" if self.error_code else str(self.status)

    @property
    def nonfinite(self) -> int:
        """How many NaN/Infinity literals the body holds."""
        return len(self.nonfinite_at)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "origin": self.origin,
            "form": self.form,
            "mlflow": {
                "status": self.status,
                "error_code": self.error_code,
                "message": self.error,
                "unwrapped": self.unwrapped,
            },
            "strict": {
                "valid": None if self.status is None else not self.strict_problems,
                "problems": [p.to_dict() for p in self.strict_problems],
            },
            "nonfinite_at": list(self.nonfinite_at),
            "unreadable": self.unreadable,
        }


class ExampleError(Sig2JsonSchemaError, ValueError):
    """An example file cannot be turned into the request body MLflow would build."""


def _sparse_to_dense(data: Mapping[str, Any], kind: str) -> list[list[Any]]:
    """Densify MLflow's csr/csc example form ``{data, indices, indptr, shape}``."""
    rows, cols = (int(n) for n in data["shape"])
    dense: list[list[Any]] = [[0] * cols for _ in range(rows)]
    values, indices, indptr = data["data"], data["indices"], data["indptr"]
    outer = rows if kind.endswith("csr") else cols
    for major in range(outer):
        for k in range(int(indptr[major]), int(indptr[major + 1])):
            minor = int(indices[k])
            r, c = (major, minor) if kind.endswith("csr") else (minor, major)
            dense[r][c] = values[k]
    return dense


def build_example_body(info: Mapping[str, Any], example: Any) -> Any:
    """The request body MLflow builds from ``input_example.json`` (spec 4.6).

    ``info`` is MLmodel's ``saved_input_example_info``: ``type`` ``dataframe``
    (``pandas_orient`` split/values) becomes ``dataframe_split``; ``ndarray``,
    sparse matrices and ``json_object`` become ``inputs``, except a dict with a
    ``messages``/``prompt``/``input`` key, which MLflow writes unwrapped (the
    unified-LLM form) with params merged in at the top level.  With
    ``params: 'true'`` the file holds ``{"inputs": data, "params": {...}}``.

    Raises:
        ExampleError: the file does not have the shape ``info`` announces.
    """
    kind = info.get("type")
    params: Any = None
    data = example
    if str(info.get("params", "")).lower() == "true":
        if not isinstance(example, dict) or "inputs" not in example:
            raise ExampleError("MLmodel says the example has params, but it has no 'inputs' key")
        data, params = example["inputs"], example.get("params")
    body: dict[str, Any]
    if kind == "dataframe":
        orient = info.get("pandas_orient", "split")
        if orient == "records":
            body = {"dataframe_records": data}
        elif orient in {"split", "values"} and isinstance(data, dict):
            body = {"dataframe_split": data}
        else:
            raise ExampleError(f"cannot read a dataframe example in {orient!r} orient")
    elif kind == "ndarray":
        body = {"inputs": data}
    elif kind in {"sparse_matrix_csr", "sparse_matrix_csc"}:
        try:
            body = {"inputs": _sparse_to_dense(data, kind)}
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ExampleError(f"malformed {kind} example ({exc})") from None
    elif kind == "json_object":
        if isinstance(data, dict) and any(k in data for k in LLM_KEYS):
            return {**data, **(params or {})}
        body = {"inputs": data}
    else:
        raise ExampleError(f"unknown saved_input_example_info type {kind!r}")
    if params is not None:
        body["params"] = params
    return body


def example_info(model_dir: Path) -> dict[str, Any]:
    document = parse_yaml(read_text(model_dir / "MLmodel"), str(model_dir / "MLmodel"))
    info = document.get("saved_input_example_info") if isinstance(document, dict) else None
    return dict(info) if isinstance(info, dict) else {}


def judge_examples(
    sig: Signature, model_dir: Path, release: Release = NEWEST_RELEASE
) -> list[ExampleReport]:
    """Judge the serving example as written, and the body MLflow builds from the input example.

    ``release`` is the MLflow release whose verdict is reproduced.
    """
    try:
        info = example_info(model_dir)
    except Sig2JsonSchemaError:
        info = {}
    serving = model_dir / str(info.get("serving_input_path") or SERVING_EXAMPLE)
    example = model_dir / str(info.get("artifact_path") or INPUT_EXAMPLE)
    reports: list[ExampleReport] = []
    if serving.is_file():
        try:
            text = read_text(serving)
        except Sig2JsonSchemaError as exc:
            reports.append(ExampleReport(serving.name, "as written", unreadable=str(exc)))
        else:
            reports.append(_judge(sig, serving.name, "as written", text, release))
    if example.is_file():
        origin = f"built as MLflow does from type {info.get('type', '?')}"
        if info.get("pandas_orient"):
            origin += f", orient {info['pandas_orient']}"
        try:
            raw = json.loads(read_text(example))
            text = json.dumps(build_example_body(info, raw), allow_nan=True)
        except (Sig2JsonSchemaError, ValueError, RecursionError) as exc:
            reports.append(ExampleReport(example.name, origin, unreadable=str(exc)))
        else:
            reports.append(_judge(sig, example.name, origin, text, release))
    return reports


class _NonFinite:
    """Stands for a NaN/Infinity literal while its location is found."""


def _nonfinite_pointers(text: str) -> tuple[str, ...]:
    """RFC 6901 pointers of every NaN/Infinity/-Infinity literal in a JSON text."""
    try:
        value = json.loads(text, parse_constant=lambda _token: _NonFinite())
    except (ValueError, RecursionError):
        return ()
    found: list[str] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, _NonFinite):
            found.append(to_pointer(path))
        elif isinstance(node, dict):
            stack.extend((v, (*path, k)) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(node))
    return tuple(sorted(found))


def _judge(sig: Signature, file: str, origin: str, text: str, release: Release) -> ExampleReport:
    """The mlflow verdict (the emulator) and the strict problems (the validator) of one body."""
    from sig2jsonschema._emulator.server import emulate

    outcome = emulate(sig, text, release=release)
    return ExampleReport(
        file=file,
        origin=origin,
        form=outcome.form,
        status=outcome.status,
        error_code=outcome.error_code,
        error=None if outcome.status == 200 else outcome.message,
        error_field="" if outcome.status == 200 else outcome.field,
        unwrapped=outcome.unwrapped,
        strict_problems=_strict_problems(sig, text, outcome, release),
        nonfinite_at=_nonfinite_pointers(text),
    )


def _strict_problems(
    sig: Signature, text: str, outcome: Outcome, release: Release
) -> tuple[Problem, ...]:
    """Strict-mode errors of the body; the emulator's warnings if the validator is missing."""
    try:
        from sig2jsonschema._validate.validator import Validator

        validator = Validator(sig, mode="strict", mlflow_version=release.line)
    except ImportError:  # pragma: no cover - only while the validator's modules are absent
        return tuple(Problem(w.pointer, w.field, w.code, w.message) for w in outcome.warnings)
    return tuple(
        Problem(e.pointer, e.field, e.keyword, e.message) for e in validator.iter_errors(text)
    )


__all__ = [
    "INPUT_EXAMPLE",
    "SERVING_EXAMPLE",
    "ExampleError",
    "ExampleReport",
    "Problem",
    "build_example_body",
    "example_info",
    "judge_examples",
]
