"""The filters on audit records, and their SQL.

Shared by the review API's record list and statistics and by the exports (the
review API's download and ``gateway audit export``), so that a chart, a page of
results and a download always agree on which records they mean.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Engine, String, and_, cast, exists, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from gateway.db import audit_records
from gateway.types import Action, Route

RULE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
ENTITY_TYPE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
DECISIONS = frozenset(a.value for a in Action)
ROUTES = frozenset(r.value for r in Route)


class FilterError(ValueError):
    """A filter value that is not valid; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class RecordFilters:
    """Which audit records: every given filter must match; ``since`` is inclusive, ``until`` exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    tenant: str | None = None
    tenant_contains: str | None = None  # a case-insensitive substring of the tenant name; wildcards are literal
    policy: str | None = None
    decision: str | None = None
    route: str | None = None
    rule_id: str | None = None
    entity_type: str | None = None
    q: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise FilterError(name, "needs a time zone (e.g. 2026-01-31T00:00:00Z)")
        if self.since and self.until and self.since > self.until:
            raise FilterError("until", "is before 'since'")
        if self.decision is not None and self.decision not in DECISIONS:
            raise FilterError("decision", f"one of {', '.join(sorted(DECISIONS))}")
        if self.route is not None and self.route not in ROUTES:
            raise FilterError("route", f"one of {', '.join(sorted(ROUTES))}")
        if self.rule_id is not None and not RULE_ID.match(self.rule_id):
            raise FilterError("rule_id", "is not a rule id (lower-case letters, digits, . _ -)")
        if self.entity_type is not None and not ENTITY_TYPE.match(self.entity_type):
            raise FilterError("entity_type", "is not an entity type (e.g. US_SSN)")
        for name in ("tenant", "tenant_contains", "policy", "q"):
            value = getattr(self, name)
            if value is not None and len(value) > 200:
                raise FilterError(name, "is longer than 200 characters")
            if value is not None and _has_control(value):
                # SQLite's LIKE ends a pattern at NUL (so "%\0%" matched every record) and PostgreSQL
                # refuses NUL in text: control characters and lone surrogates name no tenant, model or id.
                raise FilterError(name, "contains a control character or an unpaired surrogate")


def _has_control(value: str) -> bool:
    return any(unicodedata.category(char) in ("Cc", "Cs") for char in value)


def parse_time(field: str, value: str | None) -> datetime | None:
    """An ISO 8601 time from a query string; a date alone means its midnight UTC."""
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(field, "is not an ISO 8601 time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _json_array_contains(engine: Engine, column: ColumnElement[object], value: str) -> ColumnElement[bool]:
    if engine.dialect.name == "postgresql":
        return cast(column, JSONB).contains(func.jsonb_build_array(value))
    if engine.dialect.name == "sqlite":
        each = func.json_each(column).table_valued("value")
        return exists(select(literal_column("1")).select_from(each).where(each.c.value == value))
    # Other databases: the quoted string in the JSON text (values are validated above).
    return cast(column, String).like(f'%"{value}"%')


def time_bound(engine: Engine, value: datetime) -> datetime:
    """``value`` as the dialect compares ``created_at``: SQLite stores naive UTC text, others aware UTC."""
    value = value.astimezone(UTC)
    return value.replace(tzinfo=None) if engine.dialect.name == "sqlite" else value


def conditions(engine: Engine, filters: RecordFilters) -> list[ColumnElement[bool]]:
    """The WHERE clauses for ``filters`` on ``audit_records``."""
    c = audit_records.c
    where: list[ColumnElement[bool]] = []
    if filters.since is not None:
        where.append(c.created_at >= time_bound(engine, filters.since))
    if filters.until is not None:
        where.append(c.created_at < time_bound(engine, filters.until))
    for name in ("tenant", "policy", "decision", "route"):
        value = getattr(filters, name)
        if value is not None:
            where.append(c[name] == value)
    if filters.rule_id is not None:
        where.append(_json_array_contains(engine, c.rule_ids, filters.rule_id))
    if filters.entity_type is not None:
        where.append(_json_array_contains(engine, c.entity_types, filters.entity_type))
    if filters.tenant_contains:
        where.append(contains(engine, c.tenant, filters.tenant_contains))
    if filters.q:
        needle = filters.q.strip().lower()
        where.append(
            or_(
                c.id.startswith(needle, autoescape=True),
                contains(engine, c.tenant, needle),
                contains(engine, func.coalesce(c.model, ""), needle),
            )
        )
    return where


def contains(engine: Engine, column: ColumnElement[Any], needle: str) -> ColumnElement[bool]:
    """``column`` holds ``needle``, ignoring case (beyond ASCII too); ``%``, ``_`` and ``\\`` in it are literal."""
    escaped = needle.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    # SQLite's lower() folds ASCII only; the store's SQLite connections have unicode_lower (gateway.db).
    lowered = func.unicode_lower(column) if engine.dialect.name == "sqlite" else func.lower(column)
    return lowered.like(f"%{escaped}%", escape="\\")


def all_of(where: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    return and_(*where) if where else literal_column("1") == literal_column("1")
