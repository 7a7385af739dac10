"""The official ``openai`` SDK against the real gateway process, for all four outcomes.

The upstream is a real HTTP server on loopback that records what it receives,
so each test can assert what reached the cloud and what never did.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import httpx
import openai
import pytest
from openai import OpenAI

from tests.support.server import GatewayProcess
from tests.support.upstream import REPLY_TEXT, RecordingUpstream

CLEAN = "Write a haiku about autumn leaves falling in a quiet park."
PATIENT = (
    "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962, was admitted with chest pain. "
    "Draft a discharge summary for her cardiologist."
)
CARD = "Please refund the copay to card 4111 1111 1111 1111, it was charged twice."
AWS_KEY = "Why does boto3 reject my config? aws_access_key_id = AKIAZ7Q4M2XK9PLW3RT5 region us-east-1"


@pytest.fixture(scope="module")
def nurse_key(gateway: GatewayProcess) -> str:
    return gateway.create_key("nurse-app", "healthcare")


@pytest.fixture()
def client(gateway: GatewayProcess, nurse_key: str) -> OpenAI:
    return OpenAI(base_url=f"{gateway.base_url}/v1", api_key=nurse_key, max_retries=0)


@pytest.fixture(autouse=True)
def _fresh_upstream(upstream: RecordingUpstream) -> Iterator[None]:
    upstream.clear()
    yield


def audit_row(gateway: GatewayProcess, audit_id: str) -> sqlite3.Row:
    """The record, once its outcome is written (the gateway writes it just after sending the reply)."""
    deadline = time.monotonic() + 10
    while True:
        with sqlite3.connect(gateway.data_dir / "audit.db") as conn:
            conn.row_factory = sqlite3.Row
            row = conn.execute("SELECT * FROM audit_records WHERE id = ?", (audit_id,)).fetchone()
        assert row is not None, f"no audit record {audit_id}"
        if row["status"] != "pending" or time.monotonic() > deadline:
            return row
        time.sleep(0.05)


def test_clean_prompt_is_answered_by_the_upstream(
    client: OpenAI, upstream: RecordingUpstream, gateway: GatewayProcess
) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": CLEAN}]
    )
    completion = raw.parse()
    assert raw.headers["x-gateway-decision"] == "allow"
    assert raw.headers["x-gateway-route"] == "upstream"
    assert completion.choices[0].message.content == REPLY_TEXT
    assert len(upstream.requests) == 1
    assert upstream.requests[0]["model"] == "gpt-4o"  # forwarded unchanged
    assert upstream.requests[0]["messages"] == [{"role": "user", "content": CLEAN}]
    assert upstream.headers[0]["Authorization"] == "Bearer sk-upstream-test"
    row = audit_row(gateway, raw.headers["x-gateway-audit-id"])
    assert (row["decision"], row["route"], row["status"], row["status_code"]) == ("allow", "upstream", "ok", 200)


def test_clean_prompt_streams_from_the_upstream(client: OpenAI, upstream: RecordingUpstream) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": CLEAN}], stream=True
    )
    assert raw.headers["x-gateway-decision"] == "allow"
    text = "".join(chunk.choices[0].delta.content or "" for chunk in raw.parse() if chunk.choices)
    assert text == REPLY_TEXT
    assert len(upstream.requests) == 1 and upstream.requests[0]["stream"] is True


def test_patient_prompt_is_answered_locally_and_never_reaches_the_upstream(
    client: OpenAI, upstream: RecordingUpstream, gateway: GatewayProcess
) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": PATIENT}], max_tokens=24
    )
    completion = raw.parse()
    assert raw.headers["x-gateway-decision"] == "route_local"
    assert raw.headers["x-gateway-route"] == "local"
    assert completion.model.startswith("SmolLM2-135M-Instruct")
    assert completion.choices[0].message.content.strip()  # the real model wrote something
    assert upstream.requests == []
    row = audit_row(gateway, raw.headers["x-gateway-audit-id"])
    assert row["decision"] == "route_local" and row["status"] == "ok"
    assert "hipaa-identifiers-local" in row["rule_ids"]


def test_patient_prompt_streams_locally(client: OpenAI, upstream: RecordingUpstream) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": PATIENT}], stream=True, max_tokens=16
    )
    assert raw.headers["x-gateway-route"] == "local"
    chunks = list(raw.parse())
    assert chunks and all(c.model.startswith("SmolLM2") for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()
    assert upstream.requests == []
    assert all(c.usage is None for c in chunks)  # not asked for


def test_a_local_stream_reports_usage_when_asked(client: OpenAI, upstream: RecordingUpstream) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": PATIENT}],
            stream=True,
            max_tokens=8,
            stream_options={"include_usage": True},
        )  # fmt: skip
    )
    last = chunks[-1]
    produced = sum(1 for c in chunks if c.choices and c.choices[0].delta.content)
    assert last.choices == [] and last.usage is not None
    assert last.usage.completion_tokens == produced and last.usage.prompt_tokens > 10
    assert last.usage.total_tokens == last.usage.prompt_tokens + last.usage.completion_tokens
    assert upstream.requests == []


@pytest.mark.parametrize("stream", [False, True])
def test_raw_stream_ends_with_done(gateway: GatewayProcess, nurse_key: str, stream: bool) -> None:
    prompt = PATIENT if stream else CLEAN
    with httpx.stream(
        "POST",
        f"{gateway.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {nurse_key}"},
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], "stream": True, "max_tokens": 8},
        timeout=120,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        body = response.read().decode()
    events = [e for e in body.split("\n\n") if e.strip()]
    assert events[-1] == "data: [DONE]"
    assert all(e.startswith("data: ") for e in events)


@pytest.mark.parametrize(
    ("prompt", "rule", "entity"),
    [(CARD, "pci-pan-block", "CREDIT_CARD"), (AWS_KEY, "credentials-block", "SECRET")],
)
@pytest.mark.parametrize("stream", [False, True])
def test_card_numbers_and_cloud_keys_are_blocked(
    client: OpenAI,
    upstream: RecordingUpstream,
    gateway: GatewayProcess,
    prompt: str,
    rule: str,
    entity: str,
    stream: bool,
) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], stream=stream)
    response = caught.value.response
    assert response.status_code == 403
    assert response.headers["x-gateway-decision"] == "block"
    assert response.headers["x-gateway-route"] == "none"
    error = response.json()["error"]
    assert error["type"] == "policy_violation"
    assert error["code"] == "blocked_by_policy"
    assert error["param"] is None
    assert error["rule_ids"] == [rule]
    assert entity in error["message"] and rule in error["message"]
    assert error["audit_id"] == response.headers["x-gateway-audit-id"]
    body_without_id = response.text.replace(error["audit_id"], "")  # a random UUID may hold "4111"
    for value in ("4111", "AKIAZ7Q4M2XK9PLW3RT5"):
        assert value not in body_without_id
    assert upstream.requests == []
    row = audit_row(gateway, error["audit_id"])
    assert (row["decision"], row["route"], row["status"], row["status_code"]) == ("block", "none", "blocked", 403)


def test_models_lists_the_local_model(client: OpenAI) -> None:
    names = [m.id for m in client.models.list()]
    assert any(name.startswith("SmolLM2-135M-Instruct") for name in names)


def test_missing_or_unknown_key_is_401(gateway: GatewayProcess) -> None:
    for headers in ({}, {"Authorization": "Bearer gw-not-a-key"}):
        response = httpx.post(f"{gateway.base_url}/v1/chat/completions", headers=headers, json={}, timeout=10)
        assert response.status_code == 401
        assert response.json()["error"]["type"] == "authentication_error"


def test_a_revoked_key_is_refused(gateway: GatewayProcess) -> None:
    key = gateway.create_key("short-lived", "general")
    client = OpenAI(base_url=f"{gateway.base_url}/v1", api_key=key, max_retries=0)
    assert client.models.list().data
    gateway.cli("keys", "revoke", "--name", "short-lived")
    with pytest.raises(openai.AuthenticationError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": CLEAN}])
    assert caught.value.status_code == 401
    assert "revoked" in caught.value.response.json()["error"]["message"]
