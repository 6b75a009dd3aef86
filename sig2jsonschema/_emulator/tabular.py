"""CSV and Parquet bodies (spec 2.8): read with pandas, then only enforcement.

CSV is read with ``pandas.read_csv``; with a signature, every column's dtype is
forced from the signature (so a signature with any non-scalar column refuses
every CSV body, and forced dtypes are strict: an empty cell in a ``long``
column fails).  Parquet is read with ``pandas.read_parquet`` and not cast at
all.  Neither form carries params, and binary columns are never base64-decoded.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from sig2jsonschema._payload.refusal import Rejection, bad_request, brief, server_crash
from sig2jsonschema._signature.types import ColSpec, DataType
from sig2jsonschema._signature.value_rules import PANDAS_TYPES

from .parse import ColumnSource, Parsed

if TYPE_CHECKING:
    from sig2jsonschema._releases.table import Release
    from sig2jsonschema._signature.types import Signature


def _as_bytes(body: Any, what: str) -> bytes:
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    raise bad_request(f"a {what} body must be raw bytes or text", keyword="x-mlflow-body")


def read_table(signature: Signature, body: Any, media_type: str, release: Release) -> Parsed:
    """Read a CSV or Parquet body into the DataFrame MLflow builds.

    Raises:
        Rejection: 400 ``BAD_REQUEST`` when pandas cannot read it.
    """
    import pandas as pd

    if media_type == "text/csv":
        raw = _as_bytes(body, "CSV")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            problem = f"the CSV body is not valid UTF-8 ({exc.reason} at byte {exc.start})"
            if release.non_utf8_status == 500:
                raise server_crash(
                    f"{problem}; MLflow {release.line} lets the decoding error escape",
                    keyword="x-mlflow-csv",
                ) from None
            raise bad_request(problem, keyword="x-mlflow-csv") from None
        frame = _read_csv(signature, text)
        form = "csv"
    else:
        raw = _as_bytes(body, "Parquet")
        try:
            frame = pd.read_parquet(io.BytesIO(raw))
        except Exception as exc:  # noqa: BLE001 - MLflow answers every read failure with 400
            raise bad_request(
                f"the body is not a Parquet file pandas can read: {brief(exc)}",
                keyword="x-mlflow-parquet",
            ) from None
        form = "parquet"
    sources = {label: ColumnSource(label, "", None, sent=frame[label]) for label in frame.columns}
    return Parsed(frame, form, "", sources, release)


def _read_csv(signature: Signature, text: str) -> Any:
    import pandas as pd

    schema = signature.inputs
    try:
        if schema is None:
            return pd.read_csv(io.StringIO(text))
        if schema.is_tensor or not all(isinstance(s.type, DataType) for s in schema.columns):
            kind = "tensor" if schema.is_tensor else "array/object/map/any"
            raise bad_request(  # noqa: TRY301 - the same answer as a pandas failure
                f"CSV bodies cannot feed a signature with {kind} inputs",
                keyword="x-mlflow-csv",
            )
        specs: tuple[ColSpec, ...] = schema.columns
        dtypes = {
            (s.name or i): PANDAS_TYPES[s.type]  # type: ignore[index]
            for i, s in enumerate(specs)
        }
        return pd.read_csv(io.StringIO(text), dtype=dtypes)
    except Rejection:
        raise
    except Exception as exc:  # noqa: BLE001 - MLflow answers every read failure with 400
        raise bad_request(
            f"the CSV body cannot be read with the signature's column types: {brief(exc)}",
            keyword="x-mlflow-csv",
        ) from None


__all__ = ["read_table"]
