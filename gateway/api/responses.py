"""``POST /v1/responses``: OpenAI Responses (Codex CLI), on the shared pipeline.

Allowed requests go to ``GATEWAY_UPSTREAM_URL`` + ``/responses`` byte for byte;
requests kept on premises are answered by the local route in Responses format.
``previous_response_id`` names conversation state held by the upstream: the
new input is inspected like any other, and a request that must stay on
premises cannot use it (the local route holds no such state): 400.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway import sse
from gateway.api import forward
from gateway.auth import ClientKeyDep
from gateway.errors import InvalidRequest, respond
from gateway.pipeline.parse import read_body
from gateway.pipeline.run import Refuse
from gateway.services import Services
from gateway.translate import responses as translate
from gateway.types import Route
from gateway.wire import responses

router = APIRouter()
DOOR = forward.Door(
    path="/responses",
    to_chat=translate.to_chat,
    from_chat=translate.from_chat,
    stream_from_chat=translate.stream_from_chat,
    stream_shape=translate.ResponsesStream(),
    stream_error=lambda: sse.encode(
        {"type": "error", "code": "stream_interrupted", "message": "The model stream was interrupted."}, "error"
    ),
)


@router.post("/v1/responses")
async def create_response(request: Request, key: ClientKeyDep) -> Response:
    started = time.perf_counter()
    services: Services = request.app.state.services
    parsed = responses.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    verdict = await services.pipeline.run(parsed, policy, key.name, upstream=services.upstream is not None)
    if isinstance(verdict, Refuse):
        return respond(request, verdict.error)
    if verdict.route is Route.LOCAL and parsed.body.get("previous_response_id"):
        error = InvalidRequest(
            "This request must be answered on premises, where 'previous_response_id' has no stored "
            "conversation: send the whole conversation in 'input' (with store: false).",
            param="previous_response_id",
        )
        return await forward.refuse_forwarded(
            request, services, verdict, error, started, "previous_response_id on the local route"
        )
    return await forward.answer(request, services, DOOR, verdict, started)
