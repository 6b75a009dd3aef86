"""The fast path's certain answers: a valid body as ``predict`` gets it, where it fails, or
its one offending value (`Cell`, see `sig2jsonschema._fast.first_error`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sig2jsonschema._payload.parsed import ParsedRequest

if TYPE_CHECKING:
    from sig2jsonschema.exceptions import PayloadError


@dataclass(frozen=True)
class FastResult:
    """A valid body, as ``predict`` receives it (see `ParsedRequest`).

    .. versionadded:: 0.1
    """

    inputs: Any
    params: dict[str, Any] | None
    form: str
    unwrapped: bool = False

    def as_parsed_request(self) -> ParsedRequest:
        """The `ParsedRequest` `Validator.parse` returns for this body."""
        return ParsedRequest(
            inputs=self.inputs,
            params=self.params,
            warnings=(),
            form=self.form,
            unwrapped=self.unwrapped,
        )


@dataclass(frozen=True)
class FastFailure:
    """An invalid body whose offending values all sit in `rows`.

    `body` is the parsed body with the row array (``dataframe_split.data``,
    ``dataframe_records``, ``inputs``/``instances``) cut down to those rows,
    in order; everything else is as sent.  Validating it with the reference
    path yields the full body's errors, with row indexes relative to the cut:
    `remap` turns them back into the full body's pointers.

    .. versionadded:: 0.1
    """

    body: dict[str, Any]
    #: Original index of each row of the reduced body.
    rows: tuple[int, ...]
    #: RFC 6901 pointer of the row array (``/dataframe_split/data``, ...).
    prefix: str

    def remap(self, pointer: str) -> str:
        """A pointer into `body` -> the same place in the full body."""
        head = self.prefix + "/"
        if not pointer.startswith(head):
            return pointer
        index, slash, rest = pointer[len(head) :].partition("/")
        if not index.isdigit() or int(index) >= len(self.rows):
            return pointer
        return f"{head}{self.rows[int(index)]}{slash}{rest}"

    def remap_error(self, error: PayloadError) -> PayloadError:
        """Rewrite an error of the reduced body in place, for the full body."""
        error.pointer = self.remap(error.pointer)
        return error


class Cell(NamedTuple):
    """The one offending value of a failed body (`sig2jsonschema._fast.first_error`).

    A named tuple: made per invalid body on the cheap path, where a frozen
    dataclass's ``__init__`` costs twice as much.

    .. versionadded:: 0.1
    """

    #: RFC 6901 pointer of the value in the full body.
    pointer: str
    #: Everything the error may depend on besides the pointer and the value.
    key: tuple[Any, ...]
    #: The offending JSON value.
    value: Any


__all__ = ["Cell", "FastFailure", "FastResult"]
