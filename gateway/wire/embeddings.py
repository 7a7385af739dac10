"""OpenAI embeddings (``POST /v1/embeddings``): RAG pipelines send whole documents here.

``input`` is a string or a list of strings, each inspected; token-id arrays
(lists of integers) cannot be read as text, so they are unscannable.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from gateway.pipeline.parse import OUTSIDE, ParsedRequest, Place, load_json, segments, validate
from gateway.pipeline.segments import RawString
from gateway.types import Segment

ENDPOINT = "embeddings"


class EmbeddingsRequestIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    input: StrictStr | list[StrictStr] | list[StrictInt] | list[list[StrictInt]]

    @field_validator("input")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        items = [value] if isinstance(value, str) else value
        if not items or any(item == "" or item == [] for item in items):
            raise ValueError("input must not be empty, nor hold an empty string (as OpenAI's API requires)")
        return value


def _place(found: RawString) -> Place:
    return Place(None, "user") if found.path.startswith("/input") else OUTSIDE


def has_token_ids(body: Any) -> bool:
    value = body.get("input") if isinstance(body, dict) else None
    return isinstance(value, list) and any(not isinstance(item, str) for item in value)


def place_all(body: Any) -> tuple[Segment, ...]:
    found = segments(body, _place)
    if has_token_ids(body):
        # Token ids: the gateway has no tokenizer of the upstream's model to read them with.
        found = (*found, Segment(None, "user", "", "/input", opaque=True, conversational=False))
    return found


def parse(raw: bytes) -> ParsedRequest:
    data = load_json(raw)
    parsed: EmbeddingsRequestIn = validate(EmbeddingsRequestIn, data)
    return ParsedRequest(ENDPOINT, data, raw, place_all(data), model=parsed.model)


def texts(body: dict[str, Any]) -> list[str]:
    """The texts to embed (for the local embedding backend)."""
    value = body.get("input")
    return [value] if isinstance(value, str) else [item for item in value if isinstance(item, str)]
