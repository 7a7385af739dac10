"""Client authentication: ``Authorization: Bearer <client key>`` on every ``/v1`` call."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import Depends
from starlette.requests import Request

from gateway.errors import Unauthenticated, Unavailable
from gateway.keys import ClientKey, authenticate
from gateway.services import Services


async def client_key(request: Request) -> ClientKey:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Missing API key: send 'Authorization: Bearer <client key>'.")
    services: Services = request.app.state.services
    try:
        key = await anyio.to_thread.run_sync(authenticate, services.engine, token.strip())
    except Exception:
        raise Unavailable(
            "The key store could not be read; the request was refused.", code="auth_unavailable"
        ) from None
    if key is None:
        raise Unauthenticated("Invalid API key: it is unknown or has been revoked.")
    return key


ClientKeyDep = Annotated[ClientKey, Depends(client_key)]
"""The authenticated client key, as a FastAPI dependency."""
