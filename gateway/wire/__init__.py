"""Wire formats: one module per API, at the edge of the pipeline.

Each turns a body into a :class:`gateway.pipeline.parse.ParsedRequest` (its
shape validated, every string a segment placed in its message); nothing past
this edge knows an API's field names. Redaction puts segments back by JSON
pointer, so it needs nothing from the format.
"""

from __future__ import annotations

from typing import Any

from gateway.types import Segment
from gateway.wire import chat, completions, embeddings, inspect, messages, responses

FORMATS = {
    chat.ENDPOINT: chat,
    inspect.ENDPOINT: inspect,
    messages.ENDPOINT: messages,
    messages.COUNT_ENDPOINT: messages,
    responses.ENDPOINT: responses,
    embeddings.ENDPOINT: embeddings,
    completions.ENDPOINT: completions,
}


def stored_segments(endpoint: str, body: Any) -> tuple[Segment, ...]:
    """The segments of a body that was accepted earlier (for showing an audit record's findings)."""
    wire = FORMATS.get(endpoint, chat)
    return wire.place_all(body)
