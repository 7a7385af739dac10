"""The scan report as one self-contained HTML page: inline CSS and SVG bar charts, no script, no CDN."""

from __future__ import annotations

from html import escape
from typing import Any

_COLOURS = {"allow": "#3a9d5d", "redact": "#d0a020", "route_local": "#3b7dd8", "block": "#c8413b"}
_BAR = "#5b6bbf"
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:960px;color:#1d2330;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%}
td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e3e6ee;vertical-align:top}
th{background:#f4f6fa}.num{text-align:right;font-variant-numeric:tabular-nums}.mono{font-family:monospace}
.tiles{display:flex;gap:1rem;flex-wrap:wrap}.tile{border:1px solid #e3e6ee;border-radius:8px;padding:.8rem 1rem}
.tile b{display:block;font-size:1.4rem}.verdict{padding:.6rem 1rem;border-radius:8px;color:#fff;display:inline-block}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
"""


def _bars(counts: dict[str, int], colours: dict[str, str] | None = None, limit: int = 25) -> str:
    items = list(counts.items())[:limit]
    if not items:
        return '<p class="empty">None.</p>'
    top = max(value for _, value in items) or 1
    label_w, bar_w, row_h = 220, 560, 22
    height = row_h * len(items) + 4
    rows = []
    for i, (label, value) in enumerate(items):
        y = i * row_h + 2
        width = max(1, round(bar_w * value / top)) if value else 0
        colour = (colours or {}).get(label, _BAR)
        rows.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}" fill="{colour}" rx="2"/>'
            f'<text x="{label_w + width + 6}" y="{y + 15}">{value:,}</text>'
        )
    more = len(counts) - len(items)
    note = f'<p class="muted">and {more} more (every one is in the JSON report)</p>' if more > 0 else ""
    return (
        f'<svg role="img" width="100%" viewBox="0 0 {label_w + bar_w + 80} {height}" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>{note}'
    )


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    if not rows:
        return '<p class="empty">None.</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(report: dict[str, Any]) -> str:
    dataset = report["dataset"]
    policy = report["policy"]
    verdict = "needs more than allow: exit 3" if report["exit_code"] == 3 else "every row allowed: exit 0"
    colour = _COLOURS["block" if report["exit_code"] == 3 else "allow"]
    tiles = "".join(
        f'<div class="tile"><b>{value:,}</b>{escape(label)}</div>'
        for label, value in (
            ("rows", report["rows"]),
            ("rows flagged", report["rows_flagged"]),
            ("rows with findings", report["rows_with_findings"]),
            ("findings", report["findings"]),
        )
    )
    files = _table(
        ["file", "format", "rows", "bytes", "SHA-256"],
        [[f["path"], f["format"], f"{f['rows']:,}", f"{f['bytes']:,}", f["sha256"]] for f in dataset["files"]],
    )
    examples = _table(
        ["row", "field", "path", "offsets", "entity type", "recogniser"],
        [[e["row"], e["field"], e["path"], f"{e['start']}-{e['end']}", e["entity_type"], e["recognizer"]]
         for e in report["examples"]],
    )  # fmt: skip
    flagged = _table(
        ["row", "decision", "rules"],
        [[r["row"], r["decision"], ", ".join(r["rules"])] for r in report["flagged_rows"][:200]],
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data set scan: {escape(policy["name"])}</title>
<style>{_STYLE}</style></head><body>
<h1>Data set scan</h1>
<p><span class="verdict" style="background:{colour}">{escape(verdict)}</span></p>
<p>Policy <b>{escape(policy["name"])}</b> (version <span class="mono">{escape(str(policy["version"]))}</span>),
detector <span class="mono">{escape(str(report["detector_version"]))}</span>,
engine {escape(report["engine"]["name"])} with {report["engine"]["workers"]} worker(s),
data set SHA-256 <span class="mono">{escape(dataset["sha256"])}</span>.</p>
<div class="tiles">{tiles}</div>
<h2>Decisions per row</h2>{_bars(report["decision_counts"], _COLOURS)}
<h2>Findings per entity type</h2>{_bars(report["entity_counts"])}
<h2>Findings per field</h2>{_bars(report["field_counts"])}
<h2>Rules that fired (rows)</h2>{_bars(report["rule_counts"])}
<h2>Example locations</h2><p>Where findings are (row, field, character offsets); values are never shown.</p>{examples}
<h2>Flagged rows</h2><p>Rows whose decision is more than allow (the first {len(report["flagged_rows"][:200])}
listed; every row's decision is in the JSON report).</p>{flagged}
<h2>Files</h2>{files}
</body></html>
"""
