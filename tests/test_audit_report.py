"""``gateway audit report``: what left the site, counted from a trail with planted records, in each format.

The records are written by the real audit store (chained, signed) into a real
SQLite file or PostgreSQL schema; the report is made by the real command.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select, text

from gateway.audit.store import AuditEvent, AuditStore, Outcome
from gateway.db import audit_events, audit_records
from gateway.types import Action, Decision, Route, RuleMatch
from tests.support.audit import chat_body, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url

TENANT = "Ward 7 <north> & co"
OTHER = "ward-8"


def planted(
    tenant: str, action: Action, route: Route, rules: tuple[str, ...] = (), status: str = "ok"
) -> tuple[AuditEvent, Outcome]:
    body = chat_body(f"planted {action.value} {route.value} {rules}")
    matches = tuple(RuleMatch(rule, action, "reason", "regulation", ("US_SSN",)) for rule in rules)
    decision = Decision(action, "healthcare", "sha256:" + "ab" * 32, matches)
    event = AuditEvent("chat.completions", tenant, decision, route, (), hashlib.sha256(body).hexdigest(), body)
    code = {"ok": 200, "blocked": 403, "refused": 503}[status]
    return event, Outcome(status, code, 5.0, None if status == "ok" else status)


# Inside the period, for TENANT: 13 requests.
INSIDE = [
    *[planted(TENANT, Action.ALLOW, Route.UPSTREAM)] * 3,  # cloud, as sent
    *[planted(TENANT, Action.REDACT, Route.UPSTREAM, ("pii-redact",))] * 2,  # cloud, redacted
    *[planted(TENANT, Action.ROUTE_LOCAL, Route.LOCAL, ("hipaa-identifiers-local",))] * 4,  # on premises
    *[planted(TENANT, Action.BLOCK, Route.NONE, ("pci-pan-block", "hipaa-identifiers-local"), "blocked")] * 2,
    planted(TENANT, Action.BLOCK, Route.NONE, (), "refused"),  # detection failed: refused, nothing left
    planted(TENANT, Action.ROUTE_LOCAL, Route.NONE, ("hipaa-identifiers-local",)),  # POST /v1/inspect
]
EXPECTED = {
    "requests": 13,
    "cloud": {"total": 5, "redacted": 2, "as_sent": 3},
    "on_premises": {"total": 4},
    "blocked": {"total": 3, "by_policy": 2, "stage_failed": 1},
    "inspected_only": {"total": 1},
    "by_rule": [
        {"rule_id": "hipaa-identifiers-local", "requests": 7, "cloud": 0, "on_premises": 4, "blocked": 2,
         "inspected_only": 1},
        {"rule_id": "pci-pan-block", "requests": 2, "cloud": 0, "on_premises": 0, "blocked": 2, "inspected_only": 0},
        {"rule_id": "pii-redact", "requests": 2, "cloud": 2, "on_premises": 0, "blocked": 0, "inspected_only": 0},
    ],
}  # fmt: skip
# Outside the period or of another tenant: none of these may be counted.
BEFORE = [planted(TENANT, Action.ALLOW, Route.UPSTREAM)] * 2 + [planted(TENANT, Action.BLOCK, Route.NONE, ("x",))]
BESIDE = [planted(OTHER, Action.ALLOW, Route.UPSTREAM)] * 5 + [planted("ward 7", Action.ALLOW, Route.UPSTREAM)]
AFTER = [planted(TENANT, Action.ROUTE_LOCAL, Route.LOCAL, ("hipaa-identifiers-local",))]


def record_all(store: AuditStore, items: list[tuple[AuditEvent, Outcome]]) -> None:
    for event, outcome in items:
        store.record(event, outcome)


@pytest.fixture(params=["sqlite", "postgresql"])
def trail(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict]:
    with database_url(request.param, tmp_path) as url:
        key_file = tmp_path / "master.key"
        store = open_store(url, key_file)
        record_all(store, BEFORE)
        time.sleep(0.01)
        since = datetime.now(UTC)
        record_all(store, INSIDE[:6] + BESIDE[:3] + INSIDE[6:] + BESIDE[3:])
        until = datetime.now(UTC)
        time.sleep(0.01)
        record_all(store, AFTER)
        store.close()
        env = audit_env(tmp_path, url, key_file)
        yield {"env": env, "engine": store.engine, "since": since.isoformat(), "until": until.isoformat()}
        store.engine.dispose()


def report(trail: dict, fmt: str, *extra: str, tenant: str = TENANT) -> tuple[int, str, bytes]:
    out = Path(trail["env"]["GATEWAY_DATA_DIR"]) / f"report.{fmt}"
    done = gateway(
        trail["env"], "audit", "report", "--tenant", tenant, "--since", trail["since"], "--until", trail["until"],
        "--format", fmt, "--output", str(out), *extra,
    )  # fmt: skip
    return done.returncode, done.stderr, out.read_bytes() if out.exists() else b""


def test_the_json_report_counts_exactly_the_tenants_records_in_the_period(trail: dict) -> None:
    code, stderr, raw = report(trail, "json")
    assert code == 0, stderr
    body = json.loads(raw)
    assert {k: body[k] for k in EXPECTED} == EXPECTED
    assert body["tenant"] == TENANT and body["chain"]["ok"] is True
    assert body["chain"]["records_checked"] == len(BEFORE) + len(INSIDE) + len(BESIDE) + len(AFTER)
    assert body["since"].startswith(trail["since"][:19]) and body["until"].startswith(trail["until"][:19])

    # The report is itself a chained event (who, which tenant and period; no counts needed), and the
    # trail still verifies with it.
    with trail["engine"].connect() as conn:
        query = select(audit_events).where(audit_events.c.kind == "site_report")
        events = [dict(r._mapping) for r in conn.execute(query)]
    assert len(events) == 1
    assert events[0]["details"]["tenant"] == TENANT and events[0]["details"]["format"] == "json"
    assert events[0]["details"]["channel"] == "cli"
    verify = gateway(trail["env"], "audit", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    to_stdout = gateway(
        trail["env"], "audit", "report", "--tenant", TENANT, "--since", trail["since"], "--until", trail["until"]
    )
    assert to_stdout.returncode == 0 and {k: json.loads(to_stdout.stdout)[k] for k in EXPECTED} == EXPECTED


def test_the_html_and_pdf_reports_carry_the_same_counts(trail: dict) -> None:
    code, stderr, page = report(trail, "html")
    assert code == 0, stderr
    html = page.decode()
    assert "Ward 7 &lt;north&gt; &amp; co" in html and "<north>" not in html  # the tenant's name is escaped
    assert "<th>Sent to the cloud</th><td>5 (2 redacted first)</td>" in html
    assert "<th>Stayed on premises</th><td>4</td>" in html
    assert "<th>Blocked</th><td>3 (1 because a stage failed)</td>" in html
    assert "<th>Requests in the period</th><td>13</td>" in html
    hipaa = "<tr><td><code>hipaa-identifiers-local</code></td><td>7</td><td>0</td><td>4</td><td>2</td><td>1</td></tr>"
    assert hipaa in html
    assert "Audit chain verified intact" in html
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")  # nothing loaded

    code, stderr, pdf = report(trail, "pdf")
    assert code == 0, stderr
    assert pdf.startswith(b"%PDF-")
    content = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(content.split())
    assert "What left the site" in flat and "Ward 7 <north> & co" in flat
    assert "Sent to the cloud 5 (2 redacted first)" in flat
    assert "Stayed on premises 4" in flat and "Blocked 3 (1 because a stage failed)" in flat
    assert "hipaa-identifiers-local 7 0 4 2 1" in flat and "pii-redact 2 2 0 0 0" in flat
    assert "Audit chain verified intact" in flat


def test_a_report_on_a_broken_chain_says_so_and_exits_non_zero(trail: dict) -> None:
    with trail["engine"].begin() as conn:
        victim = conn.execute(select(audit_records.c.id).where(audit_records.c.tenant == OTHER).limit(1)).scalar_one()
        conn.execute(text("UPDATE audit_records SET model = 'edited' WHERE id = :id"), {"id": victim})
    code, _, raw = report(trail, "json")
    body = json.loads(raw)
    assert code == 1
    assert body["chain"]["ok"] is False and body["chain"]["first_bad_record"] == victim
    assert {k: body[k] for k in EXPECTED} == EXPECTED  # still counted, but flagged

    code, _, page = report(trail, "html")
    assert code == 1 and "AUDIT CHAIN NOT INTACT" in page.decode()


def test_bad_arguments_are_one_line_errors(trail: dict) -> None:
    backwards = gateway(
        trail["env"], "audit", "report", "--tenant", TENANT, "--since", trail["until"], "--until", trail["since"]
    )
    assert backwards.returncode == 2 and "until" in backwards.stderr and "Traceback" not in backwards.stderr
    bad_time = gateway(trail["env"], "audit", "report", "--tenant", TENANT, "--since", "yesterday", "--until", "now")
    assert bad_time.returncode == 2 and "ISO 8601" in bad_time.stderr
    no_format = gateway(
        trail["env"], "audit", "report", "--tenant", TENANT, "--since", trail["since"], "--until", trail["until"],
        "--format", "docx",
    )  # fmt: skip
    assert no_format.returncode == 2 and "docx" in no_format.stderr
