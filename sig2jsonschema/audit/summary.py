"""The audit's summary: counts gathered row by row, in bounded memory.

`Summary` is fed one judged row at a time (`Summary.add`) and keeps only
counters and a bounded number of example rows, so a log of any size
summarises in the same memory.  Partial summaries merge (`Summary.merge`):
the Spark job summarises each partition where it lies and merges the small
results on the driver, giving the same document as the command line.
`Summary.to_dict` is that document (``audit --output json``); `render_text`
words it for people.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .judge import AuditMode, RowVerdict

#: Disagreeing rows listed in the summary (the count covers them all).
DISAGREEING_LISTED = 20
#: When at least this share of compared rows disagree (and at least
#: `HINT_MIN_ROWS` do), the summary says the audited contract is likely not
#: the one that served the traffic.
HINT_RATE = 0.05
HINT_MIN_ROWS = 5
#: Characters of a request body shown in an unredacted example.
EXAMPLE_CHARS = 400
#: Errors and warnings shown per example.
EXAMPLE_ITEMS = 3
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
#: Integers at least this large are epoch milliseconds, smaller ones seconds
#: (1e11 seconds is the year 5138; 1e11 milliseconds is 1973).
_MS_THRESHOLD = 100_000_000_000


@dataclass
class Summary:
    """Counts over judged rows (see the module docstring).

    .. versionadded:: 0.1
    """

    mode: AuditMode
    mlflow_version: str | None
    examples: int = 5
    redact: bool = True
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    served: int = 0
    rejected: int = 0
    altered: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    keywords: Counter[str] = field(default_factory=Counter)
    fields: Counter[str] = field(default_factory=Counter)
    warning_codes: Counter[str] = field(default_factory=Counter)
    forms: Counter[str] = field(default_factory=Counter)
    days: dict[str, Counter[str]] = field(default_factory=dict)
    undated: int = 0
    compared: int = 0
    agree: int = 0
    exact: int = 0
    pairs: Counter[tuple[int, int]] = field(default_factory=Counter)
    disagreeing: list[dict[str, Any]] = field(default_factory=list)
    samples: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"invalid": [], "rejected": [], "altered": []}
    )

    def add(
        self,
        row: int,
        verdict: RowVerdict,
        body: str | bytes,
        logged_status: Any = None,
        time: Any = None,
    ) -> None:
        """Count one judged row (``row`` is its 0-based index in the log)."""
        self.rows += 1
        flags: list[str] = []
        if verdict.valid is not None:
            if verdict.valid:
                self.valid += 1
            else:
                self.invalid += 1
                flags.append("invalid")
        if verdict.mlflow_status is not None:
            self.statuses[verdict.mlflow_status] += 1
            if verdict.mlflow_status == 200:
                self.served += 1
            else:
                self.rejected += 1
                flags.append("rejected")
        if verdict.altered:
            self.altered += 1
            flags.append("altered")
            self.warning_codes.update({w["code"] for w in verdict.warnings})
        self.keywords.update({e["keyword"] for e in verdict.errors})
        self.fields.update({e["field"] or "(body)" for e in verdict.errors})
        self.forms[verdict.form or "(none)"] += 1
        if time is not None:
            day = utc_day(time)
            if day is None:
                self.undated += 1
            else:
                counts = self.days.setdefault(day, Counter())
                counts["rows"] += 1
                counts.update(flags)
        logged = _status(logged_status)
        if logged is not None and verdict.mlflow_status is not None:
            self._compare(row, logged, verdict, time)
        for flag in flags:
            listed = self.samples[flag]
            if len(listed) < self.examples:
                listed.append(self._example(row, verdict, body, logged, time))

    def _compare(self, row: int, logged: int, verdict: RowVerdict, time: Any) -> None:
        predicted = verdict.mlflow_status
        assert predicted is not None
        self.compared += 1
        self.exact += logged == predicted
        if (logged == 200) == (predicted == 200):
            self.agree += 1
            return
        self.pairs[logged, predicted] += 1
        if len(self.disagreeing) < DISAGREEING_LISTED:
            self.disagreeing.append(
                {
                    "row": row,
                    "logged_status": logged,
                    "mlflow_status": predicted,
                    "time": json_time(time),
                    "errors": list(verdict.errors[:EXAMPLE_ITEMS]),
                }
            )

    def _example(
        self, row: int, verdict: RowVerdict, body: str | bytes, logged: int | None, time: Any
    ) -> dict[str, Any]:
        request: str | None = None
        if not self.redact:
            text = body if isinstance(body, str) else body.decode("utf-8", "replace")
            request = text[:EXAMPLE_CHARS] + ("…" if len(text) > EXAMPLE_CHARS else "")
        warnings = [
            w if not self.redact else {"pointer": w["pointer"], "code": w["code"]}
            for w in verdict.warnings[:EXAMPLE_ITEMS]
        ]
        return {
            "row": row,
            "time": json_time(time),
            "form": verdict.form,
            "valid": verdict.valid,
            "mlflow_status": verdict.mlflow_status,
            "logged_status": logged,
            "errors": list(verdict.errors[:EXAMPLE_ITEMS]),
            "warnings": warnings,
            "request": request,
        }

    def merge(self, other: Summary, row_offset: int) -> None:
        """Add ``other``, whose rows follow this summary's and start at ``row_offset``."""
        for name in ("rows", "valid", "invalid", "served", "rejected", "altered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("undated", "compared", "agree", "exact"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("statuses", "keywords", "fields", "warning_codes", "forms", "pairs"):
            getattr(self, name).update(getattr(other, name))
        for day, counts in other.days.items():
            self.days.setdefault(day, Counter()).update(counts)
        room = DISAGREEING_LISTED - len(self.disagreeing)
        self.disagreeing += [_shift(d, row_offset) for d in other.disagreeing[: max(room, 0)]]
        for flag, listed in self.samples.items():
            room = self.examples - len(listed)
            listed += [_shift(e, row_offset) for e in other.samples[flag][: max(room, 0)]]

    # -- the document ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The summary document (``audit --output json``)."""
        n = self.rows
        verdicts: dict[str, Any] = {}
        if self.mode != "mlflow":
            verdicts |= {"valid": _count(self.valid, n), "invalid": _count(self.invalid, n)}
        if self.mode != "strict":
            verdicts |= {
                "served": _count(self.served, n),
                "rejected": _count(self.rejected, n),
                "altered": _count(self.altered, n),
            }
        return {
            "mode": self.mode,
            "mlflow_version": self.mlflow_version,
            "rows": n,
            "verdicts": verdicts,
            "mlflow_status": {str(k): v for k, v in sorted(self.statuses.items())},
            "keywords": _ranked(self.keywords, n, "keyword"),
            "fields": _ranked(self.fields, n, "field"),
            "alterations": _ranked(self.warning_codes, n, "code"),
            "forms": _ranked(self.forms, n, "form"),
            "days": [
                {"day": day} | {k: counts[k] for k in ("rows", "invalid", "rejected", "altered")}
                for day, counts in sorted(self.days.items())
            ],
            "undated": self.undated,
            "status_agreement": self._agreement(),
            "examples": {k: v for k, v in self.samples.items() if v},
            "redacted": self.redact,
        }

    def _agreement(self) -> dict[str, Any] | None:
        if not self.compared:
            return None
        disagree = self.compared - self.agree
        hint = None
        if disagree >= HINT_MIN_ROWS and disagree / self.compared >= HINT_RATE:
            hint = (
                f"{disagree} of {self.compared} logged statuses ({_pct(disagree, self.compared)}) "
                f"disagree with what MLflow {self.mlflow_version} would answer for this "
                "signature: the served signature or MLflow release likely differs from the "
                "one audited"
            )
        return {
            "compared": self.compared,
            "agree": self.agree,
            "agreement": round(self.agree / self.compared, 4),
            "same_status": self.exact,
            "disagree": disagree,
            "pairs": [
                {"logged_status": logged, "mlflow_status": predicted, "rows": rows}
                for (logged, predicted), rows in sorted(self.pairs.items())
            ],
            "disagreeing_rows": self.disagreeing,
            "hint": hint,
        }

    # -- partial summaries (Spark) --------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """Everything `from_state` needs, as JSON-able values."""
        state = {k: getattr(self, k) for k in _SCALARS}
        for name in ("statuses", "keywords", "fields", "warning_codes", "forms"):
            state[name] = list(getattr(self, name).items())
        state["pairs"] = [[a, b, c] for (a, b), c in self.pairs.items()]
        state["days"] = {d: dict(c) for d, c in self.days.items()}
        state["disagreeing"] = self.disagreeing
        state["samples"] = self.samples
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Summary:
        """The summary `to_state` described."""
        out = cls(**{k: state[k] for k in _SCALARS})
        for name in ("statuses", "keywords", "fields", "warning_codes", "forms"):
            getattr(out, name).update(dict(state[name]))
        out.pairs.update({(a, b): c for a, b, c in state["pairs"]})
        out.days = {d: Counter(c) for d, c in state["days"].items()}
        out.disagreeing = state["disagreeing"]
        out.samples = state["samples"]
        return out


_SCALARS = (
    "mode",
    "mlflow_version",
    "examples",
    "redact",
    "rows",
    "valid",
    "invalid",
    "served",
    "rejected",
    "altered",
    "undated",
    "compared",
    "agree",
    "exact",
)


def utc_day(value: Any) -> str | None:
    """The UTC day (``YYYY-MM-DD``) of a logged time, or None when it is not one.

    A datetime (naive ones are taken as UTC), epoch milliseconds or seconds
    (told apart by size), or ISO 8601 text.
    """
    moment = _moment(value)
    return None if moment is None else moment.date().isoformat()


def _moment(value: Any) -> _dt.datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, _dt.datetime):
        moment = value
    elif isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day, tzinfo=_dt.timezone.utc)
    elif isinstance(value, (int, float)):
        seconds = value / 1000 if abs(value) >= _MS_THRESHOLD else value
        try:
            return _EPOCH + _dt.timedelta(seconds=seconds)
        except (OverflowError, ValueError):
            return None
    elif isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=_dt.timezone.utc)
    return moment.astimezone(_dt.timezone.utc)


def json_time(value: Any) -> Any:
    """A logged time as JSON: numbers and text as logged, datetimes in ISO 8601."""
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return value


def _status(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _shift(entry: dict[str, Any], offset: int) -> dict[str, Any]:
    return entry | {"row": entry["row"] + offset}


def _count(rows: int, total: int) -> dict[str, Any]:
    return {"rows": rows, "rate": round(rows / total, 4) if total else 0.0}


def _ranked(counter: Counter[str], total: int, key: str) -> list[dict[str, Any]]:
    return [{key: name} | _count(rows, total) for name, rows in counter.most_common()]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "0%"


# -- text -----------------------------------------------------------------------------------


def render_text(doc: dict[str, Any], *, top: int = 10) -> str:
    """The summary document worded for a terminal."""
    n = doc["rows"]
    lines = [f"{n} rows audited (mode {doc['mode']}, MLflow {doc['mlflow_version']})"]
    for name, count in doc["verdicts"].items():
        lines.append(f"  {name:<9} {count['rows']:>10}  {_pct(count['rows'], n):>6}")
    if doc["mlflow_status"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in doc["mlflow_status"].items())
        lines.append(f"  predicted MLflow statuses: {statuses}")
    for title, key, name in (
        ("failing rules (rows)", "keywords", "keyword"),
        ("failing fields (rows)", "fields", "field"),
        ("silent alterations (rows)", "alterations", "code"),
    ):
        if doc[key]:
            lines += ["", title]
            lines += [
                f"  {e[name]:<40} {e['rows']:>8}  {_pct(e['rows'], n):>6}" for e in doc[key][:top]
            ]
    if doc["days"]:
        lines += ["", "per UTC day          rows   invalid  rejected   altered"]
        lines += [
            f"  {d['day']}  "
            + "  ".join(f"{d[k]:>8}" for k in ("rows", "invalid", "rejected", "altered"))
            for d in doc["days"]
        ]
    agreement = doc["status_agreement"]
    if agreement:
        lines += [
            "",
            (
                f"logged status vs predicted: {agreement['agree']} of {agreement['compared']} "
                f"agree ({_pct(agreement['agree'], agreement['compared'])}; served or refused "
                "alike)"
            ),
        ]
        lines += [
            f"  logged {p['logged_status']} but MLflow would answer {p['mlflow_status']}: "
            f"{p['rows']} rows"
            for p in agreement["pairs"]
        ]
        if agreement["disagreeing_rows"]:
            rows = ", ".join(str(r["row"]) for r in agreement["disagreeing_rows"])
            lines.append(f"  disagreeing rows: {rows}")
        if agreement["hint"]:
            lines.append(f"  note: {agreement['hint']}")
    for flag, listed in doc["examples"].items():
        lines += ["", f"examples: {flag}"]
        for example in listed:
            lines.append(f"  row {example['row']}: {_example_words(example, flag)}")
            if example["request"] is not None:
                lines.append(f"    request: {example['request']}")
    if doc["redacted"] and doc["examples"]:
        lines += ["", "(request bodies redacted; --no-redact shows them)"]
    return "\n".join(lines) + "\n"


def _example_words(example: dict[str, Any], flag: str) -> str:
    if example["warnings"] and flag == "altered":
        w = example["warnings"][0]
        return f"{w['pointer'] or '/'}: {w['code']}"
    if example["errors"]:
        e = example["errors"][0]
        where = e["pointer"] or "/"
        text = f"{where}: {e['keyword']}, expected {e['expected']}"
        return text + (f" ({e['field']})" if e["field"] else "")
    if example["warnings"]:
        w = example["warnings"][0]
        return f"{w['pointer'] or '/'}: {w['code']}"
    return f"MLflow answers {example['mlflow_status']}"


__all__ = ["Summary", "json_time", "render_text", "utc_day"]
