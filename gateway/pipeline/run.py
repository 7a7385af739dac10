"""The pipeline every door shares: parse, inspect (decode, detect, decide), audit, route.

A door (``gateway.api.chat``, ``gateway.api.inspect``, ``gateway scan``)
hands its wire format and the raw body to :class:`Pipeline` and gets a typed
verdict back: :class:`Forward` (audited, with the route and the body to send),
:class:`Inspected` (a dry run) or :class:`Refuse` (blocked, or a stage failed;
already audited, with a complete error to send). Parse errors are the
client's (4xx) and are raised before anything is recorded.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from gateway import metrics, request_id, tracing
from gateway.audit.schema import Status
from gateway.audit.store import AuditEvent, AuditStore, Outcome
from gateway.audit.subjects import detected_values
from gateway.errors import Blocked, GatewayError, InspectionTooLarge, Unavailable
from gateway.pipeline.audit import record_decision, record_refusal
from gateway.pipeline.inspection import Detects, Inspection, inspect, inspect_sync, refused
from gateway.pipeline.parse import ParsedRequest
from gateway.pipeline.redact import Redaction, redact_request
from gateway.pipeline.route import choose_route
from gateway.policy import Policy
from gateway.types import Action, Decision, Route


class WireFormat(Protocol):
    """A module of ``gateway.wire``."""

    ENDPOINT: str

    def parse(self, raw: bytes) -> ParsedRequest: ...


@dataclass(frozen=True, slots=True)
class Forward:
    """Audited and routed: send ``body`` to the backend of ``route``."""

    request: ParsedRequest
    inspection: Inspection
    route: Route
    audit_id: str
    body: dict[str, Any]
    redaction: Redaction | None
    local_model: str | None = None  # the policy's own on-premise model, for the local route

    @property
    def raw(self) -> bytes | None:
        """The body's bytes as sent, when nothing in it was changed."""
        return self.request.raw if self.redaction is None else None

    @property
    def headers(self) -> dict[str, str]:
        return decision_headers(self.inspection.decision, self.route, self.audit_id)


@dataclass(frozen=True, slots=True)
class Inspected:
    """A dry run: the inspection, and its record (None when nothing is recorded, as for ``gateway scan``)."""

    request: ParsedRequest
    inspection: Inspection
    audit_id: str | None


@dataclass(frozen=True, slots=True)
class Refuse:
    """Nothing is forwarded; ``error`` is the complete answer for the client."""

    error: GatewayError


def decision_headers(decision: Decision, route: Route, audit_id: str) -> dict[str, str]:
    return {"x-gateway-decision": decision.action.value, "x-gateway-route": route.value, "x-gateway-audit-id": audit_id}


def block_message(decision: Decision) -> str:
    rules = decision.deciding_rules
    parts = [f"rule '{r.id}' ({', '.join(r.entity_types)}): {r.reason} [{r.regulation}]" for r in rules]
    return f"Request blocked by policy '{decision.policy}': " + "; ".join(parts)


class Pipeline:
    def __init__(self, detector: Detects, audit: AuditStore) -> None:
        self.detector = detector
        self.audit = audit

    async def run(self, request: ParsedRequest, policy: Policy, tenant: str, *, upstream: bool) -> Forward | Refuse:
        """Inspect, decide and audit ``request``; then a route and the body to send, or a refusal.

        ``upstream``: whether this door has a cloud upstream (without one, allowed traffic is local)."""
        started = time.perf_counter()
        inspection = await self._inspect(request, policy, tenant, started)
        if isinstance(inspection, Refuse):
            return inspection
        decision = inspection.decision
        route = choose_route(decision.action, upstream_configured=upstream)
        event = self._event(request, tenant, decision, route, inspection)
        if decision.action is Action.BLOCK:
            return await self._block(event, started)
        audit_id = await record_decision(self.audit, event)
        body, redaction = request.body, None
        if decision.action is Action.REDACT:
            body, redaction = redact_request(request.body, inspection.segments, inspection.findings)
        local_model = policy.spec.local_model if route is Route.LOCAL else None
        return Forward(request, inspection, route, audit_id, body, redaction, local_model)

    async def dry_run(self, request: ParsedRequest, policy: Policy, tenant: str) -> Inspected | Refuse:
        """Inspect and decide, audited as such; nothing is routed."""
        started = time.perf_counter()
        inspection = await self._inspect(request, policy, tenant, started)
        if isinstance(inspection, Refuse):
            return inspection
        event = self._event(request, tenant, inspection.decision, Route.NONE, inspection)
        outcome = Outcome(Status.OK, 200, _ms(started))
        return Inspected(request, inspection, await record_decision(self.audit, event, outcome))

    async def _inspect(
        self, request: ParsedRequest, policy: Policy, tenant: str, started: float
    ) -> Inspection | Refuse:
        began = time.perf_counter()
        try:
            with tracing.span("gateway.inspect", **{"gateway.endpoint": request.endpoint}) as span:
                inspection = await inspect(self.detector, policy, request.segments)
                found = sorted({metrics.entity_label(f.entity_type) for f in inspection.findings})
                tracing.annotate(span, **{"gateway.findings": len(inspection.findings), "gateway.entity_types": found})
        except (Unavailable, InspectionTooLarge) as error:
            event = AuditEvent(
                request.endpoint, tenant, refused(policy), Route.NONE, (), request.sha256, request.raw,
                request.model, request.stream, request_id.current(),
            )  # fmt: skip
            await record_refusal(self.audit, event, error, _ms(started))
            return Refuse(error)
        metrics.observe_inspection(request.endpoint, time.perf_counter() - began, inspection.findings)
        return inspection

    async def _block(self, event: AuditEvent, started: float) -> Refuse:
        decision = event.decision
        message = block_message(decision)
        rule_ids = [r.id for r in decision.deciding_rules]
        answer = Blocked(message, rule_ids=rule_ids, audit_id="", headers={}).body()
        outcome = Outcome(
            Status.BLOCKED, Blocked.status_code, _ms(started), "blocked by policy", json.dumps(answer).encode()
        )
        audit_id = await record_decision(self.audit, event, outcome)
        headers = decision_headers(decision, Route.NONE, audit_id)
        return Refuse(Blocked(message, rule_ids=rule_ids, audit_id=audit_id, headers=headers))

    @staticmethod
    def _event(
        request: ParsedRequest, tenant: str, decision: Decision, route: Route, inspection: Inspection
    ) -> AuditEvent:
        return AuditEvent(
            endpoint=request.endpoint,
            tenant=tenant,
            decision=decision,
            route=route,
            findings=inspection.findings,
            request_sha256=request.sha256,
            request_body=request.raw,
            model=request.model,
            stream=request.stream,
            request_id=request_id.current(),
            subjects=detected_values(inspection.findings, inspection.segments),
            shadow=inspection.shadow,
        )


def scan(detector: Detects, request: ParsedRequest, policy: Policy) -> Inspected:
    """``gateway scan``: the dry run in this process, with no audit record."""
    return Inspected(request, inspect_sync(detector, policy, request.segments), None)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
