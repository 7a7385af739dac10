"""``POST /v1/messages`` and ``/v1/messages/count_tokens``: Anthropic Messages, as Claude Code sends it.

Allowed requests go to ``GATEWAY_ANTHROPIC_UPSTREAM_URL`` byte for byte with the
client's ``anthropic-version`` and ``anthropic-beta`` headers; requests kept
on premises are answered by the local route in Messages format. Errors are in
Anthropic's shape (``gateway.errors.respond``).
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway import sse
from gateway.api import forward
from gateway.auth import ClientKeyDep
from gateway.errors import respond
from gateway.pipeline.parse import read_body
from gateway.pipeline.run import Refuse
from gateway.services import Services
from gateway.translate import messages as translate
from gateway.types import Route
from gateway.wire import messages

router = APIRouter()
PASSED_HEADERS = ("anthropic-version", "anthropic-beta")

DOOR = forward.Door(
    path="/v1/messages",
    upstream=lambda services: services.anthropic,
    headers=PASSED_HEADERS,
    to_chat=translate.to_chat,
    from_chat=translate.from_chat,
    stream_from_chat=translate.stream_from_chat,
    stream_shape=translate.MessagesStream(),
    stream_error=lambda: sse.encode(
        {"type": "error", "error": {"type": "api_error", "message": "The model stream was interrupted."}}, "error"
    ),
)
COUNT_DOOR = forward.Door(path="/v1/messages/count_tokens", upstream=DOOR.upstream, headers=PASSED_HEADERS)


@router.post("/v1/messages")
async def create_message(request: Request, key: ClientKeyDep) -> Response:
    services: Services = request.app.state.services
    parsed = messages.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    return await forward.run(request, services, DOOR, parsed, policy, key.name)


@router.post("/v1/messages/count_tokens")
async def count_tokens(request: Request, key: ClientKeyDep) -> Response:
    """Inspected like a message (it carries the whole conversation); counted locally when it must stay."""
    started = time.perf_counter()
    services: Services = request.app.state.services
    parsed = messages.parse_count(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    verdict = await services.pipeline.run(parsed, policy, key.name, upstream=services.anthropic is not None)
    if isinstance(verdict, Refuse):
        return respond(request, verdict.error)
    if verdict.route is Route.UPSTREAM:
        return await forward.answer(request, services, COUNT_DOOR, verdict, started)
    return forward.completed(services, verdict, translate.count_tokens(translate.to_chat(verdict.body)), started)
