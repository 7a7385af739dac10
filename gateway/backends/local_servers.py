"""The on-premise model servers a site runs (vLLM, Ollama, llama.cpp's server, NVIDIA NIM, TGI).

``GATEWAY_LOCAL_URLS`` lists OpenAI-compatible servers; together they serve the
local route. A request goes to the healthy server with the fewest requests in
flight; a server that fails (refused, timed out, 5xx, an answer that is not
JSON) is taken out and probed back (``GET /models``) after a pause, and the
request tries the next one. When none can answer the request is refused
(:class:`LocalUnavailable`): never sent to the cloud.

Capacity: each server takes ``max_concurrency`` requests at a time; further
requests wait in a bounded queue and, when it is full or the wait runs out,
get :class:`OverCapacity` (429 with ``Retry-After``), not a 503 that invites
blind retries. A prompt over a server's window is :class:`ContextTooLong` (400).
The whole chat body passes through (``n``, ``response_format``, ``tools``,
``stream_options``...) with ``model`` set to the server's own model id.

Several models: when the request's ``model`` is the id of some server's model
(``GATEWAY_LOCAL_MODELS``, or what its ``/models`` said), only the servers of that
model serve it, and with all of them down it is refused: a policy's ``local_model``
(a clinical model for ``healthcare``) sets it. Any other name (``gpt-4o``) may go
to any server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from gateway.backends.base import (
    BackendError,
    BackendReply,
    ContextTooLong,
    LocalUnavailable,
    MalformedReply,
    OverCapacity,
)
from gateway.backends.upstream import UpstreamBackend

log = logging.getLogger(__name__)


@dataclass
class LocalServer:
    url: str
    name: str
    model: str | None  # configured, or discovered from GET /models
    client: UpstreamBackend
    healthy: bool = True
    retry_at: float = 0.0
    inflight: int = 0
    served: int = 0  # requests given to it: ties in load go to the one that served fewest (round robin)
    failures: int = field(default=0)

    def available(self, now: float) -> bool:
        return self.healthy or now >= self.retry_at


def server_name(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc or url


class LocalServerPool:
    """A :class:`gateway.backends.base.Backend` over several OpenAI-compatible local servers."""

    name = "local"

    def __init__(
        self,
        urls: list[str],
        api_key: str | None = None,
        *,
        models: dict[str, str] | None = None,
        timeout_s: float = 300.0,
        max_concurrency: int = 4,
        queue: int = 64,
        queue_timeout_s: float = 30.0,
        retry_after_s: float = 5.0,
    ) -> None:
        if not urls:
            raise ValueError("no local server URLs")
        self.servers = [
            LocalServer(
                url.rstrip("/"),
                server_name(url),
                (models or {}).get(server_name(url)),
                UpstreamBackend(url, api_key, timeout_s=timeout_s),
            )
            for url in urls
        ]
        self._max_concurrency = max_concurrency
        self._queue = queue
        self._queue_timeout_s = queue_timeout_s
        self._retry_after_s = retry_after_s
        self._waiting = 0
        self._freed: asyncio.Condition | None = None

    @property
    def model_name(self) -> str:
        return next((s.model for s in self.servers if s.model), self.servers[0].name)

    # ---- health -------------------------------------------------------------------------------

    async def check(self) -> dict[str, bool]:
        """Probe every server now (``GET /models``, a few seconds at most): name -> up."""
        results = await asyncio.gather(*(self._probe(server) for server in self.servers))
        return {server.name: up for server, up in zip(self.servers, results, strict=True)}

    async def _probe(self, server: LocalServer) -> bool:
        timeout = aiohttp.ClientTimeout(total=3.0)
        try:
            async with aiohttp.ClientSession(timeout=timeout, trust_env=False) as session:
                async with session.get(server.url + "/models", headers=server.client.auth_headers) as response:
                    payload = await response.read()
                    up = response.status == 200
        except (aiohttp.ClientError, TimeoutError):
            up = False
        if up and server.model is None:
            try:
                server.model = json.loads(payload)["data"][0]["id"]
            except (ValueError, KeyError, IndexError, TypeError):
                pass
        self._mark(server, up)
        return up

    def _mark(self, server: LocalServer, up: bool) -> None:
        if up and not server.healthy:
            log.warning("local server %s is back", server.name)
        if not up and server.healthy:
            log.warning("local server %s is down; probed again in %.0f s", server.name, self._retry_after_s)
        server.healthy = up
        server.failures = 0 if up else server.failures + 1
        server.retry_at = 0.0 if up else time.monotonic() + self._retry_after_s * min(server.failures, 6)

    # ---- capacity -----------------------------------------------------------------------------

    def _serving(self, model: str | None) -> list[LocalServer]:
        """The servers of the model asked for when some server has it (by its id); otherwise all."""
        chosen = [s for s in self.servers if model is not None and s.model == model]
        return chosen or self.servers

    def _pick(self, tried: set[str], model: str | None) -> LocalServer | None:
        now = time.monotonic()
        candidates = [s for s in self._serving(model) if s.name not in tried and s.available(now)]
        free = [s for s in candidates if s.inflight < self._max_concurrency]
        return min(free, key=lambda s: (not s.healthy, s.inflight, s.served), default=None)

    async def _acquire(self, tried: set[str], model: str | None) -> LocalServer | None:
        """A server with room, waiting in the bounded queue if all are busy; None if none is available."""
        if self._freed is None:
            self._freed = asyncio.Condition()
        now = time.monotonic()
        if not any(s.name not in tried and s.available(now) for s in self._serving(model)):
            return None
        server = self._pick(tried, model)
        if server is None:
            if self._waiting >= self._queue:
                raise OverCapacity("every local server is busy and the queue is full", int(self._retry_after_s))
            self._waiting += 1
            try:
                async with self._freed:
                    deadline = time.monotonic() + self._queue_timeout_s
                    while (server := self._pick(tried, model)) is None:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise OverCapacity("no local server was free in time", int(self._retry_after_s))
                        try:
                            await asyncio.wait_for(self._freed.wait(), left)
                        except TimeoutError:
                            continue
            finally:
                self._waiting -= 1
        server.inflight += 1
        server.served += 1
        return server

    async def _release(self, server: LocalServer) -> None:
        server.inflight -= 1
        if self._freed is not None:
            async with self._freed:
                self._freed.notify()

    # ---- requests -----------------------------------------------------------------------------

    async def complete(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        return await self._call("/chat/completions", body, stream=False)

    async def stream(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        return await self._call("/chat/completions", body, stream=True)

    async def embed(self, texts: list[str]) -> BackendReply:
        return await self._call("/embeddings", {"input": texts}, stream=False)

    async def _call(self, path: str, body: dict[str, Any], *, stream: bool) -> BackendReply:
        tried: set[str] = set()
        model = body.get("model") if isinstance(body.get("model"), str) else None
        while (server := await self._acquire(tried, model)) is not None:
            tried.add(server.name)
            outgoing = {**body, "model": server.model or body.get("model")}
            released = False
            try:
                reply = await server.client.send(path, outgoing, stream=stream)
                if reply.status_code >= 500:
                    raise BackendError(f"local server answered HTTP {reply.status_code}")
                if reply.status_code == 400 and _context_exceeded(reply.body):
                    raise ContextTooLong("the prompt is longer than the local model's context window")
                if stream and reply.chunks is not None:
                    released = True  # the stream holds the server's slot until it ends
                    chunks = self._held(server, reply.chunks)
                    return BackendReply(reply.status_code, None, chunks, server.name)
                self._mark(server, True)
                return BackendReply(reply.status_code, reply.body, None, server.name)
            except ContextTooLong:
                raise
            except (BackendError, MalformedReply) as exc:
                log.warning("local server %s failed (%s); trying another", server.name, exc)
                self._mark(server, False)
            finally:
                if not released:
                    await self._release(server)
        raise LocalUnavailable("no local server could answer")

    async def _held(self, server: LocalServer, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        try:
            async for chunk in chunks:
                yield chunk
        except BackendError:
            self._mark(server, False)
            raise
        finally:
            await self._release(server)

    def health(self) -> dict[str, bool]:
        return {server.name: server.healthy for server in self.servers}

    async def aclose(self) -> None:
        for server in self.servers:
            await server.client.aclose()


def _context_exceeded(body: dict[str, Any] | None) -> bool:
    error = (body or {}).get("error")
    if not isinstance(error, dict):
        return False
    message = str(error.get("message", "")).lower()
    return error.get("code") == "context_length_exceeded" or "context length" in message or "context window" in message
