"""Every chat and inspect request leaves exactly one audit record, and no raw value anywhere."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import httpx
import pytest

from tests.support.server import GatewayProcess

NAME = "Theodora Blackwood"
SSN = "219-09-9999"
CARD = "4111111111111111"
PROMPTS = {
    "route_local": f"Patient {NAME}, SSN {SSN}, needs a referral letter for physiotherapy.",
    "block": f"Charge the deposit to card {CARD} please.",
    "allow": "Explain the difference between a cohort study and a case-control study.",
}


@pytest.fixture(scope="module")
def sent(gateway: GatewayProcess) -> list[tuple[str, bytes, httpx.Response]]:
    key = gateway.create_key("audit-tester", "healthcare")
    headers = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    results = []
    for expected, prompt in PROMPTS.items():
        for path, body in (
            (
                "/v1/chat/completions",
                {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], "max_tokens": 8},
            ),
            ("/v1/inspect", {"messages": [{"role": "user", "content": prompt}]}),
        ):
            raw = json.dumps(body).encode()
            response = httpx.post(f"{gateway.base_url}{path}", headers=headers, content=raw, timeout=120)
            results.append((expected, raw, response))
    return results


def rows(gateway: GatewayProcess, tenant: str) -> list[sqlite3.Row]:
    with sqlite3.connect(gateway.data_dir / "audit.db") as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute("SELECT * FROM audit_records WHERE tenant = ? ORDER BY created_at", (tenant,)).fetchall()


def audit_id(response: httpx.Response) -> str:
    if "x-gateway-audit-id" in response.headers:
        return response.headers["x-gateway-audit-id"]
    return response.json()["audit_id"]


def test_one_record_per_request_with_the_expected_fields(gateway: GatewayProcess, sent: list) -> None:
    records = {row["id"]: row for row in rows(gateway, "audit-tester")}
    assert len(records) == len(sent) == 6
    for expected, raw, response in sent:
        row = records[audit_id(response)]
        assert row["decision"] == expected
        assert row["tenant"] == "audit-tester"
        assert row["policy"] == "healthcare"
        assert row["policy_version"].startswith("sha256:") and len(row["policy_version"]) == 71
        assert row["request_sha256"] == hashlib.sha256(raw).hexdigest()
        assert row["latency_ms"] is not None and row["latency_ms"] > 0
        assert row["status"] in {"ok", "blocked"}
        findings = json.loads(row["findings"])
        rule_ids = json.loads(row["rule_ids"])
        if expected == "allow":
            assert findings == [] and rule_ids == []
        else:
            assert rule_ids and findings
            for finding in findings:
                keys = {"entity_type", "message_index", "start", "end", "score", "recognizer", "path"}
                assert set(finding) == keys
                assert finding["path"] in {f"/messages/{finding['message_index']}/content", "/input"}
        if row["endpoint"] == "inspect":
            assert row["route"] == "none"
        else:
            assert row["route"] == {"allow": "upstream", "route_local": "local", "block": "none"}[expected]


def test_no_raw_value_in_the_database_file_or_the_log(gateway: GatewayProcess, sent: list) -> None:
    assert sent
    stored = b"".join(p.read_bytes() for p in gateway.data_dir.glob("audit.db*"))
    log = gateway.log().encode()
    for value in (NAME, SSN, CARD, SSN.replace("-", ""), "Blackwood"):
        assert value.encode() not in stored, value
        assert value.encode() not in log, value
