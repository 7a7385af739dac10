"""Parse stage: turn a raw HTTP body into a typed request, or a clear 4xx.

The original JSON is kept as it came so that an allowed request is forwarded
unchanged. Each wire format (``gateway.wire``) validates its own shape and
says which message each string belongs to; every string of the body, known
field or not, becomes a :class:`gateway.types.Segment` (see
:mod:`gateway.pipeline.segments`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from gateway.errors import InvalidRequest, PayloadTooLarge
from gateway.pipeline.segments import RawString, walk
from gateway.types import Segment


@dataclass(frozen=True, slots=True)
class ParsedRequest:
    """A request as every later stage sees it, whatever door it came through."""

    endpoint: str
    body: dict[str, Any]
    raw: bytes
    segments: tuple[Segment, ...]
    model: str | None = None
    stream: bool = False
    policy: str | None = None  # a policy the body itself names (``/v1/inspect``)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


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


def load_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidRequest("Request body is nested too deeply to be read.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        # The position is safe to report; the document's text is not echoed.
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        raise InvalidRequest(f"Request body is not valid JSON{where}.") from None


_BRANCH_NAMES = {"str": "a string", "list[ContentPart]": "a list of content parts", "list[ToolCall]": "a list"}


def validate(model: type[BaseModel], data: Any) -> Any:
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


@dataclass(frozen=True, slots=True)
class Place:
    """What a wire format says about one string: its message (None outside the messages), whether a
    person wrote it there, and whether it may be rewritten or read at all (see :class:`Segment`)."""

    index: int | None = None
    role: str | None = None
    conversational: bool = False
    rewritable: bool = True
    opaque: bool = False


OUTSIDE = Place()
Placement = Callable[[RawString], Place]


def segments(body: Any, place: Placement) -> tuple[Segment, ...]:
    """Every string of ``body`` as a segment, placed in its message by the wire format's ``place``."""
    out = []
    for found in walk(body):
        where = place(found)
        out.append(
            Segment(
                where.index,
                where.role,
                found.text,
                found.path,
                found.part,
                where.conversational,
                rewritable=where.rewritable,
                opaque=where.opaque,
            )  # fmt: skip
        )
    return tuple(out)
