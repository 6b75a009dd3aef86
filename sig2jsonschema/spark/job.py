"""`audit` and `summarize`: the traffic audit as a Spark job.

`audit` appends the verdict columns to a DataFrame of logged requests through
``mapInArrow``: the signature is broadcast once, each Python worker builds
one `RowJudge` from it (`sig2jsonschema.spark.worker`), and rows never
travel to the driver.  `summarize` counts each partition where it lies and
merges the partial summaries (one small row per partition) on the driver,
giving the same document as ``sig2jsonschema audit --output json``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import warnings
from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.serialized import signature_to_dict
from sig2jsonschema.audit.judge import AUDIT_MODES, RowJudge
from sig2jsonschema.audit.summary import Summary

from .worker import VERDICT_FIELDS, judge_batches, summarize_batches

if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyspark.sql import DataFrame

    from sig2jsonschema.audit.judge import AuditMode

#: Where `audit` records how the verdicts were made (metadata of the ``valid`` column).
_META_KEY = "sig2jsonschema_audit"


def audit(
    df: DataFrame,
    signature: Any,
    *,
    request_col: str = "request",
    mode: AuditMode = "both",
    mlflow_version: str | None = None,
) -> DataFrame:
    """``df`` with every row's verdict appended (lazily; nothing is collected).

    Args:
        df: logged requests, one per row (an inference table, say).
        signature: a `Signature`, a signature dict, or a path `load_signature` reads.
        request_col: the column holding the request body (text as sent, or a struct
            judged as its JSON text).
        mode: ``"both"`` (default), ``"strict"`` or ``"mlflow"``.
        mlflow_version: the MLflow release to judge for (default: the model's own).

    Returns:
        ``df``'s columns plus ``valid`` boolean, ``mlflow_status`` int, ``altered``
        boolean, ``form`` string, ``errors`` array<struct<pointer, keyword, field,
        expected>> and ``warnings`` array<struct<pointer, code, message>>.

    Raises:
        ValueError: an unknown mode or release, a missing request column, or a
            column name the verdict needs is taken.
        SignatureError: the signature cannot be read.

    .. versionadded:: 0.1
    """
    from pyspark.sql.pandas.types import from_arrow_schema
    from pyspark.sql.types import StructType

    if mode not in AUDIT_MODES:
        msg = f"mode must be one of {', '.join(AUDIT_MODES)}, got {mode!r}"
        raise ValueError(msg)
    if request_col not in df.columns:
        msg = f"no column {request_col!r} (columns: {', '.join(df.columns)})"
        raise ValueError(msg)
    taken = [f.name for f in VERDICT_FIELDS if f.name in df.columns]
    if taken:
        msg = f"the DataFrame already has a column {taken[0]!r}; rename it first"
        raise ValueError(msg)
    # Built once here too: a bad signature or release fails now, on the driver,
    # and every worker is told the same resolved release.
    judge = RowJudge(signature, mode, mlflow_version=mlflow_version)
    release = judge.release.version
    broadcast = df.sparkSession.sparkContext.broadcast(signature_to_dict(judge.signature))
    import pyarrow as pa  # type: ignore[import-untyped]

    added = from_arrow_schema(pa.schema(list(VERDICT_FIELDS)))
    schema = StructType([*df.schema.fields, *added.fields])
    function = functools.partial(
        judge_batches,
        broadcast=broadcast,
        mode=mode,
        mlflow_version=release,
        request_col=request_col,
    )
    meta = {_META_KEY: {"mode": mode, "mlflow_version": release, "request_col": request_col}}
    with _arrow_only():
        return df.mapInArrow(function, schema).withMetadata("valid", meta)


def summarize(
    result: DataFrame,
    *,
    status_col: str | None = None,
    time_col: str | None = None,
    examples: int = 5,
    redact: bool = True,
) -> dict[str, Any]:
    """The summary document of an `audit` result, as ``audit --output json`` prints it.

    Each partition is counted where it lies; only one small partial summary per
    partition reaches the driver.  Row numbers count across partitions in their
    order, which is the log's order when the DataFrame was read from it.

    Args:
        result: what `audit` returned (filters and projections keep working,
            as long as the verdict columns stay).
        status_col: the logged HTTP status column, to compare with MLflow's.
        time_col: the logged time column (epoch ms or s, timestamp, ISO text),
            for the per-UTC-day rates.
        examples: examples kept per verdict.
        redact: leave request bodies out of the examples.

    Raises:
        ValueError: ``result`` is not an `audit` result, or lacks a named column.

    .. versionadded:: 0.1
    """
    meta = result.schema["valid"].metadata.get(_META_KEY) if "valid" in result.columns else None
    if meta is None:
        msg = "not a sig2jsonschema.spark.audit result (no audited 'valid' column)"
        raise ValueError(msg)
    for name in (status_col, time_col):
        if name is not None and name not in result.columns:
            msg = f"no column {name!r} (columns: {', '.join(result.columns)})"
            raise ValueError(msg)
    wanted = [f.name for f in VERDICT_FIELDS]
    wanted += [c for c in (status_col, time_col) if c and c not in wanted]
    request_col = meta["request_col"] if not redact else None
    if request_col is not None and request_col not in wanted:
        wanted.append(request_col)
    function = functools.partial(
        summarize_batches,
        mode=meta["mode"],
        mlflow_version=meta["mlflow_version"],
        request_col=request_col,
        status_col=status_col,
        time_col=time_col,
        examples=examples,
        redact=redact,
    )
    with _arrow_only():
        partials = result.select(*wanted).mapInArrow(function, "partition int, state string")
    total = Summary(meta["mode"], meta["mlflow_version"], examples=examples, redact=redact)
    offset = 0
    for partial in sorted(partials.collect(), key=lambda r: r["partition"]):
        part = Summary.from_state(json.loads(partial["state"]))
        total.merge(part, offset)
        offset += part.rows
    return total.to_dict()


@contextlib.contextmanager
def _arrow_only() -> Iterator[None]:
    """Silence pyspark's pandas-version warning: ``mapInArrow`` hands Arrow, never pandas."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
        )
        yield


__all__ = ["audit", "summarize"]
