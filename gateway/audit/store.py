"""The audit store: one record per request, written before anything is forwarded.

A record (``gateway.audit.schema.AuditRecordV1``) is inserted with the decision
(status ``pending`` when the request is then forwarded) and completed once with the outcome. Records hold entity
types, positions and scores, never a detected value. The request body and the
response (or the error) are stored only encrypted (``gateway.audit.crypto``);
every record and every outcome is an entry of the hash chain
(``gateway.audit.chain``), appended by group commit (``gateway.audit.commit``).
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from gateway.audit import crypto
from gateway.audit import subjects as data_subjects
from gateway.audit.chain import ChainWriter
from gateway.audit.commit import GroupCommitter
from gateway.audit.keyring import Keyring
from gateway.audit.schema import AuditRecordV1, Status
from gateway.audit.signing import HeadSigner
from gateway.audit.writers import WriterLease
from gateway.db import audit_records
from gateway.types import Decision, Finding, Route, ShadowDecision

# Data keys of pending records kept in memory (oldest dropped first; complete() then reads the stored key).
MAX_PENDING_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """What is known of a request once it has been decided."""

    endpoint: str
    tenant: str
    decision: Decision
    route: Route
    findings: tuple[Finding, ...]
    request_sha256: str
    request_body: bytes
    model: str | None = None
    stream: bool = False
    request_id: str | None = None  # gateway.request_id: the id in the logs and the x-request-id header
    # (entity type, detected value) per finding, in memory only: the store keeps their keyed hashes
    # (gateway.audit.subjects), never the values.
    subjects: tuple[tuple[str, str], ...] = ()
    shadow: tuple[ShadowDecision, ...] = ()  # what the policy's shadow policies decided; changes nothing


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a request ended. ``detail`` is a fixed text, never a value from the request."""

    status: Status
    status_code: int | None
    latency_ms: float
    detail: str | None = None
    response_body: bytes | None = None


class AuditStore:
    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        signer: HeadSigner | None = None,
        lease: WriterLease | None = None,
        busy_timeout_s: float | None = None,
    ):
        self.engine = engine
        self.keyring = keyring
        self.signer = signer
        self.lease = lease  # this process's writer row: its records name it, reconciliation spares them
        self._commits = GroupCommitter(
            engine, on_commit=signer.appended if signer is not None else None, busy_timeout_s=busy_timeout_s
        )
        self._pending_keys: dict[str, bytes] = {}  # data keys of this process's pending records
        self._pending_lock = threading.Lock()
        self.subject_key = data_subjects.subject_key(keyring)  # data-subject search hashes (gateway.audit.subjects)

    def record(self, event: AuditEvent, outcome: Outcome | None = None) -> str:
        """Insert the record for ``event`` (complete when ``outcome`` is given); return its id once committed."""
        record_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        master = self.keyring.current
        data_key = crypto.new_data_key()
        request_ct = crypto.seal(data_key, event.request_body, record_id, "request")
        record = AuditRecordV1(
            id=record_id,
            created_at=now,
            endpoint=event.endpoint,
            tenant=event.tenant,
            policy=event.decision.policy,
            policy_version=event.decision.policy_version,
            decision=event.decision.action.value,
            route=event.route.value,
            rule_ids=event.decision.rule_ids,
            entity_types=sorted({f.entity_type for f in event.findings}),
            findings=[f.as_dict() for f in event.findings],
            request_sha256=event.request_sha256,
            model=event.model,
            stream=event.stream,
            request_ct_sha256=crypto.commitment(request_ct),
            request_id=event.request_id,
            shadow=[s.as_dict() for s in event.shadow] or None,
        )
        values = record.row()
        values.update(
            key_id=master.key_id,
            wrapped_key=crypto.wrap_key(master, data_key, record_id),
            request_ct=request_ct,
            response_ct=None,
            response_ct_sha256=None,
            writer=self.lease.id if self.lease is not None else None,
        )
        if outcome is not None:
            values.update(_outcome_values(outcome, now, data_key, record_id))
        subject_rows = data_subjects.subject_rows(self.subject_key, record_id, event.subjects)

        def append(writer: ChainWriter) -> None:
            writer.add_record(values)
            data_subjects.write_subjects(writer.conn, subject_rows)
            if outcome is not None:
                writer.add_outcome(record_id, values, update_record=False)

        self._commits.run(append)
        if outcome is None:  # kept for complete(), so it need not read and unwrap the key again
            with self._pending_lock:
                self._pending_keys[record_id] = data_key
                if len(self._pending_keys) > MAX_PENDING_KEYS:
                    del self._pending_keys[next(iter(self._pending_keys))]
        return record_id

    def complete(self, record_id: str, outcome: Outcome) -> bool:
        """Write the outcome of a forwarded request into its record (once); False if it was not pending."""
        with self._pending_lock:
            data_key = self._pending_keys.pop(record_id, None)
        if data_key is None:  # recorded by another process, or forgotten: unwrap the stored key
            data_key = self._stored_data_key(record_id)
        values = _outcome_values(outcome, datetime.now(UTC), data_key, record_id)
        completion = self._commits.run(lambda writer: writer.complete(record_id, values))
        return bool(completion.applied)

    def _stored_data_key(self, record_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(audit_records.c.key_id, audit_records.c.wrapped_key).where(audit_records.c.id == record_id)
            ).one_or_none()
        if row is None:
            raise LookupError(f"no audit record {record_id}")
        if row.wrapped_key is None:
            return None
        return crypto.unwrap_key(self.keyring.get(row.key_id), row.wrapped_key, record_id)

    def close(self) -> None:
        """Sign the final chain head (at shutdown), return the committer's connection to the pool and
        remove this process's writer row; when the store did not answer the signer, the row is left, so
        that shutdown on a dead store waits one bound, not one a step."""
        answered = self.signer.close() if self.signer is not None else True
        self._commits.close()
        if self.lease is not None:
            self.lease.close(remove=answered)


def _outcome_values(outcome: Outcome, when: datetime, data_key: bytes | None, record_id: str) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": Status(outcome.status).value,  # a status outside the enum fails here, before anything is written
        "status_code": outcome.status_code,
        "latency_ms": round(outcome.latency_ms, 3),
        "detail": outcome.detail,
        "completed_at": when,
        "response_ct": None,
        "response_ct_sha256": None,
    }
    body = outcome.response_body
    if body is None and outcome.status != Status.OK:
        body = json.dumps({"error": {"status": Status(outcome.status).value, "detail": outcome.detail}}).encode()
    if body is not None and data_key is not None:
        sealed = crypto.seal(data_key, body, record_id, "response")
        values.update(response_ct=sealed, response_ct_sha256=crypto.commitment(sealed))
    return values
