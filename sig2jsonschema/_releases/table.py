"""One row per MLflow release: the scoring-server behaviours that differ between them.

Each field is a fact about a real server, measured with the oracle
(``shared/tools/mlflow_oracle_versions.py``) rather than read from
documentation, and each is read by the stage that reproduces it: the JSON
decoding and resource limits (``_payload``), the parse stage (``_emulator``),
the exported documents' version stamps (``_export``).  A release is added by
adding a row; the conformance tests re-ask the real server the questions
behind each field.

Users name a release by its ``major.minor`` line (``"3.18"``); a patch release
of a supported line (``"3.18.0"``) means the same row.

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

    @property
    def line(self) -> str:
        """The ``major.minor`` line users name the release by (``"3.18"``)."""
        return line_of(self.version)


def line_of(version: str) -> str:
    """``"3.18.0"`` → ``"3.18"``; a string that is not a release is returned stripped."""
    parts = version.strip().split(".")
    return ".".join(parts[:2]) if len(parts) >= 2 else version.strip()


#: Every release whose behaviour is reproduced, oldest first, by ``major.minor`` line.
RELEASES: dict[str, Release] = {
    release.line: release
    for release in (
        Release(
            version="2.22.5",
            json_crash_depth=987,
            deepcopy_crash_depth=495,
            max_int_digits=4300,
        ),
        Release(
            version="3.17.2",
            json_crash_depth=987,
            deepcopy_crash_depth=495,
            max_int_digits=4300,
        ),
        Release(
            version="3.18.0",
            json_crash_depth=987,
            deepcopy_crash_depth=495,
            max_int_digits=4300,
        ),
    )
}

#: The supported lines, oldest first, as users spell them.
SUPPORTED: tuple[str, ...] = tuple(RELEASES)

#: The newest supported release: the default when the model records none we support.
NEWEST_RELEASE = RELEASES[SUPPORTED[-1]]

#: The release the test suite's pinned ``mlflow-skinny`` (and the labelled corpus) run.
DEFAULT_RELEASE = RELEASES["3.17"]


def resolve_release(version: str | Release | None = None) -> Release:
    """The row for a user's ``mlflow_version``: ``"3.18"``, ``"3.18.0"``, or None (newest).

    Raises:
        ValueError: the release is not supported (the message lists those that are).
    """
    if isinstance(version, Release):
        return version
    if version is None:
        return NEWEST_RELEASE
    release = RELEASES.get(line_of(version))
    if release is None:
        supported = ", ".join(SUPPORTED)
        msg = f"MLflow {version.strip() or '(empty)'} is not supported; supported: {supported}"
        raise ValueError(msg)
    return release


def release_for_model(
    version: str | Release | None, recorded: str | None
) -> tuple[Release, str | None]:
    """The release to judge for, and a one-line note when the model's own is unsupported.

    An explicit ``version`` wins.  Otherwise the release the model records
    (its MLmodel's ``mlflow_version``) when its line is supported, else the
    newest supported release.
    """
    if version is not None:
        return resolve_release(version), None
    if recorded is None:
        return NEWEST_RELEASE, None
    release = RELEASES.get(line_of(recorded))
    if release is not None:
        return release, None
    note = (
        f"the model was saved by MLflow {recorded}, which is not supported; "
        f"judging for MLflow {NEWEST_RELEASE.line} (supported: {', '.join(SUPPORTED)})"
    )
    return NEWEST_RELEASE, note


__all__ = [
    "DEFAULT_RELEASE",
    "NEWEST_RELEASE",
    "RELEASES",
    "SUPPORTED",
    "Release",
    "line_of",
    "release_for_model",
    "resolve_release",
]
