"""Reading audit records for review: pages by keyset, and one record in detail.

Pages are ordered newest first on ``(created_at, id)``; a cursor carries the
last row's pair, so a page costs the same however deep it is and rows written
meanwhile neither repeat nor shift the pages that follow.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, RowMapping, and_, or_, select

from gateway.audit.filters import FilterError, RecordFilters, all_of, conditions, time_bound
from gateway.db import audit_records
from gateway.policy import Policy
from gateway.review.accounts import aware, iso

MAX_PAGE = 200

SUMMARY_COLUMNS = (
    "id",
    "created_at",
    "endpoint",
    "tenant",
    "policy",
    "decision",
    "route",
    "rule_ids",
    "entity_types",
    "model",
    "status",
    "status_code",
    "latency_ms",
)

# Metadata only: whatever else a record row holds (e.g. sealed payloads) is never sent from here.
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    "policy_version",
    "request_sha256",
    "stream",
    "completed_at",
    "detail",
    "shadow",
)


@dataclass(frozen=True, slots=True)
class Cursor:
    created_at: datetime
    id: str

    def encode(self) -> str:
        raw = json.dumps([iso(self.created_at), self.id]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            when, record_id = json.loads(raw)
            created_at = datetime.fromisoformat(str(when).replace("Z", "+00:00"))
            if created_at.tzinfo is None or not isinstance(record_id, str) or len(record_id) > 36:
                raise ValueError
        except (ValueError, TypeError, json.JSONDecodeError):
            raise FilterError("cursor", "is not a cursor this API returned") from None
        return cls(created_at, record_id)


@dataclass(frozen=True, slots=True)
class Page:
    records: list[dict[str, Any]]
    next_cursor: str | None


def _summary(row: RowMapping) -> dict[str, Any]:
    out = {name: row[name] for name in SUMMARY_COLUMNS}
    out["created_at"] = iso(row["created_at"])
    out["finding_count"] = len(row["findings"] or [])
    return out


def _after(engine: Engine, cursor: Cursor) -> ColumnElement[bool]:
    c = audit_records.c
    when = time_bound(engine, cursor.created_at)
    return or_(c.created_at < when, and_(c.created_at == when, c.id < cursor.id))


def list_records(engine: Engine, filters: RecordFilters, *, cursor: str | None = None, limit: int = 50) -> Page:
    """One page of records matching ``filters``, newest first, after ``cursor``."""
    if not 1 <= limit <= MAX_PAGE:
        raise FilterError("limit", f"must be between 1 and {MAX_PAGE}")
    where = conditions(engine, filters)
    if cursor:
        where.append(_after(engine, Cursor.decode(cursor)))
    c = audit_records.c
    columns = [c[name] for name in SUMMARY_COLUMNS] + [c.findings]
    query = select(*columns).where(all_of(where)).order_by(c.created_at.desc(), c.id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        rows = [row._mapping for row in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        created = aware(last["created_at"])
        assert created is not None
        next_cursor = Cursor(created, last["id"]).encode()
    return Page([_summary(row) for row in rows], next_cursor)


def _rules(record: RowMapping, policy: Policy | None) -> list[dict[str, Any]]:
    """The fired rules with their reason and regulation, from the policy file now loaded."""
    by_id = {rule.id: rule for rule in policy.spec.rules} if policy is not None else {}
    rules = []
    for rule_id in record["rule_ids"] or []:
        rule = by_id.get(rule_id)
        rules.append(
            {
                "id": rule_id,
                "action": rule.action.value if rule else None,
                "reason": rule.reason if rule else None,
                "regulation": rule.regulation if rule else None,
                "entity_types": sorted(
                    {*rule.when.any, *rule.when.all} & set(record["entity_types"] or []) if rule else []
                ),
            }
        )
    return rules


def _message_order(finding: dict[str, Any]) -> int:
    """Findings outside the messages (tool definitions, metadata: no message index) sort first."""
    index = finding.get("message_index")
    return index if isinstance(index, int) else -1


def get_record(engine: Engine, record_id: str, policies: dict[str, Policy]) -> dict[str, Any] | None:
    """One record with its rules explained, or None. Holds no payload: findings are positions only."""
    if len(record_id) > 36:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(audit_records).where(audit_records.c.id == record_id)).first()
    if row is None:
        return None
    record = row._mapping
    policy = policies.get(record["policy"])
    detail = {name: record[name] for name in DETAIL_COLUMNS}
    for name in ("created_at", "completed_at"):
        detail[name] = iso(record[name])
    detail["stream"] = bool(record["stream"])
    detail["findings"] = sorted(
        record["findings"] or [],
        key=lambda f: (_message_order(f), f.get("path", ""), f.get("start", 0), f.get("end", 0)),
    )
    detail["rules"] = _rules(record, policy)
    detail["policy_version_current"] = policy is not None and policy.version == record["policy_version"]
    return detail
