"""Erasure by crypto-shredding and retention purges keep the chain verifiable and leave no key behind."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from gateway.audit.evidence import open_payload
from gateway.audit.retention import purge
from gateway.audit.store import AuditStore
from gateway.audit.verify import verify_trail
from gateway.db import audit_events, audit_records, audit_tombstones
from gateway.policy import load_policies
from gateway.settings import BUNDLED_POLICY_DIR
from tests.support.audit import dispose, event, fill, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url, sqlite_url


@pytest.fixture()
def sqlite_store(tmp_path: Path) -> Iterator[AuditStore]:
    store = open_store(sqlite_url(tmp_path), tmp_path / "master.key")
    yield store
    dispose(store)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    with database_url(request.param, tmp_path) as url:
        store = open_store(url, tmp_path / "master.key")
        yield store
        dispose(store)


def cli(store: AuditStore, tmp_path: Path, *args: str) -> tuple[int, str]:
    env = audit_env(tmp_path, str(store.engine.url.render_as_string(hide_password=False)), tmp_path / "master.key")
    result = gateway(env, "audit", *args)
    return result.returncode, result.stdout + result.stderr


def events(store: AuditStore, kind: str) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.kind == kind).order_by(audit_events.c.seq))
        return [dict(r._mapping) for r in rows]


def test_erasing_a_record_shreds_its_keys_and_keeps_the_chain(sqlite_store: AuditStore, tmp_path: Path) -> None:
    ids = fill(sqlite_store, 6)
    victim = ids[0]
    with sqlite_store.engine.connect() as conn:
        wrapped = conn.execute(select(audit_records.c.wrapped_key).where(audit_records.c.id == victim)).scalar_one()
    code, output = cli(sqlite_store, tmp_path, "erase", "--record", victim, "--reason", "DSR-2041", "--actor", "dpo")
    assert code == 0, output
    assert "Erased the payloads of 1 record(s)" in output

    payload = open_payload(sqlite_store.engine, sqlite_store.keyring, victim)
    assert payload.erased and payload.request is None and payload.response is None
    assert not open_payload(sqlite_store.engine, sqlite_store.keyring, ids[1]).erased
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.db*"))
    assert wrapped not in stored  # the wrapped data key is gone from the file and its log, not just unlinked

    [erasure] = events(sqlite_store, "erasure")
    assert erasure["actor"] == "dpo" and erasure["record_id"] == victim
    assert erasure["details"]["reason"] == "DSR-2041" and erasure["details"]["erased"] == 1
    code, output = cli(sqlite_store, tmp_path, "verify")
    assert code == 0, output


def test_erasing_a_tenant_and_a_time_range(any_store: AuditStore, tmp_path: Path) -> None:
    mine, theirs = fill(any_store, 3, tenant="alice"), fill(any_store, 3, tenant="bob")
    code, output = cli(any_store, tmp_path, "erase", "--tenant", "alice", "--reason", "account closed")
    assert code == 0, output
    assert all(open_payload(any_store.engine, any_store.keyring, i).erased for i in mine)
    assert not any(open_payload(any_store.engine, any_store.keyring, i).erased for i in theirs)

    newest = any_store.record(event("after the range"))
    with any_store.engine.begin() as conn:  # created_at is hashed: move the cutoff, not the record
        cutoff = conn.execute(select(func.max(audit_records.c.created_at)).where(audit_records.c.id != newest)).scalar()
    until = (cutoff + timedelta(microseconds=1)).isoformat()
    code, output = cli(any_store, tmp_path, "erase", "--since", "2000-01-01", "--until", until, "--reason", "r")
    assert code == 0, output
    assert all(open_payload(any_store.engine, any_store.keyring, i).erased for i in theirs)
    assert not open_payload(any_store.engine, any_store.keyring, newest).erased
    assert verify_trail(any_store.engine, any_store.keyring).ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reason", "x"], "name what to erase"),
        (["--record", "00000000-0000-0000-0000-000000000000", "--reason", "x"], "no audit record"),
        (["--tenant", "alice", "--reason", "  "], "give the reason"),
        (["--since", "2026-02-01", "--until", "2026-01-01", "--reason", "x"], "--since must be before --until"),
        (["--since", "yesterday", "--reason", "x"], "not an ISO 8601"),
    ],
)
def test_bad_erasure_requests_change_nothing(
    sqlite_store: AuditStore, tmp_path: Path, args: list[str], message: str
) -> None:
    ids = fill(sqlite_store, 2, tenant="alice")
    code, output = cli(sqlite_store, tmp_path, "erase", *args)
    assert code == 2 and message in output
    assert events(sqlite_store, "erasure") == []
    assert not any(open_payload(sqlite_store.engine, sqlite_store.keyring, i).erased for i in ids)


def test_a_payload_removed_without_an_erasure_is_caught(sqlite_store: AuditStore) -> None:
    victim = fill(sqlite_store, 3)[1]
    with sqlite_store.engine.begin() as conn:
        conn.execute(update(audit_records).where(audit_records.c.id == victim).values(request_ct=None))
    report = verify_trail(sqlite_store.engine, sqlite_store.keyring)
    assert not report.ok and report.first_bad_record == victim and "without an erasure" in (report.problem or "")


def test_an_outcome_for_an_erased_in_flight_request_stores_no_response(sqlite_store: AuditStore) -> None:
    from gateway.audit.erase import ErasureScope, erase
    from tests.support.audit import ok

    record_id = sqlite_store.record(event("in flight"))
    erase(sqlite_store.engine, ErasureScope(record_id=record_id), actor="dpo", reason="DSR")
    assert sqlite_store.complete(record_id, ok())
    payload = open_payload(sqlite_store.engine, sqlite_store.keyring, record_id)
    assert payload.erased and payload.response is None
    assert verify_trail(sqlite_store.engine, sqlite_store.keyring).ok


def test_purge_applies_each_policys_retention_and_keeps_the_chain(any_store: AuditStore) -> None:
    """The bundled healthcare retention: payloads shredded first, metadata deleted years later."""
    policies = load_policies(BUNDLED_POLICY_DIR)
    health = policies["healthcare"].spec.retention
    old = fill(any_store, 6)  # healthcare records
    ids_after = []

    # As of just past the payload window: payloads shredded, metadata kept.
    as_of = datetime.now(UTC) + timedelta(days=health.payload_days, minutes=1)
    result = purge(any_store.engine, policies, actor="retention-job", now=as_of)
    assert result.payloads_shredded == 6 and result.records_deleted == 0
    assert all(open_payload(any_store.engine, any_store.keyring, i).erased for i in old)
    assert verify_trail(any_store.engine, any_store.keyring).ok

    ids_after = fill(any_store, 3)  # new traffic keeps chaining
    # As of past the metadata window of the old records only.
    with any_store.engine.connect() as conn:
        newest_old = conn.execute(
            select(func.max(audit_records.c.created_at)).where(audit_records.c.id.in_(old))
        ).scalar()
        first_new = conn.execute(
            select(func.min(audit_records.c.created_at)).where(audit_records.c.id.in_(ids_after))
        ).scalar()
    gap = (first_new - newest_old) / 2
    as_of = newest_old.replace(tzinfo=UTC) + gap + timedelta(days=health.metadata_days)
    result = purge(any_store.engine, policies, actor="retention-job", now=as_of)
    assert result.records_deleted == 6 and result.tombstones == 12  # each record and its outcome
    with any_store.engine.connect() as conn:
        remaining = set(conn.execute(select(audit_records.c.id)).scalars())
        assert conn.execute(select(func.count()).select_from(audit_tombstones)).scalar() == 12
    assert remaining == set(ids_after)
    report = verify_trail(any_store.engine, any_store.keyring)
    assert report.ok, report.problem
    assert report.records_checked == 3 and report.tombstones_checked == 12
    assert len(events(any_store, "purge")) == 2

    any_store.record(event("after the purge"))
    any_store.close()
    assert verify_trail(any_store.engine, any_store.keyring).ok


def test_a_record_hidden_as_a_fake_tombstone_is_caught(sqlite_store: AuditStore) -> None:
    policies = load_policies(BUNDLED_POLICY_DIR)
    ids = fill(sqlite_store, 6)
    days = policies["healthcare"].spec.retention.metadata_days
    purge(sqlite_store.engine, policies, actor="job", now=datetime.now(UTC) + timedelta(days=days + 1))
    more = fill(sqlite_store, 3)
    assert ids and verify_trail(sqlite_store.engine, sqlite_store.keyring).ok
    with sqlite_store.engine.begin() as conn:  # the attacker turns a live record into a tombstone of that purge
        row = conn.execute(select(audit_records).where(audit_records.c.id == more[0])).one()._mapping
        purge_id = conn.execute(select(audit_tombstones.c.purge_event_id)).scalars().first()
        conn.execute(
            audit_tombstones.insert().values(
                seq=row["seq"],
                entry_id=row["id"],
                kind="record",
                prev_id=row["prev_id"],
                prev_hash=row["prev_hash"],
                entry_hash=row["entry_hash"],
                purge_event_id=purge_id,
            )
        )
        conn.execute(audit_records.delete().where(audit_records.c.id == more[0]))
    report = verify_trail(sqlite_store.engine, sqlite_store.keyring)
    assert not report.ok and report.first_bad_record == more[0]


def test_purge_from_the_cli_keeps_current_records(sqlite_store: AuditStore, tmp_path: Path) -> None:
    ids = fill(sqlite_store, 3)
    code, output = cli(sqlite_store, tmp_path, "purge", "--actor", "cron")
    assert code == 0, output
    assert "0 payload(s) shredded, 0 record(s) deleted" in output
    assert not open_payload(sqlite_store.engine, sqlite_store.keyring, ids[0]).erased
    [event_row] = events(sqlite_store, "purge")
    assert event_row["actor"] == "cron"
    code, output = cli(sqlite_store, tmp_path, "verify")
    assert code == 0, output
