"""``POST /v1/chat/completions``: parse, inspect, decide, audit, then route or refuse."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from gateway.audit.store import AuditEvent, Outcome
from gateway.auth import ClientKeyDep
from gateway.backends.base import Backend, BackendError, sse_event
from gateway.errors import Blocked, Unavailable, UpstreamFailed
from gateway.pipeline.audit import OutcomeAfterResponse, record_decision, record_outcome, record_refusal
from gateway.pipeline.inspection import inspect, refused
from gateway.pipeline.parse import parse_chat, read_body
from gateway.pipeline.redact import Redaction, redact_request
from gateway.pipeline.route import choose_route
from gateway.services import Services
from gateway.types import Action, Decision, Route

log = logging.getLogger(__name__)
router = APIRouter()


def _headers(decision: Decision, route: Route, audit_id: str) -> dict[str, str]:
    return {"x-gateway-decision": decision.action.value, "x-gateway-route": route.value, "x-gateway-audit-id": audit_id}


def _block_message(decision: Decision) -> str:
    rules = decision.deciding_rules
    parts = [f"rule '{r.id}' ({', '.join(r.entity_types)}): {r.reason} [{r.regulation}]" for r in rules]
    return f"Request blocked by policy '{decision.policy}': " + "; ".join(parts)


@router.post("/v1/chat/completions")
async def chat_completions(request: Request, key: ClientKeyDep) -> Response:
    started = time.perf_counter()
    services: Services = request.app.state.services
    raw = await read_body(request, services.settings.max_body_bytes)
    chat = parse_chat(raw)
    policy = services.policy_for(key, request.headers.get("x-gateway-policy"))
    try:
        inspection = await inspect(services.detector, policy, chat.messages)
    except Unavailable as error:
        event = AuditEvent(
            "chat.completions", key.name, refused(policy), Route.NONE, (), chat.sha256, raw, chat.model, chat.stream
        )
        await record_refusal(services.audit, event, error, _ms(started))
        raise
    decision = inspection.decision
    route = choose_route(decision.action, upstream_configured=services.upstream is not None)
    event = AuditEvent(
        endpoint="chat.completions",
        tenant=key.name,
        decision=decision,
        route=route,
        findings=inspection.findings,
        request_sha256=chat.sha256,
        request_body=raw,
        model=chat.model,
        stream=chat.stream,
    )

    if decision.action is Action.BLOCK:
        error = Blocked(
            _block_message(decision), rule_ids=[r.id for r in decision.deciding_rules], audit_id="", headers={}
        )
        outcome = Outcome(
            "blocked", error.status_code, _ms(started), "blocked by policy", json.dumps(error.body()).encode()
        )
        audit_id = await record_decision(services.audit, event, outcome)
        error.audit_id = audit_id
        error.headers = _headers(decision, route, audit_id)
        raise error

    audit_id = await record_decision(services.audit, event)
    headers = _headers(decision, route, audit_id)
    backend = services.upstream if route is Route.UPSTREAM else services.local
    assert backend is not None
    body: dict[str, Any] = chat.body
    redaction: Redaction | None = None
    if decision.action is Action.REDACT:
        body, redaction = redact_request(chat.body, inspection.findings, chat.messages)

    try:
        reply = await (backend.stream(body) if chat.stream else backend.complete(body))
    except BackendError as exc:
        error = _backend_failure(route, headers)
        log.warning("backend %s failed for record %s: %s", backend.name, audit_id, exc)
        await record_outcome(services.audit, audit_id, Outcome("error", error.status_code, _ms(started), str(exc)))
        raise error from None

    if reply.chunks is None:
        answer = reply.body or {}
        if redaction is not None and reply.status_code == 200:
            answer = redaction.restore_completion(answer)
        status = "ok" if reply.status_code == 200 else "upstream_error"
        outcome = Outcome(status, reply.status_code, _ms(started), None, json.dumps(answer).encode())
        return OutcomeAfterResponse(answer, reply.status_code, headers, services.audit, audit_id, outcome)

    chunks = reply.chunks if redaction is None else redaction.restore_stream(reply.chunks)
    return StreamingResponse(
        _audited_stream(services, audit_id, backend, chunks, started),
        media_type="text/event-stream",
        headers={**headers, "cache-control": "no-cache"},
    )


def _backend_failure(route: Route, headers: dict[str, str]) -> Unavailable | UpstreamFailed:
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
    except BackendError as exc:
        log.warning("backend %s failed mid-stream for record %s: %s", backend.name, audit_id, exc)
        outcome = Outcome("error", 200, 0.0, f"stream interrupted: {exc}")
        error = {
            "error": {
                "message": "The model stream was interrupted.",
                "type": "server_error",
                "code": "stream_interrupted",
            }
        }
        yield sse_event(json.dumps(error))
    except BaseException:
        outcome = Outcome("cancelled", 200, 0.0, "client disconnected")
        raise
    finally:
        final = Outcome(outcome.status, outcome.status_code, _ms(started), outcome.detail, b"".join(received))
        await record_outcome(services.audit, audit_id, final)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
