"""Parse stage: what text is inspected for each message, and clear errors for bad bodies."""

from __future__ import annotations

import json

import pytest

from gateway.errors import InvalidRequest
from gateway.pipeline.parse import message_text, parse_chat, parse_inspect, text_segments


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ({"role": "user", "content": "plain"}, "plain"),
        ({"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {}}]}, "a"),
        ({"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}, "a\nb"),
        (
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"function": {"name": "f", "arguments": '{"x": 1}'}}],
            },
            '{"x": 1}',
        ),
        (
            {"role": "assistant", "content": "c", "tool_calls": [{"function": {"name": "f", "arguments": "{}"}}]},
            "c\n{}",
        ),
        ({"role": "tool", "content": "result"}, "result"),
        ({"role": "assistant"}, ""),
    ],
)
def test_message_text_covers_every_kind_of_content(message: dict[str, object], text: str) -> None:
    assert message_text(message) == text


def test_segments_name_where_each_text_lives() -> None:
    message = {"role": "user", "content": [{"type": "image_url"}, {"type": "text", "text": "t"}]}
    assert text_segments(message) == [(("content", 1, "text"), "t")]


def test_parse_chat_keeps_the_body_as_sent() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2, "stream": True}
    raw = json.dumps(body).encode()
    chat = parse_chat(raw)
    assert chat.body == body and chat.stream and chat.model == "gpt-4o"
    assert [(m.index, m.role, m.text) for m in chat.messages] == [(0, "user", "hi")]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (b'"text"', "JSON object"),
        (b'{"model": "m", "messages": "hi"}', "messages"),
        (b'{"model": "m", "messages": [{"content": "x"}]}', "messages.0.role: field required"),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": [{"text": "x"}]}]}',
            "content.0.type: field required",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": 5}]}',
            "content: wrong type: expected a list of content parts or a string",
        ),
        (b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": "yes"}', "stream"),
    ],
)
def test_bad_chat_bodies_say_what_is_wrong(raw: bytes, says: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        parse_chat(raw)
    assert says in caught.value.message


def test_inspect_takes_input_or_messages() -> None:
    assert parse_inspect(b'{"input": "x"}').messages[0].text == "x"
    assert parse_inspect(b'{"policy": "p", "messages": [{"role": "user", "content": "y"}]}').policy == "p"
    with pytest.raises(InvalidRequest, match="exactly one"):
        parse_inspect(b"{}")
    with pytest.raises(InvalidRequest, match="colour: Extra inputs are not permitted"):
        parse_inspect(b'{"input": "x", "colour": "red"}')
