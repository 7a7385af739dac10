"""Where requests go: local when no upstream is configured, and the ``redact`` action."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.keys import create_key
from gateway.services import build_services
from gateway.settings import BUNDLED_POLICY_DIR, Settings
from tests.support.inprocess import serving
from tests.support.upstream import ECHO_MODEL, RecordingUpstream

SSN = "219-09-9999"
PROMPT = f"Please check the payroll entry for SSN {SSN} and for SSN 536-22-8726 again."

REDACT_POLICY = """\
name: redacting
rules:
  - id: ssn-redact
    action: redact
    when: {any: [US_SSN]}
    reason: "SSNs are replaced by placeholders before the cloud sees the prompt."
    regulation: "Operator choice"
  - id: card-block
    action: block
    when: {any: [CREDIT_CARD]}
    reason: "No card numbers."
    regulation: "PCI DSS"
"""


@pytest.fixture()
def fresh_upstream(upstream: RecordingUpstream) -> Iterator[RecordingUpstream]:
    upstream.clear()
    yield upstream


def post_chat(base: str, key: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{base}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=120)


def test_without_an_upstream_allowed_requests_are_answered_locally(tmp_path: Path, detector: object) -> None:
    services = build_services(Settings(data_dir=tmp_path), detector=detector)
    key = create_key(services.engine, "t", "general", [])
    with serving(create_app(services=services)) as base:
        response = post_chat(
            base, key, {"model": "gpt-4o", "messages": [{"role": "user", "content": "Say hello."}], "max_tokens": 8}
        )
    assert response.status_code == 200
    assert response.headers["x-gateway-decision"] == "allow"
    assert response.headers["x-gateway-route"] == "local"
    assert response.json()["model"].startswith("SmolLM2")


@pytest.fixture()
def redacting(tmp_path: Path, fresh_upstream: RecordingUpstream, detector: object) -> Iterator[tuple[str, str]]:
    policy_dir = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICY_DIR, policy_dir)
    (policy_dir / "redacting.yaml").write_text(REDACT_POLICY)
    settings = Settings(data_dir=tmp_path, policy_dir=policy_dir, upstream_url=fresh_upstream.url)
    services = build_services(settings, detector=detector)
    key = create_key(services.engine, "t", "redacting", [])
    with serving(create_app(services=services)) as base:
        yield base, key


def test_redact_sends_placeholders_and_restores_the_answer(
    redacting: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = redacting
    response = post_chat(base, key, {"model": ECHO_MODEL, "messages": [{"role": "user", "content": PROMPT}]})
    assert response.status_code == 200
    assert response.headers["x-gateway-decision"] == "redact"
    assert response.headers["x-gateway-route"] == "upstream"
    sent = fresh_upstream.requests[0]["messages"][0]["content"]
    assert sent == "Please check the payroll entry for SSN [US_SSN_1] and for SSN [US_SSN_2] again."
    assert SSN.encode() not in fresh_upstream.raw[0]
    assert response.json()["choices"][0]["message"]["content"] == PROMPT


def test_redact_restores_placeholders_split_across_stream_chunks(
    redacting: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = redacting
    body = {"model": ECHO_MODEL, "messages": [{"role": "user", "content": PROMPT}], "stream": True}
    with httpx.stream(
        "POST", f"{base}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=60
    ) as response:
        events = [e for e in response.read().decode().split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    text = "".join(
        json.loads(e[6:])["choices"][0]["delta"].get("content") or "" for e in events[:-1] if e.startswith("data: {")
    )
    assert text == PROMPT
    assert SSN.encode() not in b"".join(fresh_upstream.raw)


def test_redact_covers_content_parts(redacting: tuple[str, str], fresh_upstream: RecordingUpstream) -> None:
    base, key = redacting
    parts = [{"type": "text", "text": "First part."}, {"type": "text", "text": f"Employee SSN {SSN} here."}]
    response = post_chat(base, key, {"model": "gpt-4o", "messages": [{"role": "user", "content": parts}]})
    assert response.status_code == 200
    sent = fresh_upstream.requests[0]["messages"][0]["content"]
    assert sent == [{"type": "text", "text": "First part."}, {"type": "text", "text": "Employee SSN [US_SSN_1] here."}]
