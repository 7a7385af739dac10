"""Parse stage and the chat / inspect wire formats: what is inspected, and clear errors for bad bodies."""

from __future__ import annotations

import json

import pytest

from gateway.errors import InvalidRequest
from gateway.types import Part
from gateway.wire import chat, inspect


def _texts(body: dict[str, object]) -> dict[tuple[str, str], str]:
    return {(s.path, s.part.value): s.text for s in chat.place_all(body)}


@pytest.mark.parametrize(
    ("message", "path", "text"),
    [
        ({"role": "user", "content": "plain"}, "/messages/0/content", "plain"),
        ({"role": "user", "content": [{"type": "text", "text": "a"}]}, "/messages/0/content/0/text", "a"),
        ({"role": "user", "name": "bob", "content": "x"}, "/messages/0/name", "bob"),
        (
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://h/p?q=1"}}]},
            "/messages/0/content/0/image_url/url",
            "https://h/p?q=1",
        ),
        (
            {"role": "assistant", "content": None, "tool_calls": [{"function": {"name": "f", "arguments": '{"x":1}'}}]},
            "/messages/0/tool_calls/0/function/arguments",
            '{"x":1}',
        ),
        (
            {"role": "assistant", "function_call": {"name": "f", "arguments": "a"}},
            "/messages/0/function_call/arguments",
            "a",
        ),
        ({"role": "tool", "content": "result", "tool_call_id": "c1"}, "/messages/0/tool_call_id", "c1"),
        ({"role": "user", "content": "x", "future_field": {"deep": ["v"]}}, "/messages/0/future_field/deep/0", "v"),
    ],
)
def test_every_string_of_a_message_is_a_segment(message: dict[str, object], path: str, text: str) -> None:
    assert _texts({"model": "m", "messages": [message]})[(path, "value")] == text


@pytest.mark.parametrize(
    ("extra", "path", "text"),
    [
        ({"metadata": {"note": "v"}}, "/metadata/note", "v"),
        ({"user": "u-1"}, "/user", "u-1"),
        ({"stop": ["a", "b"]}, "/stop/1", "b"),
        ({"prediction": {"type": "content", "content": "p"}}, "/prediction/content", "p"),
        ({"tools": [{"type": "function", "function": {"name": "f", "description": "d"}}]},
         "/tools/0/function/description", "d"),
        ({"functions": [{"name": "f", "parameters": {"properties": {"a": {"default": "z"}}}}]},
         "/functions/0/parameters/properties/a/default", "z"),
        ({"response_format": {"type": "json_schema", "json_schema": {"schema": {"title": "t"}}}},
         "/response_format/json_schema/schema/title", "t"),
        ({"an/unknown~field": "w"}, "/an~1unknown~0field", "w"),
    ],
)  # fmt: skip
def test_every_string_outside_the_messages_is_a_segment(extra: dict[str, object], path: str, text: str) -> None:
    assert _texts({"model": "m", "messages": [{"role": "user", "content": "x"}], **extra})[(path, "value")] == text


def test_member_names_are_segments_too() -> None:
    texts = _texts({"model": "m", "messages": [{"role": "user", "content": "x"}], "metadata": {"ssn 219-09-9999": 1}})
    assert texts[("/metadata/ssn 219-09-9999", "key")] == "ssn 219-09-9999"


def test_segments_are_placed_in_their_message() -> None:
    body = {
        "model": "m",
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "u"}]}],
    }
    placed = {s.path: (s.index, s.role, s.conversational) for s in chat.place_all(body) if s.part is Part.VALUE}
    assert placed["/messages/0/content"] == (0, "system", True)
    assert placed["/messages/1/content/0/text"] == (1, "user", True)
    assert placed["/messages/1/content/0/type"] == (1, "user", False)
    assert placed["/model"] == (None, None, False)


def test_parse_chat_keeps_the_body_as_sent() -> None:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.2, "stream": True}
    raw = json.dumps(body).encode()
    parsed = chat.parse(raw)
    assert parsed.body == body and parsed.stream and parsed.model == "gpt-4o" and parsed.raw == raw


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
        (b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}', "temperature"),
        (b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": 7}', "stop"),
        (b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "n": 0}', "n:"),
        (b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": "10"}', "max_tokens"),
        (b'{"model": "m", "messages": [{"role": "user", "content": "\\ud800"}]}', "lone UTF-16 surrogate"),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "m": '
            + b"[" * 10_000
            + b"]" * 10_000
            + b"}",
            "nested",
        ),
        (
            b'{"model": "m", "messages": [{"role": "user", "content": "x"}], "m": ' + b"[" * 300 + b"]" * 300 + b"}",
            "nested more than 256 levels",
        ),
    ],
)
def test_bad_chat_bodies_say_what_is_wrong(raw: bytes, says: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        chat.parse(raw)
    assert says in caught.value.message


def test_numbers_given_as_integers_are_accepted() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 1, "top_p": 1}
    assert chat.parse(json.dumps(body).encode()).model == "m"


def test_inspect_takes_input_or_messages() -> None:
    parsed = inspect.parse(b'{"input": "x"}')
    assert [(s.index, s.path, s.text) for s in parsed.segments if s.part is Part.VALUE] == [(0, "/input", "x")]
    assert inspect.parse(b'{"policy": "p", "messages": [{"role": "user", "content": "y"}]}').policy == "p"
    with pytest.raises(InvalidRequest, match="exactly one"):
        inspect.parse(b"{}")
    with pytest.raises(InvalidRequest, match="colour: Extra inputs are not permitted"):
        inspect.parse(b'{"input": "x", "colour": "red"}')


def test_the_policy_name_of_a_dry_run_is_not_inspected_as_content() -> None:
    parsed = inspect.parse(b'{"policy": "healthcare", "input": "x"}')
    assert ("/policy", Part.VALUE) not in {(s.path, s.part) for s in parsed.segments}


@pytest.mark.parametrize("value", ["", [""], [], ["a", ""], [[]]])
def test_empty_embedding_inputs_are_refused(value: object) -> None:
    from gateway.wire import embeddings

    with pytest.raises(InvalidRequest, match="input"):
        embeddings.parse(json.dumps({"model": "m", "input": value}).encode())
