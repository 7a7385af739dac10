"""The texts a decrypted request was inspected as, so that finding offsets can be shown on them.

Offsets in a record's findings refer to each message's inspected text
(:func:`gateway.pipeline.parse.message_text`); for an inspect request with
``input`` the text is the input itself.
"""

from __future__ import annotations

import json
from typing import Any

from gateway.pipeline.parse import message_text

MAX_RESPONSE_CHARS = 200_000


def inspected_messages(request: bytes) -> list[dict[str, Any]]:
    """``[{"index", "role", "text"}]`` of a stored request body; one raw message if it is not JSON."""
    try:
        body = json.loads(request)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return [{"index": 0, "role": "raw", "text": request.decode("utf-8", errors="replace")}]
    if isinstance(body, dict) and isinstance(body.get("input"), str):
        return [{"index": 0, "role": "user", "text": body["input"]}]
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list):
        return [{"index": 0, "role": "raw", "text": json.dumps(body, ensure_ascii=False, indent=2)}]
    return [
        {
            "index": i,
            "role": str(m.get("role", "")) if isinstance(m, dict) else "",
            "text": message_text(m) if isinstance(m, dict) else "",
        }
        for i, m in enumerate(messages)
    ]


def response_text(response: bytes | None) -> str | None:
    """The stored response as text: the assistant's reply when it is a chat completion."""
    if response is None:
        return None
    text = response.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
        content = body["choices"][0]["message"]["content"]
        if isinstance(content, str):
            return content
    except (json.JSONDecodeError, KeyError, IndexError, TypeError):
        pass
    return text[:MAX_RESPONSE_CHARS]
