"""Before a model is served: `check` audits it, `diff_signatures` compares two.

What it holds: ``report`` (`check` and `CheckReport`: hazards, body forms
and the model's own examples), ``examples`` (the example files MLflow
writes, as the server would receive them), ``diff`` (every change between
two signatures) with its table of change kinds (``changes``) and type
changes (``type_changes``).

May import every stage below the strategies: ``_validate``, ``_fast``,
``_export``, ``_emulator``, ``_hazards``, ``_payload``, ``_signature``,
``_releases``, ``sig2jsonschema.exceptions`` and ``sig2jsonschema.typing``.
"""
