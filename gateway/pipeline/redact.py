"""The ``redact`` action: replace detected spans by typed placeholders, restore them in the answer.

Not used by the bundled policies; operators may use it. Placeholders look
like ``[US_SSN_1]``; the same value gets the same placeholder throughout a
request. Every inspected location is redacted, wherever it sat: a message,
a tool definition, a member name, the text inside a base64 file (re-encoded
in place). The mapping lives only in memory for the life of the request.
In the answer, placeholders are restored in every string (content and
tool-call arguments alike), also when a stream splits one across chunks.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.pipeline import content, segments
from gateway.types import Finding, Part, Segment

# Answer fields that hold JSON text (a tool call's arguments): a restored value is escaped for it.
JSON_FIELDS = frozenset({"arguments"})
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

    def restore(self, text: str, *, in_json: bool = False) -> str:
        """``text`` with its placeholders restored; ``in_json``: ``text`` is JSON (tool-call arguments),
        so a value goes in escaped as a JSON string's content."""

        def value(match: re.Match[str]) -> str:
            original = self.values.get(match.group(0), match.group(0))
            return json.dumps(original, ensure_ascii=False)[1:-1] if in_json else original

        return _PLACEHOLDER.sub(value, text)

    def restore_completion(self, body: dict[str, Any]) -> dict[str, Any]:
        """``body`` with placeholders restored in every string (message content, tool-call arguments...)."""
        restored: dict[str, Any] = self._restore_all(body, in_json=False)
        return restored

    def _restore_all(self, node: Any, *, in_json: bool) -> Any:
        if isinstance(node, str):
            return self.restore(node, in_json=in_json)
        if isinstance(node, list):
            return [self._restore_all(item, in_json=False) for item in node]
        if isinstance(node, dict):
            return {key: self._restore_all(item, in_json=key in JSON_FIELDS) for key, item in node.items()}
        return node

    async def restore_stream(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        """Restore placeholders in an SSE stream of chat chunks, holding back text that may be half a placeholder.

        Each streamed text field (a choice's content, each tool call's arguments) has its own
        held-back tail; a choice's tails are sent before its finishing chunk, all before ``[DONE]``.
        """
        stream = _StreamRestorer(self)
        buffer = b""
        async for chunk in chunks:
            buffer += chunk
            while b"\n\n" in buffer:
                event, buffer = buffer.split(b"\n\n", 1)
                for out in stream.event(event):
                    yield out
        for out in stream.flush(None):
            yield out
        if buffer:
            yield buffer


class _StreamRestorer:
    def __init__(self, redaction: Redaction) -> None:
        self.redaction = redaction
        self.pending: dict[tuple[Any, ...], str] = {}
        self.template: dict[str, Any] | None = None

    def event(self, event: bytes) -> Iterator[bytes]:
        line = event.decode("utf-8", errors="replace")
        data = _data(line)
        if data is None:
            yield from self.flush(None)
            yield event + b"\n\n"
            return
        self.template = data
        choices = [c for c in data.get("choices") or [] if isinstance(c, dict)]
        for position, choice in enumerate(choices):
            if choice.get("finish_reason") is not None:
                yield from self.flush(choice.get("index", position))
        for key, holder, name in _stream_fields(choices):
            text = self.pending.pop(key, "") + holder[name]
            hold = _PARTIAL.search(text)
            cut = hold.start() if hold else len(text)
            if cut < len(text):
                self.pending[key] = text[cut:]
            holder[name] = self.redaction.restore(text[:cut], in_json=name in JSON_FIELDS)
        yield f"data: {json.dumps(data)}\n\n".encode()

    def flush(self, choice_index: Any) -> Iterator[bytes]:
        """Send the held-back tails of one choice (or of all when ``choice_index`` is None)."""
        for key in [k for k in self.pending if choice_index is None or k[0] == choice_index]:
            text = self.redaction.restore(self.pending.pop(key), in_json=key[1] == "tool")
            if key[1] == "content":
                delta: dict[str, Any] = {"content": text}
            else:
                delta = {"tool_calls": [{"index": key[2], "function": {"arguments": text}}]}
            event = copy.deepcopy(self.template or {})
            event["choices"] = [{"index": key[0], "delta": delta, "finish_reason": None}]
            yield f"data: {json.dumps(event)}\n\n".encode()


def _data(line: str) -> dict[str, Any] | None:
    if not line.startswith("data: ") or line == "data: [DONE]":
        return None
    try:
        data = json.loads(line[6:])
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _stream_fields(choices: list[dict[str, Any]]) -> Iterator[tuple[tuple[Any, ...], dict[str, Any], str]]:
    """(key, holder, field name) of every streamed text field of these choices."""
    for position, choice in enumerate(choices):
        index = choice.get("index", position)
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            continue
        if isinstance(delta.get("content"), str):
            yield (index, "content"), delta, "content"
        for call_position, call in enumerate(delta.get("tool_calls") or []):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                yield (index, "tool", call.get("index", call_position)), function, "arguments"


def redact_request(
    body: dict[str, Any], inspected: Sequence[Segment], findings: Sequence[Finding]
) -> tuple[dict[str, Any], Redaction]:
    """A copy of ``body`` with every finding replaced by its placeholder, wherever it was found."""
    body = copy.deepcopy(body)
    redaction = Redaction()
    found: dict[tuple[int | None, str, Part], list[Finding]] = defaultdict(list)
    for finding in findings:
        found[finding.where].append(finding)
    # Last first: a member's value is rewritten before the member itself is renamed.
    for segment in reversed(inspected):
        spans = _disjoint(found.get(segment.where, ()))
        if not spans:
            continue
        text = _substitute(segment.text, spans, redaction)
        if segment.part is Part.DECODED:
            text = content.encode(segment, text)  # the decide stage never redacts what cannot be put back
        segments.replace(body, segment.path, Part.KEY if segment.part is Part.KEY else Part.VALUE, text)
    return body, redaction


def _substitute(text: str, spans: list[Finding], redaction: Redaction) -> str:
    pieces: list[str] = []
    cursor = 0
    for finding in spans:
        start, end = max(finding.start, cursor), min(finding.end, len(text))
        if start >= end:
            continue
        pieces += [text[cursor:start], redaction.placeholder(finding.entity_type, text[start:end])]
        cursor = end
    return "".join(pieces) + text[cursor:]


def _disjoint(findings: Iterable[Finding]) -> list[Finding]:
    chosen: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if chosen and finding.start < chosen[-1].end:
            if finding.end > chosen[-1].end:  # overlapping: widen the earlier span
                chosen[-1] = dataclasses.replace(chosen[-1], end=finding.end)
            continue
        chosen.append(finding)
    return chosen
