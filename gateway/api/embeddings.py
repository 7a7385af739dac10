"""``POST /v1/embeddings``: allowed inputs go upstream, inputs that must stay are embedded locally.

RAG pipelines send whole documents here. With no local embedding backend a
request that must stay is refused with a clear reason, never sent out.
"""

from __future__ import annotations

import logging
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gateway.api import forward
from gateway.audit.schema import Status
from gateway.auth import ClientKeyDep
from gateway.backends.base import BackendError
from gateway.errors import Unavailable, respond
from gateway.pipeline.parse import read_body
from gateway.pipeline.run import Refuse
from gateway.services import Services
from gateway.types import Route
from gateway.wire import embeddings

log = logging.getLogger(__name__)
router = APIRouter()
DOOR = forward.Door(path="/embeddings")


@router.post("/v1/embeddings")
async def create_embeddings(request: Request, key: ClientKeyDep) -> Response:
    started = time.perf_counter()
    services: Services = request.app.state.services
    parsed = embeddings.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    verdict = await services.pipeline.run(parsed, policy, key.name, upstream=services.upstream is not None)
    if isinstance(verdict, Refuse):
        return respond(request, verdict.error)
    if verdict.route is Route.UPSTREAM:
        return await forward.answer(request, services, DOOR, verdict, started)
    embed = getattr(services.local, "embed", None)
    if embed is None or embeddings.has_token_ids(verdict.body):
        error = Unavailable(
            "These inputs must stay on premises and no local embedding backend can take them "
            "(token-id input needs a local server for the same model); nothing was sent anywhere.",
            code="local_embeddings_unavailable",
        )
        return await forward.refuse_forwarded(request, services, verdict, error, started, "no local embedding backend")
    try:
        reply = await embed(embeddings.texts(verdict.body))
    except BackendError as exc:
        log.warning("local embedding failed for record %s: %s", verdict.audit_id, exc)
        error = forward.backend_failure(Route.LOCAL, {}, exc)
        return await forward.refuse_forwarded(request, services, verdict, error, started, str(exc), Status.ERROR)
    return forward.completed(services, verdict, reply.body or {}, started)
