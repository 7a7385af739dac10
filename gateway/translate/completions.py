"""Legacy text completions <-> Chat Completions for the local route."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from gateway import sse


def to_chat(body: dict[str, Any]) -> dict[str, Any]:
    prompt = body.get("prompt")
    text = prompt if isinstance(prompt, str) else "\n".join(p for p in prompt or [] if isinstance(p, str))
    chat: dict[str, Any] = {"model": body.get("model"), "messages": [{"role": "user", "content": text}]}
    for name in ("max_tokens", "temperature", "top_p", "stop", "seed"):
        if body.get(name) is not None:
            chat[name] = body[name]
    return chat


def from_chat(completion: dict[str, Any]) -> dict[str, Any]:
    choice = (completion.get("choices") or [{}])[0]
    return {
        "id": f"cmpl-{uuid.uuid4().hex}",
        "object": "text_completion",
        "created": int(time.time()),
        "model": completion.get("model"),
        "choices": [
            {
                "index": 0,
                "text": (choice.get("message") or {}).get("content") or "",
                "logprobs": None,
                "finish_reason": choice.get("finish_reason") or "stop",
            }
        ],  # fmt: skip
        "usage": completion.get("usage") or {},
    }


async def stream_from_chat(chunks: AsyncIterator[bytes], model: str | None) -> AsyncIterator[bytes]:
    ident, created = f"cmpl-{uuid.uuid4().hex}", int(time.time())
    async for event in sse.events(chunks):
        data = event.json()
        if data is None:
            yield event.raw
            continue
        if data.get("usage") and not data.get("choices"):
            continue  # the usage the gateway asked for, for the doors whose streams report it
        choice = (data.get("choices") or [{}])[0]
        text = (choice.get("delta") or {}).get("content") or ""
        out = {"id": ident, "object": "text_completion", "created": created, "model": data.get("model", model),
               "choices": [{"index": 0, "text": text, "logprobs": None,
                            "finish_reason": choice.get("finish_reason")}]}  # fmt: skip
        yield sse.encode(out)


class CompletionsStream:
    """Where a completions stream carries text (for restoring redacted placeholders)."""

    def deltas(self, data: dict[str, Any]) -> list[tuple[tuple[Any, ...], dict[str, Any], str]]:
        return [
            ((c.get("index", i), "text"), c, "text")
            for i, c in enumerate(data.get("choices") or [])
            if isinstance(c, dict) and isinstance(c.get("text"), str)
        ]

    def closes(self, data: dict[str, Any], key: tuple[Any, ...]) -> bool:
        return any(
            isinstance(c, dict) and c.get("finish_reason") is not None and c.get("index", i) == key[0]
            for i, c in enumerate(data.get("choices") or [])
        )

    def tail(self, template: dict[str, Any], key: tuple[Any, ...], text: str) -> tuple[str | None, dict[str, Any]]:
        return None, {**template, "choices": [{"index": key[0], "text": text, "logprobs": None, "finish_reason": None}]}
