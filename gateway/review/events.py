"""The audit events (what officers, operators and tools did), newest first, for the review UI's events list.

Events hold identifiers, counts and reasons, never a detected value
(:mod:`gateway.audit.events`), so every reviewer may read them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, RowMapping, select

from gateway.audit.events import KIND_PATTERN
from gateway.audit.filters import FilterError
from gateway.db import audit_events as events
from gateway.review.accounts import iso

MAX_PAGE = 200


def event_page(
    engine: Engine,
    *,
    kind: str | None = None,
    record_id: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[RowMapping], str | None]:
    """One page of events, newest first, paged by the chain's ``seq`` (the cursor is the last seq seen)."""
    if not 1 <= limit <= MAX_PAGE:
        raise FilterError("limit", f"must be between 1 and {MAX_PAGE}")
    query = select(events)
    if kind is not None:
        if not KIND_PATTERN.match(kind):
            raise FilterError("kind", "is not an event kind")
        query = query.where(events.c.kind == kind)
    if record_id is not None:
        query = query.where(events.c.record_id == record_id)
    if cursor:
        if not cursor.isdigit() or len(cursor) > 19:
            raise FilterError("cursor", "is not a cursor this API returned")
        query = query.where(events.c.seq < int(cursor))
    with engine.connect() as conn:
        rows = [r._mapping for r in conn.execute(query.order_by(events.c.seq.desc()).limit(limit + 1))]
    next_cursor = str(rows[limit - 1]["seq"]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def list_events(
    engine: Engine, *, kind: str | None = None, cursor: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    rows, next_cursor = event_page(engine, kind=kind, cursor=cursor, limit=limit)
    items = [
        {
            "id": row["id"],
            "seq": row["seq"],
            "kind": row["kind"],
            "at": iso(row["created_at"]),
            "actor": row["actor"],
            "record_id": row["record_id"],
            "details": row["details"] or {},
        }
        for row in rows
    ]
    return items, next_cursor
