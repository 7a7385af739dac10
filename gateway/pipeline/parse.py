"""Parse stage: turn a raw HTTP body into a typed request, or a clear 4xx.

The original JSON is kept as it came so that an allowed request is forwarded
unchanged; the messages are flattened into :class:`gateway.types.Message`
texts for inspection.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator
from starlette.requests import Request

from gateway.errors import InvalidRequest, PayloadTooLarge
from gateway.types import Message


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


class InspectRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: str | None = None
    messages: list[ChatMessageIn] | None = Field(default=None, min_length=1)
    input: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> InspectRequestIn:
        if (self.messages is None) == (self.input is None):
            raise ValueError("give exactly one of 'messages' or 'input'")
        return self


@dataclass(frozen=True, slots=True)
class ChatRequest:
    body: dict[str, Any]
    sha256: str
    model: str
    stream: bool
    messages: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class InspectRequest:
    sha256: str
    policy: str | None
    messages: tuple[Message, ...]


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing (413) anything over ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"Request body is over the limit of {limit} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"Request body is over the limit of {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def _load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # The position is safe to report; the document's text is not echoed.
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidRequest(f"Request body is not valid JSON{where}.") from None


_BRANCH_NAMES = {"str": "a string", "list[ContentPart]": "a list of content parts", "list[ToolCall]": "a list"}


def _validate(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise InvalidRequest("Request body must be a JSON object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        message, field = _describe(exc.errors())
        raise InvalidRequest(message, param=field) from None


def _describe(errors: list[Any]) -> tuple[str, str | None]:
    """One clear message for pydantic's errors: the deepest problem, union branches named in words."""
    described = []
    for err in errors:
        loc = [str(part) for part in err["loc"]]
        branches = [part for part in loc if part in _BRANCH_NAMES or "[" in part]
        path = [part for part in loc if part not in branches]
        message = "field required" if err["type"] == "missing" else err["msg"]
        described.append((path, branches, message))
    deepest = max(len(path) for path, _, _ in described)
    at_deepest = [item for item in described if len(item[0]) == deepest]
    path, _, message = at_deepest[0]
    branches = sorted({b for _, bs, _ in at_deepest for b in bs})
    if len(at_deepest) > 1 and branches:
        message = "wrong type: expected " + " or ".join(_BRANCH_NAMES.get(b, b) for b in branches)
    field = ".".join(path) or None
    return (f"{field}: {message}" if field else message), field


def text_segments(message: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """The inspected texts of one raw message, each with the path that holds it.

    Paths index into the message dict: ``("content",)``, ``("content", 2, "text")``,
    ``("tool_calls", 0, "function", "arguments")``. A message's inspected text is
    these texts joined by a newline (see :class:`gateway.types.Message`).
    """
    segments: list[tuple[tuple[Any, ...], str]] = []
    content = message.get("content")
    if isinstance(content, str):
        segments.append((("content",), content))
    elif isinstance(content, list):
        for i, part in enumerate(content):
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                segments.append((("content", i, "text"), part["text"]))
    for i, call in enumerate(message.get("tool_calls") or ()):
        function = call.get("function") if isinstance(call, dict) else None
        if isinstance(function, dict) and isinstance(function.get("arguments"), str) and function["arguments"]:
            segments.append((("tool_calls", i, "function", "arguments"), function["arguments"]))
    return segments


def message_text(message: dict[str, Any]) -> str:
    return "\n".join(text for _, text in text_segments(message))


def _messages(raw_messages: list[dict[str, Any]]) -> tuple[Message, ...]:
    return tuple(Message(index=i, role=m["role"], text=message_text(m)) for i, m in enumerate(raw_messages))


def parse_chat(raw: bytes) -> ChatRequest:
    data = _load_json(raw)
    parsed: ChatRequestIn = _validate(ChatRequestIn, data)
    return ChatRequest(
        body=data,
        sha256=hashlib.sha256(raw).hexdigest(),
        model=parsed.model,
        stream=parsed.stream,
        messages=_messages(data["messages"]),
    )


def parse_inspect(raw: bytes) -> InspectRequest:
    data = _load_json(raw)
    parsed: InspectRequestIn = _validate(InspectRequestIn, data)
    if parsed.input is not None:
        messages: tuple[Message, ...] = (Message(index=0, role="user", text=parsed.input),)
    else:
        messages = _messages(data["messages"])
    return InspectRequest(sha256=hashlib.sha256(raw).hexdigest(), policy=parsed.policy, messages=messages)
