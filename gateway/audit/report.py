"""What left the site: for one tenant and period, where its requests went, by rule, from the audit trail.

Every audit record says where its request went (``route``) and what was
decided, so the report is a count over the records of the tenant in
``[since, until)``, next to the chain's verification status (a count over a
trail that does not verify proves nothing):

- **cloud**: sent to a cloud upstream (``route`` ``upstream``), as sent or redacted;
- **on premises**: answered by the local model or local servers (``route`` ``local``);
- **blocked**: refused (decision ``block``), by a rule or because a stage failed;
- **inspected only**: ``POST /v1/inspect`` dry runs, never routed anywhere.

Each request counts once in these four, and once under every rule that fired
for it. Rendered as JSON, HTML (one self-contained page) or PDF (fpdf2, core
fonts, nothing loaded).
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from gateway.audit.chain import timestamp
from gateway.audit.filters import RecordFilters, all_of, conditions
from gateway.audit.schema import Status
from gateway.audit.verify import VerifyReport
from gateway.db import audit_records

FORMATS = ("json", "html", "pdf")
REPORT_EVENT = "site_report"
DESTINATIONS = ("cloud", "on_premises", "blocked", "inspected_only")
LABELS = {
    "cloud": "Sent to the cloud",
    "on_premises": "Stayed on premises",
    "blocked": "Blocked",
    "inspected_only": "Inspected only (not routed)",
}
MEDIA_TYPES = {"json": "application/json", "html": "text/html; charset=utf-8", "pdf": "application/pdf"}


class ReportError(ValueError):
    """A report that cannot be made as asked (no tenant, no period)."""


@dataclass(frozen=True, slots=True)
class Period:
    tenant: str
    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if not self.tenant:
            raise ReportError("tenant: name the tenant the report is for")
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ReportError("since/until: give times with a time zone")
        if self.since >= self.until:
            raise ReportError("until: must be after since")


def event_details(period: Period, fmt: str, channel: str) -> dict[str, Any]:
    """What a ``site_report`` event records: the tenant, the period, the format and the channel."""
    return {
        "tenant": period.tenant,
        "since": timestamp(period.since),
        "until": timestamp(period.until),
        "format": fmt,
        "channel": channel,
    }


def destination(decision: str, route: str) -> str:
    if decision == "block":
        return "blocked"
    return {"upstream": "cloud", "local": "on_premises"}.get(route, "inspected_only")


def build_report(engine: Engine, period: Period, chain: VerifyReport, now: datetime | None = None) -> dict[str, Any]:
    """The report's content, counted from the records of ``period`` (metadata only, no value)."""
    totals: Counter[str] = Counter()
    redacted = refused = 0
    by_rule: dict[str, Counter[str]] = {}
    c = audit_records.c
    filters = RecordFilters(since=period.since, until=period.until, tenant=period.tenant)
    query = select(c.decision, c.route, c.rule_ids, c.status).where(all_of(conditions(engine, filters)))
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            where = destination(row.decision, row.route)
            totals[where] += 1
            redacted += where == "cloud" and row.decision == "redact"
            refused += where == "blocked" and row.status == Status.REFUSED
            for rule_id in row.rule_ids or []:
                by_rule.setdefault(rule_id, Counter())[where] += 1
    rules = [
        {"rule_id": rule_id, "requests": sum(counts.values()), **{d: counts[d] for d in DESTINATIONS}}
        for rule_id, counts in by_rule.items()
    ]
    rules.sort(key=lambda r: (-r["requests"], r["rule_id"]))
    return {
        "tenant": period.tenant,
        "since": timestamp(period.since),
        "until": timestamp(period.until),
        "generated_at": timestamp(now or datetime.now(UTC)),
        "requests": sum(totals.values()),
        "cloud": {"total": totals["cloud"], "redacted": redacted, "as_sent": totals["cloud"] - redacted},
        "on_premises": {"total": totals["on_premises"]},
        "blocked": {"total": totals["blocked"], "by_policy": totals["blocked"] - refused, "stage_failed": refused},
        "inspected_only": {"total": totals["inspected_only"]},
        "by_rule": rules,
        "chain": {
            "ok": chain.ok,
            "records_checked": chain.records_checked,
            "first_bad_record": chain.first_bad_record,
            "problem": chain.problem,
            "last_signed_head_at": timestamp(chain.last_signed_head_at),
            "summary": chain.summary(),
        },
    }


def render(report: dict[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return (json.dumps(report, indent=2) + "\n").encode()
    if fmt == "html":
        return render_html(report).encode()
    if fmt == "pdf":
        return render_pdf(report)
    raise ReportError(f"format: one of {', '.join(FORMATS)}")


def _rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Requests in the period", str(report["requests"])),
        (LABELS["cloud"], f"{report['cloud']['total']} ({report['cloud']['redacted']} redacted first)"),
        (LABELS["on_premises"], str(report["on_premises"]["total"])),
        (
            LABELS["blocked"],
            f"{report['blocked']['total']} ({report['blocked']['stage_failed']} because a stage failed)",
        ),
        (LABELS["inspected_only"], str(report["inspected_only"]["total"])),
    ]


def _chain_line(report: dict[str, Any]) -> str:
    chain = report["chain"]
    if chain["ok"]:
        return f"Audit chain verified intact ({chain['records_checked']} records checked)."
    return f"AUDIT CHAIN NOT INTACT at record {chain['first_bad_record']}: {chain['problem']}"


def _title(report: dict[str, Any]) -> str:
    return f"What left the site: {report['tenant']}, {report['since']} to {report['until']}"


def render_html(report: dict[str, Any]) -> str:
    e = html.escape
    summary = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _rows(report))
    head = "".join(f"<th>{e(LABELS[d])}</th>" for d in DESTINATIONS)
    rules = (
        "".join(
            f"<tr><td><code>{e(r['rule_id'])}</code></td><td>{r['requests']}</td>"
            + "".join(f"<td>{r[d]}</td>" for d in DESTINATIONS)
            + "</tr>"
            for r in report["by_rule"]
        )
        or f'<tr><td colspan="{len(DESTINATIONS) + 2}">No rule fired in this period.</td></tr>'
    )
    status = "ok" if report["chain"]["ok"] else "bad"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(_title(report))}</title>
<style>body{{font-family:system-ui,sans-serif;margin:24px;color:#1a202c;max-width:960px}}
table{{border-collapse:collapse;width:100%;margin:12px 0}}th,td{{text-align:left;padding:6px 10px;
border-bottom:1px solid #e2e8f0}}.ok{{color:#22543d}}.bad{{color:#c53030;font-weight:bold}}</style></head>
<body><h1>What left the site</h1>
<p>Tenant <strong>{e(report["tenant"])}</strong>, from {e(report["since"])} (inclusive) to
{e(report["until"])} (exclusive). Generated {e(report["generated_at"])} from the audit trail.</p>
<p class="{status}" id="chain">{e(_chain_line(report))}</p>
<table id="summary">{summary}</table>
<h2>By rule</h2>
<table id="rules"><tr><th>Rule</th><th>Requests</th>{head}</tr>{rules}</table>
</body></html>
"""


def _latin1(text: str) -> str:
    """The PDF's core fonts hold Latin-1 only: other characters of a tenant name become '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def render_pdf(report: dict[str, Any]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime.now(UTC))
    pdf.set_title(_latin1(_title(report)))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "What left the site", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0,
        5,
        _latin1(
            f"Tenant {report['tenant']}, from {report['since']} (inclusive) to {report['until']} (exclusive). "
            f"Generated {report['generated_at']} from the audit trail."
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 10)
    pdf.set_text_color(34, 84, 61) if report["chain"]["ok"] else pdf.set_text_color(197, 48, 48)
    pdf.multi_cell(0, 5, _latin1(_chain_line(report)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    with pdf.table(col_widths=(70, 110), first_row_as_headings=False) as table:
        for label, value in _rows(report):
            table.row((_latin1(label), value))
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "By rule", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    if report["by_rule"]:
        with pdf.table(col_widths=(56, 20, 24, 24, 20, 26)) as table:
            table.row(("Rule", "Requests", "Cloud", "On premises", "Blocked", "Inspected only"))
            for r in report["by_rule"]:
                table.row((_latin1(r["rule_id"]), *(str(r[k]) for k in ("requests", *DESTINATIONS))))
    else:
        pdf.cell(0, 6, "No rule fired in this period.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
