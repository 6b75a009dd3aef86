"""The fuzz engine: POST generated bodies to a running scoring server, report what breaks.

``sig2jsonschema fuzz`` sends strictly valid bodies (`strategies.requests`)
and near misses (`strategies.invalid_requests`) to one URL and compares each
answer with what the chosen MLflow release would answer (`_emulate.emulate`).  Findings:

* ``valid-rejected``: a strictly valid body was refused (4xx);
* ``server-error``: a 5xx MLflow would not give;
* ``timeout`` and ``connection-error``;
* ``verdict-mismatch``: a near miss the server judges differently from MLflow.

A near miss that MLflow itself accepts (``7.0`` in a long column) and the
server accepts too is no finding: it is counted as a *lossy acceptance*.

Each finding is shrunk by re-posting smaller variants (`shrink`, bounded):
a variant counts only if it is still the same kind of body (strictly valid,
or a near miss of the same rule) and still gives the same finding.

A URL without a path (or with the path ``/``), as ``mlflow models serve``
prints it, means the server's ``/invocations``.  The first body is sent alone:
when it meets no scoring endpoint (a 404 or 405 answer, or no answer at all)
the run stops there (`NotAScoringEndpoint`) instead of reporting hundreds of
404s as findings.

Only the URL given is ever contacted: proxies from the environment are
ignored and redirects are not followed.  Requests use the standard library
(``urllib``) and a thread pool.
"""

from __future__ import annotations

import json
import shlex
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sig2jsonschema._emulator.server import emulate
from sig2jsonschema._releases.table import Release, release_for_model

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from sig2jsonschema._signature.types import Signature

JSON_TYPE = "application/json"
#: Header names whose values are masked in reports and reproducers.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})
#: Finding kinds, in report order.
KINDS = ("valid-rejected", "server-error", "timeout", "connection-error", "verdict-mismatch")
#: Answers that mean "no scoring endpoint here", whatever the body.
NOT_AN_ENDPOINT = frozenset({404, 405})


class NotAScoringEndpoint(Exception):
    """The URL answers as no MLflow scoring endpoint would (404/405, or nothing at all)."""


def scoring_url(url: str) -> str:
    """``url`` with an empty path or ``/`` taken as the server's ``/invocations``."""
    parts = urllib.parse.urlsplit(url)
    if parts.path in ("", "/"):
        return urllib.parse.urlunsplit(parts._replace(path="/invocations"))
    return url


@dataclass(frozen=True)
class Response:
    """What the server answered (``status`` 0: no answer; ``error`` says why)."""

    status: int
    body: str
    seconds: float
    error: str = ""


@dataclass(frozen=True)
class Case:
    """One body to send: valid (``rule`` empty) or a near miss of ``rule``."""

    body: Any
    form: str
    rule: str = ""
    why: str = ""

    @property
    def valid(self) -> bool:
        """Whether the body is strictly valid (not a near miss)."""
        return not self.rule


@dataclass
class Finding:
    """A body the server mishandled, shrunk, with its answer and a reproducer."""

    kind: str
    case: Case
    response: Response
    expected_status: int
    shrunk: Any = None
    shrunk_response: Response | None = None
    posts_while_shrinking: int = 0
    curl: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--output json``)."""
        response = self.shrunk_response or self.response
        return {
            "kind": self.kind,
            "form": self.case.form,
            "rule": self.case.rule or None,
            "why": self.case.why or None,
            "expected_status": self.expected_status,
            "status": response.status,
            "response": response.body[:2000],
            "error": response.error or None,
            "body": self.case.body,
            "shrunk_body": self.shrunk,
            "shrink_posts": self.posts_while_shrinking,
            "curl": self.curl,
        }


@dataclass
class Report:
    """Everything one fuzz run found."""

    url: str
    sent: int = 0
    valid_sent: int = 0
    near_misses_sent: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    lossy_acceptances: list[Case] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--output json``)."""
        return {
            "url": self.url,
            "sent": self.sent,
            "valid_sent": self.valid_sent,
            "near_misses_sent": self.near_misses_sent,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "findings": [f.to_dict() for f in self.findings],
            "lossy_acceptances": [
                {"rule": c.rule, "why": c.why, "form": c.form, "body": c.body}
                for c in self.lossy_acceptances
            ],
            "seconds": round(self.seconds, 3),
        }


class Client:
    """POSTs JSON bodies to exactly one URL (no proxies, no redirects)."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float) -> None:
        if not url.startswith(("http://", "https://")):
            msg = f"--url must be an http:// or https:// URL, got {url!r}"
            raise ValueError(msg)
        self.url = scoring_url(url)
        self.headers = {"Content-Type": JSON_TYPE, **headers}
        self.timeout = timeout
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def post(self, body: Any) -> Response:
        """POST one body; never raises (failures are a `Response` with status 0)."""
        data = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url, data=data, headers=self.headers, method="POST"
        )
        start = time.perf_counter()
        try:
            with self._opener.open(request, timeout=self.timeout) as answer:
                text = answer.read().decode("utf-8", "replace")
                return Response(answer.status, text, time.perf_counter() - start)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode("utf-8", "replace")
            return Response(exc.code, text, time.perf_counter() - start)
        except TimeoutError:
            return Response(0, "", time.perf_counter() - start, "timeout")
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            kind = "timeout" if isinstance(reason, TimeoutError) else "connection-error"
            return Response(0, "", time.perf_counter() - start, f"{kind}: {reason}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Answer redirects as they are: following one would contact another URL."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


def expected_status(sig: Signature, body: Any, release: Release) -> int:
    """The status ``release``'s scoring server answers ``body`` with (the emulated verdict)."""
    text = json.dumps(body, ensure_ascii=False, allow_nan=False)
    return emulate(sig, text, release=release).status


def classify(case: Case, expected: int, response: Response) -> str | None:
    """The finding kind for one answer, or None (``"lossy"``: a lossy acceptance)."""
    if response.status == 0:
        return "timeout" if response.error.startswith("timeout") else "connection-error"
    if response.status >= 500 and response.status != expected:
        return "server-error"
    if case.valid:
        return None if response.status == 200 else "valid-rejected"
    if (response.status == 200) != (expected == 200):
        return "verdict-mismatch"
    if response.status == 200:
        return "lossy"
    return None


def curl_command(url: str, headers: dict[str, str], body: Any) -> str:
    """A one-line ``curl`` reproducer (sensitive header values masked)."""
    parts = ["curl", "-sS", "-X", "POST", shlex.quote(url)]
    for name, value in {"Content-Type": JSON_TYPE, **headers}.items():
        shown = "***" if name.lower() in SENSITIVE_HEADERS else value
        parts += ["-H", shlex.quote(f"{name}: {shown}")]
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    parts += ["--data-binary", shlex.quote(text)]
    return " ".join(parts)


# --------------------------------------------------------------------------
# Shrinking
# --------------------------------------------------------------------------
def _size(body: Any) -> tuple[int, str]:
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, allow_nan=False)
    return (len(text), text)


def _replace(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        return [*body[:head], _replace(body[head], rest, value), *body[head + 1 :]]
    return {**body, head: _replace(body[head], rest, value)}


def _without(body: Any, path: tuple[Any, ...]) -> Any:
    parent_path, last = path[:-1], path[-1]
    parent = body
    for step in parent_path:
        parent = parent[step]
    if isinstance(parent, list):
        smaller: Any = [*parent[:last], *parent[last + 1 :]]
    else:
        smaller = {k: v for k, v in parent.items() if k != last}
    return _replace(body, parent_path, smaller)


def _smaller_leaves(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [False] if value else []
    if isinstance(value, int):
        sign = 1 if value > 0 else -1
        halved = sign * (abs(value) // 2)
        return list(dict.fromkeys(v for v in (0, sign, halved) if v != value))
    if isinstance(value, float):
        unit = 1.0 if value > 0 else -1.0
        return list(dict.fromkeys(v for v in (0.0, unit, float(int(value))) if v != value))
    if isinstance(value, str):
        return [v for v in ("", value[: len(value) // 2]) if v != value]
    return []


def _paths(body: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(body, list):
        for i, item in enumerate(body):
            yield from _paths(item, (*prefix, i))
    elif isinstance(body, dict):
        for key, item in body.items():
            yield from _paths(item, (*prefix, key))


def _without_row(body: Any, path: tuple[Any, ...], index: int) -> Any:
    """Drop item ``index`` from every list of the columnar object at ``path``."""
    columns = body
    for step in path:
        columns = columns[step]
    smaller = {k: [*v[:index], *v[index + 1 :]] for k, v in columns.items()}
    return _replace(body, path, smaller)


def _columnar(value: Any) -> int:
    """The common length of an object of equally long lists (0: not columnar)."""
    if not isinstance(value, dict) or not value:
        return 0
    lengths = {len(v) if isinstance(v, list) else -1 for v in value.values()}
    return lengths.pop() if len(lengths) == 1 and -1 not in lengths else 0


def _candidates(body: Any) -> Iterator[Any]:
    """Smaller variants: drop rows, list items and keys first, then simplify leaves."""
    paths = list(_paths(body))
    for path in paths:
        value = body
        for step in path:
            value = value[step]
        for index in reversed(range(_columnar(value))):
            yield _without_row(body, path, index)
    for path in reversed(paths):
        if path:
            yield _without(body, path)
    for path in paths:
        value = body
        for step in path:
            value = value[step]
        for smaller in _smaller_leaves(value):
            yield _replace(body, path, smaller)


def shrink(
    body: Any,
    still_fails: Callable[[Any], bool],
    is_same_kind: Callable[[Any], bool],
    budget: int = 200,
) -> tuple[Any, int]:
    """Greedily shrink ``body`` while it stays the same kind and still fails.

    ``is_same_kind`` is checked locally first (no request); ``still_fails``
    re-posts.  At most ``budget`` posts; returns the smallest failing body
    and the number of posts made.
    """
    best, posts = body, 0
    improved = True
    while improved and posts < budget:
        improved = False
        for candidate in _candidates(best):
            if _size(candidate) >= _size(best) or not is_same_kind(candidate):
                continue
            posts += 1
            if still_fails(candidate):
                best, improved = candidate, True
                break
            if posts >= budget:
                break
    return best, posts


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------
@dataclass
class Fuzzer:
    """One fuzz campaign against one URL for one signature."""

    signature: Signature
    client: Client
    concurrency: int = 4
    shrink_budget: int = 200
    progress: Callable[[int, int], None] | None = None
    #: The MLflow release the server runs (``"3.18"``; default: the model's own
    #: release when supported, else the newest): it decides the expected verdicts.
    mlflow_version: str | None = None
    _validator: Any = None

    @property
    def release(self) -> Release:
        """The release whose verdicts the answers are compared with."""
        return release_for_model(self.mlflow_version, self.signature.mlflow_version)[0]

    def run(self, cases: list[Case]) -> Report:
        """Send every case, classify the answers, shrink each distinct finding."""
        report = Report(self.client.url)
        start = time.perf_counter()
        release = self.release
        expected = [expected_status(self.signature, c.body, release) for c in cases]
        first = self.client.post(cases[0].body) if cases else None
        if first is not None:
            self._refuse_non_endpoint([first])
        responses = [first] if first is not None else []
        responses += self._post_all([c.body for c in cases[1:]])
        self._refuse_non_endpoint(responses)
        seen: set[tuple[str, str, str]] = set()
        for case, want, response in zip(cases, expected, responses, strict=True):
            report.sent += 1
            if case.valid:
                report.valid_sent += 1
            else:
                report.near_misses_sent += 1
            report.statuses[response.status] = report.statuses.get(response.status, 0) + 1
            kind = classify(case, want, response)
            if kind == "lossy":
                report.lossy_acceptances.append(case)
            elif kind is not None:
                key = (kind, case.form, case.rule)
                if key in seen:
                    continue
                seen.add(key)
                report.findings.append(Finding(kind, case, response, want))
        for finding in report.findings:
            self._shrink(finding)
        report.seconds = time.perf_counter() - start
        return report

    def _refuse_non_endpoint(self, responses: list[Response]) -> None:
        """Raise `NotAScoringEndpoint` when no answer came from a scoring endpoint."""
        statuses = {r.status for r in responses}
        if not responses or not statuses <= NOT_AN_ENDPOINT | {0}:
            return
        url = self.client.url
        if statuses == {0}:
            msg = f"cannot reach {url}: {responses[0].error or 'no answer'}"
        else:
            answers = "/".join(str(s) for s in sorted(statuses - {0}))
            msg = (
                f"{url} answered HTTP {answers}: not a scoring endpoint (give the server's "
                "/invocations URL, e.g. http://127.0.0.1:5000/invocations)"
            )
        raise NotAScoringEndpoint(msg)

    def _post_all(self, bodies: list[Any]) -> list[Response]:
        done = 0
        results: list[Response] = []
        with ThreadPoolExecutor(max_workers=max(1, self.concurrency)) as pool:
            for response in pool.map(self.client.post, bodies):
                results.append(response)
                done += 1
                if self.progress is not None:
                    self.progress(done, len(bodies))
        return results

    def _same_kind(self, case: Case) -> Callable[[Any], bool]:
        from sig2jsonschema._validate.validator import Validator

        if self._validator is None:
            self._validator = Validator(self.signature, mlflow_version=self.release.line)
        validator = self._validator
        if case.valid:
            return lambda body: bool(validator.is_valid(body))

        def same_rule(body: Any) -> bool:
            return any(e.keyword == case.rule for e in validator.iter_errors(body))

        return same_rule

    def _shrink(self, finding: Finding) -> None:
        case = finding.case
        if finding.kind in ("timeout", "connection-error"):
            finding.shrunk, finding.shrunk_response = case.body, finding.response
            finding.curl = curl_command(self.client.url, self._headers(), case.body)
            return
        last: dict[str, Response] = {}

        def still_fails(body: Any) -> bool:
            response = self.client.post(body)
            expected = expected_status(self.signature, body, self.release)
            if classify(case, expected, response) != finding.kind:
                return False
            last["response"] = response
            return True

        shrunk, posts = shrink(case.body, still_fails, self._same_kind(case), self.shrink_budget)
        finding.shrunk = shrunk
        finding.shrunk_response = last.get("response", finding.response)
        finding.posts_while_shrinking = posts
        finding.curl = curl_command(self.client.url, self._headers(), shrunk)

    def _headers(self) -> dict[str, str]:
        return {k: v for k, v in self.client.headers.items() if k != "Content-Type"}


def summary_table(report: Report) -> str:
    """The end-of-run table: what was sent, what came back, what was found."""
    rows = [
        ("bodies sent", str(report.sent)),
        ("  strictly valid", str(report.valid_sent)),
        ("  near misses", str(report.near_misses_sent)),
    ]
    rows += [(f"HTTP {k or 'no answer'}", str(v)) for k, v in sorted(report.statuses.items())]
    for kind in KINDS:
        count = sum(f.kind == kind for f in report.findings)
        rows.append((f"findings: {kind}", str(count)))
    rows.append(("lossy acceptances (not findings)", str(len(report.lossy_acceptances))))
    rows.append(("seconds", f"{report.seconds:.2f}"))
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def render_text(report: Report) -> str:
    """Human-readable report: each finding, then the summary table."""
    lines: list[str] = []
    for i, finding in enumerate(report.findings, start=1):
        response = finding.shrunk_response or finding.response
        what = f"near miss {finding.case.rule!r}" if finding.case.rule else "strictly valid body"
        lines.append(f"finding {i}: {finding.kind} ({what}, form {finding.case.form})")
        lines.append(f"  expected HTTP {finding.expected_status}, got {response.status or '-'}")
        if response.error:
            lines.append(f"  error: {response.error}")
        if response.body:
            lines.append(f"  response: {response.body[:300]}")
        shrunk = json.dumps(finding.shrunk, ensure_ascii=False)
        lines.append(f"  shrunk body ({finding.posts_while_shrinking} re-posts): {shrunk[:500]}")
        lines.append(f"  reproduce: {finding.curl}")
        lines.append("")
    lines.append(summary_table(report))
    return "\n".join(lines) + "\n"


__all__ = [
    "KINDS",
    "NOT_AN_ENDPOINT",
    "Case",
    "Client",
    "Finding",
    "Fuzzer",
    "NotAScoringEndpoint",
    "Report",
    "Response",
    "classify",
    "curl_command",
    "expected_status",
    "render_text",
    "scoring_url",
    "shrink",
    "summary_table",
]
