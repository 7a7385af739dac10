"""Start-up reconciliation: records a crash left ``pending`` are closed as ``interrupted``.

A forwarded request's record is committed ``pending`` before anything is sent;
its outcome follows when the reply ends. A process killed in between leaves the
record pending for ever. Before a gateway process serves, and then every
``RECONCILE_EVERY_BEATS`` heartbeats (about 30 s), it closes every pending record
not owned by a live writer (never its own):

- its ``writer`` has no ``audit_writers`` row, or that writer's heartbeat is older
  than ``STALE_S``, or it ran on this machine and its process is gone
  (``gateway.audit.writers``); or
- it has no writer (written before migration 0004) and was created before this
  process started,

with a chained ``outcome`` event each (status ``interrupted``, no response), one
``interrupted_closed`` event saying how many and for which dead writers, and then
removes the dead writers' rows. Several processes starting at once may race: each
completion applies only to a record still pending, so every record is closed once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, delete, or_, select

from gateway.audit.chain import appending
from gateway.audit.schema import Status
from gateway.audit.writers import STALE_S, writer_dead
from gateway.db import audit_records, audit_writers

log = logging.getLogger(__name__)

INTERRUPTED = Status.INTERRUPTED
# Honest about what is unknown: the outcome is written just after a non-streamed reply is sent,
# so a process killed in between may have answered the client.
INTERRUPTED_DETAIL = (
    "the gateway process stopped before it wrote this request's outcome; whether the reply reached the client "
    "is unknown"
)
EVENT_KIND = "interrupted_closed"
BATCH = 500


@dataclass(frozen=True, slots=True)
class Reconciled:
    closed: int
    dead_writers: tuple[str, ...]


def close_interrupted(engine: Engine, *, started_at: datetime, own_writer: str, stale_s: float = STALE_S) -> Reconciled:
    """Close the pending records of dead writers created before ``started_at``; return how many."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        writers = conn.execute(
            select(audit_writers.c.id, audit_writers.c.host, audit_writers.c.pid, audit_writers.c.heartbeat_at)
        ).all()
        dead = tuple(
            w.id
            for w in writers
            if w.id != own_writer and writer_dead(w.host, w.pid, w.heartbeat_at, now=now, stale_s=stale_s)
        )
        live = [w.id for w in writers if w.id not in dead]
        orphans = conn.execute(
            select(audit_records.c.id, audit_records.c.created_at)
            .where(
                audit_records.c.status == Status.PENDING.value,
                or_(
                    and_(audit_records.c.writer.is_(None), audit_records.c.created_at < started_at),
                    and_(audit_records.c.writer.is_not(None), audit_records.c.writer.not_in(live)),
                ),
            )
            .order_by(audit_records.c.seq)
        ).all()
    closed = 0
    for start in range(0, len(orphans), BATCH):
        closed += _close(engine, orphans[start : start + BATCH], own_writer, dead)
    if dead:
        with engine.begin() as conn:
            conn.execute(delete(audit_writers).where(audit_writers.c.id.in_(dead)))
    if closed:
        log.warning("closed %d audit record(s) left pending by a stopped gateway process as interrupted", closed)
    return Reconciled(closed, dead)


def _close(engine: Engine, rows: list[Any], own_writer: str, dead: tuple[str, ...]) -> int:
    now = datetime.now(UTC)
    with appending(engine) as writer:
        completions = [writer.complete(row.id, _interrupted(row.created_at, now)) for row in rows]
        writer.flush()  # applies the completions: only records still pending get an outcome
        applied = [c.record_id for c in completions if c.applied]
        if applied:
            details = {"records": len(applied), "closed_by": own_writer, "dead_writers": list(dead)[:50]}
            writer.add_event(EVENT_KIND, "gateway", None, details)
    return len(applied)


def _interrupted(created_at: datetime, now: datetime) -> dict[str, Any]:
    created = created_at if created_at.tzinfo is not None else created_at.replace(tzinfo=UTC)
    return {
        "status": INTERRUPTED.value,
        "status_code": None,
        "latency_ms": round((now - created).total_seconds() * 1000.0, 3),
        "detail": INTERRUPTED_DETAIL,
        "completed_at": now,
        "response_ct": None,
        "response_ct_sha256": None,
    }
