"""OpenAI Chat Completions (``POST /v1/chat/completions``).

The body is validated for the fields the gateway acts on or that a local
model would choke on (types of ``temperature``, ``stop`` and the like); every
other field passes through untouched, and every string anywhere is inspected.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from gateway.pipeline.parse import OUTSIDE, ParsedRequest, Place, Placement, load_json, segments, validate
from gateway.pipeline.segments import RawString
from gateway.types import Part, Segment

ENDPOINT = "chat.completions"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str | None = None


class FunctionCall(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str | None = None
    arguments: str | None = None


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow")

    function: FunctionCall | None = None


class ChatMessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(min_length=1)
    content: str | list[ContentPart] | None = None
    tool_calls: list[ToolCall] | None = None


class ChatRequestIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[ChatMessageIn] = Field(min_length=1)
    stream: StrictBool = False
    temperature: float | None = Field(default=None, ge=0, le=2, strict=True)
    top_p: float | None = Field(default=None, ge=0, le=1, strict=True)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2, strict=True)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2, strict=True)
    n: StrictInt | None = Field(default=None, ge=1, le=128)
    max_tokens: StrictInt | None = Field(default=None, ge=1)
    max_completion_tokens: StrictInt | None = Field(default=None, ge=1)
    # Strict types: "temperature": "hot" or "stop": 7 is the client's mistake (400), not a model failure.
    seed: StrictInt | None = None
    stop: StrictStr | list[StrictStr] | None = None


_IN_MESSAGE = re.compile(r"/messages/(\d+)(/.*)?$")
_CONVERSATIONAL = re.compile(r"/content(?:/\d+/text)?")


def placement(body: dict[str, Any]) -> Placement:
    """Which message each string of a chat body belongs to, and whether a person wrote it there."""
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []

    def place(found: RawString) -> Place:
        match = _IN_MESSAGE.match(found.path)
        if match is None:
            return OUTSIDE
        index = int(match.group(1))
        message = messages[index] if index < len(messages) else None
        role = message.get("role") if isinstance(message, dict) else None
        rest = match.group(2) or ""
        conversational = found.part is Part.VALUE and _CONVERSATIONAL.fullmatch(rest) is not None
        return Place(index, role if isinstance(role, str) else None, conversational)

    return place


def place_all(body: Any) -> tuple[Segment, ...]:
    return segments(body, placement(body if isinstance(body, dict) else {}))


def parse(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: ChatRequestIn = validate(ChatRequestIn, data)
    return ParsedRequest(
        endpoint=ENDPOINT,
        body=data,
        raw=raw,
        segments=place_all(data),
        model=parsed.model,
        stream=parsed.stream,
    )
