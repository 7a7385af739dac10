"""``GET /metrics``, request ids and JSON logs, against the real ``gateway serve`` process.

Values are planted in requests through every door; the scrape and the log must name the
doors, decisions and entity types, and hold none of the values.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.support.upstream import RecordingUpstream

TOKEN = "metrics-token-for-tests"
# Planted values: a name with a record number and a birth date (kept local), a card and an
# e-mail address (blocked / found), an SSN. None may appear in a metric label or a log line.
NAME, MRN, DOB, CARD, EMAIL, SSN = (
    "Maria Gonzalez",
    "00483921",
    "03/14/1962",
    "4111 1111 1111 1111",
    "maria.gonzalez@example.org",
    "219-09-9999",
)
PLANTED = (NAME, MRN, DOB, CARD, EMAIL, SSN, "4111111111111111", "Gonzalez", "219099999")
PATIENT = f"Patient {NAME}, MRN {MRN}, DOB {DOB}, SSN {SSN}, mail {EMAIL}: draft a discharge summary."
BLOCKED = f"Refund the copay to card {CARD}, it was charged twice."
CLEAN = "Write a haiku about autumn leaves."


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory,
    upstream: RecordingUpstream,
    anthropic_upstream: RecordingAnthropicUpstream,
) -> Iterator[GatewayProcess]:
    data_dir: Path = tmp_path_factory.mktemp("observed")
    env = gateway_env(
        data_dir,
        GATEWAY_UPSTREAM_URL=upstream.url,
        GATEWAY_ANTHROPIC_UPSTREAM_URL=anthropic_upstream.url,
        GATEWAY_METRICS_TOKEN=TOKEN,
        GATEWAY_DETECTION_WORKERS="1",
    )
    process = GatewayProcess(data_dir=data_dir, env=env, port=free_port())
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def key(served: GatewayProcess) -> str:
    return served.create_key("observed-app", "healthcare")


def scrape(gateway: GatewayProcess, token: str | None = TOKEN) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{gateway.base_url}/metrics", headers=headers, timeout=30)


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """``name``'s samples in an exposition text, keyed by their labels."""
    found = {}
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}(?:\{{(.*)\}})? (\S+)", line)
        if match:
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
            found[labels] = float(match.group(2))
    return found


def count(text: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for k, v in samples(text, "gateway_requests_total").items() if wanted <= k)


DOOR_CALLS = [
    ("chat", "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": PATIENT}]}),
    ("responses", "/v1/responses", {"model": "gpt-5", "input": PATIENT, "max_output_tokens": 8}),
    (
        "messages",
        "/v1/messages",
        {"model": "claude-x", "max_tokens": 8, "messages": [{"role": "user", "content": PATIENT}]},
    ),
    (
        "count_tokens",
        "/v1/messages/count_tokens",
        {"model": "claude-x", "messages": [{"role": "user", "content": PATIENT}]},
    ),
    ("embeddings", "/v1/embeddings", {"model": "text-embedding-3-small", "input": PATIENT}),
    ("completions", "/v1/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": PATIENT, "max_tokens": 8}),
    ("inspect", "/v1/inspect", {"input": PATIENT}),
]


def test_every_door_is_counted_by_decision_and_no_value_reaches_a_label(served: GatewayProcess, key: str) -> None:
    before = scrape(served).text
    auth = {"authorization": f"Bearer {key}"}
    for door, path, body in DOOR_CALLS:
        reply = httpx.post(f"{served.base_url}{path}", json=body, headers=auth, timeout=120)
        assert reply.status_code == 200, (door, reply.text)
        assert reply.headers["x-gateway-decision"] == "route_local", door
    blocked = httpx.post(
        f"{served.base_url}/v1/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": BLOCKED}]},
        headers=auth,
        timeout=60,
    )
    assert blocked.status_code == 403
    unauthenticated = httpx.post(f"{served.base_url}/v1/chat/completions", json={}, timeout=30)
    assert unauthenticated.status_code == 401

    after = scrape(served).text
    for door, _, _ in DOOR_CALLS:
        route = "none" if door == "inspect" else "local"
        labels = {"endpoint": door, "decision": "route_local", "route": route, "status": "200"}
        assert count(after, **labels) - count(before, **labels) == 1, door
    block = {"endpoint": "chat", "decision": "block", "route": "none", "status": "403"}
    assert count(after, **block) - count(before, **block) == 1
    refused = {"endpoint": "chat", "decision": "none", "route": "none", "status": "401"}
    assert count(after, **refused) - count(before, **refused) == 1

    findings = {dict(k)["entity_type"]: v for k, v in samples(after, "gateway_findings_total").items()}
    assert {"PERSON", "MEDICAL_RECORD_NUMBER", "US_SSN", "EMAIL_ADDRESS", "CREDIT_CARD"} <= set(findings)
    assert samples(after, "gateway_request_duration_seconds_count")
    inspected = {dict(k)["endpoint"] for k in samples(after, "gateway_inspection_duration_seconds_count")}
    assert {door for door, _, _ in DOOR_CALLS} <= inspected
    assert samples(after, "gateway_local_backend_up") == {frozenset({("server", "in-process")}): 1.0}
    assert samples(after, "gateway_detection_workers") == {frozenset(): 1.0}
    assert samples(after, "gateway_detection_pool_ready") == {frozenset(): 1.0}
    for value in PLANTED:
        assert value not in after, value


def test_the_log_is_json_lines_with_request_ids_and_no_value(served: GatewayProcess, key: str) -> None:
    rid = "trace-0001.planted:values"
    reply = httpx.post(
        f"{served.base_url}/v1/chat/completions?q={NAME.replace(' ', '+')}",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": BLOCKED + " " + PATIENT}]},
        headers={"authorization": f"Bearer {key}", "x-request-id": rid},
        timeout=60,
    )
    assert reply.status_code == 403 and reply.headers["x-request-id"] == rid
    lines = [line for line in served.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    access = [e for e in entries if e["logger"] == "gateway.access" and e.get("request_id") == rid]
    assert access and access[0]["path"] == "/v1/chat/completions" and access[0]["status"] == 403
    text = "\n".join(lines)
    for value in PLANTED:
        assert value not in text, value


def test_request_ids_are_accepted_when_safe_returned_always_and_recorded(served: GatewayProcess, key: str) -> None:
    auth = {"authorization": f"Bearer {key}"}
    body = {"input": CLEAN}
    given = httpx.post(f"{served.base_url}/v1/inspect", json=body, headers={**auth, "x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    for unsafe in (b"x" * 129, b"two words", b"<script>", "a\u00e9b".encode(), b"id;rm"):
        reply = httpx.post(f"{served.base_url}/v1/inspect", json=body, headers={**auth, "x-request-id": unsafe})
        new = reply.headers["x-request-id"]
        assert reply.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", new), unsafe
    made = httpx.post(f"{served.base_url}/v1/inspect", json=body, headers=auth).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    for path in ("/healthz", "/v1/models", "/nowhere"):
        assert httpx.get(f"{served.base_url}{path}", headers={"x-request-id": "r-1"}).headers["x-request-id"] == "r-1"

    with sqlite3.connect(served.data_dir / "audit.db") as conn:
        recorded = conn.execute(
            "SELECT request_id FROM audit_records WHERE id = ?", (given.json()["audit_id"],)
        ).fetchone()
    assert recorded == ("abc-123",)
    verify = served.cli("audit", "verify", check=False)  # the request id is part of the hashed record
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_metrics_need_the_token_when_one_is_set(served: GatewayProcess) -> None:
    assert scrape(served, token=None).status_code == 401
    assert scrape(served, token="wrong").status_code == 401
    ok = scrape(served)
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/plain")


def test_no_docs_page_loads_assets_from_a_cdn(served: GatewayProcess) -> None:
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert httpx.get(f"{served.base_url}{path}").status_code == 404
