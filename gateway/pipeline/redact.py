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
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway import sse
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

    async def restore_stream(
        self, chunks: AsyncIterator[bytes], shape: StreamShape | None = None
    ) -> AsyncIterator[bytes]:
        """Restore placeholders in an SSE stream, holding back text that may be half a placeholder.

        Each streamed text field (a chat choice's content, a tool call's arguments, a Messages
        content block, a Responses output text) has its own held-back tail, sent before the event
        that closes that field; every other string of every event is restored whole.
        """
        restorer = _StreamRestorer(self, shape or CHAT_STREAM)
        async for event in sse.events(chunks):
            for out in restorer.event(event):
                yield out
        for out in restorer.flush(lambda key: True):
            yield out


Key = tuple[Any, ...]
Delta = tuple[Key, dict[str, Any], str]  # (which streamed field, the object holding it, the field's name)


class StreamShape(Protocol):
    """Where one API's stream carries text piece by piece. A key ending in ``"json"`` names a field
    whose text is JSON (tool-call arguments): a restored value is escaped for it."""

    def deltas(self, data: dict[str, Any]) -> list[Delta]: ...

    def closes(self, data: dict[str, Any], key: Key) -> bool:
        """Whether the event ``data`` ends the streamed field ``key`` (its tail must go before it)."""
        ...

    def tail(self, template: dict[str, Any], key: Key, text: str) -> tuple[str | None, dict[str, Any]]:
        """An event carrying the held-back ``text`` of ``key``: (event name, data)."""
        ...


class _ChatStream:
    def deltas(self, data: dict[str, Any]) -> list[Delta]:
        found: list[Delta] = []
        for position, choice in enumerate(c for c in data.get("choices") or [] if isinstance(c, dict)):
            index = choice.get("index", position)
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                continue
            if isinstance(delta.get("content"), str):
                found.append(((index, "content"), delta, "content"))
            for call_position, call in enumerate(delta.get("tool_calls") or []):
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                    found.append(((index, "tool", call.get("index", call_position), "json"), function, "arguments"))
        return found

    def closes(self, data: dict[str, Any], key: Key) -> bool:
        return any(
            isinstance(c, dict) and c.get("finish_reason") is not None and c.get("index", i) == key[0]
            for i, c in enumerate(data.get("choices") or [])
        )

    def tail(self, template: dict[str, Any], key: Key, text: str) -> tuple[str | None, dict[str, Any]]:
        if key[1] == "content":
            delta: dict[str, Any] = {"content": text}
        else:
            delta = {"tool_calls": [{"index": key[2], "function": {"arguments": text}}]}
        return None, {**template, "choices": [{"index": key[0], "delta": delta, "finish_reason": None}]}


CHAT_STREAM: StreamShape = _ChatStream()


class _StreamRestorer:
    def __init__(self, redaction: Redaction, shape: StreamShape) -> None:
        self.redaction = redaction
        self.shape = shape
        self.pending: dict[Key, str] = {}
        self.templates: dict[Key, dict[str, Any]] = {}  # the event each held-back tail came in

    def event(self, event: sse.Event) -> Iterator[bytes]:
        data = event.json()
        if data is None:  # [DONE], or not JSON: every tail goes first
            yield from self.flush(lambda key: True)
            yield event.raw
            return
        yield from self.flush(lambda key: self.shape.closes(data, key))
        deltas = self.shape.deltas(data)
        fields = {id(holder): name for _, holder, name in deltas}
        for key, holder, name in deltas:
            text = self.pending.pop(key, "") + holder[name]
            hold = _PARTIAL.search(text)
            cut = hold.start() if hold else len(text)
            if cut < len(text):
                self.pending[key] = text[cut:]
                self.templates[key] = copy.deepcopy(data)
            holder[name] = self.redaction.restore(text[:cut], in_json=key[-1] == "json")
        restored = _restore_except(self.redaction, data, fields)
        yield sse.encode(restored, event.name)

    def flush(self, closing: Callable[[Key], bool]) -> Iterator[bytes]:
        for key in [k for k in self.pending if closing(k)]:
            text = self.redaction.restore(self.pending.pop(key), in_json=key[-1] == "json")
            name, data = self.shape.tail(self.templates.pop(key), key, text)
            yield sse.encode(data, name)


def _restore_except(redaction: Redaction, data: dict[str, Any], done: dict[int, str]) -> dict[str, Any]:
    """``data`` with every string restored, but the delta fields already handled (``done``)."""

    def walk(node: Any, in_json: bool) -> Any:
        if isinstance(node, str):
            return redaction.restore(node, in_json=in_json)
        if isinstance(node, list):
            return [walk(item, False) for item in node]
        if isinstance(node, dict):
            skip = done.get(id(node))
            return {k: (v if k == skip else walk(v, k in JSON_FIELDS)) for k, v in node.items()}
        return node

    result: dict[str, Any] = walk(data, False)
    return result


class TypePlaceholders(Redaction):
    """Placeholders that name the type only (``[US_SSN]``): a cleaned data set keeps nothing to restore."""

    def placeholder(self, entity_type: str, value: str) -> str:
        return f"[{entity_type}]"


def redact_request(
    body: Any, inspected: Sequence[Segment], findings: Sequence[Finding], redaction: Redaction | None = None
) -> tuple[Any, Redaction]:
    """A copy of ``body`` with every finding replaced by its placeholder, wherever it was found.

    ``redaction`` chooses the placeholders (a fresh :class:`Redaction` by default)."""
    body = copy.deepcopy(body)
    redaction = Redaction() if redaction is None else redaction
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
