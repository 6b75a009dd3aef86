"""Live differential tests: the `Validator` against every supported release's real server.

For each release (2.22, 3.17, 3.18) and each fixture signature (the real
models' and the corpus's, each distinct signature once), bodies are drawn
(seeded) from our own Hypothesis strategies: well-formed bodies in every
working form (``requests``) and labelled near misses (``invalid_requests``).
They go, as one batch, to that release's own scoring server
(tests/oracles.py: 3.17.2 in-process, the others in their cached
virtualenvs) and to ``Validator(sig, mode=..., mlflow_version=line)``.

The strategies keep to what every release serves unchanged, so the places
where releases differ are reached by a few seeded edits of the drawn
well-formed bodies: a null cell, a column of nulls (boolean, string and
binary nulls changed in 3.18), a ``dataframe_split`` with its own ``index``
(2.22 mishandles it), a datetime column mixing two formats (2.22 parses it).
The checks:

* mlflow mode gives that release's verdict: accepted or not, and on a
  rejection its status, ``error_code`` and ``error_class`` (what
  ``to_mlflow_error()`` reports; 2.22 sends none);
* on a body both accept, mlflow-mode ``parse()`` equals what that release's
  ``predict`` received (inputs, params, unwrapped);
* strict is safe there: every body strict accepts, that release accepts and
  hands the model unchanged (strict ``parse()`` equals what it received).

Only pandas differs by design: 2.22.5 runs pandas 2, whose string columns
have ``object`` dtype and hold ``None`` where pandas 3's ``str`` columns hold
NaN; such a column counts as equal to the pandas-3 one.

The draws are seeded, but Hypothesis (6.131 and later) also mixes in constants
it reads from the project's modules loaded so far, so a few bodies change
with what the session has imported before; a failure prints its bodies.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from functools import cache
from typing import TYPE_CHECKING, Any

import pytest

from sig2jsonschema import load_signature, signature_to_dict
from sig2jsonschema._hazards.verdicts import form_verdicts
from sig2jsonschema._releases.table import RELEASES
from sig2jsonschema._signature.types import DataType
from sig2jsonschema._validate.validator import Validator
from sig2jsonschema.strategies import invalid_requests, requests
from sig2jsonschema.strategies._draw import draw_examples
from tests.conftest import corpus_signature_paths, model_dirs
from tests.describe import describe, encode, first_difference, same

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from sig2jsonschema._signature.types import Signature
    from tests.oracles import ReleaseOracle

pytestmark = [pytest.mark.mlflow, pytest.mark.slow]

SEED = 20261204
#: Bodies per signature, per kind: ~35 signatures make ~400 bodies per release.
VALID_PER_SIGNATURE = 6
NEAR_MISSES_PER_SIGNATURE = 6
#: Edited well-formed bodies per signature (the release-sensitive places).
EDITS_PER_SIGNATURE = 6
#: The release whose pandas (2.x) gives string columns object dtype.
PANDAS_2_LINES = frozenset({"2.22"})


def _sources() -> list[Path]:
    """Fixture signatures the oracle can serve, each distinct signature once.

    A type-hinted model is left out: its verdicts depend on an MLmodel flag
    the oracle's identity model does not carry.
    """
    seen: set[str] = set()
    out: list[Path] = []
    for path in [*model_dirs(), *corpus_signature_paths()]:
        sig = load_signature(path)
        key = json.dumps(signature_to_dict(sig), sort_keys=True)
        if sig.from_type_hint or key in seen:
            continue
        if not any(v.works for v in form_verdicts(sig).values()):
            continue
        seen.add(key)
        out.append(path)
    return out


SOURCES = _sources()


def _name(path: Path) -> str:
    return path.stem if path.suffix else path.name


@cache
def _bodies(path: Path) -> tuple[str, ...]:
    """The drawn bodies of one signature (the same for every release)."""
    sig = load_signature(path)
    valid = draw_examples(requests(sig), VALID_PER_SIGNATURE, seed_value=SEED)
    near = draw_examples(invalid_requests(sig), NEAR_MISSES_PER_SIGNATURE, seed_value=SEED)
    rng = random.Random(f"{SEED}-{_name(path)}")
    edited = [e for b in valid for e in _edits(sig, b, rng)]
    edited = rng.sample(edited, min(EDITS_PER_SIGNATURE, len(edited)))
    texts = [json.dumps(b, ensure_ascii=False, allow_nan=True) for b in valid]
    texts += [json.dumps(n.body, ensure_ascii=False, allow_nan=True) for n in near]
    texts += [json.dumps(b, ensure_ascii=False, allow_nan=True) for b in edited]
    return tuple(dict.fromkeys(texts))


def _cells_by_column(body: Any) -> dict[Any, list[tuple[Any, ...]]]:
    """The paths of each named column's cells, in the column forms (none otherwise)."""
    out: dict[Any, list[tuple[Any, ...]]] = {}
    if not isinstance(body, dict):
        return out
    split = body.get("dataframe_split")
    if isinstance(split, dict) and isinstance(split.get("columns"), list):
        for r, row in enumerate(split.get("data") or []):
            for c, label in enumerate(split["columns"]):
                if isinstance(row, list) and c < len(row):
                    out.setdefault(label, []).append(("dataframe_split", "data", r, c))
        return out
    for key in ("dataframe_records", "inputs", "instances"):
        value = body.get(key)
        if isinstance(value, list) and value and all(isinstance(r, dict) for r in value):
            for r, record in enumerate(value):
                for label in record:
                    out.setdefault(label, []).append((key, r, label))
        elif isinstance(value, dict) and value:
            for label, cells in value.items():
                if isinstance(cells, list) and key != "dataframe_records":
                    out.setdefault(label, []).extend((key, label, r) for r in range(len(cells)))
                else:
                    out.setdefault(label, []).append((key, label))
    return {label: cells for label, cells in out.items() if cells}


def _set(body: Any, path: tuple[Any, ...], value: Any) -> None:
    node = body
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def _edits(sig: Signature, body: Any, rng: random.Random) -> list[Any]:
    """Edits of one well-formed body at the places where releases differ."""
    columns = _cells_by_column(body)
    if not columns:
        return []
    out = []
    label = rng.choice(sorted(columns, key=str))
    one = copy.deepcopy(body)
    _set(one, rng.choice(columns[label]), None)
    out.append(one)
    every = copy.deepcopy(body)
    for cell in columns[label]:
        _set(every, cell, None)
    out.append(every)
    split = body.get("dataframe_split")
    if isinstance(split, dict) and isinstance(split.get("data"), list):
        indexed = copy.deepcopy(body)
        indexed["dataframe_split"]["index"] = [10 * i for i in range(len(split["data"]))]
        out.append(indexed)
    datetimes = [
        c.name
        for c in (sig.inputs.columns if sig.inputs is not None and not sig.inputs.is_tensor else [])
        if c.type is DataType.datetime and len(columns.get(c.name, [])) >= 2
    ]
    if datetimes:
        mixed = copy.deepcopy(body)
        cells = columns[rng.choice(datetimes)]
        _set(mixed, cells[0], "2024-01-02")
        _set(mixed, cells[-1], "2024-01-02T03:04:05")
        out.append(mixed)
    return out


def test_a_few_hundred_bodies_per_release() -> None:
    total = sum(len(_bodies(p)) for p in SOURCES)
    assert 200 <= total <= 900, total


# -- comparing with pandas 2 --------------------------------------------------------------


def _missing(cell: Any) -> bool:
    return cell is None or cell == {"$float": "nan"} or cell == {"$na": True}


def _as_pandas_2(ours: Any, theirs: Any) -> tuple[Any, Any]:
    """Both descriptions with pandas-3 ``str`` columns read as pandas-2 ``object`` ones."""
    if not (isinstance(ours, dict) and isinstance(theirs, dict)):
        return ours, theirs
    if ours.get("type") == theirs.get("type") == "dict":
        pairs = {
            k: _as_pandas_2(ours["items"][k], theirs["items"][k])
            for k in ours["items"]
            if k in theirs["items"]
        }
        ours = {**ours, "items": {**ours["items"], **{k: a for k, (a, _) in pairs.items()}}}
        theirs = {**theirs, "items": {**theirs["items"], **{k: b for k, (_, b) in pairs.items()}}}
        return ours, theirs
    if not (ours.get("type") == theirs.get("type") == "DataFrame"):
        return ours, theirs
    if len(ours["dtypes"]) != len(theirs["dtypes"]):
        return ours, theirs
    columns = [
        i
        for i, (a, b) in enumerate(zip(ours["dtypes"], theirs["dtypes"], strict=True))
        if {a, b} == {"str", "object"}
    ]

    def normal(description: dict[str, Any]) -> dict[str, Any]:
        dtypes = ["object" if i in columns else t for i, t in enumerate(description["dtypes"])]
        values = [
            [None if i in columns and _missing(c) else c for i, c in enumerate(row)]
            for row in description["values"]
        ]
        return {**description, "dtypes": dtypes, "values": values}

    return normal(ours), normal(theirs)


def _received_differs(line: str, ours: Any, theirs: Any) -> str | None:
    if line in PANDAS_2_LINES:
        ours, theirs = _as_pandas_2(ours, theirs)
    if same(ours, theirs):
        return None
    return f"MLflow != ours at {first_difference(theirs, ours)}"


# -- the comparison -----------------------------------------------------------------------


@cache
def _validators(path: Path, line: str) -> tuple[Signature, Validator, Validator]:
    sig = load_signature(path)
    return (
        sig,
        Validator(sig, mode="mlflow", mlflow_version=line),
        Validator(sig, mode="strict", mlflow_version=line),
    )


def disagreements(line: str, path: Path, oracle: ReleaseOracle) -> list[tuple[str, str, str]]:
    """(class, body, detail) for every way the validators and the release's server differ."""
    sig, lenient, strict = _validators(path, line)
    bodies = _bodies(path)
    verdicts = oracle.query(signature_to_dict(sig), list(bodies))
    found: list[tuple[str, str, str]] = []
    for body, verdict in zip(bodies, verdicts, strict=True):
        raw = body.encode("utf-8", "surrogatepass")
        for kind, detail in _compare(line, lenient, strict, raw, verdict):
            found.append((kind, body[:240], detail))
    return found


def _compare(
    line: str, lenient: Validator, strict: Validator, raw: bytes, verdict: dict[str, Any]
) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    served = verdict["status"] == 200
    said = f"MLflow {verdict['status']} {str(verdict['message'])[:160]!r}"
    errors = list(lenient.iter_errors(raw))
    if errors and served:
        out.append(("mlflow mode rejects a body the release serves", errors[0].message))
    elif not errors and not served:
        out.append(("mlflow mode accepts a body the release rejects", said))
    elif errors:
        best = errors[0]
        if best.status != verdict["status"]:
            out.append(("status", f"ours {best.status}, {said}"))
        elif verdict["error_code"] is not None:  # a JSON error body: compare its fields
            theirs = (verdict["error_code"], verdict["error_class"])
            mine = best.to_mlflow_error()
            ours = (mine.get("error_code"), mine.get("error_class"))
            if ours[0] != theirs[0]:
                out.append(("error_code", f"ours {ours[0]}, MLflow {theirs[0]}"))
            if ours[1] != theirs[1]:
                out.append(("error_class", f"ours {ours[1]}, MLflow {theirs[1]}"))
    else:
        parsed = lenient.parse(raw)
        difference = _received_differs(line, describe(parsed.inputs), verdict["received"])
        if difference:
            out.append(("mlflow-mode parse() differs from what predict received", difference))
        if not same(encode(parsed.params), verdict["params"]):
            out.append(("mlflow-mode params", f"ours {parsed.params!r}, {verdict['params']!r}"))
        if parsed.unwrapped != verdict["unwrapped"]:
            out.append(("mlflow-mode unwrapped", f"ours {parsed.unwrapped}"))
    if strict.is_valid(raw):
        if not served:
            out.append(("strict accepts a body the release rejects", said))
        else:
            parsed = strict.parse(raw)
            difference = _received_differs(line, describe(parsed.inputs), verdict["received"])
            if difference or not same(encode(parsed.params), verdict["params"]):
                out.append(("strict-accepted body reaches the model altered", str(difference)))
    return out


def summary(found: list[tuple[str, str, str]], shown: int = 4) -> str:
    counts = Counter(kind for kind, _, _ in found)
    lines = [f"{n} x {kind}" for kind, n in counts.most_common()]
    for kind in counts:
        examples = [(b, d) for k, b, d in found if k == kind][:shown]
        lines += [f"  [{kind}] {b!r}\n      {d}" for b, d in examples]
    return "\n".join(lines)


@pytest.mark.parametrize("line", list(RELEASES))
@pytest.mark.parametrize("path", SOURCES, ids=[_name(p) for p in SOURCES])
def test_the_validator_agrees_with_the_releases_real_server(
    release_oracle: Callable[[str], ReleaseOracle], line: str, path: Path
) -> None:
    found = disagreements(line, path, release_oracle(line))
    assert not found, f"MLflow {line}, {_name(path)}:\n{summary(found)}"
