"""Anthropic Messages <-> Chat Completions for the local route."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from gateway import sse

_STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "function_call": "tool_use"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The chat body the local model answers for a Messages request."""
    messages: list[dict[str, Any]] = []
    system = _text(body.get("system"))
    if system:
        messages.append({"role": "system", "content": system})
    for message in body.get("messages") or []:
        role = message.get("role", "user")
        content = message.get("content")
        if isinstance(content, str):
            messages.append({"role": role, "content": content})
            continue
        texts, calls = [], []
        for block in content or []:
            kind = block.get("type")
            if kind == "text":
                texts.append(block.get("text", ""))
            elif kind == "tool_use":
                arguments = json.dumps(block.get("input", {}))
                calls.append({"id": block.get("id"), "type": "function",
                              "function": {"name": block.get("name"), "arguments": arguments}})  # fmt: skip
            elif kind == "tool_result":
                messages.append({"role": "tool", "tool_call_id": block.get("tool_use_id"),
                                 "content": _text(block.get("content"))})  # fmt: skip
            elif kind in ("image", "document"):
                texts.append(f"[{kind} attached]")
        if texts or calls:
            entry: dict[str, Any] = {"role": role, "content": "\n".join(texts) or None}
            if calls:
                entry["tool_calls"] = calls
            messages.append(entry)
    chat: dict[str, Any] = {"model": body.get("model"), "messages": messages, "max_tokens": body.get("max_tokens")}
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            chat[name] = body[name]
    if body.get("stop_sequences"):
        chat["stop"] = body["stop_sequences"]
    if body.get("tools"):
        chat["tools"] = [
            {"type": "function", "function": {"name": t.get("name"), "description": t.get("description", ""),
                                              "parameters": t.get("input_schema", {})}}
            for t in body["tools"] if isinstance(t, dict)
        ]  # fmt: skip
    return chat


def _usage(completion: dict[str, Any]) -> dict[str, int]:
    usage = completion.get("usage") or {}
    return {"input_tokens": int(usage.get("prompt_tokens", 0)), "output_tokens": int(usage.get("completion_tokens", 0))}


def from_chat(completion: dict[str, Any]) -> dict[str, Any]:
    """A Messages answer from the local chat completion."""
    choice = (completion.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    content: list[dict[str, Any]] = []
    if message.get("content"):
        content.append({"type": "text", "text": message["content"]})
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except ValueError:
            arguments = {"arguments": function.get("arguments")}
        content.append({"type": "tool_use", "id": call.get("id") or f"toolu_{uuid.uuid4().hex[:24]}",
                        "name": function.get("name"), "input": arguments})  # fmt: skip
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": completion.get("model"),
        "content": content or [{"type": "text", "text": ""}],
        "stop_reason": _STOP_REASONS.get(choice.get("finish_reason") or "stop", "end_turn"),
        "stop_sequence": None,
        "usage": _usage(completion),
    }


async def stream_from_chat(chunks: AsyncIterator[bytes], model: str | None) -> AsyncIterator[bytes]:
    """Messages stream events (``message_start`` ... ``message_stop``) from the local chat stream."""
    message = {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant", "model": model,
               "content": [], "stop_reason": None, "stop_sequence": None,
               "usage": {"input_tokens": 0, "output_tokens": 0}}  # fmt: skip
    started = False
    stop, produced, usage = "end_turn", 0, None
    async for event in sse.events(chunks):
        data = event.json()
        if data is None:
            continue
        if data.get("usage") and not data.get("choices"):
            usage = _usage(data)
            continue
        if not started:
            message["model"] = data.get("model", model)
            yield sse.encode({"type": "message_start", "message": message}, "message_start")
            block = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
            yield sse.encode(block, "content_block_start")
            started = True
        choice = (data.get("choices") or [{}])[0]
        text = (choice.get("delta") or {}).get("content")
        if text:
            produced += 1
            delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}
            yield sse.encode(delta, "content_block_delta")
        if choice.get("finish_reason"):
            stop = _STOP_REASONS.get(choice["finish_reason"], "end_turn")
    if not started:
        yield sse.encode({"type": "message_start", "message": message}, "message_start")
        yield sse.encode({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                         "content_block_start")  # fmt: skip
    yield sse.encode({"type": "content_block_stop", "index": 0}, "content_block_stop")
    end = {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
           "usage": usage or {"output_tokens": produced}}  # fmt: skip
    yield sse.encode(end, "message_delta")
    yield sse.encode({"type": "message_stop"}, "message_stop")


def count_tokens(chat: dict[str, Any]) -> dict[str, int]:
    """A local estimate of a request's input tokens (about four characters a token)."""
    characters = sum(len(json.dumps(m.get("content") or "")) for m in chat.get("messages", []))
    return {"input_tokens": max(1, characters // 4)}


class MessagesStream:
    """Where a Messages stream carries text piece by piece (for restoring redacted placeholders)."""

    def deltas(self, data: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any], str]]:
        if data.get("type") != "content_block_delta" or not isinstance(data.get("delta"), dict):
            return []
        delta, index = data["delta"], data.get("index", 0)
        if delta.get("type") == "text_delta" and isinstance(delta.get("text"), str):
            return [((index, "text"), delta, "text")]
        if delta.get("type") == "input_json_delta" and isinstance(delta.get("partial_json"), str):
            return [((index, "json"), delta, "partial_json")]
        return []

    def closes(self, data: dict[str, Any], key: tuple[Any, ...]) -> bool:
        kind = data.get("type")
        return (kind == "content_block_stop" and data.get("index") == key[0]) or kind in (
            "message_delta",
            "message_stop",
        )

    def tail(self, template: dict[str, Any], key: tuple[Any, ...], text: str) -> tuple[str | None, dict[str, Any]]:
        delta = (
            {"type": "text_delta", "text": text}
            if key[1] == "text"
            else {"type": "input_json_delta", "partial_json": text}
        )
        return "content_block_delta", {"type": "content_block_delta", "index": key[0], "delta": delta}
