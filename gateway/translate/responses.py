"""OpenAI Responses <-> Chat Completions for the local route."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from gateway import sse

_TEXT_PARTS = {"input_text", "output_text", "text"}


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") in _TEXT_PARTS)
    return ""


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """The chat body the local model answers for a Responses request."""
    messages: list[dict[str, Any]] = []
    if body.get("instructions"):
        messages.append({"role": "system", "content": body["instructions"]})
    items = body.get("input")
    for item in [{"role": "user", "content": items}] if isinstance(items, str) else items or []:
        kind = item.get("type", "message")
        if kind == "message" or "role" in item:
            role = "system" if item.get("role") == "developer" else item.get("role", "user")
            messages.append({"role": role, "content": _text(item.get("content"))})
        elif kind == "function_call":
            call = {"id": item.get("call_id"), "type": "function",
                    "function": {"name": item.get("name"), "arguments": item.get("arguments", "{}")}}  # fmt: skip
            messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else _text(output)
            messages.append({"role": "tool", "tool_call_id": item.get("call_id"), "content": text})
        # reasoning and compaction items are opaque: the local model cannot read them.
    chat: dict[str, Any] = {"model": body.get("model"), "messages": messages}
    if body.get("max_output_tokens"):
        chat["max_tokens"] = body["max_output_tokens"]
    for name in ("temperature", "top_p"):
        if body.get(name) is not None:
            chat[name] = body[name]
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    if tools:
        chat["tools"] = [
            {"type": "function", "function": {k: t[k] for k in ("name", "description", "parameters") if k in t}}
            for t in tools
        ]
    return chat


def _response(model: str | None, output: list[dict[str, Any]], usage: dict[str, int], status: str) -> dict[str, Any]:
    return {
        "id": f"resp_{uuid.uuid4().hex}",
        "object": "response",
        "created_at": int(time.time()),
        "status": status,
        "model": model,
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "usage": usage,
    }


def _usage(completion: dict[str, Any]) -> dict[str, int]:
    usage = completion.get("usage") or {}
    prompt, produced = int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0))
    return {"input_tokens": prompt, "output_tokens": produced, "total_tokens": prompt + produced}


def _message_item(text: str, status: str = "completed") -> dict[str, Any]:
    return {"type": "message", "id": f"msg_{uuid.uuid4().hex}", "status": status, "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip


def from_chat(completion: dict[str, Any]) -> dict[str, Any]:
    """A Responses answer from the local chat completion."""
    message = ((completion.get("choices") or [{}])[0]).get("message") or {}
    output: list[dict[str, Any]] = []
    if message.get("content") or not message.get("tool_calls"):
        output.append(_message_item(message.get("content") or ""))
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        output.append({"type": "function_call", "id": f"fc_{uuid.uuid4().hex}", "status": "completed",
                       "call_id": call.get("id") or f"call_{uuid.uuid4().hex[:24]}",
                       "name": function.get("name"), "arguments": function.get("arguments", "{}")})  # fmt: skip
    return _response(completion.get("model"), output, _usage(completion), "completed")


async def stream_from_chat(chunks: AsyncIterator[bytes], model: str | None) -> AsyncIterator[bytes]:
    """Responses stream events (``response.created`` ... ``response.completed``) from the local chat stream."""
    sequence = 0

    def event(kind: str, **fields: Any) -> bytes:
        nonlocal sequence
        sequence += 1
        return sse.encode({"type": kind, "sequence_number": sequence, **fields}, kind)

    response = _response(model, [], {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}, "in_progress")
    item = _message_item("", "in_progress")
    item["content"] = []
    text, produced, started, counted = "", 0, False, None
    async for chunk in sse.events(chunks):
        data = chunk.json()
        if data is None:
            continue
        if data.get("usage") and not data.get("choices"):
            counted = _usage(data)
            continue
        if not started:
            response["model"] = data.get("model", model)
            yield event("response.created", response=response)
            yield event("response.in_progress", response=response)
            yield event("response.output_item.added", output_index=0, item=item)
            part = {"type": "output_text", "text": "", "annotations": []}
            yield event("response.content_part.added", item_id=item["id"], output_index=0, content_index=0, part=part)
            started = True
        delta = ((data.get("choices") or [{}])[0].get("delta") or {}).get("content")
        if delta:
            text += delta
            produced += 1
            yield event("response.output_text.delta", item_id=item["id"], output_index=0, content_index=0, delta=delta)
    if not started:
        yield event("response.created", response=response)
        yield event("response.output_item.added", output_index=0, item=item)
    done_part = {"type": "output_text", "text": text, "annotations": []}
    yield event("response.output_text.done", item_id=item["id"], output_index=0, content_index=0, text=text)
    yield event("response.content_part.done", item_id=item["id"], output_index=0, content_index=0, part=done_part)
    finished = {**item, "status": "completed", "content": [done_part]}
    yield event("response.output_item.done", output_index=0, item=finished)
    usage = counted or {"input_tokens": 0, "output_tokens": produced, "total_tokens": produced}
    yield event(
        "response.completed", response={**response, "status": "completed", "output": [finished], "usage": usage}
    )


class ResponsesStream:
    """Where a Responses stream carries text piece by piece (for restoring redacted placeholders)."""

    def deltas(self, data: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any], str]]:
        kind = data.get("type")
        if not isinstance(data.get("delta"), str):
            return []
        if kind == "response.output_text.delta":
            return [((data.get("output_index"), data.get("content_index"), "text"), data, "delta")]
        if kind == "response.function_call_arguments.delta":
            return [((data.get("output_index"), "json"), data, "delta")]
        return []

    def closes(self, data: dict[str, Any], key: tuple[Any, ...]) -> bool:
        kind = str(data.get("type"))
        if kind.endswith(".delta"):
            return False
        if kind in ("response.completed", "response.failed", "response.incomplete"):
            return True
        return data.get("output_index") == key[0]

    def tail(self, template: dict[str, Any], key: tuple[Any, ...], text: str) -> tuple[str | None, dict[str, Any]]:
        return str(template.get("type")), {**template, "delta": text}
