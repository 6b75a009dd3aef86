"""Which error to report first: jsonschema's relevance, then a deep match into the sent form.

Both are heuristics: jsonschema says its `best_match` ranking "may change
from version to version", and so may ours.  The deep match follows
check-jsonschema's ``find_best_deep_match``: it descends into ``anyOf``/``oneOf``
context and prefers the branch of the body form the client sent.
"""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import ValidationError, best_match, by_relevance

from .schema_index import FORM_ANNOTATION

#: jsonschema's relevance key: shallow errors first, weak ``anyOf``/``oneOf`` last.
RELEVANCE = by_relevance()


def deep_relevance(error: ValidationError) -> tuple[bool, int, int]:
    """check-jsonschema's deep-match key: not anyOf/oneOf, then the deepest instance path."""
    return (
        error.validator not in {"anyOf", "oneOf"},
        len(error.absolute_path),
        -len(error.absolute_schema_path),
    )


def _branch_form(parent: ValidationError, child: ValidationError) -> str | None:
    branches: Any = parent.validator_value
    steps = list(child.relative_schema_path)
    position = steps[0] if steps and isinstance(steps[0], int) else None
    if not isinstance(branches, list) or position is None or position >= len(branches):
        return None
    branch = branches[position]
    name = branch.get(FORM_ANNOTATION) if isinstance(branch, dict) else None
    return str(name) if name else None


def _form_matches(branch_form: str, form: str) -> bool:
    """Whether a branch describes the sent form (``inputs`` matches ``inputs/records``)."""
    return branch_form == form or form.startswith(branch_form + "/")


def find_best_deep_match(error: ValidationError, form: str | None = None) -> ValidationError:
    """Descend into ``anyOf``/``oneOf`` context to the most specific error.

    A heuristic, as check-jsonschema's: at each level the errors of the branch
    annotated with the form the body was sent in win, then the deepest one.
    """
    while error.context:
        candidates = list(error.context)
        if form:
            preferred = [
                c for c in candidates if _form_matches(_branch_form(error, c) or "\0", form)
            ]
            candidates = preferred or candidates
        error = max(candidates, key=deep_relevance)
    return error


def order(errors: list[ValidationError], form: str | None = None) -> list[ValidationError]:
    """Errors to report, best first.

    The first is jsonschema's `best_match` (a heuristic that may change
    between versions), the rest follow by the same relevance; each error with
    ``anyOf``/``oneOf`` context is replaced by its deep match into the form
    that was sent.
    """
    if not errors:
        return []
    ranked = sorted(errors, key=RELEVANCE, reverse=True)
    best = best_match(errors, key=RELEVANCE)
    top = best
    while top is not None and top.parent is not None:
        top = top.parent
    if top is not None and top in ranked:
        ranked.remove(top)
        ranked.insert(0, top)
    return [find_best_deep_match(e, form) if e.context else e for e in ranked]


__all__ = ["RELEVANCE", "deep_relevance", "find_best_deep_match", "order"]
