"""The ``redact`` action: replace detected spans by typed placeholders, restore them in the answer.

Not used by the bundled policies; operators may use it. Placeholders look
like ``[US_SSN_1]``; the same value gets the same placeholder throughout a
request. The mapping lives only in memory for the life of the request.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.pipeline.parse import text_segments
from gateway.types import Finding, Message

_PLACEHOLDER = re.compile(r"\[[A-Z_]+_\d+\]")
# The longest prefix of a placeholder that may still be completed by a later chunk.
_PARTIAL = re.compile(r"\[[A-Z_]*(?:_\d*)?$")


@dataclass
class Redaction:
    """Placeholder -> original value, for one request."""

    values: dict[str, str] = field(default_factory=dict)
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def placeholder(self, entity_type: str, value: str) -> str:
        key = (entity_type, value)
        if key not in self._by_value:
            self._counts[entity_type] = self._counts.get(entity_type, 0) + 1
            self._by_value[key] = f"[{entity_type}_{self._counts[entity_type]}]"
            self.values[self._by_value[key]] = value
        return self._by_value[key]

    def restore(self, text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: self.values.get(m.group(0), m.group(0)), text)

    def restore_completion(self, body: dict[str, Any]) -> dict[str, Any]:
        body = copy.deepcopy(body)
        for choice in body.get("choices", []):
            message = choice.get("message") or {}
            if isinstance(message.get("content"), str):
                message["content"] = self.restore(message["content"])
        return body

    async def restore_stream(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """Restore placeholders in an SSE stream, holding back text that may be half a placeholder."""
        buffer = b""
        pending = ""
        last: dict[str, Any] | None = None
        async for chunk in chunks:
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                line = event.decode()
                if not line.startswith("data: ") or line == "data: [DONE]":
                    if pending and last is not None:
                        yield _with_content(last, self.restore(pending))
                        pending = ""
                    yield event + b"\n\n"
                    continue
                data = json.loads(line[6:])
                delta = (data.get("choices") or [{}])[0].get("delta") or {}
                if not isinstance(delta.get("content"), str):
                    yield event + b"\n\n"
                    continue
                text = pending + delta["content"]
                hold = _PARTIAL.search(text)
                cut = hold.start() if hold else len(text)
                pending, last = text[cut:], data
                yield _with_content(data, self.restore(text[:cut]))
        if buffer:
            yield buffer


def _with_content(data: dict[str, Any], text: str) -> bytes:
    data = copy.deepcopy(data)
    data["choices"][0]["delta"]["content"] = text
    return f"data: {json.dumps(data)}\n\n".encode()


def redact_request(
    body: dict[str, Any], findings: Sequence[Finding], messages: Sequence[Message]
) -> tuple[dict[str, Any], Redaction]:
    """A copy of ``body`` with every finding replaced by its placeholder, in every text segment."""
    body = copy.deepcopy(body)
    redaction = Redaction()
    for message in messages:
        spans = _disjoint(f for f in findings if f.message_index == message.index)
        if not spans:
            continue
        raw = body["messages"][message.index]
        offset = 0
        for path, text in text_segments(raw):
            local = [(max(f.start - offset, 0), min(f.end - offset, len(text)), f.entity_type) for f in spans]
            local = [(s, e, t) for s, e, t in local if s < e]
            _set(raw, path, _substitute(text, local, redaction))
            offset += len(text) + 1  # the joining newline
    return body, redaction


def _substitute(text: str, spans: list[tuple[int, int, str]], redaction: Redaction) -> str:
    pieces: list[str] = []
    cursor = 0
    for start, end, entity_type in spans:
        pieces += [text[cursor:start], redaction.placeholder(entity_type, text[start:end])]
        cursor = end
    return "".join(pieces) + text[cursor:]


def _set(container: Any, path: tuple[Any, ...], value: str) -> None:
    for step in path[:-1]:
        container = container[step]
    container[path[-1]] = value


def _disjoint(findings: Iterable[Finding]) -> list[Finding]:
    chosen: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if chosen and finding.start < chosen[-1].end:
            if finding.end > chosen[-1].end:  # overlapping: widen the earlier span
                prev = chosen[-1]
                chosen[-1] = Finding(
                    prev.entity_type, prev.message_index, prev.start, finding.end, prev.score, prev.recognizer
                )
            continue
        chosen.append(finding)
    return chosen
