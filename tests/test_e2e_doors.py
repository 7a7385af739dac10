"""The other OpenAI doors through the real SDK and server: Responses (Codex CLI), embeddings, completions.

For each, the four outcomes: allowed requests reach the recording upstream byte
for byte, patient data is answered locally in the door's own format, a card
number is blocked, and nothing kept local or blocked reaches the upstream.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from tests.support.server import GatewayProcess
from tests.support.upstream import REPLY_TEXT, RecordingUpstream

CLEAN = "Write a haiku about autumn leaves falling in a quiet park."
PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962: draft a discharge summary."
CARD = "Refund the copay to card 4111 1111 1111 1111, it was charged twice."
SSN = "219-09-9999"


@pytest.fixture(scope="module")
def key(gateway: GatewayProcess) -> str:
    return gateway.create_key("codex", "healthcare")


@pytest.fixture(autouse=True)
def _fresh(upstream: RecordingUpstream) -> Iterator[None]:
    upstream.clear()
    yield


# ---- Responses ------------------------------------------------------------------------------


def test_responses_allowed_reach_the_upstream_byte_for_byte(
    client: OpenAI, upstream: RecordingUpstream, sent: list[httpx.Request]
) -> None:
    raw = client.responses.with_raw_response.create(model="gpt-5-codex", input=CLEAN, instructions="Be brief.")
    assert raw.headers["x-gateway-decision"] == "allow" and raw.headers["x-gateway-route"] == "upstream"
    assert raw.parse().output_text == REPLY_TEXT
    assert upstream.raw == [sent[-1].content]


def test_responses_kept_local_are_answered_in_responses_format(client: OpenAI, upstream: RecordingUpstream) -> None:
    raw = client.responses.with_raw_response.create(model="gpt-5-codex", input=PATIENT, max_output_tokens=8)
    response = raw.parse()
    assert raw.headers["x-gateway-decision"] == "route_local" and raw.headers["x-gateway-route"] == "local"
    assert response.object == "response" and response.status == "completed"
    assert response.model.startswith("SmolLM2") and isinstance(response.output_text, str)
    assert upstream.raw == []


def test_responses_with_a_card_are_blocked(client: OpenAI, upstream: RecordingUpstream) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.responses.create(model="gpt-5-codex", input=CARD)
    assert caught.value.response.json()["error"]["code"] == "blocked_by_policy"
    assert upstream.raw == []


@pytest.mark.parametrize(("text", "route"), [(CLEAN, "upstream"), (PATIENT, "local")])
def test_responses_stream_in_their_own_events(
    client: OpenAI, upstream: RecordingUpstream, text: str, route: str
) -> None:
    with client.responses.stream(model="gpt-5-codex", input=text, max_output_tokens=8) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    assert final.status == "completed"
    if route == "upstream":
        assert final.output_text == REPLY_TEXT and len(upstream.raw) == 1
    else:
        assert upstream.raw == []
        assert final.usage is not None and final.usage.input_tokens > 5 and final.usage.output_tokens >= 1


# What Codex CLI sends (its published Responses requests): developer instructions, a long list of
# input items with function calls and their outputs, encrypted reasoning, tools with JSON schemas.
def codex_turn(tool_output: str, *, reasoning: bool = False) -> dict[str, Any]:
    items: list[dict[str, Any]] = [
        {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "<permissions>" * 40}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Fix the failing test."}]},
        {"type": "function_call", "call_id": "call_1", "name": "shell",
         "arguments": json.dumps({"command": ["bash", "-lc", "pytest -q"]})},
        {"type": "function_call_output", "call_id": "call_1", "output": tool_output},
    ]  # fmt: skip
    if reasoning:
        items.insert(2, {"type": "reasoning", "id": "rs_1", "summary": [],
                         "encrypted_content": "gAAAAABo" + "Zm9vYmFy" * 40})  # fmt: skip
    return {
        "model": "gpt-5-codex",
        "instructions": "You are Codex, based on GPT-5. You are running as a coding agent in the Codex CLI. " * 30,
        "input": items,
        "tools": [{"type": "function", "name": "shell", "description": "Runs a shell command and returns its output.",
                   "strict": False, "parameters": {"type": "object", "properties": {
                       "command": {"type": "array", "items": {"type": "string"}}}, "required": ["command"]}}],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "reasoning": {"effort": "medium", "summary": "auto"},
        "store": False,
        "stream": False,
        "include": ["reasoning.encrypted_content"],
        "prompt_cache_key": "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("tool_output", "reasoning", "decision"),
    [
        ("FAILED test_totals.py::test_rounding - 1 failed, 12 passed in 0.42s", False, "allow"),
        (f"AssertionError: employee SSN {SSN} was not masked in the export", False, "route_local"),
        ("FAILED test_totals.py::test_rounding - 1 failed, 12 passed in 0.42s", True, "route_local"),  # reasoning
    ],
)
def test_codex_turns_are_inspected(
    gateway: GatewayProcess, key: str, upstream: RecordingUpstream, tool_output: str, reasoning: bool, decision: str
) -> None:
    body = json.dumps(codex_turn(tool_output, reasoning=reasoning)).encode()
    response = httpx.post(
        f"{gateway.base_url}/v1/responses", headers={"Authorization": f"Bearer {key}"}, content=body, timeout=120
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-gateway-decision"] == decision
    assert upstream.raw == ([body] if decision == "allow" else [])


def test_previous_response_id_on_the_local_route_is_refused_clearly(
    client: OpenAI, upstream: RecordingUpstream
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.responses.create(model="gpt-5-codex", input=PATIENT, previous_response_id="resp_123")
    assert "previous_response_id" in caught.value.response.json()["error"]["message"]
    assert upstream.raw == []


# ---- Embeddings -----------------------------------------------------------------------------


def test_embeddings_allowed_go_upstream(client: OpenAI, upstream: RecordingUpstream, sent: list[httpx.Request]) -> None:
    raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input=[CLEAN, "second"])
    assert raw.headers["x-gateway-decision"] == "allow" and len(raw.parse().data) == 2
    assert upstream.raw == [sent[-1].content]


def test_embeddings_of_patient_documents_are_made_locally(client: OpenAI, upstream: RecordingUpstream) -> None:
    raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input=[CLEAN, PATIENT])
    embedded = raw.parse()
    assert raw.headers["x-gateway-decision"] == "route_local" and raw.headers["x-gateway-route"] == "local"
    assert len(embedded.data) == 2 and len(embedded.data[0].embedding) > 100
    assert upstream.raw == []


def test_embeddings_with_a_card_are_blocked(client: OpenAI, upstream: RecordingUpstream) -> None:
    with pytest.raises(openai.PermissionDeniedError):
        client.embeddings.create(model="text-embedding-3-small", input=CARD)
    assert upstream.raw == []


def test_token_id_embeddings_cannot_be_read_and_stay_local(
    gateway: GatewayProcess, key: str, upstream: RecordingUpstream
) -> None:
    response = httpx.post(
        f"{gateway.base_url}/v1/embeddings",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "text-embedding-3-small", "input": [[9906, 1917]]},
        timeout=60,
    )
    assert response.status_code == 503 and response.json()["error"]["code"] == "local_embeddings_unavailable"
    assert response.headers["x-gateway-decision"] == "route_local"
    assert upstream.raw == []


# ---- Legacy completions ---------------------------------------------------------------------


def test_completions_on_every_route(client: OpenAI, upstream: RecordingUpstream, sent: list[httpx.Request]) -> None:
    allowed = client.completions.with_raw_response.create(model="gpt-3.5-turbo-instruct", prompt=CLEAN)
    assert allowed.headers["x-gateway-decision"] == "allow" and allowed.parse().choices[0].text == REPLY_TEXT
    assert upstream.raw == [sent[-1].content]
    upstream.clear()
    local = client.completions.with_raw_response.create(model="gpt-3.5-turbo-instruct", prompt=PATIENT, max_tokens=8)
    assert local.headers["x-gateway-route"] == "local" and local.parse().object == "text_completion"
    chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt=PATIENT, max_tokens=8, stream=True))
    assert chunks and all(c.object == "text_completion" for c in chunks)
    with pytest.raises(openai.PermissionDeniedError):
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt=CARD)
    assert upstream.raw == []
