"""OpenAI Responses (``POST /v1/responses``), the only API Codex CLI speaks.

``input`` is a string or a list of items (messages with content parts,
``function_call`` and ``function_call_output`` items, ``reasoning`` and
``compaction`` items); ``instructions`` is the system prompt. Every string is
inspected; an ``encrypted_content`` value is opaque (unscannable), and the item
that holds it reaches its upstream byte for byte or not at all.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from gateway.pipeline.parse import OUTSIDE, ParsedRequest, Place, Placement, load_json, segments, validate
from gateway.pipeline.segments import RawString
from gateway.types import Part, Segment

ENDPOINT = "responses"
_ROLES = {"function_call": "assistant", "function_call_output": "tool", "reasoning": "assistant"}


class ResponsesRequestIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    input: StrictStr | list[dict[str, Any]]
    instructions: StrictStr | None = None
    stream: StrictBool = False
    max_output_tokens: StrictInt | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2, strict=True)
    top_p: float | None = Field(default=None, ge=0, le=1, strict=True)
    previous_response_id: StrictStr | None = None
    store: StrictBool | None = None


_IN_ITEM = re.compile(r"/input/(\d+)(/.*)?$")
_CONVERSATIONAL = re.compile(r"/content(?:/\d+/text)?")


def placement(body: dict[str, Any]) -> Placement:
    items = body.get("input") if isinstance(body.get("input"), list) else []

    def place(found: RawString) -> Place:
        value = found.part is Part.VALUE
        if found.path == "/input":
            return Place(0, "user", conversational=value)
        if found.path == "/instructions":
            return Place(None, "system")
        match = _IN_ITEM.match(found.path)
        if match is None:
            return OUTSIDE
        index = int(match.group(1))
        item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
        role = item.get("role") if isinstance(item.get("role"), str) else _ROLES.get(str(item.get("type")))
        rest = match.group(2) or ""
        if value and rest.endswith("/encrypted_content"):
            return Place(index, role, opaque=True)
        return Place(index, role, conversational=value and _CONVERSATIONAL.fullmatch(rest) is not None)

    return place


def place_all(body: Any) -> tuple[Segment, ...]:
    return segments(body, placement(body if isinstance(body, dict) else {}))


def parse(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: ResponsesRequestIn = validate(ResponsesRequestIn, data)
    return ParsedRequest(ENDPOINT, data, raw, place_all(data), model=parsed.model, stream=parsed.stream)
