"""``POST /v1/chat/completions``: the shared pipeline, then the backend's answer (restored when redacted)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gateway.audit.store import Outcome
from gateway.auth import ClientKeyDep
from gateway.backends.base import Backend, BackendError, MalformedReply, sse_event
from gateway.errors import Unavailable, UpstreamFailed, error_response
from gateway.pipeline.audit import OutcomeAfterResponse, record_outcome
from gateway.pipeline.parse import read_body
from gateway.pipeline.run import Forward, Refuse
from gateway.services import Services
from gateway.types import Route
from gateway.wire import chat

log = logging.getLogger(__name__)
router = APIRouter()


@router.post("/v1/chat/completions")
async def chat_completions(request: Request, key: ClientKeyDep) -> Response:
    started = time.perf_counter()
    services: Services = request.app.state.services
    parsed = chat.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    verdict = await services.pipeline.run(parsed, policy, key.name)
    if isinstance(verdict, Refuse):
        return error_response(verdict.error)
    return await _answer(services, verdict, started)


async def _answer(services: Services, forward: Forward, started: float) -> Response:
    backend = services.upstream if forward.route is Route.UPSTREAM else services.local
    assert backend is not None
    headers = forward.headers
    try:
        send = backend.stream if forward.request.stream else backend.complete
        reply = await send(forward.body, raw=forward.raw)
    except BackendError as exc:
        error = _backend_failure(forward.route, headers, exc)
        log.warning("backend %s failed for record %s: %s", backend.name, forward.audit_id, exc)
        outcome = Outcome("error", error.status_code, _ms(started), str(exc))
        await record_outcome(services.audit, forward.audit_id, outcome)
        return error_response(error)

    redaction = forward.redaction
    if reply.chunks is None:
        answer = reply.body or {}
        if redaction is not None and reply.status_code == 200:
            answer = redaction.restore_completion(answer)
        status = "ok" if reply.status_code == 200 else "upstream_error"
        outcome = Outcome(status, reply.status_code, _ms(started), None, json.dumps(answer).encode())
        return OutcomeAfterResponse(answer, reply.status_code, headers, services.audit, forward.audit_id, outcome)

    chunks = reply.chunks if redaction is None else redaction.restore_stream(reply.chunks)
    return StreamingResponse(
        _audited_stream(services, forward.audit_id, backend, chunks, started),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


def _backend_failure(route: Route, headers: dict[str, str], exc: BackendError) -> Unavailable | UpstreamFailed:
    if isinstance(exc, MalformedReply):
        error = UpstreamFailed("The model answered with something that is not a valid response.")
        error.code = "upstream_bad_response"
        error.headers = headers
        return error
    if route is Route.LOCAL:
        # Never a cloud fallback: a request kept local is refused if the local model fails.
        return Unavailable(
            "The local model failed; the request was refused and was not sent anywhere else.",
            code="local_model_failed",
            headers=headers,
        )
    error = UpstreamFailed("The upstream model could not be reached.")
    error.headers = headers
    return error


async def _audited_stream(
    services: Services, audit_id: str, backend: Backend, chunks: AsyncIterator[bytes], started: float
) -> AsyncIterator[bytes]:
    received: list[bytes] = []
    outcome = Outcome("ok", 200, 0.0)
    try:
        async for chunk in chunks:
            received.append(chunk)
            yield chunk
    except Exception as exc:  # the backend failed, or sent what could not be read, mid-stream
        log.warning("backend %s failed mid-stream for record %s: %s", backend.name, audit_id, type(exc).__name__)
        detail = f"stream interrupted: {exc}" if isinstance(exc, BackendError) else "stream failed"
        outcome = Outcome("error", 200, 0.0, detail)
        yield _STREAM_INTERRUPTED
    except BaseException:  # cancelled: the client went away
        outcome = Outcome("cancelled", 200, 0.0, "client disconnected")
        raise
    finally:
        final = Outcome(outcome.status, outcome.status_code, _ms(started), outcome.detail, b"".join(received))
        with anyio.CancelScope(shield=True):  # written even when the client has gone
            await record_outcome(services.audit, audit_id, final)


_STREAM_INTERRUPTED = sse_event(
    json.dumps(
        {
            "error": {
                "message": "The model stream was interrupted.",
                "type": "server_error",
                "code": "stream_interrupted",
            }
        }
    )
)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
