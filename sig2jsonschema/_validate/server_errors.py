"""What the emulated server's outcome means as errors a client reads.

The emulator answers like MLflow's server: a status, an error code, our own
words for the first failure, and the conversions it made on an accepted body.
`OutcomeErrors` turns that outcome into `PayloadError`\\ s: the server's
rejection (split into "expected" and "got" where its text has that shape,
payload-free when redacted), and, in strict mode, a body form that does not
work for the signature, every conversion MLflow would warn about, and the
cells of a CSV/Parquet body MLflow reads as missing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sig2jsonschema._signature.types import DataType, field_name
from sig2jsonschema.exceptions import to_pointer

from .mapper import DATA_KEYS, annotate

if TYPE_CHECKING:
    from sig2jsonschema._emulator.outcome import Outcome
    from sig2jsonschema._hazards.verdicts import FormVerdict
    from sig2jsonschema._signature.types import Signature
    from sig2jsonschema.exceptions import PayloadError

    from .mapper import ErrorMapper

#: Keyword of the error for a body form that does not work for the signature (strict).
KW_FORM = "x-mlflow-form"
#: Keyword of an error only the emulated server detects (when it names no rule).
KW_SERVER = "x-mlflow-server"


class OutcomeErrors:
    """The errors one validator reports for the emulated server's outcome.

    Args:
        mapper: the request schema's `ErrorMapper` (redaction, field details).
        signature: the validator's signature.
        verdicts: which body forms work for it (`form_verdicts`).
        redact: withhold payload values from messages.
    """

    def __init__(
        self,
        mapper: ErrorMapper,
        signature: Signature,
        verdicts: dict[str, FormVerdict],
        *,
        redact: bool,
    ) -> None:
        self.mapper = mapper
        self.signature = signature
        self.verdicts = verdicts
        self.redact = redact
        #: The forms that work, in preference order.
        self.working = [f for f, v in verdicts.items() if v.works]

    def table_errors(self, outcome: Outcome) -> list[PayloadError]:
        """Strict rules for CSV/Parquet bodies MLflow accepts.

        Binary columns are never base64-decoded from a table (spec 2.8), and a
        string cell pandas reads as missing (an empty cell, ``NA``, ``null``...)
        reaches the model as NaN, not as its text.  Pointers into a table are
        ``/<data row>/<column label>``.
        """
        inputs = self.signature.inputs
        if inputs is None or inputs.is_tensor:
            return []
        import pandas as pd

        frame = outcome.received
        out: list[PayloadError] = []
        for i, col in enumerate(inputs.columns):
            name = field_name("inputs", col, i)
            if col.type is DataType.binary:
                out.append(
                    self.mapper.make(
                        pointer="",
                        keyword=KW_FORM,
                        expected="a body form that decodes binary columns (dataframe_split "
                        "or dataframe_records)",
                        got="a table, whose binary cells reach the model as text",
                        field=name,
                    )
                )
            elif col.type is DataType.string and isinstance(frame, pd.DataFrame):
                label: Any = col.name if col.name is not None else frame.columns[i]
                if label not in frame.columns:
                    continue
                values = frame[label]
                for row in range(len(values)):
                    cell = values.iloc[row]
                    if not isinstance(cell, str):
                        out.append(
                            self.mapper.make(
                                pointer=to_pointer([row, str(label)]),
                                keyword="x-mlflow-table-missing",
                                expected="text (pandas reads an empty cell, NA, null, NaN, "
                                "None... as a missing value: the model gets NaN)",
                                got="a cell read as missing",
                                field=name,
                            )
                        )
        return out

    def status_of(self, outcome: Outcome) -> tuple[int, str]:
        """The status/code to report: MLflow's when it rejects, else 400 (strict only)."""
        if outcome.status != 200:
            return outcome.status, outcome.error_code or "INTERNAL_ERROR"
        return 400, "BAD_REQUEST"

    def form_error(self, outcome: Outcome) -> PayloadError | None:
        """Strict: the body's form must be one that works for this signature."""
        form = outcome.form
        if form is None or form == "inputs/raw":
            return None
        status, code = self.status_of(outcome)
        working = ", ".join(self.working)
        if form in DATA_KEYS:
            # The server stopped before telling the shape apart: judge the key.
            if any(f.split("/")[0] == form for f in self.working):
                return None
            return self.mapper.make(
                pointer=f"/{form}",
                keyword=KW_FORM,
                expected=f"a body form that works for this signature ({working})",
                got=f"the {form} key, which no working form uses",
                status=status,
                error_code=code,
            )
        verdict = self.verdicts.get(form)
        if verdict is None or verdict.works:
            return None
        return self.mapper.make(
            pointer="" if form == "llm" else f"/{form.split('/')[0]}",
            keyword=KW_FORM,
            expected=f"a body form that works for this signature ({working})",
            got=f"the {form} form",
            hint=verdict.why,
            status=status,
            error_code=code,
        )

    def no_form_error(self, outcome: Outcome) -> PayloadError:
        """Strict, for a signature no body form works for: every body is refused."""
        reasons = sorted({v.why for v in self.verdicts.values() if "does not fit" not in v.why})
        status, code = self.status_of(outcome)
        return self.mapper.make(
            pointer="",
            keyword=KW_FORM,
            expected="a signature with a body form that works in strict mode (none works for "
            "this one; mode='mlflow' gives MLflow's own verdict)",
            got="a body",
            hint="; ".join(reasons),
            status=status,
            error_code=code,
        )

    def server_error(self, outcome: Outcome) -> PayloadError:
        """The emulated server's rejection, as a `PayloadError`.

        The emulator's message is split into "expected" and "got" where it has
        that shape; redacted, only words derived from the rule remain (the
        emulator's text quotes the payload).
        """
        keyword = outcome.keyword or KW_SERVER
        expected, got, hint = _split_message(outcome.message or "")
        generic = _SERVER_WORDS.get(keyword, f"a body MLflow's server accepts (rule {keyword})")
        type_words = self.mapper.details.get(outcome.field or "", "").split(",")[0]
        if keyword == "type" and type_words:
            generic = f"a value MLflow can convert to {type_words}"
        if self.redact:
            expected, got, hint = generic, "", ""
        elif not expected:
            expected = generic
        error = self.mapper.make(
            pointer=outcome.pointer or "",
            keyword=keyword,
            expected=expected,
            got=got,
            hint=hint,
            field=outcome.field or "",
            status=outcome.status,
            error_code=outcome.error_code or "INTERNAL_ERROR",
        )
        annotate(error, error_class=outcome.error_class)
        return error

    def warning_errors(self, outcome: Outcome, found: list[PayloadError]) -> list[PayloadError]:
        """Strict: every conversion MLflow would warn about is an error at its pointer.

        A pointer that already holds one of the errors ``found`` keeps only that one.
        """
        taken = {e.pointer for e in found}
        return [
            self.mapper.make(
                pointer=w.pointer,
                keyword=w.code if w.code.startswith("x-") else f"x-mlflow-{w.code}",
                expected="a value MLflow delivers unchanged (it would "
                + w.code.replace("-", " ")
                + ")",
                got=f"{w.sent} (received as {w.received})",
                field=w.field,
                hint="" if self.redact else w.message,
            )
            for w in outcome.warnings
            if w.pointer not in taken
        ]


#: Payload-free words for the emulator's rules (the emulator's own text quotes the body).
_SERVER_WORDS = {
    "x-mlflow-envelope": "a body in a form this signature takes (exactly one envelope key)",
    "x-mlflow-dataframe": "a dataframe_split/dataframe_records value pandas can build a frame from",
    "x-mlflow-nested": "a value MLflow's nested-type enforcement accepts for this field",
    "type": "a value MLflow can convert to the field's type",
    "x-mlflow-shape": "values that stack into the signature's shape (columns of equal length, "
    "rectangular tensors of the declared dimensions)",
    "required": "every required input",
    "x-mlflow-count": "as many inputs as the signature declares",
    "x-mlflow-content-type": "a Content-Type MLflow serves",
    "x-mlflow-json": "well-formed JSON",
    "x-mlflow-depth": "JSON nested less deeply",
    "x-mlflow-csv": "CSV that pandas reads with the signature's column types (integer text in "
    "long/integer columns, no empty cell there, one cell per header)",
    "x-mlflow-parquet": "a Parquet file pandas can read",
}

_EXPECTED_RE = re.compile(r"\bexpected\b\s*(?P<expected>.*?)(?:,\s*got\s+(?P<got>.*))?$", re.DOTALL)
_FIELD_RE = re.compile(r"(inputs|params|outputs)\[.*\]")


def _split_message(message: str) -> tuple[str, str, str]:
    """(expected, got, hint) of an emulator message such as ``F: expected X, got Y``."""
    match = _EXPECTED_RE.search(message)
    if match is None or not match.group("expected"):
        return "", "", message
    expected = match.group("expected").strip()
    got = (match.group("got") or "").strip()
    head = message[: match.start()].strip().rstrip(":").strip()
    hint = head if head and not _FIELD_RE.fullmatch(head) else ""
    if ";" in got:
        got, _, rest = got.partition(";")
        hint = "; ".join(p for p in (hint, rest.strip()) if p)
    return expected, got.strip(), hint


def with_status(error: PayloadError, outcome: Outcome | None) -> PayloadError:
    """Give a body or schema error the status/code the (emulated) server answers with."""
    if outcome is None or outcome.status == 200:
        return error
    error.status = outcome.status
    error.error_code = outcome.error_code or "INTERNAL_ERROR"
    annotate(error, error_class=outcome.error_class)
    return error


__all__ = ["KW_FORM", "KW_SERVER", "OutcomeErrors", "with_status"]
