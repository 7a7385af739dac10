"""Several OS processes, each with its own engine, append to one chain at once: no fork, no gap.

PostgreSQL serialises appends with ``SELECT ... FOR UPDATE`` on the head row,
SQLite with ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway import db
from gateway.audit.keyring import Keyring
from gateway.audit.verify import verify_trail
from gateway.db import audit_events, audit_records, audit_signed_heads
from tests.support.audit import write_records
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url

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
