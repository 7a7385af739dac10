"""The official ``anthropic`` SDK (and Claude Code's request shapes) against the real gateway process.

The Anthropic upstream is a real loopback server that records what it
receives, so each test asserts what reached it and what never did.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import httpx2
import pytest

from tests.support.anthropic_upstream import REPLY_TEXT, RecordingAnthropicUpstream
from tests.support.server import GatewayProcess

CLEAN = "Write a haiku about autumn leaves falling in a quiet park."
PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962: draft a discharge summary."
CARD = "Refund the copay to card 4111 1111 1111 1111, it was charged twice."
SSN = "219-09-9999"

# What Claude Code sends (its published request format): a long system prompt in text blocks with
# cache control, tool definitions with JSON schemas, tool_use / tool_result turns, the beta header.
CLAUDE_CODE_SYSTEM = [
    {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
    {
        "type": "text",
        "text": "You are an interactive CLI tool that helps users with software engineering tasks. " * 60
        + "\nWorking directory: /home/dev/project\nIs directory a git repo: Yes\nPlatform: linux",
        "cache_control": {"type": "ephemeral"},
    },
]
CLAUDE_CODE_TOOLS = [
    {
        "name": "Bash",
        "description": "Executes a given bash command in a persistent shell session with optional timeout.",
        "input_schema": {
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "The command to execute"},
                "timeout": {"type": "number", "description": "Optional timeout in milliseconds (max 600000)"},
            },
            "required": ["command"],
            "additionalProperties": False,
            "$schema": "http://json-schema.org/draft-07/schema#",
        },
    },
    {
        "name": "Read",
        "description": "Reads a file from the local filesystem.",
        "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]},
    },
]


def claude_code_turn(tool_output: str) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-5",
        "max_tokens": 32000,
        "system": CLAUDE_CODE_SYSTEM,
        "tools": CLAUDE_CODE_TOOLS,
        "metadata": {"user_id": "user_3f2a_account_9c1e_session_7b4d"},
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "Why does the test suite fail?"}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "Let me run the tests."},
                {"type": "tool_use", "id": "toolu_01A", "name": "Bash", "input": {"command": "pytest -x -q"}},
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": tool_output},
            ]},
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def key(gateway: GatewayProcess) -> str:
    return gateway.create_key("claude-code", "healthcare")


@pytest.fixture()
def client(gateway: GatewayProcess, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0)


@pytest.fixture(autouse=True)
def _fresh(anthropic_upstream: RecordingAnthropicUpstream) -> Iterator[None]:
    anthropic_upstream.clear()
    yield


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_a_clean_message_reaches_the_upstream_byte_for_byte_with_its_headers(
    gateway: GatewayProcess, key: str, anthropic_upstream: RecordingAnthropicUpstream
) -> None:
    sent: list[httpx2.Request] = []
    http = httpx2.Client(event_hooks={"request": [sent.append]})  # the SDK's own HTTP library
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key=key, max_retries=0, http_client=http)
    raw = client.messages.with_raw_response.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=_user(CLEAN), extra_headers={"anthropic-beta": "x-1"}
    )
    message = raw.parse()
    assert raw.headers["x-gateway-decision"] == "allow" and raw.headers["x-gateway-route"] == "upstream"
    assert message.content[0].text == REPLY_TEXT
    assert anthropic_upstream.raw == [sent[-1].content]
    headers = anthropic_upstream.headers[-1]
    assert headers["anthropic-version"] == sent[-1].headers["anthropic-version"] and headers["anthropic-beta"] == "x-1"
    assert headers["x-api-key"] == "sk-ant-upstream-test"  # the gateway's key upstream, never the client's


def test_patient_data_is_answered_locally_in_messages_format(
    client: anthropic.Anthropic, anthropic_upstream: RecordingAnthropicUpstream
) -> None:
    raw = client.messages.with_raw_response.create(model="claude-sonnet-4-5", max_tokens=8, messages=_user(PATIENT))
    message = raw.parse()
    assert raw.headers["x-gateway-decision"] == "route_local" and raw.headers["x-gateway-route"] == "local"
    assert message.type == "message" and message.role == "assistant" and message.model.startswith("SmolLM2")
    assert message.content[0].type == "text" and message.stop_reason in {"end_turn", "max_tokens"}
    assert anthropic_upstream.raw == []


def test_a_card_number_is_blocked_in_anthropics_error_shape(
    client: anthropic.Anthropic, anthropic_upstream: RecordingAnthropicUpstream
) -> None:
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=8, messages=_user(CARD))
    body = caught.value.response.json()
    assert body["type"] == "error" and body["error"]["type"] == "permission_error"
    assert body["error"]["rule_ids"] == ["pci-pan-block"] and body["error"]["audit_id"]
    assert "4111" not in body["error"]["message"]
    assert anthropic_upstream.raw == []


@pytest.mark.parametrize(("text", "route"), [(CLEAN, "upstream"), (PATIENT, "local")])
def test_streaming_in_messages_events(
    client: anthropic.Anthropic, anthropic_upstream: RecordingAnthropicUpstream, text: str, route: str
) -> None:
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=8, messages=_user(text)) as stream:
        names = [event.type for event in stream]
        final = stream.get_final_message()
    assert names[0] == "message_start" and names[-1] == "message_stop"
    assert "content_block_delta" in names or route == "local"
    assert final.role == "assistant" and final.content[0].type == "text"
    assert len(anthropic_upstream.raw) == (1 if route == "upstream" else 0)
    if route == "local":  # the local model's own count of the prompt and the answer, at the stream's end
        assert final.usage.input_tokens > 20 and final.usage.output_tokens >= 1


def test_bearer_tokens_work_as_claude_code_sends_them(gateway: GatewayProcess, key: str) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, auth_token=key, max_retries=0)
    assert client.messages.create(model="claude-sonnet-4-5", max_tokens=8, messages=_user(CLEAN)).content


def test_an_unknown_key_gets_anthropics_authentication_error(gateway: GatewayProcess) -> None:
    client = anthropic.Anthropic(base_url=gateway.base_url, api_key="gw-unknown", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=8, messages=_user(CLEAN))
    assert caught.value.response.json()["error"]["type"] == "authentication_error"


def test_a_bad_body_gets_anthropics_invalid_request_error(client: anthropic.Anthropic) -> None:
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=0, messages=_user(CLEAN))
    body = caught.value.response.json()
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in body["error"]["message"]


@pytest.mark.parametrize(("text", "expected"), [(CLEAN, 42), (PATIENT, None)])
def test_count_tokens_is_inspected_like_a_message(
    client: anthropic.Anthropic, anthropic_upstream: RecordingAnthropicUpstream, text: str, expected: int | None
) -> None:
    raw = client.messages.with_raw_response.count_tokens(model="claude-sonnet-4-5", messages=_user(text))
    counted = raw.parse()
    if expected is None:  # kept local: counted here, never sent
        assert raw.headers["x-gateway-decision"] == "route_local" and counted.input_tokens > 0
        assert anthropic_upstream.raw == []
    else:
        assert counted.input_tokens == expected and anthropic_upstream.paths == ["/v1/messages/count_tokens"]


@pytest.mark.parametrize(
    ("tool_output", "decision"),
    [
        ("3 passed, 1 failed: test_discharge.py::test_summary AssertionError", "allow"),
        (f"FAILED test_payroll.py - employee SSN {SSN} was not masked", "route_local"),
    ],
)
def test_claude_code_turns_with_tool_results_are_inspected(
    gateway: GatewayProcess, key: str, anthropic_upstream: RecordingAnthropicUpstream, tool_output: str, decision: str
) -> None:
    body = claude_code_turn(tool_output)
    response = httpx.post(
        f"{gateway.base_url}/v1/messages",
        headers={"Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01",
                 "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14"},
        content=json.dumps(body),
        timeout=120,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.headers["x-gateway-decision"] == decision
    if decision == "allow":
        assert anthropic_upstream.raw == [json.dumps(body).encode()]
        assert anthropic_upstream.headers[-1]["anthropic-beta"].startswith("claude-code-20250219")
    else:
        assert anthropic_upstream.raw == [] and response.json()["type"] == "message"


def test_signed_and_redacted_thinking(
    gateway: GatewayProcess, key: str, anthropic_upstream: RecordingAnthropicUpstream
) -> None:
    thinking = {"type": "thinking", "thinking": "The user wants a haiku.", "signature": "EqQBCkgIARABGAIiQL" * 4}
    opaque = {
        "type": "redacted_thinking",
        "data": "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP" * 3,
    }
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    for blocks, decision in (([thinking], "allow"), ([opaque], "route_local")):
        anthropic_upstream.clear()
        turns = [
            {"role": "user", "content": CLEAN},
            {"role": "assistant", "content": [*blocks, {"type": "text", "text": "ok"}]},
            {"role": "user", "content": "Another, please."},
        ]
        body = {"model": "claude-sonnet-4-5", "max_tokens": 8, "messages": turns}
        response = httpx.post(f"{gateway.base_url}/v1/messages", headers=headers, content=json.dumps(body), timeout=120)
        assert response.headers["x-gateway-decision"] == decision, blocks[0]["type"]
        if decision == "allow":  # a signed block reaches the upstream byte for byte
            assert anthropic_upstream.raw == [json.dumps(body).encode()]
        else:  # an opaque one is unscannable: kept local by the bundled policy
            assert anthropic_upstream.raw == []


def test_models_are_listed_for_both_sdks(client: anthropic.Anthropic, gateway: GatewayProcess, key: str) -> None:
    import openai

    anthropic_ids = [m.id for m in client.models.list()]
    openai_ids = [m.id for m in openai.OpenAI(base_url=f"{gateway.base_url}/v1", api_key=key).models.list()]
    assert anthropic_ids == openai_ids and anthropic_ids[0].startswith("SmolLM2")
