"""The audit record schema: one versioned type for the row, the hashed content and the export.

After OPA's decision-log ``EventV1``: :class:`AuditRecordV1` is the one place that
says what a record holds. It produces the ``audit_records`` row a request's record
is inserted as, the content its chain hash covers (with ``"v": 1`` inside) and the
metadata an export shows. A record's status is a :class:`Status`.

Versions. A row's ``schema_version`` (migration 0009) says by which rules its
content is hashed:

- ``1`` (:class:`AuditRecordV1`): every field of ``HASHED_FIELDS`` always present
  (``request_id`` and ``shadow`` null when a record has none), plus ``"v": 1``;
- null: a record written before the schema was versioned (v0). Its content is
  rebuilt by the rules it was hashed with (``v0_content``): ``request_id`` and
  ``shadow`` only when set (migrations 0006 and 0007), no ``"v"``.

Changing the column does not change the rules a record verifies by unnoticed: the
hash of one version's content never matches the other's (``"v"`` is hashed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1


class Status(StrEnum):
    """How a request's record stands: ``pending`` until its outcome is written, then one of the others."""

    PENDING = "pending"  # forwarded; the outcome is not written yet
    OK = "ok"  # answered (forwarded, local, inspected or made by the gateway)
    BLOCKED = "blocked"  # blocked by policy
    REFUSED = "refused"  # a stage failed or a limit was hit: refused, nothing forwarded (or nothing more)
    ERROR = "error"  # the backend failed, or its stream broke off
    UPSTREAM_ERROR = "upstream_error"  # the upstream answered with an error status
    CANCELLED = "cancelled"  # the client went away mid-stream
    INTERRUPTED = "interrupted"  # closed at start-up: the process writing it stopped (gateway.audit.reconcile)


# What the chain hash of a record covers, besides kind, id, prev_id and "v".
HASHED_FIELDS = (
    "created_at",
    "endpoint",
    "tenant",
    "policy",
    "policy_version",
    "decision",
    "route",
    "rule_ids",
    "entity_types",
    "findings",
    "request_sha256",
    "model",
    "stream",
    "request_ct_sha256",
    "request_id",
    "shadow",
)
# The v0 rules: these always, request_id and shadow only when set.
V0_FIELDS = HASHED_FIELDS[:-2]
V0_OPTIONAL = HASHED_FIELDS[-2:]

# What an export shows of a record, in this order (metadata only: never a payload or a key).
EXPORT_FIELDS = (
    "id",
    "seq",
    "created_at",
    "completed_at",
    "endpoint",
    "tenant",
    "policy",
    "policy_version",
    "decision",
    "route",
    "rule_ids",
    "entity_types",
    "findings",
    "request_sha256",
    "model",
    "stream",
    "status",
    "status_code",
    "latency_ms",
    "detail",
    "payload_erased",
    "entry_hash",
)


def timestamp(value: datetime | None) -> str | None:
    """A datetime as UTC ISO 8601 with microseconds (naive values, as SQLite returns them, are UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # Same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ") for years 1000-9999, at a fraction of the cost.
    return value.isoformat(timespec="microseconds") + "Z"


class UnknownSchemaVersion(ValueError):
    """A row claims a schema version this gateway does not know."""


@dataclass(frozen=True, slots=True)
class AuditRecordV1:
    """The immutable part of a request's record: what is decided before anything is forwarded."""

    id: str
    created_at: datetime
    endpoint: str
    tenant: str
    policy: str
    policy_version: str
    decision: str
    route: str
    rule_ids: list[str]
    entity_types: list[str]
    findings: list[dict[str, Any]]
    request_sha256: str
    model: str | None
    stream: bool
    request_ct_sha256: str | None
    request_id: str | None = None
    shadow: list[dict[str, Any]] | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> AuditRecordV1:
        return cls(**{name: row[name] for name in ("id", *HASHED_FIELDS)})

    def row(self) -> dict[str, Any]:
        """The ``audit_records`` columns of a new record (pending, no outcome yet)."""
        values: dict[str, Any] = {name: getattr(self, name) for name in ("id", *HASHED_FIELDS)}
        values.update(
            stream=int(self.stream),
            schema_version=SCHEMA_VERSION,
            status=Status.PENDING.value,
            status_code=None,
            latency_ms=None,
            detail=None,
            completed_at=None,
        )
        return values

    def content(self, prev_id: str | None) -> dict[str, Any]:
        """What the record's chain hash covers."""
        content: dict[str, Any] = {name: getattr(self, name) for name in HASHED_FIELDS}
        content["created_at"] = timestamp(self.created_at)
        content["stream"] = int(self.stream)
        return {"kind": "record", "v": SCHEMA_VERSION, "id": self.id, "prev_id": prev_id, **content}

    @staticmethod
    def export(row: Mapping[str, Any]) -> dict[str, Any]:
        """What an export shows of a stored record (``row`` has ``EXPORT_FIELDS`` but ``payload_erased``,
        and ``erased``: whether its wrapped key is gone)."""
        record = {name: row[name] for name in EXPORT_FIELDS if name != "payload_erased"}
        record["payload_erased"] = bool(row["erased"])
        record["created_at"] = timestamp(record["created_at"])
        record["completed_at"] = timestamp(record["completed_at"])
        record["stream"] = bool(record["stream"])
        return {name: record[name] for name in EXPORT_FIELDS}


def v0_content(row: Mapping[str, Any]) -> dict[str, Any]:
    """The content of a record written before the schema was versioned, by the rules it was hashed with."""
    content = {name: row[name] for name in V0_FIELDS}
    content["created_at"] = timestamp(row["created_at"])
    for name in V0_OPTIONAL:  # migrations 0006 and 0007: hashed when present
        if row.get(name) is not None:
            content[name] = row[name]
    return {"kind": "record", "id": row["id"], "prev_id": row["prev_id"], **content}


def record_content(row: Mapping[str, Any]) -> dict[str, Any]:
    """The hashed content of a record row, by the rules of its ``schema_version``."""
    version = row.get("schema_version")
    if version is None:
        return v0_content(row)
    if version == SCHEMA_VERSION:
        return AuditRecordV1.from_row(row).content(row["prev_id"])
    raise UnknownSchemaVersion(f"record schema version {version!r} is not one this gateway knows")
