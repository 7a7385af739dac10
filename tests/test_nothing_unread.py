"""Nothing leaves unread: a value anywhere in a chat request, through the real SDK and server.

Each request shape below carries a canary (an SSN, a card number) in one part
of the request that earlier gateways did not read. With the canary the
request never reaches the recording upstream (route_local or block); without
it, it reaches the upstream byte for byte as the SDK sent it. Images and audio
are unscannable: they stay local whatever they hold.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from tests.support import files
from tests.support.server import GatewayProcess
from tests.support.upstream import RecordingUpstream

SSN = "219-09-9999"
CARD = "4111111111111111"
USER = {"role": "user", "content": "Summarise the attached notes for the weekly report."}
PARAMETERS = {"type": "object", "properties": {"ref": {"type": "string", "description": "a reference"}}}

Shape = Callable[[str], dict[str, Any]]


def _tool(description: str = "Looks up a ticket.", default: str = "none") -> list[dict[str, Any]]:
    properties = {"ref": {"type": "string", "description": "a ticket reference", "default": default}}
    function = {
        "name": "lookup",
        "description": description,
        "parameters": {"type": "object", "properties": properties},
    }
    return [{"type": "function", "function": function}]


# Each shape puts ``v`` (a canary, or a harmless word) in one part of the request.
SHAPES: dict[str, Shape] = {
    "image_url query": lambda v: {
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe this picture."},
            {"type": "image_url", "image_url": {"url": f"https://img.example.com/scan.png?ref={v}"}},
        ]}],
    },
    "file part, base64 text file": lambda v: {
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Summarise the file."},
            {"type": "file", "file": {"filename": "notes.txt",
                                      "file_data": files.data_uri("text/plain", f"Weekly notes, ref {v}.".encode())}},
        ]}],
    },
    "tool description": lambda v: {"messages": [USER], "tools": _tool(description=f"Looks up ticket {v}.")},
    "tool parameter default": lambda v: {"messages": [USER], "tools": _tool(default=v)},
    "message name": lambda v: {"messages": [{**USER, "name": f"author {v}"}]},
    "metadata value": lambda v: {"messages": [USER], "metadata": {"ticket": f"ref {v}"}, "store": True},
    "metadata key": lambda v: {"messages": [USER], "metadata": {f"ref {v}": "yes"}, "store": True},
    "user": lambda v: {"messages": [USER], "user": v},
    "prediction": lambda v: {"messages": [USER], "prediction": {"type": "content", "content": f"Expected: {v}"}},
    "stop": lambda v: {"messages": [USER], "stop": ["END", v]},
    "response_format schema": lambda v: {
        "messages": [USER],
        "response_format": {"type": "json_schema", "json_schema": {"name": "report", "schema": {
            "type": "object", "properties": {"ref": {"type": "string", "description": f"for example {v}"}}}}},
    },
    "unknown field": lambda v: {"messages": [USER], "extra_body": {"x_trace_context": {"note": f"case {v}"}}},
    "legacy functions": lambda v: {
        "messages": [USER],
        "functions": [{"name": "lookup", "description": f"Looks up {v}.", "parameters": PARAMETERS}],
    },
    "assistant function_call": lambda v: {
        "messages": [USER, {"role": "assistant", "content": None,
                            "function_call": {"name": "lookup", "arguments": json.dumps({"ref": v})}},
                     {"role": "function", "name": "lookup", "content": "found"}],
    },
    "tool result": lambda v: {
        "messages": [USER, {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]},
                     {"role": "tool", "tool_call_id": "call_1", "content": f"ticket owner {v}"}],
        "tools": _tool(),
    },
}  # fmt: skip

HARMLESS = "ABC"


@pytest.fixture(scope="module")
def key(gateway: GatewayProcess) -> str:
    return gateway.create_key("unread-tester", "general")


@pytest.fixture(autouse=True)
def _fresh_upstream(upstream: RecordingUpstream) -> Iterator[None]:
    upstream.clear()
    yield


def _create(client: OpenAI, shape: Shape, value: str) -> Any:
    return client.chat.completions.with_raw_response.create(model="gpt-4o", max_tokens=1, **shape(value))


@pytest.mark.parametrize("name", SHAPES)
def test_without_a_canary_the_request_reaches_the_upstream_byte_for_byte(
    name: str, client: OpenAI, upstream: RecordingUpstream, sent: list[httpx.Request]
) -> None:
    raw = _create(client, SHAPES[name], HARMLESS)
    assert raw.headers["x-gateway-decision"] == "allow", name
    assert raw.headers["x-gateway-route"] == "upstream"
    assert upstream.raw == [sent[-1].content]


@pytest.mark.parametrize("name", SHAPES)
def test_an_ssn_anywhere_keeps_the_request_on_premises(name: str, client: OpenAI, upstream: RecordingUpstream) -> None:
    raw = _create(client, SHAPES[name], SSN)
    assert raw.headers["x-gateway-decision"] == "route_local", name
    assert raw.headers["x-gateway-route"] == "local"
    assert upstream.raw == []


@pytest.mark.parametrize("name", SHAPES)
def test_a_card_number_anywhere_is_blocked(name: str, client: OpenAI, upstream: RecordingUpstream) -> None:
    with pytest.raises(openai.PermissionDeniedError) as caught:
        _create(client, SHAPES[name], CARD)
    assert caught.value.response.headers["x-gateway-decision"] == "block"
    assert CARD not in caught.value.response.text
    assert upstream.raw == []


def test_inspect_findings_name_where_the_value_was(gateway: GatewayProcess, key: str) -> None:
    body = SHAPES["image_url query"](SSN)
    response = httpx.post(
        f"{gateway.base_url}/v1/inspect", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=60
    )
    [finding] = [f for f in response.json()["findings"] if f["entity_type"] == "US_SSN"]
    assert finding["path"] == "/messages/0/content/1/image_url/url" and finding["message_index"] == 0
    url = body["messages"][0]["content"][1]["image_url"]["url"]
    assert url[finding["start"] : finding["end"]] == SSN


def test_the_audit_record_names_where_the_value_was(client: OpenAI, gateway: GatewayProcess) -> None:
    raw = _create(client, SHAPES["tool description"], SSN)
    with sqlite3.connect(gateway.data_dir / "audit.db") as conn:
        [stored] = conn.execute("SELECT findings FROM audit_records WHERE id = ?", (raw.headers["x-gateway-audit-id"],))
    [finding] = [f for f in json.loads(stored[0]) if f["entity_type"] == "US_SSN"]
    assert finding["path"] == "/tools/0/function/description" and finding["message_index"] is None
    description = SHAPES["tool description"](SSN)["tools"][0]["function"]["description"]
    assert description[finding["start"] : finding["end"]] == SSN


UNSCANNABLE: dict[str, dict[str, Any]] = {
    "PNG data URI": {"type": "image_url", "image_url": {"url": files.data_uri("image/png", files.png())}},
    "WAV input_audio": {"type": "input_audio", "input_audio": {"data": files.b64(files.wav(0.2)), "format": "wav"}},
    "PDF without text": {"type": "file", "file": {"filename": "scan.pdf",
                                                 "file_data": files.data_uri("application/pdf", files.pdf(None))}},
}  # fmt: skip


@pytest.mark.parametrize("name", UNSCANNABLE)
def test_content_that_cannot_be_read_stays_on_premises(name: str, client: OpenAI, upstream: RecordingUpstream) -> None:
    message = {"role": "user", "content": [{"type": "text", "text": "What is this?"}, UNSCANNABLE[name]]}
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", max_tokens=1, messages=[message])
    assert raw.headers["x-gateway-decision"] == "route_local"
    assert raw.headers["x-gateway-route"] == "local"
    assert upstream.raw == []


@pytest.mark.parametrize(
    ("text", "decision"), [("Quarterly figures attached.", "allow"), (f"SSN {SSN}", "route_local")]
)
def test_a_pdf_with_text_is_read(text: str, decision: str, client: OpenAI, upstream: RecordingUpstream) -> None:
    part = {
        "type": "file",
        "file": {"filename": "a.pdf", "file_data": files.data_uri("application/pdf", files.pdf(text))},
    }
    message = {"role": "user", "content": [{"type": "text", "text": "Summarise."}, part]}
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", max_tokens=1, messages=[message])
    assert raw.headers["x-gateway-decision"] == decision
    assert len(upstream.raw) == (1 if decision == "allow" else 0)
