"""The one table of what works: body forms and hazards per signature.

What it holds:

* ``sites``: the body form names, which forms apply to a signature's shape,
  and every place a rule can talk about (a column, a nested position, a
  tensor, a param);
* ``rules``: the hazard table, one row per thing that goes wrong on a real
  MLflow server (documented with examples in docs/hazards.md);
* ``verdicts``: `hazards`, `form_verdicts`, `working_forms` and
  `recommended_form`, read from the table;
* ``releases``: the body elements one supported MLflow release mishandles
  (read from the release table), which strict leaves out and ``check``
  warns about.

The strict export, the strategies, the fast path, the validator and
``check`` all ask this table; none of them decides on its own.

May import: ``_signature``, ``_payload``, ``_releases``,
``sig2jsonschema.exceptions`` and ``sig2jsonschema.typing``.
"""
