"""`Validator`: would MLflow's server serve this body as intended?

What it holds:

* ``validator``: `Validator`, the pipeline: limits, then the fast path
  (``_fast``) when it is certain, else decoding, the emulator and the
  exported schema on the ``jsonschema`` library;
* ``mapper``, ``schema_index``, ``words``, ``ranking``: a
  ``jsonschema.ValidationError`` turned into a `PayloadError` a person
  understands (where, what, which first);
* ``server_errors``: the emulated server's outcome as errors;
* ``coerce``: `coerce`, one body to what ``predict`` receives (also offered
  as ``sig2jsonschema.coercion``).

May import: ``_fast``, ``_export``, ``_emulator``, ``_hazards``,
``_payload``, ``_signature``, ``_releases``, ``sig2jsonschema.exceptions``
and ``sig2jsonschema.typing``.
"""
