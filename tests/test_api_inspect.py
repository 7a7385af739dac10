"""``POST /v1/inspect`` and ``gateway scan``: decisions, findings and offsets into the text as sent."""

from __future__ import annotations

import json
import sqlite3

import httpx
import pytest

from tests.support.server import GatewayProcess

SSN_TEXT = "Employee record: SSN 219-09-9999, please update payroll."


@pytest.fixture(scope="module")
def keys(gateway: GatewayProcess) -> dict[str, str]:
    return {
        "plain": gateway.create_key("inspect-plain", "general"),
        "multi": gateway.create_key("inspect-multi", "general", allow="healthcare,finance"),
        "any": gateway.create_key("inspect-any", "finance", allow="*"),
    }


def post(gateway: GatewayProcess, key: str, body: object) -> httpx.Response:
    return httpx.post(
        f"{gateway.base_url}/v1/inspect", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=60
    )


def count_records(gateway: GatewayProcess) -> int:
    with sqlite3.connect(gateway.data_dir / "audit.db") as conn:
        return int(conn.execute("SELECT count(*) FROM audit_records").fetchone()[0])


def test_inspect_reports_findings_with_offsets_into_the_original(gateway: GatewayProcess, keys: dict[str, str]) -> None:
    response = post(gateway, keys["plain"], {"messages": [{"role": "user", "content": SSN_TEXT}]})
    assert response.status_code == 200
    body = response.json()
    assert body["decision"] == "route_local"
    assert body["policy"] == "general"
    assert body["policy_version"].startswith("sha256:")
    ssn = [f for f in body["findings"] if f["entity_type"] == "US_SSN"]
    assert len(ssn) == 1
    assert SSN_TEXT[ssn[0]["start"] : ssn[0]["end"]] == "219-09-9999"
    assert ssn[0]["message_index"] == 0 and ssn[0]["recognizer"]
    assert {"id": "personal-data-local", "action": "route_local"}.items() <= body["rules"][0].items()
    assert body["audit_id"]


def test_inspect_accepts_plain_input(gateway: GatewayProcess, keys: dict[str, str]) -> None:
    body = post(gateway, keys["plain"], {"input": SSN_TEXT}).json()
    assert [f["message_index"] for f in body["findings"] if f["entity_type"] == "US_SSN"] == [0]


def test_a_key_may_name_only_allowed_policies(gateway: GatewayProcess, keys: dict[str, str]) -> None:
    assert post(gateway, keys["multi"], {"policy": "healthcare", "input": "hello"}).json()["policy"] == "healthcare"
    assert post(gateway, keys["any"], {"policy": "manufacturing", "input": "hello"}).json()["policy"] == "manufacturing"
    refused = post(gateway, keys["plain"], {"policy": "healthcare", "input": "hello"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "policy_not_permitted"
    unknown = post(gateway, keys["any"], {"policy": "no-such-policy", "input": "hello"})
    assert unknown.status_code == 400
    assert "no-such-policy" in unknown.json()["error"]["message"]


def test_chat_policy_header_is_honoured(gateway: GatewayProcess, keys: dict[str, str]) -> None:
    response = httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {keys['plain']}", "x-gateway-policy": "healthcare"},
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        timeout=60,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "policy_not_permitted"


@pytest.mark.parametrize(
    ("path", "content", "status", "says"),
    [
        ("/v1/chat/completions", b"{not json", 400, "not valid JSON"),
        ("/v1/chat/completions", b"[1, 2]", 400, "JSON object"),
        ("/v1/chat/completions", json.dumps({"model": "m"}).encode(), 400, "messages"),
        ("/v1/chat/completions", json.dumps({"model": "m", "messages": []}).encode(), 400, "messages"),
        (
            "/v1/chat/completions",
            json.dumps({"model": "m", "messages": [{"role": "user", "content": 5}]}).encode(),
            400,
            "content",
        ),
        ("/v1/chat/completions", json.dumps({"messages": [{"role": "user", "content": "x"}]}).encode(), 400, "model"),
        (
            "/v1/inspect",
            json.dumps({"input": "x", "messages": [{"role": "user", "content": "y"}]}).encode(),
            400,
            "exactly one",
        ),
        ("/v1/inspect", json.dumps({"policy": "nope", "input": "x"}).encode(), 400, "nope"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_writes_nothing(
    gateway: GatewayProcess, keys: dict[str, str], path: str, content: bytes, status: int, says: str
) -> None:
    before = count_records(gateway)
    response = httpx.post(
        f"{gateway.base_url}{path}",
        headers={"Authorization": f"Bearer {keys['any']}", "content-type": "application/json"},
        content=content,
        timeout=30,
    )
    assert response.status_code == status
    error = response.json()["error"]
    assert says in error["message"]
    assert "Traceback" not in response.text
    assert count_records(gateway) == before


def test_oversized_body_is_413(gateway: GatewayProcess, keys: dict[str, str]) -> None:
    before = count_records(gateway)
    big = {"model": "m", "messages": [{"role": "user", "content": "a" * (1024 * 1024 + 10)}]}
    response = httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {keys['any']}"},
        json=big,
        timeout=30,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert count_records(gateway) == before


def test_scan_prints_what_inspect_returns_and_writes_no_record(gateway: GatewayProcess, keys: dict[str, str]) -> None:
    before = count_records(gateway)
    scanned = json.loads(gateway.cli("scan", "--policy", "general", SSN_TEXT).stdout)
    assert count_records(gateway) == before
    inspected = post(gateway, keys["plain"], {"input": SSN_TEXT}).json()
    inspected.pop("audit_id")
    assert scanned == inspected
    from_stdin = json.loads(gateway.cli("scan", "--policy", "general", stdin=SSN_TEXT).stdout)
    assert from_stdin == scanned
