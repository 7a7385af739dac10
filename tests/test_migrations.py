"""The Alembic migrations go up and down on SQLite and PostgreSQL, and match the code's tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from gateway import db
from tests.support.databases import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


def tables(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_the_schema_the_code_expects(url: str) -> None:
    db.upgrade(url)
    assert {"api_keys", "audit_records", "alembic_version"} <= tables(url)
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_downgrade_removes_everything_and_upgrade_is_repeatable(url: str) -> None:
    db.upgrade(url)
    db.downgrade(url, "base")
    assert tables(url) <= {"alembic_version"}
    db.upgrade(url)
    db.upgrade(url)  # a second upgrade is a no-op
    assert {"api_keys", "audit_records"} <= tables(url)
