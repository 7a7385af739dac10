"""Where requests go: local when no upstream is configured, and the ``redact`` action."""

from __future__ import annotations

import base64
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
from tests.support import files
from tests.support.inprocess import serving
from tests.support.upstream import ECHO_MODEL, TOOL_ECHO_MODEL, RecordingUpstream

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


def _everywhere() -> dict[str, object]:
    """A request with the SSN in a message, a tool definition, a metadata key and a base64 text file."""
    file_data = files.data_uri("text/plain", f"HR note: SSN {SSN} on file.".encode())
    return {
        "model": TOOL_ECHO_MODEL,
        "messages": [
            {"role": "user", "content": [{"type": "file", "file": {"filename": "n.txt", "file_data": file_data}}]},
            {"role": "user", "content": f"Record SSN {SSN} please."},
        ],
        "tools": [{"type": "function", "function": {"name": "record", "description": f"Stores SSN {SSN} and others."}}],
        "metadata": {f"SSN {SSN}": "x"},
    }


def test_redact_covers_every_location_and_restores_tool_call_arguments(
    redacting: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = redacting
    response = post_chat(base, key, _everywhere())
    assert response.status_code == 200 and response.headers["x-gateway-decision"] == "redact"
    [raw] = fresh_upstream.raw
    sent = json.loads(raw)
    assert SSN not in raw.decode()
    assert sent["tools"][0]["function"]["description"] == "Stores SSN [US_SSN_1] and others."
    assert list(sent["metadata"]) == ["SSN [US_SSN_1]"]
    file_text = base64.b64decode(sent["messages"][0]["content"][0]["file"]["file_data"].split(",", 1)[1]).decode()
    assert SSN not in file_text and "[US_SSN_1]" in file_text
    # The upstream called its tool with the placeholder; the agent receives the real value to act on.
    [call] = response.json()["choices"][0]["message"]["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"text": f"Record SSN {SSN} please."}


def test_redact_restores_tool_call_arguments_in_a_stream(
    redacting: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = redacting
    body = {**_everywhere(), "stream": True}
    with httpx.stream(
        "POST", f"{base}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=60
    ) as response:
        events = [e for e in response.read().decode().split("\n\n") if e.startswith("data: {")]
    arguments = ""
    for event in events:
        for call in json.loads(event[6:])["choices"][0]["delta"].get("tool_calls") or []:
            arguments += call["function"].get("arguments", "")
    assert json.loads(arguments) == {"text": f"Record SSN {SSN} please."}
    assert SSN.encode() not in b"".join(fresh_upstream.raw)


def test_a_finding_in_pdf_text_cannot_be_redacted_so_it_stays_local(
    redacting: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = redacting
    pdf = files.data_uri("application/pdf", files.pdf(f"Employee SSN {SSN}"))
    parts = [{"type": "text", "text": "Summarise."}, {"type": "file", "file": {"filename": "a.pdf", "file_data": pdf}}]
    response = post_chat(
        base, key, {"model": "gpt-4o", "max_tokens": 1, "messages": [{"role": "user", "content": parts}]}
    )
    assert response.status_code == 200
    assert response.headers["x-gateway-decision"] == "route_local"
    assert fresh_upstream.raw == []


UNSCANNABLE_BLOCK = """\
name: strict
unscannable: block
rules:
  - id: ssn-local
    action: route_local
    when: {any: [US_SSN]}
    reason: "SSNs stay on premises."
    regulation: "Operator choice"
"""

UNREADABLE_PARTS = {
    "PNG": {"type": "image_url", "image_url": {"url": files.data_uri("image/png", files.png())}},
    "WAV": {"type": "input_audio", "input_audio": {"data": files.b64(files.wav(0.2)), "format": "wav"}},
    "PDF without text": {"type": "file", "file": {"file_data": files.data_uri("application/pdf", files.pdf(None))}},
}


@pytest.fixture()
def strict(tmp_path: Path, fresh_upstream: RecordingUpstream, detector: object) -> Iterator[tuple[str, str]]:
    policy_dir = tmp_path / "policies"
    policy_dir.mkdir()
    (policy_dir / "strict.yaml").write_text(UNSCANNABLE_BLOCK)
    settings = Settings(data_dir=tmp_path, policy_dir=policy_dir, upstream_url=fresh_upstream.url)
    services = build_services(settings, detector=detector)
    key = create_key(services.engine, "t", "strict", [])
    with serving(create_app(services=services)) as base:
        yield base, key


@pytest.mark.parametrize("name", UNREADABLE_PARTS)
def test_a_policy_may_block_what_cannot_be_read(
    name: str, strict: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = strict
    message = {"role": "user", "content": [{"type": "text", "text": "What is this?"}, UNREADABLE_PARTS[name]]}
    response = post_chat(base, key, {"model": "gpt-4o", "messages": [message]})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["rule_ids"] == ["unscannable-content"] and "cannot read" in error["message"]
    assert fresh_upstream.raw == []


def test_a_pdf_with_text_is_read_under_the_blocking_policy(
    strict: tuple[str, str], fresh_upstream: RecordingUpstream
) -> None:
    base, key = strict
    pdf = {"type": "file", "file": {"file_data": files.data_uri("application/pdf", files.pdf("Quarterly figures."))}}
    response = post_chat(base, key, {"model": "gpt-4o", "messages": [{"role": "user", "content": [pdf]}]})
    assert response.status_code == 200 and response.headers["x-gateway-decision"] == "allow"
    assert len(fresh_upstream.raw) == 1
