"""Several OS processes, each with its own engine, append to one chain at once: no fork, no gap.

PostgreSQL serialises appends with ``SELECT ... FOR UPDATE`` on the head row,
SQLite with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway import db
from gateway.audit.keyring import Keyring
from gateway.audit.verify import verify_trail
from gateway.db import audit_events, audit_records, audit_signed_heads
from tests.support.audit import dispose, event, open_store, write_records
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url, sqlite_url

WORKERS = 4
PER_WORKER = 75


@pytest.fixture(params=["postgresql", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


def test_concurrent_writer_processes_build_one_verifiable_chain(tmp_path: Path, url: str) -> None:
    key_file = tmp_path / "master.key"
    Keyring.generate(key_file)
    db.upgrade(url)
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(write_records, [(url, str(key_file), PER_WORKER)] * WORKERS)
    written = {record_id for ids in results for record_id in ids}
    assert len(written) == WORKERS * PER_WORKER

    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            stored = set(conn.execute(select(audit_records.c.id)).scalars())
            seqs = sorted(
                [
                    *conn.execute(select(audit_records.c.seq)).scalars(),
                    *conn.execute(select(audit_events.c.seq)).scalars(),
                ]
            )
            signers = conn.execute(select(func.count(func.distinct(audit_signed_heads.c.signer)))).scalar()
        assert stored == written
        assert seqs == list(range(1, len(seqs) + 1))  # one total order, no gaps, no duplicates
        assert len(seqs) == 2 * WORKERS * PER_WORKER  # every record and every outcome
        assert signers == WORKERS
        report = verify_trail(engine, Keyring.load(key_file))
        assert report.ok, report.problem
        assert report.records_checked == WORKERS * PER_WORKER
    finally:
        engine.dispose()
    result = gateway(audit_env(tmp_path, url, key_file), "audit", "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{WORKERS * PER_WORKER} records" in result.stdout


def test_sqlite_writers_take_turns_through_a_lock_file_beside_the_database(tmp_path: Path) -> None:
    """Another process holding the turn holds back this process's commit; releasing it lets it through at once."""
    url = sqlite_url(tmp_path)
    store = open_store(url, tmp_path / "master.key")
    try:
        store.record(event("first"))
        lock_file = tmp_path / "audit.db.lock"
        assert lock_file.is_file() and lock_file.stat().st_mode & 0o777 == 0o600
        other = os.open(lock_file, os.O_RDWR)  # another file description: flock excludes it like another process
        try:
            fcntl.flock(other, fcntl.LOCK_EX)
            written: list[str] = []
            writer = threading.Thread(target=lambda: written.append(store.record(event("second"))))
            writer.start()
            writer.join(timeout=1.0)
            assert writer.is_alive() and not written  # waiting for its turn
        finally:
            fcntl.flock(other, fcntl.LOCK_UN)
            os.close(other)
        writer.join(timeout=30)
        assert not writer.is_alive() and len(written) == 1
    finally:
        dispose(store)
    assert verify_trail(db.make_engine(url), Keyring.load(tmp_path / "master.key")).ok
