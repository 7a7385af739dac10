"""Counts for the review charts: decisions per day, records per entity type per day, and the rules that fired."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from gateway.audit.filters import FilterError, RecordFilters, all_of, conditions
from gateway.db import audit_records
from gateway.review.accounts import aware

DEFAULT_DAYS = 30
MAX_DAYS = 366


def _window(filters: RecordFilters, now: datetime) -> tuple[datetime, datetime]:
    until = filters.until or now
    since = filters.since or (until - timedelta(days=DEFAULT_DAYS))
    if until - since > timedelta(days=MAX_DAYS):
        raise FilterError("since", f"the statistics cover at most {MAX_DAYS} days")
    return since, until


def daily_stats(engine: Engine, filters: RecordFilters, now: datetime | None = None) -> dict[str, Any]:
    """Per UTC day in the window (default: the last 30 days), decisions and entity types counted."""
    since, until = _window(filters, now or datetime.now(UTC))
    bounded = replace(filters, since=since, until=until)
    decisions: dict[date, Counter[str]] = defaultdict(Counter)
    entities: dict[date, Counter[str]] = defaultdict(Counter)
    rules: Counter[str] = Counter()
    c = audit_records.c
    query = select(c.created_at, c.decision, c.entity_types, c.rule_ids).where(all_of(conditions(engine, bounded)))
    with engine.connect() as conn:
        for row in conn.execution_options(yield_per=1000).execute(query):
            created = aware(row.created_at)
            assert created is not None
            day = created.astimezone(UTC).date()
            decisions[day][row.decision] += 1
            for entity in row.entity_types or []:
                entities[day][entity] += 1
            rules.update(row.rule_ids or [])
    first, last = since.astimezone(UTC).date(), (until - timedelta(microseconds=1)).astimezone(UTC).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return {
        "since": since.isoformat().replace("+00:00", "Z"),
        "until": until.isoformat().replace("+00:00", "Z"),
        "days": [
            {"day": day.isoformat(), "decisions": dict(decisions[day]), "entity_types": dict(entities[day])}
            for day in days
        ],
        "totals": {
            "decisions": dict(sum((decisions[d] for d in days), Counter())),
            "entity_types": dict(sum((entities[d] for d in days), Counter())),
        },
        # Every rule that fired in the window, most often first (records counted once per rule).
        "top_rules": [
            {"rule_id": rule_id, "records": n} for rule_id, n in sorted(rules.items(), key=lambda r: (-r[1], r[0]))
        ],
    }
