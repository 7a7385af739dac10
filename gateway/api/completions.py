"""``POST /v1/completions``: legacy text completions, inspected like a chat."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api import forward
from gateway.auth import ClientKeyDep
from gateway.pipeline.parse import read_body
from gateway.services import Services
from gateway.translate import completions as translate
from gateway.wire import completions

router = APIRouter()
DOOR = forward.Door(
    path="/completions",
    to_chat=translate.to_chat,
    from_chat=translate.from_chat,
    stream_from_chat=translate.stream_from_chat,
    stream_shape=translate.CompletionsStream(),
)


@router.post("/v1/completions")
async def create_completion(request: Request, key: ClientKeyDep) -> Response:
    services: Services = request.app.state.services
    parsed = completions.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    return await forward.run(request, services, DOOR, parsed, policy, key.name)
