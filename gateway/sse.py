"""Server-sent events as the model APIs use them: ``event:`` and ``data:`` lines, a blank line between.

Chat Completions sends ``data:`` lines only (and ``data: [DONE]``); Responses and
Anthropic Messages name each event (``event: message_start``). Events are
read from any chunking of the byte stream and written back in the same form.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    name: str | None
    data: str
    raw: bytes

    def json(self) -> dict[str, Any] | None:
        """The data as a JSON object, or None (``[DONE]``, or not JSON)."""
        try:
            value = json.loads(self.data)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


def encode(data: dict[str, Any] | str, name: str | None = None) -> bytes:
    payload = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {payload}\n\n".encode()


def parse(raw: bytes) -> Event:
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    return Event(name, "\n".join(data), raw)


async def events(chunks: AsyncIterator[bytes]) -> AsyncIterator[Event]:
    """The events of a byte stream; a last event without its blank line is still given."""
    buffer = b""
    async for chunk in chunks:
        buffer += chunk.replace(b"\r\n", b"\n")
        while b"\n\n" in buffer:
            raw, buffer = buffer.split(b"\n\n", 1)
            if raw.strip():
                yield parse(raw + b"\n\n")
    if buffer.strip():
        yield parse(buffer)
