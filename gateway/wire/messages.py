"""Anthropic Messages (``POST /v1/messages`` and ``/v1/messages/count_tokens``), as Claude Code sends it.

``system`` (a string or text blocks) and every message's content blocks are
inspected like any string, tool definitions and ``tool_use`` inputs included.
Signed ``thinking`` blocks are read but never rewritten (their signature
covers the text), and ``redacted_thinking`` data is opaque: unscannable.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from gateway.pipeline.parse import OUTSIDE, ParsedRequest, Place, Placement, load_json, segments, validate
from gateway.pipeline.segments import RawString
from gateway.types import Part, Segment

ENDPOINT = "messages"
COUNT_ENDPOINT = "messages.count_tokens"


class Block(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = Field(min_length=1)


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: str = Field(min_length=1)
    content: str | list[Block]


class MessagesRequestIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[MessageIn] = Field(min_length=1)
    max_tokens: StrictInt = Field(ge=1)
    system: str | list[Block] | None = None
    stream: StrictBool = False
    temperature: float | None = Field(default=None, ge=0, le=1, strict=True)
    top_p: float | None = Field(default=None, ge=0, le=1, strict=True)
    top_k: StrictInt | None = Field(default=None, ge=0)


class CountTokensIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[MessageIn] = Field(min_length=1)
    system: str | list[Block] | None = None


_IN_MESSAGE = re.compile(r"/messages/(\d+)(/.*)?$")
_CONVERSATIONAL = re.compile(r"/content(?:/\d+/text)?")
_BLOCK = re.compile(r"/messages/(\d+)/content/(\d+)/")


def placement(body: dict[str, Any]) -> Placement:
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []

    def block_type(path: str) -> str | None:
        match = _BLOCK.match(path + "/")
        if match is None:
            return None
        message = messages[int(match.group(1))] if int(match.group(1)) < len(messages) else None
        content = message.get("content") if isinstance(message, dict) else None
        index = int(match.group(2))
        if isinstance(content, list) and index < len(content) and isinstance(content[index], dict):
            kind = content[index].get("type")
            return kind if isinstance(kind, str) else None
        return None

    def place(found: RawString) -> Place:
        if found.path.startswith("/system"):
            return Place(None, "system", conversational=False)
        match = _IN_MESSAGE.match(found.path)
        if match is None:
            return OUTSIDE
        index = int(match.group(1))
        message = messages[index] if index < len(messages) else None
        role = message.get("role") if isinstance(message, dict) else None
        role = role if isinstance(role, str) else None
        rest = match.group(2) or ""
        kind = block_type(found.path)
        value = found.part is Part.VALUE
        if kind == "redacted_thinking" and value and rest.endswith("/data"):
            return Place(index, role, opaque=True)
        if kind == "thinking" and value and not rest.endswith("/type"):
            return Place(index, role, rewritable=False)  # signed: read, never rewritten
        conversational = value and _CONVERSATIONAL.fullmatch(rest) is not None
        return Place(index, role, conversational)

    return place


def place_all(body: Any) -> tuple[Segment, ...]:
    return segments(body, placement(body if isinstance(body, dict) else {}))


def parse(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: MessagesRequestIn = validate(MessagesRequestIn, data)
    return ParsedRequest(ENDPOINT, data, raw, place_all(data), model=parsed.model, stream=parsed.stream)


def parse_count(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: CountTokensIn = validate(CountTokensIn, data)
    return ParsedRequest(COUNT_ENDPOINT, data, raw, place_all(data), model=parsed.model)
