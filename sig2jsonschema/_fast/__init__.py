"""The strict fast path: a valid body judged and parsed near JSON-parsing speed.

``plan`` compiles a `FastPlan` per signature and answers only when it is
certain: a valid body outright, or the rows holding every offending value
(the reference path then explains those rows alone); ``results`` holds the
two answers.  ``quick`` (with ``rows``, generated row checks, and
``quick_tensors``) says "valid" for small bodies without numpy.  ``frames`` and
``columns`` read column signatures, ``nested`` their array/object cells,
``tensors`` tensor signatures, ``params`` the params object (through the
strict schema and the emulator's own param rules), ``chunks`` parses big
frame bodies in slices, ``limits`` vouches for the resource limits, and
``base`` holds the two signals every checker speaks (`Bail`, `BadRows`).

May import: ``_export`` (schema constants, the params schema), ``_emulator``
(param enforcement), ``_hazards``, ``_payload``, ``_signature``,
``_releases``, ``sig2jsonschema.exceptions`` and ``sig2jsonschema.typing``.
"""
