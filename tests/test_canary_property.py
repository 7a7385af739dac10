"""Property: a canary planted at any string position of any chat request never reaches the upstream.

Hypothesis builds chat requests of every shape the OpenAI schema allows (all
content part types, tools, legacy functions, tool calls, metadata, unknown
fields with nested objects, files), plants a canary (an SSN, or a card number)
in one string, member name or file text chosen at random, and sends the
request through the running gateway to the recording loopback upstream. What
the upstream received is then read independently of the gateway's own code
(plain ``json`` and ``base64``): the canary must not be in it, anywhere.

Every door is covered: chat completions, Anthropic Messages, Responses,
embeddings and legacy completions. ``CANARY_EXAMPLES`` sets the number of chat
requests per canary (default 150; each other door gets a third of it): 700 requests in about a
minute on an idle two-core machine. Set it higher for a longer search.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import files
from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.server import GatewayProcess
from tests.support.upstream import RecordingUpstream

EXAMPLES = int(os.environ.get("CANARY_EXAMPLES", "150"))
CANARIES = {"ssn": "219-09-9999", "card": "4111 1111 1111 1111"}


class Free(dict):  # type: ignore[type-arg]
    """An object whose member names are free text (metadata, schema properties, unknown fields)."""


class TextFile:
    """A text file sent base64-encoded in a data URI; its text is a place to plant the canary."""

    def __init__(self, text: str, media_type: str) -> None:
        self.text, self.media_type = text, media_type


words = st.text(alphabet=st.sampled_from("abcdefghij klmnop qrstuvwxyzABCXYZ.,:;!?-_/()'"), max_size=24)
names = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)
leaf = st.none() | st.booleans() | st.integers(-1000, 1000) | words
free_json = st.recursive(
    leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3).map(Free), max_leaves=6
)
text_file = st.builds(TextFile, words, st.sampled_from(["text/plain", "text/csv", "application/json", "text/markdown"]))
binary_part = st.sampled_from(
    [
        {"type": "image_url", "image_url": {"url": files.data_uri("image/png", files.png()), "detail": "low"}},
        {"type": "input_audio", "input_audio": {"data": files.b64(files.wav(0.1)), "format": "wav"}},
    ]
)
part = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, words),
    st.builds(lambda t: {"type": "image_url", "image_url": {"url": f"https://img.example.com/{t}.png?q={t}"}}, names),
    st.builds(lambda f, n: {"type": "file", "file": {"filename": f"{n}.txt", "file_data": f}}, text_file, names),
    st.builds(lambda t, extra: {"type": "x_" + t, "x_" + t: extra}, names, free_json),  # a part type not yet known
    binary_part,
)
content = words | st.lists(part, min_size=1, max_size=3)
tool_call = st.builds(
    lambda n, args: {"id": "call_" + n, "type": "function", "function": {"name": n, "arguments": json.dumps(args)}},
    names,
    st.dictionaries(names, words, max_size=2),
)
schema = st.builds(
    lambda props: {"type": "object", "properties": Free(props)},
    st.dictionaries(
        names,
        st.fixed_dictionaries({"type": st.just("string")}, optional={"description": words, "default": words}),
        max_size=3,
    ),
)
message = st.one_of(
    st.fixed_dictionaries({"role": st.sampled_from(["system", "developer", "user"]), "content": content},
                          optional={"name": names}),
    st.fixed_dictionaries({"role": st.just("assistant"), "content": st.none() | words},
                          optional={"tool_calls": st.lists(tool_call, min_size=1, max_size=2), "refusal": words,
                                    "function_call": st.builds(lambda n, a: {"name": n, "arguments": a}, names,
                                                               words)}),
    st.fixed_dictionaries({"role": st.just("tool"), "tool_call_id": names, "content": content}),
    st.fixed_dictionaries({"role": st.just("function"), "name": names, "content": words}),
)  # fmt: skip
function = st.fixed_dictionaries({"name": names}, optional={"description": words, "parameters": schema})
request = st.fixed_dictionaries(
    {"model": st.sampled_from(["gpt-4o", "gpt-4.1-mini", "o3"]), "messages": st.lists(message, min_size=1, max_size=4)},
    optional={
        "tools": st.lists(st.builds(lambda f: {"type": "function", "function": f}, function), max_size=2),
        "functions": st.lists(function, max_size=2),
        "tool_choice": st.sampled_from(["auto", "none", "required"]),
        "metadata": st.dictionaries(words, words, max_size=3).map(Free),
        "user": words,
        "stop": words | st.lists(words, max_size=3),
        "prediction": st.builds(lambda t: {"type": "content", "content": t}, words),
        "response_format": st.builds(
            lambda n, s: {"type": "json_schema", "json_schema": {"name": n, "schema": s}}, names, schema
        ),
        "x_unknown": free_json,
        "seed": st.integers(0, 1000),
        "stream": st.booleans(),
    },
)


# The other doors: Anthropic Messages (Claude Code), Responses (Codex CLI), embeddings, completions.
block = st.one_of(
    st.builds(lambda t: {"type": "text", "text": t}, words),
    st.builds(
        lambda i, n, a: {"type": "tool_use", "id": "toolu_" + i, "name": n, "input": a},
        names,
        names,
        st.dictionaries(words, words, max_size=2).map(Free),
    ),
    st.builds(lambda i, c: {"type": "tool_result", "tool_use_id": "toolu_" + i, "content": c}, names, words),
    st.builds(
        lambda f: {"type": "document", "source": {"type": "base64", "media_type": f.media_type, "data": f}}, text_file
    ),
    st.builds(lambda t: {"type": "thinking", "thinking": t, "signature": "EqQBCkgIARABGAIiQL"}, words),
    st.builds(lambda t, extra: {"type": "x_" + t, "x_" + t: extra}, names, free_json),
)
anthropic_request = st.fixed_dictionaries(
    {
        "model": st.just("claude-sonnet-4-5"),
        "max_tokens": st.just(1),
        "messages": st.lists(
            st.fixed_dictionaries(
                {
                    "role": st.sampled_from(["user", "assistant"]),
                    "content": words | st.lists(block, min_size=1, max_size=3),
                }
            ),
            min_size=1,
            max_size=3,
        ),
    },
    optional={
        "system": words | st.lists(st.builds(lambda t: {"type": "text", "text": t}, words), max_size=2),
        "tools": st.lists(
            st.builds(lambda n, d, s: {"name": n, "description": d, "input_schema": s}, names, words, schema),
            max_size=2,
        ),
        "metadata": st.builds(lambda u: {"user_id": u}, words),
        "stop_sequences": st.lists(words, max_size=2),
        "x_unknown": free_json,
        "stream": st.booleans(),
    },
)
item = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("message"),
            "role": st.sampled_from(["user", "developer", "assistant"]),
            "content": words
            | st.lists(st.builds(lambda t: {"type": "input_text", "text": t}, words), min_size=1, max_size=2),
        }
    ),
    st.builds(
        lambda c, n, a: {"type": "function_call", "call_id": c, "name": n, "arguments": json.dumps(a)},
        names,
        names,
        st.dictionaries(names, words, max_size=2),
    ),
    st.builds(lambda c, o: {"type": "function_call_output", "call_id": c, "output": o}, names, words),
    st.builds(
        lambda f: {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_file", "filename": "a.txt", "file_data": f}],
        },
        text_file,
    ),
)
responses_request = st.fixed_dictionaries(
    {
        "model": st.just("gpt-5-codex"),
        "input": words | st.lists(item, min_size=1, max_size=4),
        "max_output_tokens": st.just(16),
    },
    optional={
        "instructions": words,
        "tools": st.lists(
            st.builds(
                lambda n, d, s: {"type": "function", "name": n, "description": d, "parameters": s}, names, words, schema
            ),
            max_size=2,
        ),
        "metadata": st.dictionaries(words, words, max_size=2).map(Free),
        "x_unknown": free_json,
        "stream": st.booleans(),
        "store": st.just(False),
    },
)
embeddings_request = st.fixed_dictionaries(
    {"model": st.just("text-embedding-3-small"), "input": words | st.lists(words, min_size=1, max_size=3)},
    optional={"user": words, "x_unknown": free_json},
)
completions_request = st.fixed_dictionaries(
    {"model": st.just("gpt-3.5-turbo-instruct"), "prompt": words | st.lists(words, min_size=1, max_size=2),
     "max_tokens": st.just(1)},
    optional={"suffix": words, "stop": words, "user": words, "x_unknown": free_json},
)  # fmt: skip
DOORS = {
    "chat": ("/v1/chat/completions", request),
    "messages": ("/v1/messages", anthropic_request),
    "responses": ("/v1/responses", responses_request),
    "embeddings": ("/v1/embeddings", embeddings_request),
    "completions": ("/v1/completions", completions_request),
}


def _places(node: Any) -> list[tuple[Any, Any, str]]:
    """Every (container, key, kind) where text can be planted: string values, free member names, file texts."""
    found: list[tuple[Any, Any, str]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        items = list(current.items()) if isinstance(current, dict) else list(enumerate(current))
        for key, value in items:
            if isinstance(current, Free):
                found.append((current, key, "key"))
            if isinstance(value, str):
                found.append((current, key, "value"))
            elif isinstance(value, TextFile):
                found.append((value, "text", "value"))
            elif isinstance(value, dict | list):
                stack.append(value)
    return found


def _plant(body: dict[str, Any], where: int, at: int, canary: str) -> None:
    places = _places(body)
    container, key, kind = places[where % len(places)]
    if kind == "key":
        cut = at % (len(key) + 1)
        value = container.pop(key)
        container[f"{key[:cut]} {canary} {key[cut:]}"] = value
    else:
        text = getattr(container, key) if isinstance(container, TextFile) else container[key]
        cut = at % (len(text) + 1)
        planted = f"{text[:cut]} {canary} {text[cut:]}"
        if isinstance(container, TextFile):
            container.text = planted
        else:
            container[key] = planted


def _materialised(node: Any) -> Any:
    if isinstance(node, TextFile):
        return files.data_uri(node.media_type, node.text.encode())
    if isinstance(node, dict):
        return {key: _materialised(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_materialised(value) for value in node]
    return node


_BASE64 = re.compile(r"(?:data:[^,]*;base64,)?([A-Za-z0-9+/=\s]{16,})$")


def _every_text(raw: bytes) -> list[str]:
    """All the text an upstream could read in a body: every string and name, and what base64 in them decodes to."""
    texts = [raw.decode("utf-8", errors="replace")]
    stack = [json.loads(raw)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            texts.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            texts.append(node)
            match = _BASE64.match(node)
            if match:
                try:
                    texts.append(base64.b64decode(re.sub(r"\s", "", match.group(1)), validate=False).decode("latin-1"))
                except (binascii.Error, ValueError):
                    pass
    return texts


@pytest.fixture(scope="module")
def key(gateway: GatewayProcess) -> str:
    return gateway.create_key("canary-tester", "general")


@pytest.fixture(scope="module")
def http() -> httpx.Client:
    return httpx.Client(timeout=120)


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("canary", CANARIES)
def test_a_canary_anywhere_never_reaches_the_upstream(
    canary: str,
    door: str,
    gateway: GatewayProcess,
    upstream: RecordingUpstream,
    anthropic_upstream: RecordingAnthropicUpstream,
    key: str,
    http: httpx.Client,
) -> None:
    value = CANARIES[canary]
    digits = value.replace(" ", "").replace("-", "")
    path, strategy = DOORS[door]
    examples = EXAMPLES if door == "chat" else max(10, EXAMPLES // 3)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )
    @given(body=strategy, where=st.integers(0, 10_000), at=st.integers(0, 1_000))
    def check(body: dict[str, Any], where: int, at: int) -> None:
        _plant(body, where, at, value)
        sent = _materialised(body)
        if door == "chat":
            sent["max_tokens"] = 1
        upstream.clear()
        anthropic_upstream.clear()
        response = http.post(f"{gateway.base_url}{path}", headers={"Authorization": f"Bearer {key}"}, json=sent)
        assert response.status_code < 500 or response.status_code == 503, response.text
        assert response.headers.get("x-gateway-decision") != "allow" or response.status_code >= 400
        for received in [*upstream.raw, *anthropic_upstream.raw]:
            for text in _every_text(received):
                squeezed = re.sub(r"[\s-]", "", text)
                assert value not in text and digits not in squeezed, f"the {canary} canary reached the upstream"

    check()
