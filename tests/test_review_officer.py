"""Data-subject search and tenant search, against a real gateway on loopback with the real detector.

Records are planted through ``POST /v1/inspect``; the search must find exactly
the records that held the value (whatever its case and spacing), no other,
while the trail holds only keyed hashes; every search is a chained event.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select, text

from gateway.audit.erase import ErasureScope, erase
from gateway.audit.subjects import normalise, subject_key
from gateway.db import audit_events, audit_subjects
from gateway.keys import create_key
from gateway.pipeline.detect import Detector
from tests.support.review import SSN, LogLines, collected_logs, events, review_gateway

EMAIL = "jana.novak@example.org"
OTHER_EMAIL = "jan.novak@example.org"
REASON = "DSR-2041 (access request)"


@pytest.fixture(scope="module")
def logs() -> Iterator[LogLines]:
    with collected_logs(logging.DEBUG) as handler:
        yield handler


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory, detector: Detector, logs: LogLines) -> Iterator[dict]:
    with review_gateway(tmp_path_factory.mktemp("subjects"), detector) as gw:
        north = create_key(gw.services.engine, "North-Ward_7", "healthcare", ["*"])
        percent = create_key(gw.services.engine, "100% Care", "healthcare", ["*"])
        muller = create_key(gw.services.engine, "Klinik MÜLLER", "healthcare", ["*"])
        ids = {
            "ssn": gw.records[0]["id"],  # PROMPTS[0] holds SSN
            "email": gw.inspect("healthcare", f"Please e-mail {EMAIL} her lab results.")["id"],
            "email_upper": gw.inspect("healthcare", f"Forward the invoice to {EMAIL.upper()} today.", north)["id"],
            "other_email": gw.inspect("healthcare", f"Contact {OTHER_EMAIL} about the visit.", percent)["id"],
            "muller": gw.inspect("healthcare", "Explain the new visiting hours.", muller)["id"],
        }
        yield {"gw": gw, "ids": ids}


@pytest.fixture(scope="module")
def officer(planted: dict) -> Iterator[httpx.Client]:
    client = planted["gw"].sign_in("olga-officer")
    yield client
    client.close()


def search(client: httpx.Client, value: str, reason: str = REASON) -> httpx.Response:
    return client.post("/review/api/subjects/search", json={"value": value, "reason": reason})


def test_the_trail_holds_keyed_hashes_of_the_normalised_values_never_the_values(planted: dict) -> None:
    gw, ids = planted["gw"], planted["ids"]
    key = subject_key(gw.services.audit.keyring)
    expected = hmac.new(key, normalise(EMAIL).encode(), hashlib.sha256).hexdigest()
    with gw.services.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(select(audit_subjects))]
        dump = json.dumps([dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_records"))], default=str)
    by_record = {r["record_id"]: r for r in rows if r["subject_hash"] == expected}
    assert set(by_record) == {ids["email"], ids["email_upper"]}
    assert {r["entity_type"] for r in by_record.values()} == {"EMAIL_ADDRESS"}
    assert normalise("219 09-9999") == normalise(SSN) == "219099999"
    # A plain SHA-256 of the value is not what is stored: without the key a hash cannot be tested.
    assert hashlib.sha256(normalise(EMAIL).encode()).hexdigest() not in {r["subject_hash"] for r in rows}
    stored = json.dumps(rows)
    for value in (EMAIL, EMAIL.upper(), OTHER_EMAIL, SSN, normalise(EMAIL), normalise(SSN)):
        assert value not in stored and value not in dump


def test_a_search_finds_exactly_the_records_that_held_the_value(planted: dict, officer: httpx.Client) -> None:
    ids = planted["ids"]
    response = search(officer, "  Jana.Novak@EXAMPLE.org ")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["matched"] == 2 and body["truncated"] is False
    assert {r["id"] for r in body["records"]} == {ids["email"], ids["email_upper"]}
    assert all(r["matched_as"] == ["EMAIL_ADDRESS"] for r in body["records"])
    assert {r["tenant"] for r in body["records"]} == {"review-tests", "North-Ward_7"}

    by_ssn = search(officer, "219 09 9999").json()
    assert [r["id"] for r in by_ssn["records"]] == [ids["ssn"]]
    nobody = search(officer, "nobody@example.org").json()
    assert nobody["matched"] == 0 and nobody["records"] == []


def test_each_search_is_a_chained_event_without_the_value(planted: dict, officer: httpx.Client, logs: LogLines) -> None:
    gw = planted["gw"]
    before = len(events(gw.services, "subject_search"))
    body = search(officer, EMAIL).json()
    found = events(gw.services, "subject_search")
    assert len(found) == before + 1
    event = found[-1]
    assert event["id"] == body["event_id"] and event["actor"] == "olga-officer" and event["record_id"] is None
    assert event["details"] == {"reason": REASON, "role": "officer", "matched": 2}
    with gw.services.engine.connect() as conn:
        every_event = json.dumps([dict(r._mapping) for r in conn.execute(select(audit_events))], default=str)
    assert EMAIL not in every_event and normalise(EMAIL) not in every_event
    assert not any(EMAIL in line or normalise(EMAIL) in line for line in logs.lines)
    verify = officer.get("/review/api/verify").json()
    assert verify["ok"] is True, verify


def test_searching_needs_the_officer_role_a_post_and_a_meaningful_value(planted: dict, officer: httpx.Client) -> None:
    gw = planted["gw"]
    auditor = gw.sign_in("arno-auditor")
    try:
        assert search(auditor, EMAIL).status_code == 403
    finally:
        auditor.close()
    assert officer.get("/review/api/subjects/search", params={"value": EMAIL}).status_code == 405
    short = search(officer, "a-b")
    assert short.status_code == 400 and short.json()["error"]["param"] == "value"
    long_value = EMAIL * 30
    too_long = search(officer, long_value)
    assert too_long.status_code == 400 and EMAIL not in too_long.text
    assert search(officer, EMAIL, reason=" ").status_code == 400
    assert search(officer, "ab\x00cd@x.org").status_code == 400
    anonymous = httpx.post(f"{gw.base}/review/api/subjects/search", json={"value": EMAIL, "reason": REASON})
    assert anonymous.status_code == 401
    forged = officer.post(
        "/review/api/subjects/search", json={"value": EMAIL, "reason": REASON}, headers={"x-csrf-token": "forged"}
    )
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "csrf_failed"


def test_erasure_removes_the_hashes_of_the_erased_record(planted: dict, officer: httpx.Client) -> None:
    gw, ids = planted["gw"], planted["ids"]
    erase(gw.services.engine, ErasureScope(record_id=ids["email_upper"]), actor="test", reason="DSR-2041 erasure")
    body = search(officer, EMAIL).json()
    assert [r["id"] for r in body["records"]] == [ids["email"]]
    with gw.services.engine.connect() as conn:
        left = conn.execute(select(audit_subjects).where(audit_subjects.c.record_id == ids["email_upper"])).all()
    assert left == []


# ---- tenant search ---------------------------------------------------------------------------


def test_tenant_search_is_a_case_insensitive_substring_with_literal_wildcards(
    planted: dict, officer: httpx.Client
) -> None:
    tenants = officer.get("/review/api/tenants", params={"q": "ward_"}).json()["tenants"]
    assert [t["tenant"] for t in tenants] == ["North-Ward_7"]
    assert tenants[0]["records"] == 1 and tenants[0]["last_seen"].endswith("Z")
    # "_" and "%" are literal: "d_7" is in "North-Ward_7" only; "%" is in "100% Care" only.
    assert [t["tenant"] for t in officer.get("/review/api/tenants", params={"q": "D_7"}).json()["tenants"]] == [
        "North-Ward_7"
    ]
    assert [t["tenant"] for t in officer.get("/review/api/tenants", params={"q": "%"}).json()["tenants"]] == [
        "100% Care"
    ]
    assert officer.get("/review/api/tenants", params={"q": "_%_"}).json()["tenants"] == []
    everyone = {t["tenant"] for t in officer.get("/review/api/tenants").json()["tenants"]}
    assert everyone == {"review-tests", "North-Ward_7", "100% Care", "Klinik MÜLLER"}
    # Case is ignored beyond ASCII too (SQLite's own lower() folds ASCII only).
    assert [t["tenant"] for t in officer.get("/review/api/tenants", params={"q": "müller"}).json()["tenants"]] == [
        "Klinik MÜLLER"
    ]

    records = officer.get("/review/api/records", params={"tenant_contains": "NORTH-w"}).json()["records"]
    assert [r["id"] for r in records] == [planted["ids"]["email_upper"]]
    assert officer.get("/review/api/records", params={"tenant_contains": "%"}).json()["records"][0]["tenant"] == (
        "100% Care"
    )
    assert len(officer.get("/review/api/records", params={"tenant_contains": "%"}).json()["records"]) == 1
    for params in ({"q": "\x00"}, {"tenant_contains": "\x00"}, {"q": "a\x00%"}):
        refused = officer.get("/review/api/records", params=params)
        assert refused.status_code == 400 and "control character" in refused.json()["error"]["message"]
    assert officer.get("/review/api/tenants", params={"q": "\x00"}).status_code == 400


def test_stats_count_the_rules_that_fired_for_a_tenant(planted: dict, officer: httpx.Client) -> None:
    stats = officer.get("/review/api/stats", params={"tenant": "North-Ward_7"}).json()
    assert stats["top_rules"] == [{"rule_id": "hipaa-identifiers-local", "records": 1}]
    assert stats["totals"]["decisions"] == {"route_local": 1}


# ---- what left the site -------------------------------------------------------------------------


def test_the_report_api_counts_a_tenants_records_and_is_recorded(planted: dict, officer: httpx.Client) -> None:
    gw = planted["gw"]
    others = {planted["ids"][name] for name in ("email_upper", "other_email", "muller")}
    mine = [r for r in gw.records if r["id"] not in others]
    period = {"tenant": "review-tests", "since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"}
    before = len(events(gw.services, "site_report"))
    response = officer.get("/review/api/report", params=period)
    assert response.status_code == 200, response.text
    body = response.json()
    blocked = sum(1 for r in mine if r["decision"] == "block")
    assert body["requests"] == len(mine) == 6
    assert body["blocked"] == {"total": blocked, "by_policy": blocked, "stage_failed": 0} and blocked == 1
    assert body["inspected_only"] == {"total": len(mine) - blocked}  # /v1/inspect routes nothing
    assert body["cloud"]["total"] == 0 and body["on_premises"] == {"total": 0}
    assert body["chain"]["ok"] is True
    assert {r["rule_id"]: r["requests"] for r in body["by_rule"]}["pci-pan-block"] == 1
    reports = events(gw.services, "site_report")
    assert len(reports) == before + 1 and reports[-1]["actor"] == "olga-officer"
    assert reports[-1]["details"]["channel"] == "review_api" and reports[-1]["details"]["tenant"] == "review-tests"

    for fmt, media in (("html", "text/html"), ("pdf", "application/pdf")):
        download = officer.get("/review/api/report", params={**period, "format": fmt})
        assert download.status_code == 200 and download.headers["content-type"].startswith(media)
        assert "attachment" in download.headers["content-disposition"]
    assert officer.get("/review/api/report", params={**period, "format": "docx"}).status_code == 400
    assert officer.get("/review/api/report", params={"tenant": "review-tests"}).status_code == 400
    backwards = officer.get("/review/api/report", params={**period, "since": period["until"], "until": period["since"]})
    assert backwards.status_code == 400 and "until" in backwards.json()["error"]["message"]
    assert officer.get("/review/api/report", params={**period, "since": "last week"}).status_code == 400
