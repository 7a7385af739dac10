"""The dry run (``POST /v1/inspect`` and ``gateway scan``): chat ``messages`` or one ``input`` text."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.pipeline.parse import ParsedRequest, Place, load_json, segments, validate
from gateway.pipeline.segments import RawString
from gateway.types import Part, Segment
from gateway.wire import chat

ENDPOINT = "inspect"


class InspectRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str | None = None
    messages: list[chat.ChatMessageIn] | None = Field(default=None, min_length=1)
    input: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> InspectRequestIn:
        if (self.messages is None) == (self.input is None):
            raise ValueError("give exactly one of 'messages' or 'input'")
        return self


def place_all(body: Any) -> tuple[Segment, ...]:
    body = body if isinstance(body, dict) else {}
    in_messages = chat.placement(body)

    def place(found: RawString) -> Place:
        if found.path == "/input" and found.part is Part.VALUE:  # the text is the user's turn; its key is not
            return Place(0, "user", conversational=True)
        return in_messages(found)

    # The policy's name is an instruction to the gateway, not content: every other string is inspected.
    return tuple(s for s in segments(body, place) if (s.path, s.part) != ("/policy", Part.VALUE))


def parse(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: InspectRequestIn = validate(InspectRequestIn, data)
    return ParsedRequest(endpoint=ENDPOINT, body=data, raw=raw, segments=place_all(data), policy=parsed.policy)


def of_text(text: str, policy: str) -> ParsedRequest:
    """The request ``gateway scan`` inspects: the same as ``{"policy": ..., "input": text}`` sent to /v1/inspect."""
    body = {"policy": policy, "input": text}
    return ParsedRequest(
        endpoint=ENDPOINT, body=body, raw=json.dumps(body).encode(), segments=place_all(body), policy=policy
    )
