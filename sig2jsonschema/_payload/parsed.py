"""What ``predict`` receives, and what MLflow changed on the way.

`ParsedRequest` is the result every stage that reads a body hands back (the
emulator in ``mlflow`` mode, the fast path and the reference path in
``strict`` mode): exactly the objects MLflow's scoring server passes to the
model's ``predict``.  `ConversionWarning` names one lossy or surprising
conversion MLflow made on an accepted body.  Both are plain frozen values, so
the stages below the validator can build them without importing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ConversionWarning:
    """A lossy or surprising conversion MLflow makes on an accepted body.

    .. versionadded:: 0.1
    """

    #: RFC 6901 pointer into the body, e.g. ``/dataframe_split/data/3/1``.
    pointer: str
    #: The signature field concerned, e.g. ``inputs['age']`` or ``params['k']``.
    field: str
    #: A stable code, e.g. ``float-truncated`` (listed in docs/mlflow-mode.md).
    code: str
    #: What was sent, rendered as JSON text.
    sent: str
    #: What the model gets, rendered.
    received: str
    #: One sentence for people.
    message: str


@dataclass(frozen=True)
class ParsedRequest:
    """A request body as ``predict`` receives it.

    .. versionadded:: 0.1
    """

    #: Exactly what ``predict`` receives: a DataFrame, an ndarray, a dict of
    #: ndarrays, or (unified-LLM form) the raw dict.
    inputs: Any
    #: The params dict ``predict`` receives (defaults filled in), or None.
    params: dict[str, Any] | None
    #: Lossy conversions MLflow made (``mlflow`` mode); empty in ``strict``.
    warnings: tuple[ConversionWarning, ...]
    #: The body form the request used (``dataframe_split``, ``inputs/records``, ...).
    form: str | None
    #: Whether MLflow answers this request without the ``predictions`` wrapper.
    unwrapped: bool = False


__all__ = ["ConversionWarning", "ParsedRequest"]
