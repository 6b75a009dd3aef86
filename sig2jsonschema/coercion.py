"""What ``predict`` receives: the result of `Validator.parse` and `coerce`.

A validated request body becomes exactly the objects MLflow 3.17.2's scoring
server hands to the model's ``predict``: a ``pandas.DataFrame`` for column
signatures, an ``ndarray`` (or a dict of them) for tensor signatures, the raw
dict for the unified-LLM form, and the params dict with defaults filled in.

In ``strict`` mode every value reaches ``predict`` by the canonical decoding
table of ``docs/strict-contract.md`` (``long`` -> ``int64``, ``float`` ->
nearest ``float32``, ``binary`` -> ``bytes`` decoded from base64, ``datetime``
-> naive ``datetime64[ns]``, ...), and ``warnings`` is empty by construction.
In ``mlflow`` mode the body is read as MLflow reads it, lossy conversions
included, and each of those is listed in ``warnings`` with the pointer of the
value, what was sent and what the model receives.

numpy/pandas are imported by the emulator only when a body is parsed.

.. versionadded:: 0.1
"""

from ._payload.parsed import ParsedRequest
from ._validate.coerce import coerce

__all__ = ["ParsedRequest", "coerce"]
