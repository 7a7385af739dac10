"""``/review/api/reviewers``: admins manage reviewer accounts (each change is an audit event)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.api.review_auth import AdminSession
from gateway.audit.events import record_event
from gateway.errors import InvalidRequest, NotFound
from gateway.review.accounts import AccountError, create_reviewer, disable_reviewer, get_reviewer, list_reviewers
from gateway.services import Services

router = APIRouter(prefix="/review/api")


class NewReviewer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=100)
    role: str
    password: str = Field(max_length=1024)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


@router.get("/reviewers")
async def reviewers(request: Request, _: AdminSession) -> dict[str, Any]:
    found = await anyio.to_thread.run_sync(list_reviewers, _services(request).engine)
    return {"reviewers": [r.public() for r in found]}


@router.post("/reviewers", status_code=201)
async def create(request: Request, body: NewReviewer, session: AdminSession) -> dict[str, Any]:
    engine = _services(request).engine
    try:
        reviewer = await anyio.to_thread.run_sync(create_reviewer, engine, body.username, body.role, body.password)
    except AccountError as exc:
        raise InvalidRequest(str(exc)) from None
    details = {"username": reviewer.username, "role": reviewer.role.value}
    await anyio.to_thread.run_sync(record_event, engine, "reviewer_created", session.reviewer.username, None, details)
    return reviewer.public()


@router.post("/reviewers/{username}/disable")
async def disable(request: Request, username: str, session: AdminSession) -> dict[str, Any]:
    engine = _services(request).engine
    if await anyio.to_thread.run_sync(get_reviewer, engine, username) is None:
        raise NotFound("No reviewer has that username.")
    if username == session.reviewer.username:
        raise InvalidRequest("You cannot disable your own account.")
    reviewer = await anyio.to_thread.run_sync(disable_reviewer, engine, username)
    details = {"username": reviewer.username}
    await anyio.to_thread.run_sync(record_event, engine, "reviewer_disabled", session.reviewer.username, None, details)
    return reviewer.public()
