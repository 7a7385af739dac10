"""``/review/api/session``: reviewer sign-in, the current session, sign-out."""

from __future__ import annotations

from datetime import timedelta

import anyio.to_thread
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.review_auth import SessionDep, check_origin
from gateway.errors import InvalidRequest, NotSignedIn, TooManyAttempts
from gateway.review.accounts import iso, sign_in
from gateway.review.ratelimit import FailureWindow
from gateway.review.sessions import COOKIE_NAME, Session, end_session, start_session
from gateway.services import Services

router = APIRouter(prefix="/review/api")

ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW_S = 15 * 60


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


def session_body(session: Session) -> dict[str, object]:
    return {
        "username": session.reviewer.username,
        "role": session.reviewer.role.value,
        "may_decrypt": session.reviewer.role.may_decrypt,
        "may_manage_reviewers": session.reviewer.role.may_manage_reviewers,
        "csrf_token": session.csrf_token,
        "expires_at": iso(session.expires_at),
    }


def limiter(request: Request) -> FailureWindow:
    state = request.app.state
    if not hasattr(state, "review_sign_in_failures"):
        services: Services = state.services
        state.review_sign_in_failures = FailureWindow(services.engine, ADDRESS_MAX_FAILURES, ADDRESS_WINDOW_S)
    window: FailureWindow = state.review_sign_in_failures
    return window


@router.post("/session")
async def create_session(request: Request, body: SignIn, response: Response) -> dict[str, object]:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise InvalidRequest("Send the sign-in as application/json.")
    check_origin(request)
    services: Services = request.app.state.services
    settings = services.settings
    address = request.client.host if request.client else "unknown"
    failures = limiter(request)
    if await anyio.to_thread.run_sync(failures.blocked, address):
        raise TooManyAttempts("Too many failed sign-ins from this address; try again later.")
    result = await anyio.to_thread.run_sync(
        lambda: sign_in(
            services.engine,
            body.username,
            body.password,
            max_failures=settings.review_max_failed_logins,
            lockout=timedelta(minutes=settings.review_lockout_minutes),
        )
    )
    if result.reviewer is None:
        await anyio.to_thread.run_sync(failures.fail, address)
        if result.locked:
            raise TooManyAttempts("This account is locked after repeated failed sign-ins; try again later.")
        raise NotSignedIn("Wrong username or password, or the account is disabled.")
    await anyio.to_thread.run_sync(failures.clear, address)
    lifetime = timedelta(minutes=settings.review_session_minutes)
    token, session = await anyio.to_thread.run_sync(start_session, services.engine, result.reviewer, lifetime)
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=int(lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=settings.review_cookie_secure or request.url.scheme == "https",
    )
    return session_body(session)


@router.get("/session")
async def get_session(session: SessionDep) -> dict[str, object]:
    return session_body(session)


@router.delete("/session", status_code=204)
async def delete_session(request: Request, session: SessionDep) -> Response:
    services: Services = request.app.state.services
    await anyio.to_thread.run_sync(end_session, services.engine, request.cookies[COOKIE_NAME])
    response = Response(status_code=204)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response
