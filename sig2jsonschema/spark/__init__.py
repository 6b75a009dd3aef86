"""The traffic audit on Spark: `audit` a DataFrame of logged requests, `summarize` it.

Holds ``job`` (the driver side: ``audit``, ``summarize``) and ``worker``
(the functions ``mapInArrow`` runs in executors' Python workers).  May import
``audit`` (whose per-row judging it runs) and every stage below it; the only
package that imports pyspark (the ``[spark]`` extra).  Executors need
sig2jsonschema installed (docs/audit.md).  Re-exports its public names.
"""

from __future__ import annotations

from .job import audit, summarize

__all__ = ["audit", "summarize"]
