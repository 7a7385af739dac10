"""``/review/api``: the officer's views over tenants, data subjects and what left the site.

- ``GET /tenants?q=``: tenants by a case-insensitive substring of their name.
- ``POST /subjects/search``: every record that held a value (data-subject
  request). The value comes in the body, never in a URL; it is normalised and
  hashed (``gateway.audit.subjects``) and never stored or logged. Each search
  is a chained ``subject_search`` event (who, why, how many matched) written
  before the answer: if it cannot be written, nothing is shown.
- ``GET /report``: "what left the site" for a tenant and period, as JSON, HTML
  or PDF; each report is a chained ``site_report`` event, like an export.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from gateway.api.review import _limit, _services, _verify_against_witness
from gateway.api.review_auth import DecryptSession, SessionDep
from gateway.audit import report as site_report
from gateway.audit import subjects
from gateway.audit.events import record_event
from gateway.audit.filters import FilterError, parse_time
from gateway.errors import InvalidRequest, Unavailable
from gateway.review.accounts import iso
from gateway.review.tenants import list_tenants

router = APIRouter(prefix="/review/api")


@router.get("/tenants")
async def tenants(request: Request, _: SessionDep) -> dict[str, Any]:
    contains = request.query_params.get("q")
    try:
        found = await anyio.to_thread.run_sync(
            lambda: list_tenants(_services(request).engine, contains, limit=_limit(request, 100))
        )
    except FilterError as exc:
        raise InvalidRequest(str(exc).replace("tenant_contains", "q"), param="q") from None
    return {"tenants": found}


class SubjectSearch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(max_length=subjects.MAX_VALUE_CHARS)
    reason: str = Field(max_length=500)

    @field_validator("reason")
    @classmethod
    def _meaningful(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 3:
            raise ValueError("give the reason for the search (e.g. the data-subject request reference)")
        return value


@router.post("/subjects/search")
async def subject_search(request: Request, body: SubjectSearch, session: DecryptSession) -> dict[str, Any]:
    services = _services(request)
    key = services.audit.subject_key
    try:
        digest = subjects.search_hash(key, body.value)
    except subjects.SubjectError as exc:
        raise InvalidRequest(str(exc), param="value") from None
    rows, total = await anyio.to_thread.run_sync(lambda: subjects.find_records(services.engine, digest))
    details = {"reason": body.reason, "role": session.reviewer.role.value, "matched": total}
    try:
        event_id = await anyio.to_thread.run_sync(
            record_event, services.engine, subjects.SEARCH_EVENT, session.reviewer.username, None, details
        )
    except Exception:
        raise Unavailable(
            "The search could not be recorded in the audit trail, so its result is not shown.",
            code="audit_unavailable",
        ) from None
    for row in rows:
        row["created_at"] = iso(row["created_at"])
    return {"event_id": event_id, "matched": total, "truncated": total > len(rows), "records": rows}


def _period(request: Request) -> site_report.Period:
    params = request.query_params
    try:
        since = parse_time("since", params.get("since"))
        until = parse_time("until", params.get("until"))
    except FilterError as exc:
        raise InvalidRequest(str(exc), param=exc.field) from None
    tenant = (params.get("tenant") or "").strip()
    if since is None or until is None:
        raise InvalidRequest("since, until: the report needs a period (ISO 8601 times)", param="since")
    try:
        return site_report.Period(tenant, since.astimezone(UTC), until.astimezone(UTC))
    except site_report.ReportError as exc:
        raise InvalidRequest(str(exc), param=str(exc).split(":")[0]) from None


@router.get("/report")
async def report(request: Request, session: SessionDep) -> Response:
    fmt = request.query_params.get("format", "json")
    if fmt not in site_report.FORMATS:
        raise InvalidRequest(f"format: one of {', '.join(site_report.FORMATS)}", param="format")
    period = _period(request)
    services = _services(request)
    chain = await anyio.to_thread.run_sync(_verify_against_witness, services)
    content = await anyio.to_thread.run_sync(site_report.build_report, services.engine, period, chain)
    details = site_report.event_details(period, fmt, "review_api")
    try:  # a report discloses metadata, as an export does: recorded first, or not served
        await anyio.to_thread.run_sync(
            record_event, services.engine, site_report.REPORT_EVENT, session.reviewer.username, None, details
        )
    except Exception:
        raise Unavailable(
            "The report could not be recorded in the audit trail, so it is not served.", code="audit_unavailable"
        ) from None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    headers = {}
    if fmt != "json":
        headers["content-disposition"] = f'attachment; filename="gateway-site-report-{stamp}.{fmt}"'
    return Response(site_report.render(content, fmt), media_type=site_report.MEDIA_TYPES[fmt], headers=headers)
