"""One row per MLflow release: the scoring-server behaviours that differ between them.

Each field is a fact about a real server, measured with the oracle
(``shared/tools/mlflow_oracle_versions.py``) rather than read from
documentation (or read from MLflow's source diff, naming the file), and each
is read by the stage that reproduces it: the JSON decoding and resource
limits (``_payload``), the emulated server (``_emulator``), what one release
mishandles and strict leaves out (``_hazards.releases``), the exported
documents' stamps and rules (``_export``).  Nothing else spells a version.  A
release is added by adding a row, relabelling the public corpus with its
server and running the corpus tests (docs/mlflow-versions.md).

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
    #: Error bodies carry ``error_class`` (``mlflow/exceptions.py``,
    #: ``MlflowException.serialize_as_json``).  2.22 never sets it.
    error_class: bool = True
    #: pandas' dtype for strings: ``"str"`` on pandas 3 (3.x servers),
    #: ``"object"`` on pandas 2 (2.22.5 runs pandas 2.3.3).  It decides the string
    #: columns ``predict`` receives (a ``null`` sent in a frame form stays None),
    #: and nested values: an object Series of datetime strings parses in
    #: ``_enforce_mlflow_datatype`` (``mlflow/models/utils.py``), and the enforcement
    #: stage then refuses the integers it became (400 INVALID_PARAMETER_VALUE).
    string_dtype: str = "str"
    #: ``dataframe_split``/``dataframe_records``: a boolean column holding
    #: nulls keeps them (object dtype) instead of ``astype(bool)`` turning
    #: ``None`` into ``False`` and NaN into ``True``; an all-null boolean column
    #: stays float64 and fails enforcement.  3.18.0,
    #: ``mlflow/utils/proto_json_utils.py`` (``cast_df_types_according_to_schema``).
    frame_booleans_keep_nulls: bool = False
    #: ``inputs``/``instances``: ``None`` in a boolean, string or binary column
    #: stays ``None`` (before: ``False``, ``"None"``, ``b"None"``).  3.18.0,
    #: ``mlflow/utils/proto_json_utils.py`` (``convert_data_type``).
    tf_keeps_none: bool = False
    #: ``_enforce_array`` hands datetime arrays back as pandas Timestamps
    #: (before: ``numpy.tolist()`` made them integers of nanoseconds).  3.18.0,
    #: ``mlflow/models/utils.py``.
    array_datetimes_as_timestamps: bool = False
    #: ``_reshape_and_cast_pandas_column_values`` reads a tensor column's first
    #: value with ``iloc[0]``, so a frame whose index lacks the label 0 no
    #: longer breaks a tensor signature (before: ``pd_series[0]``, a KeyError).
    #: 3.18.0, ``mlflow/models/utils.py``.
    tensor_first_value_by_position: bool = False
    #: ``_enforce_named_col_schema``/``_enforce_unnamed_col_schema`` build the
    #: enforced array/object/map/any columns without the frame's index, so a
    #: ``dataframe_split`` custom ``index`` is reset (all columns complex) or
    #: misaligns rows and pads them with NaN (complex and scalar mixed).
    #: Fixed in 3.x (``index=pf_input.index``); 2.22.5, ``mlflow/models/utils.py``.
    complex_columns_drop_index: bool = False
    #: How split/records frames cast a datetime column: ``"to_datetime"``
    #: (``pd.to_datetime``: one format per column, inferred from the first
    #: value) or ``"astype"`` (2.22.5: ``astype("datetime64[ns]")``, which
    #: parses each value on its own, so mixed formats are accepted).
    #: ``mlflow/utils/proto_json_utils.py`` (``cast_df_types_according_to_schema``).
    frame_datetime_cast: str = "to_datetime"
    #: A JSON or CSV body that is not UTF-8 is a 400 (``MlflowInvalidInputException``);
    #: 2.22.5 lets the ``UnicodeDecodeError`` escape: a plain-text 500.
    #: ``mlflow/pyfunc/scoring_server/__init__.py``.
    non_utf8_status: int = 400
    #: The server reads ``application/vnd.apache.parquet`` bodies (added in 3.x;
    #: 2.22.5 answers 415).  ``mlflow/pyfunc/scoring_server/__init__.py``.
    parquet: bool = True

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
            error_class=False,
            string_dtype="object",
            complex_columns_drop_index=True,
            frame_datetime_cast="astype",
            non_utf8_status=500,
            parquet=False,
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
            frame_booleans_keep_nulls=True,
            tf_keeps_none=True,
            array_datetimes_as_timestamps=True,
            tensor_first_value_by_position=True,
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
