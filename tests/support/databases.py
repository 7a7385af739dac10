"""Audit-store URLs for tests: a SQLite file, and a fresh schema on the local PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'audit.db'}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; dropped afterwards."""
    schema = f"gw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(dialect: str, directory: Path) -> Iterator[str]:
    """A URL for an empty audit store: a SQLite file in ``directory`` (``sqlite``) or a fresh PostgreSQL schema."""
    if dialect == "sqlite":
        yield sqlite_url(directory)
    else:
        with postgres_schema() as url:
            yield url


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one SQL query on the store at ``url`` (a fresh engine, disposed after)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()
