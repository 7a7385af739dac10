"""The texts a decrypted request was inspected as, so that finding offsets can be shown on them.

Offsets in a record's findings refer to the string at each finding's ``path``
(its decoded text for a file payload), exactly as the request's wire format
and the content stage produced them when the request was inspected.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from gateway.pipeline import content
from gateway.wire import stored_segments

MAX_RESPONSE_CHARS = 200_000


def inspected_messages(
    request: bytes, endpoint: str = "chat.completions", findings: Iterable[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """``[{"index", "role", "text", "path", "part"}]``: the texts a person wrote and every text with a finding."""
    try:
        body = json.loads(request)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return [
            {"index": 0, "role": "raw", "text": request.decode("utf-8", errors="replace"), "path": "", "part": "value"}
        ]
    located = {(f.get("path", ""), f.get("part", "value")) for f in findings}
    readable, _ = content.expand(list(stored_segments(endpoint, body)))
    return [
        {"index": s.index, "role": s.role or "", "text": s.text, "path": s.path, "part": s.part.value}
        for s in readable
        if s.conversational or (s.path, s.part.value) in located
    ]


def response_text(response: bytes | None) -> str | None:
    """The stored response as text: the assistant's reply when it is a chat completion."""
    if response is None:
        return None
    text = response.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
        content_ = body["choices"][0]["message"]["content"]
        if isinstance(content_, str):
            return content_
    except (json.JSONDecodeError, KeyError, IndexError, TypeError):
        pass
    return text[:MAX_RESPONSE_CHARS]
