"""Every public exception of sig2jsonschema, in one place.

Errors are data first: each carries typed fields (a JSON pointer into the
document concerned, the signature field, what was expected and what was got),
and ``str()`` builds the message from them.

.. versionadded:: 0.1
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


def escape_pointer_token(token: str | int) -> str:
    """Escape one RFC 6901 reference token (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def to_pointer(path: tuple[str | int, ...] | list[str | int]) -> str:
    """Build an RFC 6901 JSON pointer from a sequence of keys and indexes."""
    return "".join("/" + escape_pointer_token(p) for p in path)


class Sig2JsonSchemaError(Exception):
    """Base class of every error this library raises on purpose.

    .. versionadded:: 0.1
    """


class SignatureError(Sig2JsonSchemaError, ValueError):
    """A signature (or the file holding it) is not a valid MLflow signature.

    ``where`` names the place in MLflow's words (``inputs[2].type``), ``pointer``
    is the same place as an RFC 6901 pointer into the signature document, and
    ``source`` the file it came from, when there was one.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        problem: str,
        *,
        where: str = "",
        pointer: str = "",
        source: str | None = None,
    ) -> None:
        self.problem = problem
        self.where = where
        self.pointer = pointer
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        place = f"{self.where}: " if self.where else ""
        return f"{head}{place}{self.problem}"

    def with_source(self, source: str) -> SignatureError:
        """Return a copy that names the file the signature came from."""
        return SignatureError(self.problem, where=self.where, pointer=self.pointer, source=source)


class UnrepresentableSchema(Sig2JsonSchemaError, ValueError):
    """A JSON Schema has no MLflow signature equivalent.

    ``pointer`` locates the offending subschema inside the document and
    ``keyword`` names the keyword that cannot be represented.

    .. versionadded:: 0.1
    """

    def __init__(self, problem: str, *, pointer: str = "", keyword: str = "") -> None:
        self.problem = problem
        self.pointer = pointer
        self.keyword = keyword
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.pointer or "/"
        kw = f" ({self.keyword})" if self.keyword else ""
        return f"{where}{kw}: {self.problem}"


@dataclass(eq=True)
class PayloadError(Sig2JsonSchemaError, ValueError):
    """A request (or response) body breaks the signature's contract.

    What happened: ``expected``, ``got``; why: ``keyword`` (the rule), ``cause``;
    where: ``pointer`` (RFC 6901, into the body) and ``field`` (the signature
    field, such as ``inputs['age']``).

    .. versionadded:: 0.1
    """

    #: RFC 6901 pointer into the body ("" is the whole body).
    pointer: str
    #: The rule that failed: a JSON Schema keyword or one of ours (``x-mlflow-…``).
    keyword: str
    #: What the contract wants, in the signature's words.
    expected: str
    #: What the body held (rendered; never shown when ``redacted``).
    got: str = ""
    #: The signature field concerned: ``inputs['age']``, ``params['k']``, ``inputs[2]``.
    field: str = ""
    #: Extra words: a hint or the reason MLflow fails.
    hint: str = ""
    #: Whether payload values are withheld from the message.
    redacted: bool = False
    #: The MLflow error code the real server would answer with.
    error_code: str = "BAD_REQUEST"
    #: HTTP status the real server would answer with.
    status: int = 400
    #: The underlying error (a ``jsonschema.ValidationError``), when there is one.
    cause: Any = dataclasses.field(default=None, compare=False, repr=False)
    #: The field's declaration in the signature's words, e.g. ``long, required``.
    field_detail: str = ""
    #: MLflow's ``error_class`` for this failure (e.g. ``SCHEMA_ENFORCEMENT_FAILED``).
    error_class: str | None = None
    #: Line and column in the raw body text, for malformed JSON.
    line: int | None = None
    column: int | None = None
    #: Whether the release's server puts ``error_class`` in its error body
    #: (MLflow 2.22 never does).
    error_class_reported: bool = True

    def __post_init__(self) -> None:
        Exception.__init__(self, self.message)

    @property
    def message(self) -> str:
        """``pointer: expected X, got Y; signature field F; hint``."""
        where = self.pointer or "/"
        text = f"{where}: expected {self.expected}"
        if self.got and not self.redacted:
            text += f", got {self.got}"
        if self.field:
            text += f"; signature field {self.field}"
            if self.field_detail:
                text += f" ({self.field_detail})"
        if self.hint:
            text += f"; {self.hint}"
        return text

    def __str__(self) -> str:
        return self.message

    def to_mlflow_error(self) -> dict[str, str]:
        """The JSON error body the chosen MLflow release's scoring server would return.

        ``error_class`` is left out for a release that never sends it (2.22).
        """
        body = {"error_code": self.error_code, "message": self.message}
        if self.error_class_reported:
            body["error_class"] = self.error_class or (
                "INVALID_PARAMETER_VALUE"
                if self.error_code in {"BAD_REQUEST", "INVALID_PARAMETER_VALUE"}
                else "CLIENT_INTERNAL_ERROR"
            )
        return body

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``--output json``)."""
        out: dict[str, Any] = {
            "pointer": self.pointer,
            "field": self.field,
            "keyword": self.keyword,
            "expected": self.expected,
            "got": None if self.redacted else self.got,
            "message": self.message,
        }
        if self.line is not None:
            out["line"] = self.line
            out["column"] = self.column
        return out


class CoercionError(Sig2JsonSchemaError, TypeError):
    """A validated body could not be turned into what ``predict`` receives.

    .. versionadded:: 0.1
    """

    def __init__(self, problem: str, *, pointer: str = "") -> None:
        self.problem = problem
        self.pointer = pointer
        super().__init__(f"{pointer or '/'}: {problem}")


class SourceError(Sig2JsonSchemaError, OSError):
    """A file or directory given as a source cannot be read.

    .. versionadded:: 0.1
    """


__all__ = [
    "CoercionError",
    "PayloadError",
    "Sig2JsonSchemaError",
    "SignatureError",
    "SourceError",
    "UnrepresentableSchema",
    "escape_pointer_token",
    "to_pointer",
]
