"""Opening a record's encrypted evidence: the request body and the response (or error).

Opening does not record a view; the caller (the review API) records a
``payload_view`` event with who and why (``gateway.audit.events.record_event``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from gateway.audit import crypto
from gateway.audit.keyring import Keyring
from gateway.db import audit_records

__all__ = ["Keyring", "Payload", "RecordNotFound", "open_payload"]


class RecordNotFound(LookupError):
    """No audit record has that id (it never existed, or retention deleted it)."""


@dataclass(frozen=True, slots=True)
class Payload:
    request: bytes | None
    response: bytes | None
    erased: bool


def open_payload(engine: Engine, keyring: Keyring, record_id: str) -> Payload:
    """Decrypt a record's payload; an erased (crypto-shredded) payload comes back empty with ``erased``."""
    c = audit_records.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.key_id, c.wrapped_key, c.request_ct, c.response_ct, c.payload_erased_at).where(c.id == record_id)
        ).one_or_none()
    if row is None:
        raise RecordNotFound(f"no audit record {record_id}")
    if row.wrapped_key is None:
        return Payload(None, None, erased=True)
    data_key = crypto.unwrap_key(keyring.get(row.key_id), row.wrapped_key, record_id)
    request = crypto.open_sealed(data_key, row.request_ct, record_id, "request") if row.request_ct else None
    response = crypto.open_sealed(data_key, row.response_ct, record_id, "response") if row.response_ct else None
    return Payload(request, response, erased=False)
