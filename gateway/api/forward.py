"""The last stage every door shares: send a forwarded request to its backend and answer in the door's format.

A :class:`Door` says what differs between APIs: the upstream and the path it
is posted to, the client headers that pass through, how a request kept on
premises is put to the local model (Chat Completions) and its answer put back,
where its stream carries text (to restore redacted placeholders), and the
shape of its errors. The outcome is recorded once, also when the client goes
away mid-stream.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi.responses import Response, StreamingResponse
from starlette.requests import Request

from gateway import sse, tracing
from gateway.audit.schema import Status
from gateway.audit.store import Outcome
from gateway.backends.base import (
    BackendError,
    BackendReply,
    ContextTooLong,
    LocalUnavailable,
    MalformedReply,
    OverCapacity,
)
from gateway.backends.upstream import UpstreamBackend
from gateway.errors import GatewayError, InvalidRequest, TooManyRequests, Unavailable, UpstreamFailed, respond
from gateway.pipeline.audit import OutcomeAfterResponse, record_outcome
from gateway.pipeline.redact import CHAT_STREAM, StreamShape
from gateway.pipeline.run import Forward, Refuse
from gateway.services import Services
from gateway.types import Route

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Door:
    """One API's differences from Chat Completions (the defaults are Chat Completions')."""

    path: str = "/chat/completions"
    upstream: Callable[[Services], Any] = lambda services: services.upstream
    headers: tuple[str, ...] = ()  # client headers passed through to the upstream unchanged
    to_chat: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    from_chat: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    stream_from_chat: Callable[[AsyncIterator[bytes], str | None], AsyncIterator[bytes]] | None = None
    stream_shape: StreamShape = CHAT_STREAM
    stream_error: Callable[[], bytes] = lambda: sse.encode(
        {
            "error": {
                "message": "The model stream was interrupted.",
                "type": "server_error",
                "code": "stream_interrupted",
            }
        }
    )


async def run(request: Request, services: Services, door: Door, parsed: Any, policy: Any, tenant: str) -> Response:
    """The shared pipeline, then the answer: what every door's handler does."""
    started = time.perf_counter()
    verdict = await services.pipeline.run(parsed, policy, tenant, upstream=door.upstream(services) is not None)
    if isinstance(verdict, Refuse):
        return respond(request, verdict.error)
    return await answer(request, services, door, verdict, started)


async def answer(request: Request, services: Services, door: Door, forward: Forward, started: float) -> Response:
    headers = forward.headers
    stream = forward.request.stream
    try:
        with tracing.span("gateway.route", **{"gateway.route": forward.route.value}):
            reply, backend_name = await _send(request, services, door, forward)
    except BackendError as exc:
        error = backend_failure(forward.route, headers, exc)
        log.warning("backend failed for record %s: %s", forward.audit_id, exc)
        await record_outcome(
            services.audit, forward.audit_id, Outcome(Status.ERROR, error.status_code, _ms(started), str(exc))
        )
        return respond(request, error)

    served_by = None
    if reply.server is not None:  # recorded with the outcome, shown on the record's page
        headers = {**headers, "x-gateway-local-server": reply.server}
        served_by = f"answered by local server {reply.server}"
    redaction = forward.redaction
    if reply.chunks is None:
        answer_body = reply.body or {}
        if reply.status_code == 200 and forward.route is Route.LOCAL and door.from_chat is not None:
            answer_body = door.from_chat(answer_body)
        if redaction is not None and reply.status_code == 200:
            answer_body = redaction.restore_completion(answer_body)
        status = Status.OK if reply.status_code == 200 else Status.UPSTREAM_ERROR
        outcome = Outcome(status, reply.status_code, _ms(started), served_by, json.dumps(answer_body).encode())
        return OutcomeAfterResponse(answer_body, reply.status_code, headers, services.audit, forward.audit_id, outcome)

    chunks = reply.chunks
    if forward.route is Route.LOCAL and door.stream_from_chat is not None:
        chunks = door.stream_from_chat(chunks, forward.request.model)
    if redaction is not None:
        chunks = redaction.restore_stream(chunks, door.stream_shape)
    assert stream
    return StreamingResponse(
        _audited_stream(services, forward.audit_id, backend_name, chunks, started, door, served_by),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


async def refuse_forwarded(
    request: Request,
    services: Services,
    forward: Forward,
    error: GatewayError,
    started: float,
    detail: str,
    status: Status = Status.REFUSED,
) -> Response:
    """Refuse a request that was already audited as forwarded (its outcome says why)."""
    error.headers = {**forward.headers, **error.headers}
    outcome = Outcome(status, error.status_code, _ms(started), detail)
    await record_outcome(services.audit, forward.audit_id, outcome)
    return respond(request, error)


def completed(services: Services, forward: Forward, body: dict[str, Any], started: float) -> Response:
    """A whole answer made by the gateway itself (local embeddings, a local token count), its outcome recorded."""
    outcome = Outcome(Status.OK, 200, _ms(started), None, json.dumps(body).encode())
    return OutcomeAfterResponse(body, 200, forward.headers, services.audit, forward.audit_id, outcome)


async def _send(request: Request, services: Services, door: Door, forward: Forward) -> tuple[BackendReply, str]:
    stream = forward.request.stream
    if forward.route is Route.UPSTREAM:
        upstream = door.upstream(services)
        passed = {name: request.headers[name] for name in door.headers if name in request.headers}
        if isinstance(upstream, UpstreamBackend):
            return await upstream.send(door.path, forward.body, forward.raw, stream=stream, headers=passed), "upstream"
        send = upstream.stream if stream else upstream.complete  # a test's own Chat Completions backend
        return await send(forward.body, raw=forward.raw), upstream.name
    local = services.local
    if door.to_chat is None:
        body, raw = forward.body, forward.raw
    else:
        body, raw = {**door.to_chat(forward.body), "stream": stream}, None
        if stream:  # the door's own stream reports usage at its end: ask the chat stream for it
            body["stream_options"] = {"include_usage": True}
    if forward.local_model is not None:  # the policy names the on-premise model that answers it
        body, raw = {**body, "model": forward.local_model}, None
    send = local.stream if stream else local.complete
    return await send(body, raw=raw), local.name


def backend_failure(route: Route, headers: dict[str, str], exc: BackendError) -> GatewayError:
    """The client's answer for a backend that failed: never a cloud fallback for a local route."""
    if isinstance(exc, ContextTooLong):
        error = InvalidRequest(
            "The prompt is longer than the on-premises model's context window; shorten it (it was not sent "
            "anywhere else).",
            headers=headers,
        )
        error.code = "context_length_exceeded"
        return error
    if isinstance(exc, OverCapacity):
        error = TooManyRequests(
            "The on-premises model servers are at capacity; retry after the time in Retry-After.",
            headers={**headers, "retry-after": str(max(1, exc.retry_after_s))},
        )
        return error
    if isinstance(exc, LocalUnavailable):
        return Unavailable(
            "No on-premises model server is available; the request was refused and was not sent anywhere else.",
            code="local_unavailable",
            headers=headers,
        )
    if isinstance(exc, MalformedReply):
        error = UpstreamFailed("The model answered with something that is not a valid response.", headers=headers)
        error.code = "upstream_bad_response"
        return error
    if route is Route.LOCAL:
        # Never a cloud fallback: a request kept local is refused if the local model fails.
        return Unavailable(
            "The local model failed; the request was refused and was not sent anywhere else.",
            code="local_model_failed",
            headers=headers,
        )
    return UpstreamFailed("The upstream model could not be reached.", headers=headers)


async def _audited_stream(
    services: Services,
    audit_id: str,
    backend: str,
    chunks: AsyncIterator[bytes],
    started: float,
    door: Door,
    served_by: str | None = None,
) -> AsyncIterator[bytes]:
    received: list[bytes] = []
    outcome = Outcome(Status.OK, 200, 0.0, served_by)
    try:
        async for chunk in chunks:
            received.append(chunk)
            yield chunk
    except Exception as exc:  # the backend failed, or sent what could not be read, mid-stream
        log.warning("backend %s failed mid-stream for record %s: %s", backend, audit_id, type(exc).__name__)
        detail = f"stream interrupted: {exc}" if isinstance(exc, BackendError) else "stream failed"
        outcome = Outcome(Status.ERROR, 200, 0.0, detail)
        yield door.stream_error()
    except BaseException:  # cancelled: the client went away
        outcome = Outcome(Status.CANCELLED, 200, 0.0, "client disconnected")
        raise
    finally:
        final = Outcome(outcome.status, outcome.status_code, _ms(started), outcome.detail, b"".join(received))
        with anyio.CancelScope(shield=True):  # written even when the client has gone
            await record_outcome(services.audit, audit_id, final)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
