"""MLflow's scoring server, reproduced without MLflow.

`emulate` (``server``) answers "what would ``POST /invocations`` do with
this body?": the status and error code, or exactly what ``predict``
receives and every lossy conversion on the way.  The stages are the
server's: envelopes and the parse stage (``parse`` for ``inputs`` and
``instances``, ``frames`` for ``dataframe_split``/``dataframe_records``,
``tabular`` for CSV and Parquet), enforcement (``enforce``, ``tensors``),
params (``params``), type-hinted models (``hint``), and the warnings pass
(``conversion_warnings``, ``tensor_warnings``, ``warning_words``).
``outcome`` holds what it hands back.

pandas is imported by these modules: nothing loads this stage before a
body is judged in ``mlflow`` mode or checked against MLflow.

May import: ``_payload``, ``_signature``, ``_releases``,
``sig2jsonschema.exceptions`` and ``sig2jsonschema.typing``.
"""
