"""``/review/api``: the audit trail for signed-in reviewers.

Every reviewer reads metadata (records, rules, findings as positions, exports,
statistics, chain status, disclosures, events). Decrypting a payload needs the officer
or admin role and a justification, and is recorded as a ``payload_view``
audit event before the payload is returned: if the event cannot be written,
nothing is shown.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.api.review_auth import DecryptSession, SessionDep
from gateway.audit.events import record_event
from gateway.audit.evidence import RecordNotFound, open_payload
from gateway.audit.export import EXPORT_EVENT, export_event_details, iter_export
from gateway.audit.filters import FilterError, RecordFilters, parse_time
from gateway.audit.verify import Coverage, verify_trail
from gateway.audit.witness import read_witness
from gateway.entities import ENTITY_TYPES
from gateway.errors import InvalidRequest, NotFound, Unavailable
from gateway.review.disclosures import KIND as PAYLOAD_VIEW
from gateway.review.disclosures import list_disclosures
from gateway.review.events import list_events
from gateway.review.prompt import inspected_messages, response_text
from gateway.review.records import get_record, list_records
from gateway.review.stats import daily_stats
from gateway.services import Services

router = APIRouter(prefix="/review/api")

EXPORT_TYPES = {
    "jsonl": ("application/x-ndjson", "jsonl"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "ocsf": ("application/x-ndjson", "ocsf.jsonl"),
}


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def filters_from(request: Request, *, allow_search: bool = True) -> RecordFilters:
    """The record filters in the query string; a bad value is a 400 naming the parameter."""
    params = request.query_params
    if not allow_search and params.get("q"):
        raise InvalidRequest("q: free-text search does not apply here; use the filters.", param="q")

    def text(name: str) -> str | None:
        value = params.get(name)
        return value.strip() or None if value is not None else None

    try:
        return RecordFilters(
            since=parse_time("since", params.get("since")),
            until=parse_time("until", params.get("until")),
            tenant=text("tenant"),
            tenant_contains=text("tenant_contains"),
            policy=text("policy"),
            decision=text("decision"),
            route=text("route"),
            rule_id=text("rule_id"),
            entity_type=text("entity_type"),
            q=text("q") if allow_search else None,
        )
    except FilterError as exc:
        raise InvalidRequest(str(exc), param=exc.field) from None


def _limit(request: Request, default: int = 50) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    if not raw.isdigit():
        raise InvalidRequest("limit: must be a whole number", param="limit")
    return int(raw)


@router.get("/records")
async def records(request: Request, _: SessionDep) -> dict[str, Any]:
    filters = filters_from(request)
    try:
        page = await anyio.to_thread.run_sync(
            lambda: list_records(
                _services(request).engine, filters, cursor=request.query_params.get("cursor"), limit=_limit(request)
            )
        )
    except FilterError as exc:
        raise InvalidRequest(str(exc), param=exc.field) from None
    return {"records": page.records, "next_cursor": page.next_cursor}


@router.get("/records/{record_id}")
async def record(request: Request, record_id: str, _: SessionDep) -> dict[str, Any]:
    services = _services(request)
    detail = await anyio.to_thread.run_sync(get_record, services.engine, record_id, services.policies)
    if detail is None:
        raise NotFound("No audit record has that id.")
    return detail


class PayloadRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    justification: str = Field(max_length=1000)

    @field_validator("justification")
    @classmethod
    def _meaningful(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 10:
            raise ValueError("give a justification of at least 10 characters (e.g. the case or ticket it serves)")
        return value


@router.post("/records/{record_id}/payload")
async def payload(request: Request, record_id: str, body: PayloadRequest, session: DecryptSession) -> dict[str, Any]:
    """Decrypt a record's payload for an officer; the view is audited before anything is returned."""
    services = _services(request)
    record = await anyio.to_thread.run_sync(get_record, services.engine, record_id, services.policies)
    if record is None:
        raise NotFound("No audit record has that id.")
    try:
        opened = await anyio.to_thread.run_sync(open_payload, services.engine, services.audit.keyring, record_id)
    except RecordNotFound:
        raise NotFound("No audit record has that id.") from None
    except Exception:
        raise Unavailable("The payload could not be decrypted.", code="payload_unavailable") from None
    details = {"justification": body.justification, "role": session.reviewer.role.value, "erased": opened.erased}
    try:
        event_id = await anyio.to_thread.run_sync(
            record_event, services.engine, PAYLOAD_VIEW, session.reviewer.username, record_id, details
        )
    except Exception:
        raise Unavailable(
            "The view could not be recorded in the audit trail, so the payload is not shown.", code="audit_unavailable"
        ) from None
    return {
        "record_id": record_id,
        "event_id": event_id,
        "erased": opened.erased,
        "messages": (
            inspected_messages(opened.request, record["endpoint"], record["findings"])
            if opened.request is not None
            else []
        ),
        "response": response_text(opened.response),
    }


@router.get("/export")
async def export(request: Request, session: SessionDep) -> StreamingResponse:
    fmt = request.query_params.get("format", "jsonl")
    if fmt not in EXPORT_TYPES:
        raise InvalidRequest(f"format: one of {', '.join(EXPORT_TYPES)}", param="format")
    filters = filters_from(request, allow_search=False)
    media_type, extension = EXPORT_TYPES[fmt]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    engine = _services(request).engine
    details = export_event_details(fmt, filters, "review_api")
    try:  # an export is a disclosure of metadata: recorded first, or not served
        await anyio.to_thread.run_sync(record_event, engine, EXPORT_EVENT, session.reviewer.username, None, details)
    except Exception:
        raise Unavailable(
            "The export could not be recorded in the audit trail, so it is not served.", code="audit_unavailable"
        ) from None
    rows = iter_export(engine, fmt, filters)
    return StreamingResponse(
        rows,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="gateway-audit-{stamp}.{extension}"'},
    )


@router.get("/disclosures")
async def disclosures(request: Request, _: SessionDep) -> dict[str, Any]:
    record_id = request.query_params.get("record_id") or None
    try:
        items, next_cursor = await anyio.to_thread.run_sync(
            lambda: list_disclosures(
                _services(request).engine,
                record_id=record_id,
                cursor=request.query_params.get("cursor"),
                limit=_limit(request),
            )
        )
    except FilterError as exc:
        raise InvalidRequest(str(exc), param=exc.field) from None
    return {"disclosures": items, "next_cursor": next_cursor}


@router.get("/events")
async def audit_events(request: Request, _: SessionDep) -> dict[str, Any]:
    """The audit trail's events (data set scans, payload views, erasures...), newest first; ``kind`` filters."""
    try:
        items, next_cursor = await anyio.to_thread.run_sync(
            lambda: list_events(
                _services(request).engine,
                kind=request.query_params.get("kind") or None,
                cursor=request.query_params.get("cursor"),
                limit=_limit(request),
            )
        )
    except FilterError as exc:
        raise InvalidRequest(str(exc), param=exc.field) from None
    return {"events": items, "next_cursor": next_cursor}


def _verify_against_witness(services: Services) -> Any:
    """The whole trail, held to the signing cadence and to the witness file, as ``gateway audit verify`` does."""
    settings = services.settings
    coverage = Coverage(max_unsigned_age=timedelta(seconds=2 * settings.audit_sign_every_seconds))
    path = settings.resolved_audit_witness_file
    witness = read_witness(path) if path.exists() else None
    return verify_trail(services.engine, services.audit.keyring, coverage=coverage, witness=witness)


@router.get("/verify")
async def verify(request: Request, _: SessionDep) -> dict[str, Any]:
    services = _services(request)
    report = await anyio.to_thread.run_sync(_verify_against_witness, services)
    body = dataclasses.asdict(report)
    for name, value in body.items():
        if isinstance(value, datetime):
            body[name] = value.isoformat().replace("+00:00", "Z")
    body["checked_at"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return body


@router.get("/stats")
async def stats(request: Request, _: SessionDep) -> dict[str, Any]:
    filters = filters_from(request)
    try:
        return await anyio.to_thread.run_sync(daily_stats, _services(request).engine, filters)
    except FilterError as exc:
        raise InvalidRequest(str(exc), param=exc.field) from None


@router.get("/policies")
async def policies(request: Request, _: SessionDep) -> dict[str, Any]:
    """The loaded policies, their rules and the known entity types, for the filter menus."""
    return {
        "policies": [
            {"name": p.name, "version": p.version, "rules": [r.id for r in p.spec.rules]}
            for p in sorted(_services(request).policies.values(), key=lambda p: p.name)
        ],
        "entity_types": sorted(ENTITY_TYPES),
    }
