"""``POST /v1/chat/completions``: the shared pipeline, then the backend's answer (restored when redacted)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api import forward
from gateway.auth import ClientKeyDep
from gateway.pipeline.parse import read_body
from gateway.services import Services
from gateway.wire import chat

router = APIRouter()
DOOR = forward.Door()


@router.post("/v1/chat/completions")
async def chat_completions(request: Request, key: ClientKeyDep) -> Response:
    services: Services = request.app.state.services
    parsed = chat.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    return await forward.run(request, services, DOOR, parsed, policy, key.name)
