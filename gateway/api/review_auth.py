"""Reviewer authentication for ``/review/api``: the session cookie, CSRF and role checks.

Every state-changing request (POST, PUT, PATCH, DELETE) must carry the
session's CSRF token in ``X-CSRF-Token`` (synchronizer pattern) and, when the
browser sends an ``Origin``, come from the gateway's own origin. Sign-in, which
has no session yet, is accepted only as ``application/json`` (a cross-site
form cannot send that without a CORS preflight, which the gateway never
grants) and with the same ``Origin`` check.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends
from starlette.requests import Request

from gateway.errors import Forbidden, NotSignedIn, Unavailable
from gateway.review.accounts import Role
from gateway.review.sessions import COOKIE_NAME, CSRF_HEADER, Session, find_session
from gateway.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def check_origin(request: Request) -> None:
    """Refuse a request whose ``Origin`` is another site's."""
    origin = request.headers.get("origin")
    if origin is None:
        return
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if origin.rstrip("/") != own:
        raise Forbidden("Cross-origin requests are not accepted.", code="csrf_failed")


async def current_session(request: Request) -> Session:
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        raise NotSignedIn("Sign in to review the audit trail.")
    services: Services = request.app.state.services
    try:
        session = await anyio.to_thread.run_sync(find_session, services.engine, token)
    except Exception:
        raise Unavailable("The session store could not be read.", code="session_unavailable") from None
    if session is None:
        raise NotSignedIn("Your session has ended; sign in again.")
    if request.method not in SAFE_METHODS:
        check_origin(request)
        if not session.csrf_matches(request.headers.get(CSRF_HEADER)):
            raise Forbidden("Missing or wrong CSRF token (send the X-CSRF-Token header).", code="csrf_failed")
    return session


SessionDep = Annotated[Session, Depends(current_session)]


def requires(*roles: Role) -> Callable[[Session], Coroutine[Any, Any, Session]]:
    """A dependency: the session, if its reviewer has one of ``roles``; otherwise 403."""

    async def check(session: SessionDep) -> Session:
        if session.reviewer.role not in roles:
            allowed = " or ".join(r.value for r in roles)
            raise Forbidden(f"This needs the {allowed} role; you are signed in as {session.reviewer.role.value}.")
        return session

    return check


DecryptSession = Annotated[Session, Depends(requires(Role.OFFICER, Role.ADMIN))]
AdminSession = Annotated[Session, Depends(requires(Role.ADMIN))]
