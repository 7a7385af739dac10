"""The review API (``/review/api``) against a real gateway on loopback.

Records come from real ``POST /v1/inspect`` requests (real detector), so the
findings, offsets and encrypted payloads are the ones production writes.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from gateway.pipeline.detect import Detector
from tests.support.review import (
    NAME,
    PASSWORD,
    PROMPTS,
    SSN,
    LogLines,
    ReviewGateway,
    collected_logs,
    contains_raw_value,
    events,
    review_gateway,
)

JUSTIFICATION = "Case COMP-1182: confirm what the ward clerk sent to the model."


@pytest.fixture(scope="module")
def logs() -> Iterator[LogLines]:
    with collected_logs(logging.INFO) as handler:  # the level ``gateway serve`` runs at
        yield handler


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, detector: Detector, logs: LogLines) -> Iterator[ReviewGateway]:
    with review_gateway(tmp_path_factory.mktemp("review-api"), detector) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def officer(gw: ReviewGateway) -> Iterator[httpx.Client]:
    client = gw.sign_in("olga-officer")
    yield client
    client.close()


@pytest.fixture(scope="module")
def auditor(gw: ReviewGateway) -> Iterator[httpx.Client]:
    client = gw.sign_in("arno-auditor")
    yield client
    client.close()


@pytest.fixture(scope="module")
def admin(gw: ReviewGateway) -> Iterator[httpx.Client]:
    client = gw.sign_in("ada-admin")
    yield client
    client.close()


def the_record(gw: ReviewGateway, decision: str, policy: str = "healthcare") -> dict:
    return next(r for r in gw.records if r["decision"] == decision and r["policy"] == policy)


# ---- sign-in, sessions, CSRF -----------------------------------------------------------------


def test_sign_in_sets_an_httponly_samesite_strict_session_cookie(gw: ReviewGateway) -> None:
    response = httpx.post(f"{gw.base}/review/api/session", json={"username": "arno-auditor", "password": PASSWORD})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"].lower()
    assert "gw_review_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "path=/" in cookie and "max-age=28800" in cookie
    assert "secure" not in cookie  # plain http on loopback, GATEWAY_REVIEW_COOKIE_SECURE not set
    body = response.json()
    assert body["role"] == "auditor" and body["may_decrypt"] is False and len(body["csrf_token"]) >= 32


def test_the_cookie_is_secure_when_configured(tmp_path: Path, detector: Detector) -> None:
    from gateway.app import create_app
    from gateway.review.accounts import create_reviewer
    from tests.support.inprocess import serving
    from tests.support.review import build_review_services

    services = build_review_services(tmp_path, detector, review_cookie_secure=True)
    create_reviewer(services.engine, "sec", "auditor", PASSWORD)
    try:
        with serving(create_app(services=services)) as base:
            response = httpx.post(f"{base}/review/api/session", json={"username": "sec", "password": PASSWORD})
        assert response.status_code == 200
        assert "secure" in response.headers["set-cookie"].lower()
    finally:
        services.audit.close()
        services.engine.dispose()


@pytest.mark.parametrize(
    ("username", "password"),
    [("arno-auditor", "wrong password here"), ("nobody-at-all", PASSWORD), ("arno-auditor", "")],
)
def test_wrong_credentials_get_401_and_no_cookie(gw: ReviewGateway, username: str, password: str) -> None:
    response = httpx.post(f"{gw.base}/review/api/session", json={"username": username, "password": password})
    assert response.status_code in (400, 401)
    assert "set-cookie" not in response.headers
    assert password == "" or password not in response.text


def test_sign_in_must_be_json_from_the_same_origin(gw: ReviewGateway) -> None:
    form = httpx.post(f"{gw.base}/review/api/session", data={"username": "arno-auditor", "password": PASSWORD})
    assert form.status_code == 400 and "set-cookie" not in form.headers
    foreign = httpx.post(
        f"{gw.base}/review/api/session",
        json={"username": "arno-auditor", "password": PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/review/api/session"),
        ("GET", "/review/api/records"),
        ("GET", "/review/api/records/00000000-0000-0000-0000-000000000000"),
        ("POST", "/review/api/records/00000000-0000-0000-0000-000000000000/payload"),
        ("GET", "/review/api/export?format=csv"),
        ("GET", "/review/api/disclosures"),
        ("GET", "/review/api/verify"),
        ("GET", "/review/api/stats"),
        ("GET", "/review/api/reviewers"),
    ],
)
def test_every_endpoint_needs_a_session(gw: ReviewGateway, method: str, path: str) -> None:
    response = httpx.request(method, f"{gw.base}{path}", json={"justification": JUSTIFICATION})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_signed_in"
    forged = httpx.request(method, f"{gw.base}{path}", cookies={"gw_review_session": "forged-token"})
    assert forged.status_code == 401


def test_state_changing_requests_need_the_csrf_token(gw: ReviewGateway, officer: httpx.Client) -> None:
    record = the_record(gw, "route_local")
    before = len(events(gw.services, "payload_view"))
    path = f"/review/api/records/{record['id']}/payload"
    cookies = officer.cookies
    missing = httpx.post(f"{gw.base}{path}", json={"justification": JUSTIFICATION}, cookies=cookies)
    wrong = httpx.post(
        f"{gw.base}{path}", json={"justification": JUSTIFICATION}, cookies=cookies, headers={"x-csrf-token": "nope"}
    )
    cross_site = officer.post(path, json={"justification": JUSTIFICATION}, headers={"origin": "https://evil.example"})
    sign_out = httpx.delete(f"{gw.base}/review/api/session", cookies=cookies)
    for response in (missing, wrong, cross_site, sign_out):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "csrf_failed"
        assert not contains_raw_value(response.text)
    assert len(events(gw.services, "payload_view")) == before  # nothing was disclosed or recorded
    assert officer.get("/review/api/session").status_code == 200  # the refused sign-out changed nothing


def test_sign_out_ends_the_session_on_the_server(gw: ReviewGateway) -> None:
    client = gw.sign_in("arno-auditor")
    token = client.cookies["gw_review_session"]
    assert client.delete("/review/api/session").status_code == 204
    replay = httpx.get(f"{gw.base}/review/api/records", cookies={"gw_review_session": token})
    assert replay.status_code == 401


def test_repeated_failures_lock_the_account(gw: ReviewGateway, admin: httpx.Client) -> None:
    assert (
        admin.post(
            "/review/api/reviewers", json={"username": "lena-locked", "role": "auditor", "password": PASSWORD}
        ).status_code
        == 201
    )
    url = f"{gw.base}/review/api/session"
    statuses = [
        httpx.post(url, json={"username": "lena-locked", "password": "guess-number-x"}).status_code for _ in range(5)
    ]
    assert statuses == [401, 401, 401, 401, 429]
    # Locked: even the right password is refused for now.
    assert httpx.post(url, json={"username": "lena-locked", "password": PASSWORD}).status_code == 429


# ---- records -------------------------------------------------------------------------------


def test_records_list_newest_first_without_payloads(gw: ReviewGateway, auditor: httpx.Client) -> None:
    response = auditor.get("/review/api/records")
    assert response.status_code == 200
    records = response.json()["records"]
    ids = [r["id"] for r in records]
    assert set(ids) == {r["id"] for r in gw.records}
    assert [r["created_at"] for r in records] == sorted((r["created_at"] for r in records), reverse=True)
    assert not contains_raw_value(response.text)
    assert all("request_ct" not in r and "wrapped_key" not in r for r in records)


def test_keyset_pagination_through_the_api(gw: ReviewGateway, auditor: httpx.Client) -> None:
    everything = [r["id"] for r in auditor.get("/review/api/records").json()["records"]]
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = auditor.get("/review/api/records", params=params).json()
        seen += [r["id"] for r in body["records"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == everything and pages == 3


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"decision": "perhaps"}, "decision"),
        ({"since": "yesterday"}, "since"),
        ({"entity_type": "us ssn"}, "entity_type"),
        ({"since": "2026-02-01", "until": "2026-01-01"}, "until"),
    ],
)
def test_bad_filters_are_a_clear_400(auditor: httpx.Client, params: dict, param: str) -> None:
    response = auditor.get("/review/api/records", params=params)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize(
    ("params", "expect"),
    [
        ({"decision": "block"}, lambda r: r["decision"] == "block"),
        ({"policy": "finance"}, lambda r: r["policy"] == "finance"),
        ({"entity_type": "US_SSN"}, lambda r: any(f["entity_type"] == "US_SSN" for f in r["findings"])),
        ({"rule_id": "pci-pan-block"}, lambda r: r["decision"] == "block"),
        ({"route": "none"}, lambda r: True),  # inspect records are never routed
        ({"until": "2000-01-01T00:00:00Z"}, lambda r: False),
    ],
)
def test_filters_through_the_api(gw: ReviewGateway, auditor: httpx.Client, params: dict, expect: object) -> None:
    found = {r["id"] for r in auditor.get("/review/api/records", params=params).json()["records"]}
    assert found == {r["id"] for r in gw.records if expect(r)}  # type: ignore[operator]


def test_record_detail_explains_rules_and_locates_findings(gw: ReviewGateway, auditor: httpx.Client) -> None:
    record = the_record(gw, "route_local")
    response = auditor.get(f"/review/api/records/{record['id']}")
    assert response.status_code == 200
    detail = response.json()
    assert detail["decision"] == "route_local" and detail["policy"] == "healthcare"
    assert detail["policy_version_current"] is True
    rule = next(r for r in detail["rules"] if r["id"] == "hipaa-identifiers-local")
    assert rule["reason"].startswith("Protected health information")
    assert rule["regulation"] == "HIPAA Privacy Rule, 45 CFR 164.514(b)(2)"
    assert "US_SSN" in rule["entity_types"]
    ssn = [f for f in detail["findings"] if f["entity_type"] == "US_SSN"]
    assert record["text"][ssn[0]["start"] : ssn[0]["end"]] == SSN
    assert not contains_raw_value(response.text)
    assert not {"request_ct", "response_ct", "wrapped_key"} & set(detail)


def test_unknown_record_is_404(auditor: httpx.Client, officer: httpx.Client) -> None:
    assert auditor.get("/review/api/records/00000000-0000-0000-0000-000000000000").status_code == 404
    missing = officer.post(
        "/review/api/records/00000000-0000-0000-0000-000000000000/payload", json={"justification": JUSTIFICATION}
    )
    assert missing.status_code == 404


# ---- payload views and disclosures ---------------------------------------------------------


def test_an_auditor_may_not_decrypt(gw: ReviewGateway, auditor: httpx.Client) -> None:
    record = the_record(gw, "route_local")
    before = len(events(gw.services, "payload_view"))
    response = auditor.post(f"/review/api/records/{record['id']}/payload", json={"justification": JUSTIFICATION})
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "permission_error"
    assert not contains_raw_value(response.text)
    assert len(events(gw.services, "payload_view")) == before


@pytest.mark.parametrize(
    "body", [{}, {"justification": ""}, {"justification": "because"}, {"justification": "x" * 1001}]
)
def test_a_decryption_needs_a_real_justification(gw: ReviewGateway, officer: httpx.Client, body: dict) -> None:
    record = the_record(gw, "route_local")
    before = len(events(gw.services, "payload_view"))
    response = officer.post(f"/review/api/records/{record['id']}/payload", json=body)
    assert response.status_code == 400
    assert not contains_raw_value(response.text)
    assert len(events(gw.services, "payload_view")) == before


def test_an_officer_decrypts_and_the_view_is_an_audit_event(gw: ReviewGateway, officer: httpx.Client) -> None:
    record = the_record(gw, "route_local")
    response = officer.post(f"/review/api/records/{record['id']}/payload", json={"justification": JUSTIFICATION})
    assert response.status_code == 200
    body = response.json()
    assert body["erased"] is False
    path = "/messages/0/content"
    assert body["messages"] == [{"index": 0, "role": "user", "text": record["text"], "path": path, "part": "value"}]
    for finding in record["findings"]:  # offsets index the decrypted text
        assert body["messages"][0]["text"][finding["start"] : finding["end"]].strip()
    views = events(gw.services, "payload_view")
    mine = [e for e in views if e["id"] == body["event_id"]]
    assert len(mine) == 1
    assert mine[0]["actor"] == "olga-officer" and mine[0]["record_id"] == record["id"]
    assert mine[0]["details"]["justification"] == JUSTIFICATION and mine[0]["details"]["role"] == "officer"
    assert not contains_raw_value(mine[0]["details"])


def test_disclosures_list_who_viewed_what(gw: ReviewGateway, officer: httpx.Client, auditor: httpx.Client) -> None:
    record = the_record(gw, "block")
    reason = "Investigating ticket SEC-77: blocked card number attempt."
    assert (
        officer.post(f"/review/api/records/{record['id']}/payload", json={"justification": reason}).status_code == 200
    )
    listing = auditor.get("/review/api/disclosures").json()["disclosures"]
    assert listing[0]["record_id"] == record["id"] and listing[0]["reviewer"] == "olga-officer"
    assert listing[0]["justification"] == reason and listing[0]["viewed_at"].endswith("Z")
    per_record = auditor.get("/review/api/disclosures", params={"record_id": record["id"]}).json()["disclosures"]
    assert [d["record_id"] for d in per_record] == [record["id"]]
    first = auditor.get("/review/api/disclosures", params={"limit": 1}).json()
    rest = auditor.get("/review/api/disclosures", params={"cursor": first["next_cursor"]}).json()
    assert first["disclosures"][0]["id"] not in {d["id"] for d in rest["disclosures"]}
    assert len(first["disclosures"]) + len(rest["disclosures"]) == len(events(gw.services, "payload_view"))


# ---- exports, verification, statistics -----------------------------------------------------


def test_export_csv(gw: ReviewGateway, auditor: httpx.Client) -> None:
    response = auditor.get("/review/api/export", params={"format": "csv", "decision": "block"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="gateway-audit-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["id"] for row in rows} == {r["id"] for r in gw.records if r["decision"] == "block"}
    assert not contains_raw_value(response.text)
    with gw.services.engine.connect() as conn:
        events = conn.execute(
            text("SELECT actor, details FROM audit_events WHERE kind = 'export' ORDER BY seq DESC")
        ).fetchall()
    actor, details = events[0]
    details = json.loads(details) if isinstance(details, str) else details
    assert actor == "arno-auditor"
    assert details == {"format": "csv", "channel": "review_api", "filters": {"decision": "block"}}


def test_export_jsonl(gw: ReviewGateway, auditor: httpx.Client) -> None:
    response = auditor.get("/review/api/export", params={"format": "jsonl", "entity_type": "US_SSN"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    expected = {r["id"] for r in gw.records if any(f["entity_type"] == "US_SSN" for f in r["findings"])}
    assert {line["id"] for line in lines} == expected
    assert not contains_raw_value(response.text)


def test_export_ocsf(gw: ReviewGateway, auditor: httpx.Client) -> None:
    response = auditor.get("/review/api/export", params={"format": "ocsf"})
    assert response.status_code == 200
    events_out = [json.loads(line) for line in response.text.splitlines()]
    activities = [e for e in events_out if e["class_uid"] == 6003]
    findings = [e for e in events_out if e["class_uid"] == 2004]
    assert {e["metadata"]["uid"] for e in activities} == {r["id"] for r in gw.records}
    assert len(findings) == sum(1 for r in gw.records if r["findings"])
    assert not contains_raw_value(response.text)


@pytest.mark.parametrize("params", [{"format": "xml"}, {"format": "csv", "q": "acme"}, {"format": "csv", "route": "x"}])
def test_bad_export_requests_are_400(auditor: httpx.Client, params: dict) -> None:
    assert auditor.get("/review/api/export", params=params).status_code == 400


def test_chain_verification_status(gw: ReviewGateway, auditor: httpx.Client) -> None:
    body = auditor.get("/review/api/verify").json()
    assert body["ok"] is True, body
    assert body["records_checked"] == len(gw.records)
    assert body["first_bad_record"] is None and body["checked_at"].endswith("Z")


def test_stats_count_todays_decisions_and_entity_types(gw: ReviewGateway, auditor: httpx.Client) -> None:
    body = auditor.get("/review/api/stats").json()
    assert len(body["days"]) in (30, 31)
    today = body["days"][-1]
    decisions: dict[str, int] = {}
    for r in gw.records:
        decisions[r["decision"]] = decisions.get(r["decision"], 0) + 1
    assert today["decisions"] == decisions == body["totals"]["decisions"]
    ssn_records = sum(1 for r in gw.records if any(f["entity_type"] == "US_SSN" for f in r["findings"]))
    assert today["entity_types"]["US_SSN"] == ssn_records


# ---- reviewer management -------------------------------------------------------------------


def test_only_admins_manage_reviewers(officer: httpx.Client, auditor: httpx.Client) -> None:
    for client in (officer, auditor):
        assert client.get("/review/api/reviewers").status_code == 403
        created = client.post("/review/api/reviewers", json={"username": "x1", "role": "admin", "password": PASSWORD})
        assert created.status_code == 403


def test_admin_creates_and_disables_a_reviewer(gw: ReviewGateway, admin: httpx.Client) -> None:
    weak = admin.post("/review/api/reviewers", json={"username": "otto", "role": "officer", "password": "short"})
    assert weak.status_code == 400
    bad_role = admin.post("/review/api/reviewers", json={"username": "otto", "role": "king", "password": PASSWORD})
    assert bad_role.status_code == 400
    assert "otto" not in {r["username"] for r in admin.get("/review/api/reviewers").json()["reviewers"]}
    created = admin.post("/review/api/reviewers", json={"username": "otto", "role": "officer", "password": PASSWORD})
    assert created.status_code == 201 and created.json()["role"] == "officer"
    duplicate = admin.post("/review/api/reviewers", json={"username": "otto", "role": "auditor", "password": PASSWORD})
    assert duplicate.status_code == 400
    otto = gw.sign_in("otto")
    assert otto.get("/review/api/records").status_code == 200
    assert admin.post("/review/api/reviewers/otto/disable").json()["disabled_at"]
    assert otto.get("/review/api/records").status_code == 401  # the session ended with the account
    again = httpx.post(f"{gw.base}/review/api/session", json={"username": "otto", "password": PASSWORD})
    assert again.status_code == 401
    assert admin.post("/review/api/reviewers/nobody-here/disable").status_code == 404
    assert admin.post("/review/api/reviewers/ada-admin/disable").status_code == 400
    kinds = {e["details"]["username"] for e in events(gw.services, "reviewer_created")}
    assert "otto" in kinds and events(gw.services, "reviewer_disabled")[-1]["actor"] == "ada-admin"


# ---- the web interface's files and headers -------------------------------------------------


def test_ui_is_served_with_a_strict_content_security_policy(gw: ReviewGateway) -> None:
    page = httpx.get(f"{gw.base}/ui")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    for asset in ("app.js", "charts.js", "app.css"):
        response = httpx.get(f"{gw.base}/ui/static/{asset}")
        assert response.status_code == 200
        # Nothing is fetched from the internet: no absolute URL other than the SVG namespace.
        text = response.text.replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


def test_no_raw_value_was_logged(gw: ReviewGateway, logs: LogLines, officer: httpx.Client) -> None:
    record = the_record(gw, "route_local")
    officer.post(f"/review/api/records/{record['id']}/payload", json={"justification": JUSTIFICATION})
    assert logs.lines, "the log collector saw nothing, so this test would prove nothing"
    assert not [line for line in logs.lines if contains_raw_value(line) or NAME in line]
    assert len(PROMPTS) == len(gw.records)
