"""Record queries for review: filters and keyset pages, on SQLite and PostgreSQL.

Rows are written straight into ``audit_records`` (chain columns filled with
placeholders) so that times, ties and JSON arrays can be chosen exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert

from gateway import db
from gateway.audit.filters import FilterError, RecordFilters
from gateway.review.records import Cursor, list_records
from gateway.review.stats import daily_stats
from tests.support.databases import database_url

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    def build(url: str) -> Iterator[Engine]:
        db.upgrade(url)
        engine = db.make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()

    with database_url(request.param, tmp_path) as url:
        yield from build(url)


def add(engine: Engine, seq: int, created_at: datetime, **overrides: object) -> str:
    record_id = overrides.pop("id", None) or str(uuid.uuid4())
    values: dict[str, object] = {
        "id": record_id,
        "created_at": created_at,
        "endpoint": "chat",
        "tenant": "acme",
        "policy": "healthcare",
        "policy_version": "sha256:" + "0" * 64,
        "decision": "allow",
        "route": "upstream",
        "rule_ids": [],
        "entity_types": [],
        "findings": [],
        "request_sha256": "0" * 64,
        "stream": 0,
        "status": "ok",
        "seq": seq,
        "prev_hash": "",
        "entry_hash": "",
    }
    values.update(overrides)
    with engine.begin() as conn:
        conn.execute(insert(db.audit_records).values(**values))
    return record_id


def all_pages(engine: Engine, filters: RecordFilters, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = list_records(engine, filters, cursor=cursor, limit=limit)
        pages.append([r["id"] for r in page.records])
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_keyset_pages_cover_every_record_once_newest_first_with_ties(engine: Engine) -> None:
    # Three records share one timestamp: the id breaks the tie, so none repeats or goes missing.
    ids = [add(engine, i + 1, T0 + timedelta(seconds=i // 3)) for i in range(10)]
    expected = sorted(ids, key=lambda i: (ids.index(i) // 3, i), reverse=True)
    pages = all_pages(engine, RecordFilters(), limit=4)
    assert [len(p) for p in pages] == [4, 4, 2]
    assert [i for p in pages for i in p] == expected


def test_a_record_written_after_the_first_page_does_not_shift_later_pages(engine: Engine) -> None:
    ids = [add(engine, i + 1, T0 + timedelta(minutes=i)) for i in range(6)]
    first = list_records(engine, RecordFilters(), limit=3)
    add(engine, 99, T0 + timedelta(days=1))  # newer than everything
    second = list_records(engine, RecordFilters(), cursor=first.next_cursor, limit=3)
    assert [r["id"] for r in second.records] == list(reversed(ids[:3]))
    assert second.next_cursor is None


FILTER_ROWS = [
    # (tenant, policy, decision, route, rule_ids, entity_types, minutes after T0)
    ("acme", "healthcare", "route_local", "local", ["hipaa-identifiers-local"], ["PERSON", "US_SSN"], 0),
    ("acme", "healthcare", "block", "none", ["pci-pan-block"], ["CREDIT_CARD"], 10),
    ("globex", "finance", "allow", "upstream", [], [], 20),
    ("globex", "finance", "redact", "upstream", ["pii-redact"], ["EMAIL_ADDRESS"], 30),
    (
        "initech",
        "healthcare",
        "block",
        "none",
        ["credentials-block", "hipaa-identifiers-local"],
        ["SECRET", "PERSON"],
        40,
    ),
]


@pytest.mark.parametrize(
    ("filters", "expected_rows"),
    [
        (RecordFilters(tenant="acme"), {0, 1}),
        (RecordFilters(policy="finance"), {2, 3}),
        (RecordFilters(decision="block"), {1, 4}),
        (RecordFilters(route="upstream"), {2, 3}),
        (RecordFilters(rule_id="hipaa-identifiers-local"), {0, 4}),
        (RecordFilters(rule_id="pci-pan-block"), {1}),
        # "_" is a LIKE wildcard: US_SSN must not match a type such as USxSSN, and PERSON not PERSONS.
        (RecordFilters(entity_type="US_SSN"), {0}),
        (RecordFilters(entity_type="PERSON"), {0, 4}),
        (RecordFilters(entity_type="IBAN_CODE"), set()),
        (RecordFilters(since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=30)), {1, 2}),
        (RecordFilters(since=T0 + timedelta(minutes=30)), {3, 4}),
        (RecordFilters(decision="block", entity_type="PERSON"), {4}),
        (RecordFilters(q="GLOB"), {2, 3}),
    ],
)
def test_filters_select_exactly_the_matching_records(
    engine: Engine, filters: RecordFilters, expected_rows: set[int]
) -> None:
    ids = []
    for seq, (tenant, policy, decision, route, rules, entities, minutes) in enumerate(FILTER_ROWS, start=1):
        ids.append(
            add(
                engine,
                seq,
                T0 + timedelta(minutes=minutes),
                tenant=tenant,
                policy=policy,
                decision=decision,
                route=route,
                rule_ids=rules,
                entity_types=entities,
            )
        )
    add(engine, 50, T0, entity_types=["USxSSN", "PERSONS"], tenant="other", route="local")
    found = {r["id"] for r in list_records(engine, filters, limit=200).records}
    assert found == {ids[i] for i in expected_rows}


def test_search_by_record_id_prefix(engine: Engine) -> None:
    target = add(engine, 1, T0, id="abcdef01-0000-4000-8000-000000000000")
    add(engine, 2, T0, id="12345678-0000-4000-8000-000000000000")
    assert [r["id"] for r in list_records(engine, RecordFilters(q="abcdef"), limit=10).records] == [target]


@pytest.mark.parametrize(
    "make",
    [
        lambda: RecordFilters(decision="maybe"),
        lambda: RecordFilters(route="sideways"),
        lambda: RecordFilters(rule_id="Bad Rule!"),
        lambda: RecordFilters(entity_type="us_ssn%"),
        lambda: RecordFilters(since=datetime(2026, 1, 1)),  # no time zone
        lambda: RecordFilters(since=T0, until=T0 - timedelta(days=1)),
    ],
)
def test_invalid_filters_are_refused(make: object) -> None:
    with pytest.raises(FilterError):
        make()  # type: ignore[operator]


@pytest.mark.parametrize("cursor", ["not-a-cursor", "W10", Cursor(T0, "x" * 40).encode()])
def test_a_forged_cursor_is_refused(engine: Engine, cursor: str) -> None:
    with pytest.raises(FilterError):
        list_records(engine, RecordFilters(), cursor=cursor)


def test_daily_stats_count_decisions_and_entity_types_per_utc_day(engine: Engine) -> None:
    add(engine, 1, T0, decision="block", entity_types=["CREDIT_CARD"])
    add(engine, 2, T0 + timedelta(hours=1), decision="route_local", entity_types=["PERSON", "US_SSN"])
    add(engine, 3, T0 + timedelta(days=1), decision="route_local", entity_types=["PERSON"])
    add(engine, 4, T0 + timedelta(days=5), decision="allow")  # outside the window
    stats = daily_stats(engine, RecordFilters(since=T0 - timedelta(hours=12), until=T0 + timedelta(days=2)))
    days = {d["day"]: d for d in stats["days"]}
    assert list(days) == ["2026-03-01", "2026-03-02", "2026-03-03"]
    assert days["2026-03-01"]["decisions"] == {"block": 1, "route_local": 1}
    assert days["2026-03-01"]["entity_types"] == {"CREDIT_CARD": 1, "PERSON": 1, "US_SSN": 1}
    assert days["2026-03-02"]["decisions"] == {"route_local": 1}
    assert days["2026-03-03"]["decisions"] == {}
    assert stats["totals"]["entity_types"] == {"CREDIT_CARD": 1, "PERSON": 2, "US_SSN": 1}
