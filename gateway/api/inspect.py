"""``POST /v1/inspect``: a dry run that returns the decision and findings (and is audited)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from gateway.auth import ClientKeyDep
from gateway.errors import error_response
from gateway.pipeline.inspection import Inspection
from gateway.pipeline.parse import read_body
from gateway.pipeline.run import Refuse, decision_headers
from gateway.services import Services
from gateway.types import Route
from gateway.wire import inspect as wire

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
async def inspect_request(request: Request, key: ClientKeyDep) -> JSONResponse:
    services: Services = request.app.state.services
    parsed = wire.parse(await read_body(request, services.settings.max_body_bytes))
    policy = services.policy_for(key, parsed.policy)
    verdict = await services.pipeline.dry_run(parsed, policy, key.name)
    if isinstance(verdict, Refuse):
        return error_response(verdict.error)
    body = inspection_body(verdict.inspection)
    body["audit_id"] = verdict.audit_id
    # The same headers as every door (what gateway_requests_total counts the dry run by).
    headers = decision_headers(verdict.inspection.decision, Route.NONE, verdict.audit_id or "")
    return JSONResponse(body, headers=headers)
