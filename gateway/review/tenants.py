"""The tenants in the audit trail, found by a case-insensitive substring of their name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from gateway.audit.filters import FilterError, RecordFilters, all_of, conditions
from gateway.db import audit_records
from gateway.review.accounts import iso

MAX_TENANTS = 200


def list_tenants(engine: Engine, contains: str | None, *, limit: int = 100) -> list[dict[str, Any]]:
    """Tenants whose name holds ``contains`` (any case; ``%`` and ``_`` are literal), busiest first."""
    if not 1 <= limit <= MAX_TENANTS:
        raise FilterError("limit", f"must be between 1 and {MAX_TENANTS}")
    c = audit_records.c
    where = conditions(engine, RecordFilters(tenant_contains=contains or None))
    query = (
        select(c.tenant, func.count().label("records"), func.max(c.created_at).label("last_seen"))
        .where(all_of(where))
        .group_by(c.tenant)
        .order_by(func.count().desc(), c.tenant)
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [{"tenant": r.tenant, "records": r.records, "last_seen": iso(r.last_seen)} for r in rows]
