"""Audit stage: record the decision before anything is forwarded, and the outcome after.

An audit store that cannot be written refuses the request: nothing is
forwarded unaudited. The outcome of a forwarded, non-streamed reply is written
just after the response is sent (:class:`OutcomeAfterResponse`), so the client
does not wait for that commit; it is written exactly once even if sending
fails, and a failure to write it is logged.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.to_thread
from fastapi.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from gateway import tracing
from gateway.audit.schema import Status
from gateway.audit.store import AuditEvent, AuditStore, Outcome
from gateway.errors import GatewayError, Unavailable

log = logging.getLogger(__name__)


async def record_decision(store: AuditStore, event: AuditEvent, outcome: Outcome | None = None) -> str:
    try:
        with tracing.span("gateway.audit", **{"gateway.decision": event.decision.action.value}):
            return await anyio.to_thread.run_sync(store.record, event, outcome)
    except Exception as exc:
        log.error("audit store write failed (%s); request refused", type(exc).__name__)
        raise Unavailable(
            "The audit store could not be written; the request was refused and nothing was forwarded.",
            code="audit_unavailable",
        ) from None


async def record_outcome(store: AuditStore, record_id: str, outcome: Outcome) -> None:
    """Complete a record. The request was already audited, so a failure here is logged, not raised."""
    try:
        await anyio.to_thread.run_sync(store.complete, record_id, outcome)
    except Exception as exc:
        log.error("audit outcome for record %s could not be written (%s)", record_id, type(exc).__name__)


async def record_refusal(store: AuditStore, event: AuditEvent, error: GatewayError, latency_ms: float) -> None:
    """Audit a request refused because a stage failed (``event`` carries no findings).

    The request is refused whatever happens here; a store that cannot be
    written is logged.
    """
    outcome = Outcome(Status.REFUSED, error.status_code, latency_ms, error.code)
    try:
        await anyio.to_thread.run_sync(store.record, event, outcome)
    except Exception as exc:
        log.error("audit record of a refused request could not be written (%s)", type(exc).__name__)


class OutcomeAfterResponse(JSONResponse):
    """A JSON reply whose record is completed with ``outcome`` once the reply has been sent."""

    def __init__(
        self,
        content: Any,
        status_code: int,
        headers: dict[str, str],
        store: AuditStore,
        record_id: str,
        outcome: Outcome,
    ):
        super().__init__(content, status_code=status_code, headers=headers)
        self._store, self._record_id, self._outcome = store, record_id, outcome

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:  # also when sending failed or was cancelled: the outcome is never skipped
            with anyio.CancelScope(shield=True):
                await record_outcome(self._store, self._record_id, self._outcome)
