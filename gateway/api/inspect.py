"""``POST /v1/inspect``: a dry run that returns the decision and findings (and is audited)."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from gateway.audit.store import AuditEvent, Outcome
from gateway.auth import ClientKeyDep
from gateway.errors import Unavailable
from gateway.pipeline.audit import record_decision, record_refusal
from gateway.pipeline.inspection import Inspection, inspect, refused
from gateway.pipeline.parse import parse_inspect, read_body
from gateway.services import Services
from gateway.types import Route

router = APIRouter()


def inspection_body(inspection: Inspection) -> dict[str, object]:
    """The JSON of an inspection, shared with ``gateway scan``."""
    decision = inspection.decision
    return {
        "decision": decision.action.value,
        "policy": decision.policy,
        "policy_version": decision.policy_version,
        "findings": [f.as_dict() for f in inspection.findings],
        "rules": [
            {
                "id": r.id,
                "action": r.action.value,
                "entity_types": list(r.entity_types),
                "reason": r.reason,
                "regulation": r.regulation,
            }
            for r in decision.rules
        ],
    }


@router.post("/v1/inspect")
async def inspect_request(request: Request, key: ClientKeyDep) -> dict[str, object]:
    started = time.perf_counter()
    services: Services = request.app.state.services
    raw = await read_body(request, services.settings.max_body_bytes)
    parsed = parse_inspect(raw)
    policy = services.policy_for(key, parsed.policy)
    try:
        inspection = await inspect(services.detector, policy, parsed.messages)
    except Unavailable as error:
        event = AuditEvent("inspect", key.name, refused(policy), Route.NONE, (), parsed.sha256, raw)
        await record_refusal(services.audit, event, error, (time.perf_counter() - started) * 1000.0)
        raise
    event = AuditEvent(
        endpoint="inspect",
        tenant=key.name,
        decision=inspection.decision,
        route=Route.NONE,
        findings=inspection.findings,
        request_sha256=parsed.sha256,
        request_body=raw,
    )
    body = inspection_body(inspection)
    outcome = Outcome("ok", 200, (time.perf_counter() - started) * 1000.0)
    body["audit_id"] = await record_decision(services.audit, event, outcome)
    return body
