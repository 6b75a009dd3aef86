"""What every stage shares about a request body.

What it holds:

* ``decode``: a body's content type and its JSON, read the way each mode
  reads it (``mlflow``: MLflow's ``json.loads``; ``strict``: RFC 8259 only),
  every problem a `PayloadError` with its pointer;
* ``mlflow_json``: MLflow's own JSON decoding, its crash depths and the
  RFC 8259 fast parse (orjson) that gives the same values;
* ``limits``: the resource limits checked before anything parses a body;
* ``refusal``: `Rejection`, how a stage refuses a body with MLflow's status,
  error code and error class;
* ``parsed``: `ParsedRequest` (what ``predict`` receives) and
  `ConversionWarning` (what MLflow changed on the way).

May import: ``_signature`` (words for JSON values), ``_releases``,
``sig2jsonschema.exceptions`` and ``sig2jsonschema.typing``.
"""
