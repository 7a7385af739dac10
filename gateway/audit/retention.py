"""Retention (``gateway audit purge``): each policy's ``retention`` applied to its records.

Payloads older than ``payload_days`` are crypto-shredded. Records older than
``metadata_days`` are deleted with their outcome events; each deleted chain
entry leaves a tombstone (its seq, id, links and hash, nothing else), so the
chain still verifies across the gap. The purge is a chained ``purge`` event
whose details count the tombstones and hash them (``tombstone_digest``), so a
tombstone added later, to hide a deleted record, does not verify. Records
whose policy is not loaded are left alone and named in the event.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, not_, select

from gateway.audit.chain import appending, timestamp
from gateway.audit.erase import scrub_sqlite_log, shred
from gateway.db import audit_events, audit_records, audit_tombstones
from gateway.policy import Policy

CHUNK = 500


@dataclass(frozen=True, slots=True)
class PurgeResult:
    event_id: str
    payloads_shredded: int
    records_deleted: int
    tombstones: int
    unknown_policies: tuple[str, ...]


def purge(engine: Engine, policies: Mapping[str, Policy], *, actor: str, now: datetime | None = None) -> PurgeResult:
    """Apply every policy's retention as of ``now`` in one chained transaction."""
    now = now or datetime.now(UTC)
    c = audit_records.c
    event_id = str(uuid.uuid4())
    cutoffs = {
        name: (
            now - timedelta(days=p.spec.retention.payload_days),
            now - timedelta(days=p.spec.retention.metadata_days),
        )
        for name, p in sorted(policies.items())
    }
    with appending(engine) as writer:
        conn = writer.conn
        shredded = sum(
            shred(conn, [c.policy == name, c.created_at < payload], now) for name, (payload, _) in cutoffs.items()
        )
        expired = [
            row._mapping
            for name, (_, metadata) in cutoffs.items()
            for row in conn.execute(
                select(c.id, c.seq, c.prev_id, c.prev_hash, c.entry_hash).where(
                    c.policy == name, c.created_at < metadata
                )
            )
        ]
        tombstones = [_tombstone(row, "record", event_id) for row in expired]
        tombstones += _outcome_tombstones(conn, [row["id"] for row in expired], event_id)
        tombstones.sort(key=lambda row: row["seq"])
        _delete(conn, tombstones)
        unknown = conn.execute(select(c.policy).where(not_(c.policy.in_(list(cutoffs)))).distinct()).scalars().all()
        digest = hashlib.sha256(b"".join(f"{t['seq']}:{t['entry_hash']}\n".encode() for t in tombstones))
        details: dict[str, Any] = {
            "as_of": timestamp(now),
            "payloads_shredded": shredded,
            "records_deleted": len(expired),
            "tombstones": len(tombstones),
            "tombstone_digest": digest.hexdigest() if tombstones else None,
            "cutoffs": {
                n: {"payload_before": timestamp(p), "metadata_before": timestamp(m)} for n, (p, m) in cutoffs.items()
            },
            "policies_without_retention": sorted(unknown),
        }
        writer.add_event("purge", actor, None, details, event_id=event_id, created_at=now)
    scrub_sqlite_log(engine)
    return PurgeResult(event_id, shredded, len(expired), len(tombstones), tuple(sorted(unknown)))


def _tombstone(row: Mapping[str, Any], kind: str, event_id: str) -> dict[str, Any]:
    return {
        "seq": row["seq"],
        "entry_id": row["id"],
        "kind": kind,
        "prev_id": row["prev_id"],
        "prev_hash": row["prev_hash"],
        "entry_hash": row["entry_hash"],
        "purge_event_id": event_id,
    }


def _outcome_tombstones(conn: Connection, record_ids: list[str], event_id: str) -> list[dict[str, Any]]:
    e = audit_events.c
    rows = []
    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start : start + CHUNK]
        query = select(e.id, e.seq, e.prev_id, e.prev_hash, e.entry_hash).where(
            and_(e.kind == "outcome", e.record_id.in_(chunk))
        )
        rows += [_tombstone(row._mapping, "outcome", event_id) for row in conn.execute(query)]
    return rows


def _delete(conn: Connection, tombstones: list[dict[str, Any]]) -> None:
    if not tombstones:
        return
    conn.execute(insert(audit_tombstones), tombstones)
    for kind, table in (("record", audit_records), ("outcome", audit_events)):
        ids = [t["entry_id"] for t in tombstones if t["kind"] == kind]
        for start in range(0, len(ids), CHUNK):
            conn.execute(delete(table).where(table.c.id.in_(ids[start : start + CHUNK])))
