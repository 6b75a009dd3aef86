"""Signature -> JSON Schema 2020-12 and back, older dialects and OpenAPI.

What it holds:

* ``to_schema``: `to_jsonschema`, the request/inputs/outputs/params schema
  in ``strict`` or ``mlflow`` mode; ``forms`` picks a builder per body form
  (``column_forms``, ``tensor_forms``), ``defs`` fills the canonical
  ``$defs``, ``values`` is one schema row per MLflow type;
* ``vocabulary``: our ``x-mlflow-*`` keywords for the ``jsonschema`` library;
* ``from_schema``: `from_jsonschema`, exact on our exports
  (``schema_reader``), structural on anybody's (``structural``);
* ``dialects``: down-conversion to draft-07, draft-04 and OpenAPI 3.0/3.1
  with a loss report;
* ``openapi``: an OpenAPI document for one model or several.

May import: ``_hazards``, ``_payload``, ``_signature``, ``_releases``,
``sig2jsonschema.exceptions`` and ``sig2jsonschema.typing``.  It never
imports the emulator: a schema says what a body looks like, not what
MLflow does with it.
"""
