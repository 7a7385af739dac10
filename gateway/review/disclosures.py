"""Disclosures: the ``payload_view`` events, i.e. who decrypted which record, when and why."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from gateway.review.accounts import iso
from gateway.review.events import MAX_PAGE, event_page

KIND = "payload_view"
__all__ = ["KIND", "MAX_PAGE", "list_disclosures"]


def list_disclosures(
    engine: Engine, *, record_id: str | None = None, cursor: str | None = None, limit: int = 50
) -> tuple[list[dict[str, Any]], str | None]:
    """Payload views, newest first, paged by the chain's ``seq`` (the cursor is the last seq seen)."""
    rows, next_cursor = event_page(engine, kind=KIND, record_id=record_id, cursor=cursor, limit=limit)
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
        for row in rows
    ]
    return items, next_cursor
