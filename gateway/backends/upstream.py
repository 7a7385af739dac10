"""The cloud upstream: any OpenAI-compatible endpoint, reached over aiohttp.

Bodies are forwarded byte for byte as the client sent them, unless redacted or
a configured model alias renames the model; streams
are passed through chunk by chunk as they arrive. aiohttp rather than httpx:
on this path httpx's connection pool cost about 1.5 ms per request at
concurrency 1 and capped a whole core at about 365 requests per second at
concurrency 16, against 0.6 ms and 4,000 for aiohttp (BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from gateway.backends.base import BackendError, BackendReply, MalformedReply

# Failures to get an answer at all; an answer with an error status is a reply, not one of these.
_FAILURES = (aiohttp.ClientError, asyncio.TimeoutError)


class UpstreamBackend:
    """An HTTP API upstream. ``complete``/``stream`` speak Chat Completions (the :class:`Backend`
    protocol); ``send`` posts any body to any path of the same API (Responses, embeddings, Messages)."""

    name = "upstream"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 120.0,
        aliases: dict[str, str] | None = None,
        auth: str = "bearer",
    ):
        self._base = base_url.rstrip("/")
        if not api_key:
            self._headers: dict[str, str] = {}
        elif auth == "x-api-key":  # Anthropic's form
            self._headers = {"x-api-key": api_key}
        else:
            self._headers = {"Authorization": f"Bearer {api_key}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, connect=10.0)
        self._aliases = aliases or {}
        self._session: aiohttp.ClientSession | None = None  # made in the serving event loop, on first use

    @property
    def auth_headers(self) -> dict[str, str]:
        return dict(self._headers)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # trust_env=False: no proxy or .netrc from the environment; only the configured upstream is reached.
            connector = aiohttp.TCPConnector(limit=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=self._timeout, connector=connector, trust_env=False
            )
        return self._session

    def _outgoing(self, body: dict[str, Any], raw: bytes | None, headers: dict[str, str] | None) -> dict[str, Any]:
        """aiohttp's arguments for the body: the bytes as the client sent them when nothing changed."""
        model = body.get("model")
        extra = dict(headers or {})
        if isinstance(model, str) and model in self._aliases:
            return {"json": {**body, "model": self._aliases[model]}, "headers": extra}
        if raw is not None:
            return {"data": raw, "headers": {**extra, "content-type": "application/json"}}
        return {"json": body, "headers": extra}

    async def complete(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        return await self.send("/chat/completions", body, raw)

    async def stream(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        return await self.send("/chat/completions", body, raw, stream=True)

    async def send(
        self,
        path: str,
        body: dict[str, Any],
        raw: bytes | None = None,
        *,
        stream: bool = False,
        headers: dict[str, str] | None = None,
    ) -> BackendReply:
        """POST ``body`` to ``path``; ``headers`` are the client's headers this API passes through."""
        if stream:
            return await self._stream(self._base + path, self._outgoing(body, raw, headers))
        return await self._complete(self._base + path, self._outgoing(body, raw, headers))

    async def _complete(self, url: str, outgoing: dict[str, Any]) -> BackendReply:
        try:
            async with self._client().post(url, **outgoing) as response:
                payload = await response.read()
                status = response.status
        except _FAILURES as exc:
            raise BackendError(f"upstream request failed: {type(exc).__name__}") from exc
        if status == 200 and _json_object(payload) is None:
            raise MalformedReply("upstream answered 200 with a body that is not a JSON object")
        return BackendReply(status_code=status, body=_json_or_error(status, payload))

    async def _stream(self, url: str, outgoing: dict[str, Any]) -> BackendReply:
        try:
            response = await self._client().post(url, **outgoing)
        except _FAILURES as exc:
            raise BackendError(f"upstream request failed: {type(exc).__name__}") from exc
        if response.status != 200:
            try:
                payload = await response.read()
            except _FAILURES as exc:
                raise BackendError(f"upstream request failed: {type(exc).__name__}") from exc
            finally:
                response.release()
            return BackendReply(status_code=response.status, body=_json_or_error(response.status, payload))
        return BackendReply(status_code=200, chunks=_passthrough(response))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _passthrough(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.content.iter_any():
            yield chunk
    except _FAILURES as exc:
        raise BackendError(f"upstream stream failed: {type(exc).__name__}") from exc
    finally:
        response.release()


def _json_object(payload: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _json_or_error(status: int, payload: bytes) -> dict[str, Any]:
    data = _json_object(payload)
    if data is not None:
        return data
    return {
        "error": {
            "message": f"The upstream answered with HTTP {status} and a body that is not JSON.",
            "type": "upstream_error",
            "code": "upstream_bad_response",
            "param": None,
        }
    }
