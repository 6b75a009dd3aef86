"""The audit summary as one self-contained HTML page.

No script, no stylesheet or font from elsewhere: the charts are inline SVG
drawn here (verdict rates per UTC day, the top failing fields and rules, the
silent alterations) and the examples are tables, so the report opens offline
and can be mailed or attached to a ticket as one file.
"""

from __future__ import annotations

from html import escape
from typing import Any

_COLOURS = {"invalid": "#d97706", "rejected": "#dc2626", "altered": "#7c3aed"}
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;
max-width:1040px;color:#111827;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#6b7280;margin:0 0 16px}
.tiles{display:flex;flex-wrap:wrap;gap:12px}
.tile{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:130px}
.tile b{display:block;font-size:22px}.tile span{color:#6b7280;font-size:12px}
.hint{background:#fef3c7;border:1px solid #f59e0b;border-radius:8px;padding:10px 14px;margin:16px 0}
.cols{display:flex;flex-wrap:wrap;gap:24px}.cols>div{flex:1 1 480px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #e5e7eb;text-align:left;padding:4px 6px;vertical-align:top}
code{font:12px ui-monospace,Menlo,monospace;word-break:break-all}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.none{color:#6b7280}
"""


def render_html(doc: dict[str, Any], *, title: str = "sig2jsonschema audit") -> str:
    """The summary document (`Summary.to_dict`) as a self-contained HTML page."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="sub">{doc["rows"]} logged requests, mode {escape(doc["mode"])}, '
        f"MLflow {escape(str(doc['mlflow_version']))}"
        + (", request bodies redacted" if doc["redacted"] else "")
        + "</p>",
        _tiles(doc),
    ]
    agreement = doc["status_agreement"]
    if agreement and agreement["hint"]:
        parts.append(f'<div class="hint" id="hint">{escape(agreement["hint"])}</div>')
    parts += ["<h2>Verdicts over time (UTC days)</h2>", _timeline(doc)]
    parts += [
        '<div class="cols"><div><h2>Top failing fields</h2>',
        _bars(doc["fields"], "field", doc["rows"], "#d97706", "fields"),
        "</div><div><h2>Top failing rules</h2>",
        _bars(doc["keywords"], "keyword", doc["rows"], "#2563eb", "keywords"),
        "</div></div>",
        "<h2>Silent alterations (served, but predict receives something else)</h2>",
        _bars(doc["alterations"], "code", doc["rows"], "#7c3aed", "alterations"),
    ]
    if agreement:
        parts.append(_agreement(agreement))
    parts += ["<h2>Examples</h2>", _examples(doc), "</body></html>"]
    return "\n".join(parts) + "\n"


def _tiles(doc: dict[str, Any]) -> str:
    tiles = [("rows", str(doc["rows"]))]
    for name, count in doc["verdicts"].items():
        tiles.append((name, f"{100 * count['rate']:.1f}%"))
    agreement = doc["status_agreement"]
    if agreement:
        tiles.append(("logged status agrees", f"{100 * agreement['agreement']:.1f}%"))
    body = "".join(
        f'<div class="tile"><b>{escape(value)}</b><span>{escape(name)}</span></div>'
        for name, value in tiles
    )
    return f'<div class="tiles">{body}</div>'


def _timeline(doc: dict[str, Any]) -> str:
    days = doc["days"]
    if not days:
        return '<p class="none">No time column was given, or no row had a readable time.</p>'
    series = [k for k in ("invalid", "rejected", "altered") if _has(doc, k)]
    width, height, left, bottom, top = 960, 240, 48, 28, 12
    plot_w, plot_h = width - left - 44, height - bottom - top
    peak = max([d[k] / d["rows"] for d in days for k in series if d["rows"]] + [0.01])
    step = plot_w / max(len(days) - 1, 1)

    def xy(i: int, rate: float) -> tuple[float, float]:
        x = left + (i * step if len(days) > 1 else plot_w / 2)
        return x, top + plot_h - plot_h * rate / peak

    out = [_svg_open("timeline", width, height)]
    for frac in (0, 0.5, 1):
        y = top + plot_h - plot_h * frac
        out.append(
            f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#6b7280">{100 * peak * frac:.0f}%</text>'
        )
    label_every = max(len(days) // 8, 1)
    for i, day in enumerate(days):
        if i % label_every == 0:
            x, _ = xy(i, 0)
            out.append(
                f'<text x="{x:.1f}" y="{height - 8}" font-size="11" text-anchor="middle" '
                f'fill="#6b7280">{escape(day["day"])}</text>'
            )
    for key in series:
        points = [xy(i, d[key] / d["rows"] if d["rows"] else 0) for i, d in enumerate(days)]
        colour = _COLOURS[key]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(
            f'<polyline class="series-{key}" fill="none" stroke="{colour}" '
            f'stroke-width="2" points="{path}"/>'
        )
        out += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
            f"{escape(days[i]['day'])}: {days[i][key]} of {days[i]['rows']} {key}</title></circle>"
            for i, (x, y) in enumerate(points)
        ]
    out.append("</svg>")
    legend = "".join(
        f'<span><i style="background:{_COLOURS[k]}"></i>{k} (share of the day\'s rows)</span>'
        for k in series
    )
    return "".join(out) + f'<div class="legend">{legend}</div>'


def _svg_open(ident: str, width: int, height: int) -> str:
    return (
        f'<svg id="{ident}" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img">'
    )


def _has(doc: dict[str, Any], key: str) -> bool:
    return key in doc["verdicts"]


def _bars(items: list[dict[str, Any]], key: str, total: int, colour: str, ident: str) -> str:
    if not items:
        return '<p class="none">None.</p>'
    items = items[:10]
    row_h, label_w, width = 24, 300, 480
    bar_w = width - label_w - 90
    peak = max(i["rows"] for i in items) or 1
    height = row_h * len(items) + 4
    out = [_svg_open(ident, width, height)]
    for n, item in enumerate(items):
        y = n * row_h + 2
        length = max(bar_w * item["rows"] / peak, 1)
        name = str(item[key])
        short = name if len(name) <= 44 else name[:43] + "…"
        out.append(
            f'<text x="{label_w - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
            f"{escape(short)}<title>{escape(name)}</title></text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="16" rx="2" '
            f'fill="{colour}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + 15}" font-size="12" fill="#374151">'
            f"{item['rows']} ({100 * item['rows'] / total:.1f}%)</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _agreement(agreement: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{p['logged_status']}</td><td>{p['mlflow_status']}</td><td>{p['rows']}</td></tr>"
        for p in agreement["pairs"]
    )
    listed = ", ".join(str(r["row"]) for r in agreement["disagreeing_rows"])
    return (
        "<h2>Logged status against MLflow's predicted status</h2>"
        f"<p>{agreement['agree']} of {agreement['compared']} rows agree (served or refused "
        f"alike); {agreement['same_status']} have the very same status.</p>"
        + (
            "<table><tr><th>logged</th><th>MLflow would answer</th><th>rows</th></tr>"
            f"{rows}</table><p>Disagreeing rows: {escape(listed)}</p>"
            if rows
            else ""
        )
    )


def _examples(doc: dict[str, Any]) -> str:
    if not doc["examples"]:
        return '<p class="none">No invalid, rejected or altered rows.</p>'
    out = []
    for flag, listed in doc["examples"].items():
        out.append(
            f'<h3>{escape(flag)}</h3><table class="examples"><tr><th>row</th><th>time</th>'
            "<th>form</th><th>MLflow</th><th>what</th><th>request</th></tr>"
        )
        for e in listed:
            errors = "<br>".join(
                f"<code>{escape(x['pointer'] or '/')}</code> {escape(x['keyword'])}: "
                f"expected {escape(x['expected'])}"
                for x in e["errors"]
            )
            warnings = "<br>".join(
                f"<code>{escape(w['pointer'] or '/')}</code> {escape(w['code'])}"
                for w in e["warnings"]
            )
            what = (warnings or errors) if flag == "altered" else (errors or warnings)
            request = (
                '<span class="none">redacted</span>'
                if e["request"] is None
                else f"<code>{escape(e['request'])}</code>"
            )
            out.append(
                f"<tr><td>{e['row']}</td><td>{escape(str(e['time'] or ''))}</td>"
                f"<td>{escape(str(e['form'] or ''))}</td><td>{e['mlflow_status'] or ''}</td>"
                f"<td>{what}</td><td>{request}</td></tr>"
            )
        out.append("</table>")
    return "".join(out)


__all__ = ["render_html"]
