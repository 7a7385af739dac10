"""Disclosures: the ``payload_view`` events, i.e. who decrypted which record, when and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from gateway.audit.filters import FilterError
from gateway.db import audit_events as events
from gateway.review.accounts import iso

KIND = "payload_view"
MAX_PAGE = 200


def list_disclosures(
    engine: Engine, *, record_id: str | None = None, cursor: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """Payload views, newest first, paged by the chain's ``seq`` (the cursor is the last seq seen)."""
    if not 1 <= limit <= MAX_PAGE:
        raise FilterError("limit", f"must be between 1 and {MAX_PAGE}")
    query = select(events).where(events.c.kind == KIND)
    if record_id is not None:
        query = query.where(events.c.record_id == record_id)
    if cursor:
        if not cursor.isdigit() or len(cursor) > 19:
            raise FilterError("cursor", "is not a cursor this API returned")
        query = query.where(events.c.seq < int(cursor))
    with engine.connect() as conn:
        rows = [r._mapping for r in conn.execute(query.order_by(events.c.seq.desc()).limit(limit + 1))]
    items = [
        {
            "id": row["id"],
            "seq": row["seq"],
            "viewed_at": iso(row["created_at"]),
            "reviewer": row["actor"],
            "role": (row["details"] or {}).get("role"),
            "record_id": row["record_id"],
            "justification": (row["details"] or {}).get("justification"),
        }
        for row in rows[:limit]
    ]
    next_cursor = str(rows[limit - 1]["seq"]) if len(rows) > limit else None
    return items, next_cursor
