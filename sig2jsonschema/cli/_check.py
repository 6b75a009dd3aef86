"""``sig2jsonschema check`` and ``sig2jsonschema diff``: audit a model, compare two.

Both commands are thin: the library builds the report (`sig2jsonschema._check.report.check`,
`sig2jsonschema._check.diff.diff_signatures`), a reporter picked from ``REPORTERS``
renders it as text for people (worst first, readable in ten seconds) or as
JSON for CI.  Exit codes: ``check`` 0 when no finding is at or above
``--fail-on`` (default ``error``), 1 otherwise; ``diff`` 1 when a change is
breaking; both 2 on bad input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from sig2jsonschema._check.diff import diff_signatures, has_breaking
from sig2jsonschema._check.report import CheckReport, Finding, FormStatus, check

from ._common import (
    EXIT_FAILED,
    EXIT_OK,
    add_mlflow_version_argument,
    add_output_file_argument,
    add_source_argument,
    chosen_release,
    write_json,
    write_text,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from sig2jsonschema._check.changes import Change
    from sig2jsonschema._check.examples import ExampleReport

    from ._common import Streams

_CHECK_EPILOG = """\
severity:
  error    a body form that cannot work for this signature, a field no JSON
           value can satisfy, or an example MLflow's server would reject
  warning  a trap well-formed requests can avoid, or an example outside the
           strict contract (e.g. the bare NaN tokens MLflow writes)

examples:
  sig2jsonschema check fixtures/models/optional_columns_sklearn
  sig2jsonschema check path/to/MLmodel --output json --fail-on warning -o check.json

exit codes: 0 no finding at or above --fail-on, 1 otherwise, 2 bad input.
Finding codes are stable and listed in docs/check.md and docs/hazards.md.
"""

_DIFF_EPILOG = """\
kinds:
  breaking   a request valid under OLD's strict contract can fail under NEW
             (for outputs: a response consumer can get something new)
  behaviour  requests still pass, but predict receives something different
  safe       nothing a well-formed request or its response can observe

examples:
  sig2jsonschema diff models/v1 models/v2
  sig2jsonschema diff old/MLmodel new/MLmodel --output json

exit codes: 0 nothing breaks, 1 a breaking change, 2 bad input.
"""

#: Show at most this many fields per grouped finding in text output.
FIELDS_SHOWN = 4


def register(subparsers: Any) -> None:
    """Add the ``check`` and ``diff`` commands."""
    parser = subparsers.add_parser(
        "check",
        help="audit a model's signature and examples before it is served",
        description=(
            "Audit an MLflow model before serving: signature hazards, which request body "
            "forms work, and what MLflow does with the model's own examples."
        ),
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_source_argument(parser)
    parser.add_argument("--output", choices=("text", "json"), default="text", help="report format")
    add_output_file_argument(parser)
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        default="error",
        help="exit 1 when a finding of this severity or worse exists (default: error)",
    )
    add_mlflow_version_argument(parser)
    parser.set_defaults(run=run_check)

    diff = subparsers.add_parser(
        "diff",
        help="compare two signatures as a client sees them",
        description=(
            "Compare two signatures (or models): which changes break existing requests, "
            "which change what predict receives, which are safe."
        ),
        epilog=_DIFF_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("old", metavar="OLD", help="the signature clients use today")
    diff.add_argument("new", metavar="NEW", help="the signature about to replace it")
    diff.add_argument("--output", choices=("text", "json"), default="text", help="report format")
    add_output_file_argument(diff)
    diff.set_defaults(run=run_diff)


# --------------------------------------------------------------------------
# check
# --------------------------------------------------------------------------
def run_check(args: argparse.Namespace, streams: Streams) -> int:
    """Audit ``args.source`` and report; the exit code follows ``--fail-on``."""
    from sig2jsonschema._signature.load import load_signature

    release = chosen_release(args, load_signature(args.source).mlflow_version, streams)
    report = check(args.source, mlflow_version=release)
    REPORTERS[args.output](report, streams)
    return report.exit_code(args.fail_on)


def _check_json(report: CheckReport, streams: Streams) -> None:
    write_json(report.to_dict(), streams)


def _forms_text(forms: tuple[str, ...], applicable: tuple[str, ...]) -> str:
    if forms and set(applicable) <= set(forms):
        return "all forms"
    return ", ".join(forms)


def _group(findings: tuple[Finding, ...]) -> list[list[Finding]]:
    """Findings with the same severity, code, forms and fix, kept together in order."""
    groups: dict[tuple[str, str, tuple[str, ...], str, str | None], list[Finding]] = {}
    for f in findings:
        groups.setdefault((f.severity, f.code, f.forms, f.fix, f.example), []).append(f)
    return list(groups.values())


def render_check_text(report: CheckReport) -> str:
    """The report as a person reads it: verdict, findings worst first, forms, examples."""
    errors, warnings = report.count("error"), report.count("warning")
    verdict = "FAIL" if errors else "ok"
    lines = [
        f"{report.source}: {verdict}: {errors} error(s), {warnings} warning(s)",
        f"judged for MLflow {report.mlflow_version}; the strict contract holds on MLflow "
        + ", ".join(report.to_dict()["strict_releases"]),
    ]
    applicable = tuple(s.form for s in report.forms if s.applicable)
    for group in _group(report.findings):
        first = group[0]
        fields = [f.field for f in group if f.field]
        where = ", ".join(fields[:FIELDS_SHOWN])
        if len(fields) > FIELDS_SHOWN:
            where += f" (+{len(fields) - FIELDS_SHOWN} more)"
        if first.example:
            where = ", ".join(x for x in (where, first.example) if x)
        head = f"{first.severity.upper():8} {first.code}"
        lines.append("")
        lines.append(f"{head}  {where}" if where else head)
        if first.forms:
            lines.append(f"         forms: {_forms_text(first.forms, applicable)}")
        lines.append(f"         {first.message}")
        lines.append(f"         fix: {first.fix}")
    lines.append("")
    recommended = report.recommended or "none works"
    lines.append(f"body forms (recommended: {recommended})")
    width = max((len(s.form) for s in report.forms if s.applicable), default=0)
    state_width = max((len(_state(s)) for s in report.forms if s.applicable), default=5)
    lines.extend(
        f"  {_state(s):{state_width}}  {s.form:{width}}  {_why(s, report)}".rstrip()
        for s in report.forms
        if s.applicable
    )
    others = [s.form for s in report.forms if not s.applicable]
    if others:
        lines.append(f"  (not for this signature: {', '.join(others)})")
    if report.examples:
        lines.append("")
        lines.append("examples")
        lines.extend(f"  {e.file}: {_example_line(e)}" for e in report.examples)
    return "\n".join(lines) + "\n"


def _state(status: FormStatus) -> str:
    if not status.works:
        return "FAILS"
    return "PARTLY" if status.left_out else "works"


def _why(status: FormStatus, report: CheckReport) -> str:
    """A form's verdict in a few words: the codes that fail it, or its restrictions."""
    if not status.works:
        by_code: dict[str, list[str]] = {}
        for f in report.findings:
            if (
                f.severity == "error"
                and status.form in f.forms
                and f.example is None
                and f.code != "no-working-form"
            ):
                by_code.setdefault(f.code, []).extend([f.field] if f.field else [])
        failing = [
            f"{code} ({', '.join(fields)})" if fields else code for code, fields in by_code.items()
        ]
        return ", ".join(failing) or ", ".join(status.hazards) or status.why
    if status.left_out:
        return status.why
    restrictions = [c for c in status.hazards if c]
    return f"(restrictions: {', '.join(restrictions)})" if restrictions else ""


def _example_line(e: ExampleReport) -> str:
    if e.unreadable is not None:
        return f"not judged ({e.unreadable})"
    form = e.form or "unknown form"
    if not e.accepted:
        return f"{form}, MLflow rejects it ({e.answer})"
    mlflow = "MLflow serves it" + (" unwrapped (no 'predictions' key)" if e.unwrapped else "")
    n = len(e.strict_problems)
    strict = "strict: valid" if not n else f"strict: {n} problem(s)"
    if e.nonfinite:
        strict += f", {e.nonfinite} bare NaN/Infinity token(s)"
    return f"{form}, {mlflow}; {strict}"


def _check_text(report: CheckReport, streams: Streams) -> None:
    write_text(render_check_text(report), streams)


REPORTERS: dict[str, Callable[[CheckReport, Streams], None]] = {
    "text": _check_text,
    "json": _check_json,
}


# --------------------------------------------------------------------------
# diff
# --------------------------------------------------------------------------
_KIND_ORDER = ("breaking", "behaviour", "safe")


def render_diff_text(changes: list[Change], old: str, new: str) -> str:
    """Changes grouped by side (requests, then responses) and kind, worst first."""
    if not changes:
        return f"{old} -> {new}: no changes\n"
    breaking = sum(1 for c in changes if c.kind == "breaking")
    lines = [
        f"{old} -> {new}: {len(changes)} change(s), {breaking} breaking",
    ]
    sides = (
        ("requests (inputs and params)", [c for c in changes if c.part != "outputs"]),
        ("responses (outputs)", [c for c in changes if c.part == "outputs"]),
    )
    for title, items in sides:
        if not items:
            continue
        lines.append("")
        lines.append(title)
        for kind in _KIND_ORDER:
            for c in items:
                if c.kind == kind:
                    lines.append(f"  {kind.upper():9} {c.change_code:24} {c.field}")
                    lines.append(f"            {c.message}")
    return "\n".join(lines) + "\n"


def run_diff(args: argparse.Namespace, streams: Streams) -> int:
    """Compare ``args.old`` with ``args.new``; exit 1 when a change breaks clients."""
    changes = diff_signatures(args.old, args.new)
    if args.output == "json":
        write_json(
            {
                "old": args.old,
                "new": args.new,
                "breaking": has_breaking(changes),
                "changes": [c.to_dict() for c in changes],
            },
            streams,
        )
    else:
        write_text(render_diff_text(changes, args.old, args.new), streams)
    return EXIT_FAILED if has_breaking(changes) else EXIT_OK


__all__ = ["REPORTERS", "register", "render_check_text", "render_diff_text"]
