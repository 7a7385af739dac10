"""``redact`` through the Messages and Responses doors: placeholders out, values restored in the answer.

Text and tool-call arguments alike, whole and streamed (the recording upstreams
cut their streams every 4 characters, so placeholders are split across events).
"""

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
from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.inprocess import serving
from tests.support.upstream import ECHO_MODEL, RecordingUpstream
from tests.test_routing import REDACT_POLICY

SSN = "219-09-9999"
PROMPT = f"File the form for SSN {SSN} today."


@pytest.fixture()
def gateway_redacting(
    tmp_path: Path, upstream: RecordingUpstream, anthropic_upstream: RecordingAnthropicUpstream, detector: object
) -> Iterator[tuple[str, dict[str, str]]]:
    upstream.clear()
    anthropic_upstream.clear()
    policy_dir = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICY_DIR, policy_dir)
    (policy_dir / "redacting.yaml").write_text(REDACT_POLICY)
    settings = Settings(
        data_dir=tmp_path,
        policy_dir=policy_dir,
        upstream_url=upstream.url,
        anthropic_upstream_url=anthropic_upstream.url,
    )
    services = build_services(settings, detector=detector)
    key = create_key(services.engine, "t", "redacting", [])
    with serving(create_app(services=services)) as base:
        yield base, {"Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01"}


def _events(response: httpx.Response) -> list[dict[str, object]]:
    return [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]


@pytest.mark.parametrize("model", ["echo", "echo-tool"])
@pytest.mark.parametrize("stream", [False, True])
def test_messages_redacted_upstream_and_restored(
    gateway_redacting: tuple[str, dict[str, str]],
    anthropic_upstream: RecordingAnthropicUpstream,
    model: str,
    stream: bool,
) -> None:
    base, headers = gateway_redacting
    body = {"model": model, "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": PROMPT}]}
    response = httpx.post(f"{base}/v1/messages", headers=headers, json=body, timeout=60)
    assert response.status_code == 200 and response.headers["x-gateway-decision"] == "redact"
    assert SSN.encode() not in b"".join(anthropic_upstream.raw) and b"[US_SSN_1]" in anthropic_upstream.raw[0]
    if not stream:
        block = response.json()["content"][0]
        assert (block["text"] if model == "echo" else block["input"]["text"]) == PROMPT
        return
    events = _events(response)
    assert events[0]["type"] == "message_start" and events[-1]["type"] == "message_stop"
    deltas = [e["delta"] for e in events if e["type"] == "content_block_delta"]
    if model == "echo":
        assert "".join(d["text"] for d in deltas) == PROMPT  # type: ignore[index]
    else:
        assert json.loads("".join(d["partial_json"] for d in deltas)) == {"text": PROMPT}  # type: ignore[index]
    stops = [i for i, e in enumerate(events) if e["type"] == "content_block_stop"]
    assert all(i < stops[0] for i, e in enumerate(events) if e["type"] == "content_block_delta")


@pytest.mark.parametrize("stream", [False, True])
def test_responses_redacted_upstream_and_restored(
    gateway_redacting: tuple[str, dict[str, str]], upstream: RecordingUpstream, stream: bool
) -> None:
    base, headers = gateway_redacting
    body = {"model": ECHO_MODEL, "input": PROMPT, "stream": stream}
    response = httpx.post(f"{base}/v1/responses", headers=headers, json=body, timeout=60)
    assert response.status_code == 200 and response.headers["x-gateway-decision"] == "redact"
    assert SSN.encode() not in b"".join(upstream.raw)
    if not stream:
        assert response.json()["output"][0]["content"][0]["text"] == PROMPT
        return
    events = _events(response)
    text = "".join(str(e["delta"]) for e in events if e["type"] == "response.output_text.delta")
    assert text == PROMPT
    done = next(e for e in events if e["type"] == "response.completed")
    assert done["response"]["output"][0]["content"][0]["text"] == PROMPT  # type: ignore[index]
