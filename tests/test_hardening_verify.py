"""``gateway audit verify`` cannot be fooled by deleting signatures or truncating the tail (issue 12, item 1).

Each test writes a real trail through the real audit store (records, outcomes,
signed heads, a witness file), tampers with the database as an attacker with SQL
access would (recomputing every hash with our own code where that helps the
attacker), then runs the real CLI in a subprocess, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, func, select, update

from gateway import db
from gateway.audit.chain import entry_hash, event_content, record_content
from gateway.db import audit_chain_head, audit_events, audit_records, audit_signed_heads
from tests.support.audit import dispose, fill, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url


@dataclass
class Trail:
    env: dict[str, str]
    engine: Engine
    ids: list[str]
    witness: Path

    def verify(self, *args: str, **env: str) -> tuple[int, str]:
        result = gateway({**self.env, **env}, "audit", "verify", *args)
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stdout + result.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def trail(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Trail]:
    """12 requests (24 chain entries), a head signed after the first append, every 4 appends and at close;
    the witness lives outside GATEWAY_DATA_DIR, so verify reads it only when told to."""
    witness = tmp_path / "elsewhere" / "witness.jsonl"
    with database_url(request.param, tmp_path) as url:
        store = open_store(url, tmp_path / "master.key", every_records=4, witness=witness)
        ids = fill(store, 12)
        dispose(store)
        built = Trail(audit_env(tmp_path, url, tmp_path / "master.key"), db.make_engine(url), ids, witness)
        yield built
        built.engine.dispose()


def _signed_seqs(conn: Connection) -> list[int]:
    return list(conn.execute(select(audit_signed_heads.c.seq).order_by(audit_signed_heads.c.seq)).scalars())


def _entries(conn: Connection) -> list[tuple[Any, dict[str, Any]]]:
    records = [(audit_records, {**r._mapping, "kind": "record"}) for r in conn.execute(select(audit_records))]
    events = [(audit_events, dict(r._mapping)) for r in conn.execute(select(audit_events))]
    return sorted(records + events, key=lambda pair: pair[1]["seq"])


def _rehash(conn: Connection) -> None:
    """What an attacker with our code can do: recompute every link and hash, and move the head to the end."""
    prev_id, prev_hash, seq = None, "0" * 64, 0
    for table, row in _entries(conn):
        row.update(prev_id=prev_id, prev_hash=prev_hash)
        content = record_content(row) if table is audit_records else event_content(row)
        row["entry_hash"] = entry_hash(prev_hash, content)
        conn.execute(
            update(table)
            .where(table.c.id == row["id"])
            .values(prev_id=prev_id, prev_hash=prev_hash, entry_hash=row["entry_hash"])
        )
        prev_id, prev_hash, seq = row["id"], row["entry_hash"], row["seq"]
    conn.execute(update(audit_chain_head).values(seq=seq, entry_id=prev_id, entry_hash=prev_hash))


OUTCOME_COLUMNS = ("status_code", "latency_ms", "detail", "completed_at", "response_ct", "response_ct_sha256")


def _truncate_after(conn: Connection, seq: int) -> None:
    """Delete every entry after ``seq`` and every signature past it; point the head at ``seq``; a record
    whose outcome event went is made pending again, as it was when its row was chained."""
    cut_outcomes = select(audit_events.c.record_id).where(audit_events.c.seq > seq, audit_events.c.kind == "outcome")
    conn.execute(
        update(audit_records)
        .where(audit_records.c.seq <= seq, audit_records.c.id.in_(cut_outcomes))
        .values(status="pending", **dict.fromkeys(OUTCOME_COLUMNS))
    )
    conn.execute(delete(audit_events).where(audit_events.c.seq > seq))
    conn.execute(delete(audit_records).where(audit_records.c.seq > seq))
    conn.execute(delete(audit_signed_heads).where(audit_signed_heads.c.seq > seq))
    _rehash(conn)


def empty_signatures(conn: Connection) -> None:
    conn.execute(delete(audit_signed_heads))


def empty_signatures_and_rewrite_a_record(conn: Connection) -> None:
    conn.execute(delete(audit_signed_heads))
    first = conn.execute(select(audit_records.c.id).order_by(audit_records.c.seq).limit(1)).scalar_one()
    conn.execute(update(audit_records).where(audit_records.c.id == first).values(tenant="rewritten"))
    _rehash(conn)


def keep_only_the_first_signature(conn: Connection) -> None:
    first = min(_signed_seqs(conn))
    conn.execute(delete(audit_signed_heads).where(audit_signed_heads.c.seq > first))


def truncate_after_the_middle_signature(conn: Connection) -> None:
    seqs = _signed_seqs(conn)
    _truncate_after(conn, seqs[len(seqs) // 2])


def truncate_and_append_forgeries(conn: Connection) -> None:
    """Cut after the middle signature, then re-add the later entries as altered copies, correctly hashed."""
    seqs = _signed_seqs(conn)
    cut = seqs[len(seqs) // 2]
    conn.execute(delete(audit_signed_heads).where(audit_signed_heads.c.seq > cut))
    later = conn.execute(select(audit_records.c.id).where(audit_records.c.seq > cut)).scalars().all()
    conn.execute(update(audit_records).where(audit_records.c.id.in_(later)).values(tenant="forger"))
    _rehash(conn)


TAMPERING: list[tuple[Callable[[Connection], None], str]] = [
    (empty_signatures, "no signed head covers the chain"),
    (empty_signatures_and_rewrite_a_record, "no signed head covers the chain"),
]


@pytest.mark.parametrize(("tamper", "problem"), TAMPERING, ids=[t.__name__ for t, _ in TAMPERING])
def test_a_trail_without_signed_heads_is_not_intact(trail: Trail, tamper: Callable[..., None], problem: str) -> None:
    assert trail.verify()[0] == 0
    with trail.engine.begin() as conn:
        tamper(conn)
    code, output = trail.verify()
    assert code == 1 and "BROKEN" in output and problem in output, output


@pytest.mark.parametrize(
    ("cadence_s", "wait_s", "intact"),
    [
        ("3600", 0.0, True),  # a running gateway would not have signed the tail yet: allowed
        ("0.5", 1.2, False),  # older than twice the cadence: its signatures were deleted (or a crash)
    ],
)
def test_an_unsigned_tail_is_allowed_only_within_the_cadence(
    trail: Trail, cadence_s: str, wait_s: float, intact: bool
) -> None:
    with trail.engine.begin() as conn:
        keep_only_the_first_signature(conn)
    time.sleep(wait_s)
    code, output = trail.verify(GATEWAY_AUDIT_SIGN_EVERY_SECONDS=cadence_s)
    if intact:
        assert code == 0, output
    else:
        assert code == 1 and "are not covered by a signed head" in output, output


def test_the_witness_has_one_private_line_per_signed_head(trail: Trail) -> None:
    assert stat.S_IMODE(os.stat(trail.witness).st_mode) == 0o600
    lines = [json.loads(line) for line in trail.witness.read_text().splitlines()]
    with trail.engine.connect() as conn:
        stored = conn.execute(
            select(audit_signed_heads.c.seq, audit_signed_heads.c.entry_hash, audit_signed_heads.c.signature)
        ).all()
        head_seq = conn.execute(select(audit_chain_head.c.seq)).scalar_one()
    assert sorted((w["seq"], w["entry_hash"], w["signature"]) for w in lines) == sorted(map(tuple, stored))
    assert max(w["seq"] for w in lines) == head_seq  # the close signed the very end
    code, output = trail.verify("--witness", str(trail.witness))
    assert code == 0 and f"{len(lines)} witnessed heads reached" in output, output


WITNESS_CATCHES: list[tuple[Callable[[Connection], None], str]] = [
    (truncate_after_the_middle_signature, "were deleted (truncated)"),
    (truncate_and_append_forgeries, "was rewritten: its hash differs from witnessed head"),
    (keep_only_the_first_signature, "witnessed signed head(s) are not in the database"),
]


@pytest.mark.parametrize(("tamper", "problem"), WITNESS_CATCHES, ids=[t.__name__ for t, _ in WITNESS_CATCHES])
def test_the_witness_catches_what_the_database_alone_cannot(
    trail: Trail, tamper: Callable[..., None], problem: str
) -> None:
    with trail.engine.begin() as conn:
        tamper(conn)
    code, output = trail.verify()  # what the database alone says: the attacker made it consistent
    assert code == 0, output
    code, output = trail.verify("--witness", str(trail.witness))
    assert code == 1 and problem in output and "witness.jsonl line" in output, output


def test_the_configured_witness_is_checked_by_default(trail: Trail) -> None:
    with trail.engine.begin() as conn:
        truncate_after_the_middle_signature(conn)
    code, output = trail.verify(GATEWAY_AUDIT_WITNESS_FILE=str(trail.witness))
    assert code == 1 and "truncated" in output, output


def test_a_forged_witness_line_is_caught(trail: Trail) -> None:
    lines = trail.witness.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["seq"] += 100
    trail.witness.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    code, output = trail.verify("--witness", str(trail.witness))
    assert code == 1 and "does not verify" in output and f"line {len(lines) + 1}" in output, output


def test_a_garbled_witness_is_refused_without_a_traceback(trail: Trail) -> None:
    trail.witness.write_text(trail.witness.read_text() + "{not json\n")
    code, output = trail.verify("--witness", str(trail.witness))
    assert code == 2 and "is not a witnessed head" in output, output
    code, output = trail.verify("--witness", str(trail.witness.with_name("absent.jsonl")))
    assert code == 2 and "does not exist" in output, output


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_an_empty_trail_verifies_cleanly_and_a_missing_head_row_is_named(dialect: str, tmp_path: Path) -> None:
    with database_url(dialect, tmp_path) as url:
        dispose(open_store(url, tmp_path / "master.key"))
        env = audit_env(tmp_path, url, tmp_path / "master.key")
        result = gateway(env, "audit", "verify")
        assert result.returncode == 0 and "no records (the chain is empty)" in result.stdout, result.stderr
        engine = db.make_engine(url)
        with engine.begin() as conn:
            assert conn.execute(select(func.count()).select_from(audit_signed_heads)).scalar() == 0
            conn.execute(delete(audit_chain_head))
        engine.dispose()
        result = gateway(env, "audit", "verify")
        assert result.returncode == 1 and "the chain head row is missing" in result.stdout, result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_running_signer_never_signs_over_a_truncation_of_what_it_signed(
    dialect: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with database_url(dialect, tmp_path) as url:
        store = open_store(url, tmp_path / "master.key", every_records=4)
        try:
            fill(store, 6)
            assert store.signer is not None
            store.signer.sign()
            with store.engine.begin() as conn:
                truncate_after_the_middle_signature(conn)
                signed_before = _signed_seqs(conn)
            fill(store, 3)  # the attacker's chain grows on; the signer's cadence comes due
            store.signer.sign()
            with store.engine.connect() as conn:
                assert _signed_seqs(conn) == signed_before  # nothing signed over the rewrite
        finally:
            dispose(store)
    assert any("audit chain tampered with" in r.getMessage() for r in caplog.records if r.levelname == "CRITICAL")
