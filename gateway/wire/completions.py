"""Legacy text completions (``POST /v1/completions``), inspected like a chat."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from gateway.pipeline.parse import OUTSIDE, ParsedRequest, Place, load_json, segments, validate
from gateway.pipeline.segments import RawString
from gateway.types import Part, Segment

ENDPOINT = "completions"


class CompletionsRequestIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    prompt: StrictStr | list[StrictStr]
    stream: StrictBool = False
    max_tokens: StrictInt | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0, le=2, strict=True)
    stop: StrictStr | list[StrictStr] | None = None


def _place(found: RawString) -> Place:
    if found.path == "/prompt" or found.path.startswith("/prompt/"):
        return Place(0, "user", conversational=found.part is Part.VALUE)
    return OUTSIDE


def place_all(body: Any) -> tuple[Segment, ...]:
    return segments(body, _place)


def parse(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: CompletionsRequestIn = validate(CompletionsRequestIn, data)
    return ParsedRequest(ENDPOINT, data, raw, place_all(data), model=parsed.model, stream=parsed.stream)
