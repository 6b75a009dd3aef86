"""One row per MLflow release: the scoring-server behaviours that differ between them.

Each field is a fact about a real server, measured with the oracle
(``shared/tools/mlflow_oracle.py``) rather than read from documentation, and
each is read by the stage that reproduces it: the JSON decoding and resource
limits (``_payload``), the parse stage (``_emulator``), the exported
documents' version stamps (``_export``).  A release is added by adding a row;
the conformance tests re-ask the real server the questions behind each field.

.. versionadded:: 0.1
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Release:
    """How one MLflow release's scoring server behaves where releases differ.

    .. versionadded:: 0.1
    """

    #: The release, as ``mlflow.__version__`` and the server's ``/version`` spell it.
    version: str
    #: Container nesting (arrays and objects, the top level counting one) at which
    #: the server's ``json.loads`` runs out of recursion and the request crashes
    #: with HTTP 500 (measured on 3.17.2 / CPython 3.11: 986 levels parse, 987
    #: do not).
    json_crash_depth: int
    #: Nesting of an ``inputs``/``instances`` value at which the parse stage's
    #: ``copy.deepcopy`` runs out of recursion (HTTP 400; measured: 495).
    deepcopy_crash_depth: int
    #: The longest integer literal the server's ``int()`` reads: CPython's
    #: ``sys.int_info.default_max_str_digits``; a longer one is an uncaught
    #: ``ValueError`` (HTTP 500; measured: 4300 digits parse, 4301 crash).
    max_int_digits: int


#: Every release whose behaviour is reproduced, by version.
RELEASES: dict[str, Release] = {
    release.version: release
    for release in (
        Release(
            version="3.17.2",
            json_crash_depth=987,
            deepcopy_crash_depth=495,
            max_int_digits=4300,
        ),
    )
}

#: The release the ``mlflow`` mode and the exports describe unless told otherwise.
DEFAULT_RELEASE = RELEASES["3.17.2"]

__all__ = ["DEFAULT_RELEASE", "RELEASES", "Release"]
