"""The backend protocol: one small interface for every place a request can go.

A backend answers an OpenAI Chat Completions body, either whole or as
server-sent events. ``raw``, when given, is that body exactly as the client
sent it (nothing was redacted): a backend that forwards bytes sends these.
A failure to answer at all raises :class:`BackendError`; an answer that is
itself an error (an upstream 429, say) is a reply with its status code and
body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol


class BackendError(Exception):
    """The backend could not answer (connection refused, model failure)."""


class MalformedReply(BackendError):
    """The backend answered 200 with something its API does not promise (not JSON, not an object)."""


class ContextTooLong(BackendError):
    """The prompt is longer than the local model's context window: the client's to shorten (400)."""


class OverCapacity(BackendError):
    """Every local server is busy and the queue is full, or the wait ran out: try again later (429)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LocalUnavailable(BackendError):
    """No local server could answer (all down or failing): refused, never sent to the cloud (503)."""


@dataclass(frozen=True, slots=True)
class BackendReply:
    """A whole answer (``body``) or an open stream of SSE bytes (``chunks``)."""

    status_code: int
    body: dict[str, Any] | None = None
    chunks: AsyncIterator[bytes] | None = None
    server: str | None = None  # the local server that answered (``x-gateway-local-server``)


class Backend(Protocol):
    name: str

    async def complete(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply: ...

    async def stream(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply: ...

    async def aclose(self) -> None: ...


def sse_event(payload: str) -> bytes:
    return f"data: {payload}\n\n".encode()


SSE_DONE = sse_event("[DONE]")
