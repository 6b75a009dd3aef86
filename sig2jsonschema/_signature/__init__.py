"""The signature model: MLflow's type system, as plain frozen values.

What it holds:

* ``types``: `DataType`, `Array`, `Object`, `Map`, `AnyType`, `ColSpec`,
  `TensorSpec`, `ParamSpec`, `Signature`: MLflow's names, so messages echo
  the words users wrote;
* ``serialized``: reading and writing MLflow's ``to_dict()`` form (checked
  against the shipped meta-schema);
* ``load``: `load_signature` from an MLmodel file, a model directory, a JSON
  file, a dict or a ``ModelSignature``;
* ``param_rules`` and ``value_rules``: MLflow's rules for one param value
  and one nested value (reading a signature checks param defaults with them;
  the emulator enforces bodies with them);
* ``shipped``: the JSON Schema documents in ``schemas/``, found offline.

May import: ``sig2jsonschema.exceptions``, ``sig2jsonschema.typing`` and the
MLflow release table (``_releases``).  Nothing here knows about request
bodies.
"""
