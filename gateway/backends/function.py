"""A backend made of a function, as httpx's ``MockTransport`` is a transport made of one.

``FunctionBackend(handler)`` answers every call with ``handler(call)``, where
``call`` is the :class:`BackendCall` (the body, the raw bytes when nothing was
changed, whether a stream was asked for). The handler returns a
:class:`BackendReply` or a plain dict (a 200 answer with that body), may be a
coroutine function, and may raise :class:`BackendError` like any backend that
cannot answer. Each call is kept in ``calls``, so a test sees exactly what
would have left the gateway.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gateway.backends.base import BackendReply


@dataclass(frozen=True, slots=True)
class BackendCall:
    body: dict[str, Any]
    raw: bytes | None
    stream: bool


Handler = Callable[[BackendCall], BackendReply | dict[str, Any] | Awaitable[BackendReply | dict[str, Any]]]


class FunctionBackend:
    def __init__(self, handler: Handler, name: str = "function") -> None:
        self.handler = handler
        self.name = name
        self.calls: list[BackendCall] = []
        self.closed = False

    async def _call(self, call: BackendCall) -> BackendReply:
        self.calls.append(call)
        reply = self.handler(call)
        if inspect.isawaitable(reply):
            reply = await reply
        return reply if isinstance(reply, BackendReply) else BackendReply(200, body=reply)

    async def complete(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        return await self._call(BackendCall(body, raw, stream=False))

    async def stream(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        return await self._call(BackendCall(body, raw, stream=True))

    async def aclose(self) -> None:
        self.closed = True
