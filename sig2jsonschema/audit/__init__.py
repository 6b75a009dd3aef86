"""The traffic audit: recorded scoring requests judged against the contract.

Holds ``judge`` (one row's verdict, shared with the Spark job), ``sources``
(logs read in Arrow batches), ``engine`` (the local audit), ``summary`` (the
counts and their document) and ``report`` (the HTML page).  May import
``_validate`` and every stage below it; pyarrow and deltalake load only when
a table log is read (the ``[audit]`` extra).  Re-exports its public names.
"""

from __future__ import annotations

from .engine import audit_logs, row_record
from .judge import AUDIT_MODES, AuditMode, RowJudge, RowVerdict
from .report import render_html
from .sources import Columns, request_text
from .summary import Summary, render_text

__all__ = [
    "AUDIT_MODES",
    "AuditMode",
    "Columns",
    "RowJudge",
    "RowVerdict",
    "Summary",
    "audit_logs",
    "render_html",
    "render_text",
    "request_text",
    "row_record",
]
