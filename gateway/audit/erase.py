"""Erasure on request (GDPR Art. 17) by crypto-shredding.

Erasing a record's payload deletes its wrapped data key and both ciphertexts
and stamps ``payload_erased_at``; the metadata and the chain stay, because the
chain hashes only a commitment (SHA-256) of each ciphertext. The erasure is
itself a chained ``erasure`` event: who, when, which scope, how many, why.
On SQLite, deleted bytes are zeroed (``secure_delete``) and the write-ahead log
is truncated afterwards so no copy of a wrapped key lingers in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, select, text, update

from gateway.audit.chain import appending, timestamp
from gateway.db import audit_records, audit_subjects

log = logging.getLogger(__name__)


class ErasureError(ValueError):
    """An erasure that cannot be done as asked (no scope, unknown record, empty range); nothing was changed."""


@dataclass(frozen=True, slots=True)
class ErasureScope:
    """Which records to erase: all given criteria must match."""

    record_id: str | None = None
    tenant: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        c = audit_records.c
        conditions: list[ColumnElement[bool]] = []
        if self.record_id is not None:
            conditions.append(c.id == self.record_id)
        if self.tenant is not None:
            conditions.append(c.tenant == self.tenant)
        if self.since is not None:
            conditions.append(c.created_at >= self.since)
        if self.until is not None:
            conditions.append(c.created_at < self.until)
        return conditions

    def as_details(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "tenant": self.tenant,
            "since": timestamp(self.since),
            "until": timestamp(self.until),
        }


@dataclass(frozen=True, slots=True)
class ErasureResult:
    event_id: str
    erased: int
    matched: int


def shred(conn: Connection, conditions: list[ColumnElement[bool]], when: datetime) -> int:
    """Destroy the data keys and ciphertexts of the matching records not yet erased; return how many.

    The keyed hashes of their detected values (``audit_subjects``) go too: they stand for the values."""
    c = audit_records.c
    matching = select(c.id).where(and_(*conditions)).scalar_subquery()
    conn.execute(delete(audit_subjects).where(audit_subjects.c.record_id.in_(matching)))
    result = conn.execute(
        update(audit_records)
        .where(and_(*conditions), c.wrapped_key.is_not(None))
        .values(wrapped_key=None, request_ct=None, response_ct=None, payload_erased_at=when)
    )
    return int(result.rowcount)


def erase(engine: Engine, scope: ErasureScope, *, actor: str, reason: str) -> ErasureResult:
    """Crypto-shred the payloads in ``scope`` and record the erasure, in one chained transaction."""
    conditions = scope.conditions()
    if not conditions:
        raise ErasureError("name what to erase: a record, a tenant, or a time range")
    if scope.since is not None and scope.until is not None and scope.since >= scope.until:
        raise ErasureError("--since must be before --until")
    if not reason.strip():
        raise ErasureError("give the reason for the erasure (e.g. the data-subject request reference)")
    now = datetime.now(UTC)
    with appending(engine) as writer:
        matched = writer.conn.execute(select(func.count()).where(and_(*conditions))).scalar_one()
        if scope.record_id is not None and not matched:
            raise ErasureError(f"no audit record {scope.record_id}")
        erased = shred(writer.conn, conditions, now)
        details = {"scope": scope.as_details(), "matched": matched, "erased": erased, "reason": reason.strip()}
        event_id = writer.add_event("erasure", actor, scope.record_id, details, created_at=now)
    scrub_sqlite_log(engine)
    return ErasureResult(event_id, erased, matched)


def scrub_sqlite_log(engine: Engine) -> None:
    """Checkpoint and truncate SQLite's write-ahead log, which may still hold erased pages."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
        conn.execute(text("SELECT 1"))
    if busy:
        log.warning("the SQLite write-ahead log could not be truncated now (readers active); it will be on reuse")
