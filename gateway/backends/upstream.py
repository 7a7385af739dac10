"""The cloud upstream: any OpenAI-compatible endpoint, reached over httpx.

Bodies are forwarded unchanged except for a configured model alias; streams
are passed through byte for byte.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from gateway.backends.base import BackendError, BackendReply


class UpstreamBackend:
    name = "upstream"

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 120.0,
        aliases: dict[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=10.0),
            transport=transport,
            trust_env=False,
        )
        self._aliases = aliases or {}

    def _outgoing(self, body: dict[str, Any]) -> dict[str, Any]:
        model = body.get("model")
        if isinstance(model, str) and model in self._aliases:
            return {**body, "model": self._aliases[model]}
        return body

    async def complete(self, body: dict[str, Any]) -> BackendReply:
        try:
            response = await self._client.post("chat/completions", json=self._outgoing(body))
        except httpx.HTTPError as exc:
            raise BackendError(f"upstream request failed: {type(exc).__name__}") from exc
        return BackendReply(status_code=response.status_code, body=_json_or_error(response))

    async def stream(self, body: dict[str, Any]) -> BackendReply:
        request = self._client.build_request("POST", "chat/completions", json=self._outgoing(body))
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise BackendError(f"upstream request failed: {type(exc).__name__}") from exc
        if response.status_code != 200:
            try:
                await response.aread()
            finally:
                await response.aclose()
            return BackendReply(status_code=response.status_code, body=_json_or_error(response))
        return BackendReply(status_code=200, chunks=_passthrough(response))

    async def aclose(self) -> None:
        await self._client.aclose()


async def _passthrough(response: httpx.Response) -> AsyncIterator[bytes]:
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        raise BackendError(f"upstream stream failed: {type(exc).__name__}") from exc
    finally:
        await response.aclose()


def _json_or_error(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
        if isinstance(data, dict):
            return data
    except ValueError:
        pass
    return {
        "error": {
            "message": f"The upstream answered with HTTP {response.status_code} and a body that is not JSON.",
            "type": "upstream_error",
            "code": "upstream_bad_response",
            "param": None,
        }
    }
