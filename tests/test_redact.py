"""The ``redact`` action at every location a value can sit, and placeholders restored in every answer field."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

from gateway.pipeline import content
from gateway.pipeline.redact import Redaction, redact_request
from gateway.types import Finding, Part
from gateway.wire import chat
from tests.support import files

SSN = "219-09-9999"
MAIL = "ana.lima@example.org"
FILE = files.data_uri("text/plain", f"mail {MAIL}".encode())


def _finding(segments: list, path: str, part: Part, value: str, entity: str) -> Finding:  # type: ignore[type-arg]
    [segment] = [s for s in segments if (s.path, s.part) == (path, part)]
    start = segment.text.index(value)
    return Finding(entity, segment.index, start, start + len(value), 0.9, "test", path, part)


def test_every_location_is_redacted_and_nothing_else_changes() -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": f"ssn {SSN}"},
                                         {"type": "file", "file": {"file_data": FILE}}]},
        ],
        "tools": [{"type": "function", "function": {"name": "f", "description": f"write to {MAIL}"}}],
        "metadata": {f"case {SSN}": f"{SSN}"},
    }  # fmt: skip
    segments, _ = content.expand(list(chat.place_all(body)))
    findings = [
        _finding(segments, "/messages/0/content/0/text", Part.VALUE, SSN, "US_SSN"),
        _finding(segments, "/messages/0/content/1/file/file_data", Part.DECODED, MAIL, "EMAIL_ADDRESS"),
        _finding(segments, "/tools/0/function/description", Part.VALUE, MAIL, "EMAIL_ADDRESS"),
        _finding(segments, f"/metadata/case {SSN}", Part.KEY, SSN, "US_SSN"),
        _finding(segments, f"/metadata/case {SSN}", Part.VALUE, SSN, "US_SSN"),
    ]
    redacted, redaction = redact_request(body, segments, findings)
    assert SSN not in json.dumps(redacted) and MAIL not in json.dumps(redacted)
    assert redacted["messages"][0]["content"][0]["text"] == "ssn [US_SSN_1]"
    file_data = redacted["messages"][0]["content"][1]["file"]["file_data"]
    assert base64.b64decode(file_data.split(",", 1)[1]).decode() == "mail [EMAIL_ADDRESS_1]"
    assert redacted["tools"][0]["function"]["description"] == "write to [EMAIL_ADDRESS_1]"
    assert redacted["metadata"] == {"case [US_SSN_1]": "[US_SSN_1]"}
    assert redaction.values == {"[US_SSN_1]": SSN, "[EMAIL_ADDRESS_1]": MAIL}
    assert body["metadata"] == {f"case {SSN}": SSN}  # the original is not touched


def _redaction() -> Redaction:
    redaction = Redaction()
    redaction.placeholder("US_SSN", SSN)
    redaction.placeholder("PERSON", 'Ana "AL" Lima')
    return redaction


ARGUMENTS = '{"ssn": "[US_SSN_1]", "who": "[PERSON_1]"}'


def test_a_whole_answer_is_restored_in_content_and_tool_call_arguments() -> None:
    answer = {
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Filed [US_SSN_1].",
                    "tool_calls": [{"id": "c", "type": "function",
                                    "function": {"name": "file", "arguments": ARGUMENTS}}],
                },
            }
        ]
    }  # fmt: skip
    restored = _redaction().restore_completion(answer)
    message = restored["choices"][0]["message"]
    assert message["content"] == f"Filed {SSN}."
    assert json.loads(message["tool_calls"][0]["function"]["arguments"]) == {"ssn": SSN, "who": 'Ana "AL" Lima'}


def _event(delta: dict[str, object], finish: str | None = None) -> bytes:
    event = {"id": "s", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(event)}\n\n".encode()


async def _chunks(events: list[bytes]) -> AsyncIterator[bytes]:
    for event in events:
        for i in range(0, len(event), 7):  # events themselves arrive cut anywhere
            yield event[i : i + 7]


def _replay(events: list[bytes]) -> tuple[str, dict[int, str]]:
    async def collect() -> list[bytes]:
        return [chunk async for chunk in _redaction().restore_stream(_chunks(events))]

    text, calls = "", {}
    for raw in b"".join(asyncio.run(collect())).split(b"\n\n"):
        if not raw.startswith(b"data: {"):
            continue
        delta = json.loads(raw[6:])["choices"][0]["delta"]
        text += delta.get("content") or ""
        for call in delta.get("tool_calls") or []:
            calls[call["index"]] = calls.get(call["index"], "") + call["function"].get("arguments", "")
    return text, calls


def test_a_stream_is_restored_when_placeholders_are_split_across_chunks() -> None:
    events = [
        _event({"role": "assistant", "content": "ssn [US_"}),
        _event({"content": "SSN_1] ok [PER"}),
        _event({"tool_calls": [{"index": 0, "id": "c", "function": {"name": "f", "arguments": '{"s": "[US_S'}}]}),
        _event({"tool_calls": [{"index": 0, "function": {"arguments": 'SN_1]", "p": "[PERSON_1'}}]}),
        _event({"tool_calls": [{"index": 0, "function": {"arguments": ']"}'}}]}),
        _event({"content": "SON_1]"}),
        _event({}, "stop"),
        b"data: [DONE]\n\n",
    ]
    text, calls = _replay(events)
    assert text == f'ssn {SSN} ok Ana "AL" Lima'
    assert json.loads(calls[0]) == {"s": SSN, "p": 'Ana "AL" Lima'}


def test_a_held_back_tail_is_sent_before_the_choice_finishes() -> None:
    events = [_event({"content": "price [1"}), _event({}, "stop"), b"data: [DONE]\n\n"]
    text, _ = _replay(events)
    assert text == "price [1"


def test_a_value_in_a_member_name_is_masked_in_every_path_shown() -> None:
    from gateway.pipeline.inspection import masked_paths

    path = f"/metadata/case {SSN}"
    findings = [
        Finding("US_SSN", None, 5, 16, 0.9, "t", path, Part.KEY),
        Finding("EMAIL_ADDRESS", None, 0, 5, 0.9, "t", path + "/to", Part.VALUE),
    ]
    shown = [f.as_dict()["path"] for f in masked_paths(findings)]
    assert shown == ["/metadata/case [US_SSN]", "/metadata/case [US_SSN]/to"]
    assert [f.path for f in masked_paths(findings)] == [path, path + "/to"]  # redaction still finds the string
