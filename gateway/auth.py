"""Client authentication: ``Authorization: Bearer <client key>`` on every ``/v1`` call."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import Depends
from starlette.requests import Request

from gateway.errors import RateLimited, Unauthenticated, Unavailable
from gateway.keys import ClientKey, authenticate
from gateway.services import Services


def _presented(request: Request) -> str | None:
    """The key the client sent: ``Authorization: Bearer``, or Anthropic's ``x-api-key``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    api_key = request.headers.get("x-api-key", "").strip()
    return api_key or None


async def client_key(request: Request) -> ClientKey:
    token = _presented(request)
    if token is None:
        raise Unauthenticated("Missing API key: send 'Authorization: Bearer <client key>' (or 'x-api-key').")
    services: Services = request.app.state.services
    try:
        key = await anyio.to_thread.run_sync(authenticate, services.engine, token)
    except Exception:
        raise Unavailable(
            "The key store could not be read; the request was refused.", code="auth_unavailable"
        ) from None
    if key is None:
        raise Unauthenticated("Invalid API key: it is unknown or has been revoked.")
    await _within_rate_limit(services, key)
    return key


async def _within_rate_limit(services: Services, key: ClientKey) -> None:
    """``GATEWAY_RATE_LIMIT_PER_MINUTE``, per client key, shared by every process on the store."""
    limit = services.request_limit
    if limit is None:
        return
    try:
        verdict = await anyio.to_thread.run_sync(limit.hit, key.name)
    except Exception:
        raise Unavailable(
            "The rate-limit store could not be read; the request was refused.", code="rate_limit_unavailable"
        ) from None
    if not verdict.allowed:
        raise RateLimited(
            f"This key's rate limit of {limit.limit} requests per minute is reached; "
            "retry after the time in Retry-After.",
            headers={"retry-after": str(verdict.retry_after_s)},
        )


ClientKeyDep = Annotated[ClientKey, Depends(client_key)]
"""The authenticated client key, as a FastAPI dependency."""
