"""The hash chain catches every kind of tampering, on SQLite and PostgreSQL, through the real CLI.

Each test writes a real trail (records, outcomes, signed heads), tampers with
the database as an attacker with SQL access would, then runs
``gateway audit verify`` in a subprocess and checks that it fails naming the
right record and a signed head the tampering contradicts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update

from gateway import db
from gateway.audit.chain import entry_hash, event_content, record_content
from gateway.audit.events import EventError, record_event
from gateway.db import audit_chain_head, audit_events, audit_records
from tests.support.audit import dispose, fill, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url


@dataclass
class Trail:
    url: str
    env: dict[str, str]
    engine: Engine
    ids: list[str]

    def row(self, record_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(audit_records).where(audit_records.c.id == record_id)).one()._mapping)

    def execute(self, *statements: Any) -> None:
        with self.engine.begin() as conn:
            for statement in statements:
                conn.execute(statement)


@pytest.fixture(params=["sqlite", "postgresql"])
def trail(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Trail]:
    def build(url: str) -> Trail:
        store = open_store(url, tmp_path / "master.key", every_records=4)
        ids = fill(store, 12)
        dispose(store)  # signs the final head, as a gateway shutting down does
        return Trail(url, audit_env(tmp_path, url, tmp_path / "master.key"), db.make_engine(url), ids)

    with database_url(request.param, tmp_path) as url:
        built = build(url)
        yield built
        built.engine.dispose()


def verify(trail: Trail) -> tuple[int, str]:
    result = gateway(trail.env, "audit", "verify")
    return result.returncode, result.stdout + result.stderr


def test_an_intact_trail_verifies(trail: Trail) -> None:
    code, output = verify(trail)
    assert code == 0, output
    assert "audit trail intact: 12 records, 12 events" in output


def test_an_altered_field_is_named(trail: Trail) -> None:
    victim = trail.ids[4]
    trail.execute(update(audit_records).where(audit_records.c.id == victim).values(tenant="someone-else"))
    code, output = verify(trail)
    assert code == 1
    assert f"BROKEN at {victim}" in output and "altered" in output
    assert "contradicts: signed head #" in output


def test_an_altered_outcome_is_named(trail: Trail) -> None:
    victim = trail.ids[2]  # recorded blocked: the attacker turns it into a success
    trail.execute(update(audit_records).where(audit_records.c.id == victim).values(status="ok", status_code=200))
    code, output = verify(trail)
    assert code == 1
    assert f"BROKEN at {victim}" in output and "status" in output and "altered" in output


def test_a_deleted_record_is_named(trail: Trail) -> None:
    victim = trail.ids[5]
    trail.execute(audit_records.delete().where(audit_records.c.id == victim))
    code, output = verify(trail)
    assert code == 1
    assert f"BROKEN at {victim}" in output and "deleted" in output
    assert "contradicts: signed head #" in output


def test_a_deleted_tail_is_caught_by_the_head_and_the_signature(trail: Trail) -> None:
    last = trail.ids[-1]
    with trail.engine.begin() as conn:
        seq = conn.execute(select(audit_records.c.seq).where(audit_records.c.id == last)).scalar_one()
        conn.execute(audit_events.delete().where(audit_events.c.seq > seq))
        conn.execute(audit_records.delete().where(audit_records.c.id == last))
    code, output = verify(trail)
    assert code == 1 and "deleted" in output
    assert "contradicts: signed head #" in output


def test_an_inserted_record_is_named_even_when_the_attacker_hashes_it_correctly(trail: Trail) -> None:
    """The forger shifts later entries up one place and chains a copied record in between."""
    template = trail.row(trail.ids[6])
    position = template["seq"]
    forged_id = str(uuid.uuid4())
    with trail.engine.begin() as conn:
        for table in (audit_records, audit_events):  # two steps, so the unique seq index never collides
            conn.execute(update(table).where(table.c.seq >= position).values(seq=-(table.c.seq + 1)))
            conn.execute(update(table).where(table.c.seq < 0).values(seq=-table.c.seq))
        forged = {**template, "id": forged_id, "tenant": "forger", "seq": position}
        forged["entry_hash"] = entry_hash(forged["prev_hash"], record_content(forged))
        conn.execute(insert(audit_records).values(**forged))
        conn.execute(update(audit_chain_head).values(seq=audit_chain_head.c.seq + 1))
    code, output = verify(trail)
    assert code == 1
    assert f"BROKEN at {forged_id}" in output and "inserted" in output
    assert "contradicts: signed head #" in output


def test_a_forged_record_appended_after_the_head_is_named(trail: Trail) -> None:
    template = trail.row(trail.ids[0])
    forged_id = str(uuid.uuid4())
    with trail.engine.connect() as conn:
        last_seq = conn.execute(select(audit_chain_head.c.seq)).scalar_one()
    trail.execute(insert(audit_records).values(**{**template, "id": forged_id, "seq": last_seq + 1}))
    code, output = verify(trail)
    assert code == 1
    assert f"BROKEN at {forged_id}" in output and "inserted" in output


def test_two_swapped_records_are_named(trail: Trail) -> None:
    first, second = trail.row(trail.ids[3]), trail.row(trail.ids[4])
    c = audit_records.c
    trail.execute(
        update(audit_records).where(c.id == first["id"]).values(seq=-1),
        update(audit_records).where(c.id == second["id"]).values(seq=first["seq"]),
        update(audit_records).where(c.id == first["id"]).values(seq=second["seq"]),
    )
    code, output = verify(trail)
    assert code == 1
    assert f"BROKEN at {second['id']}" in output and "reordered" in output and first["id"] in output
    assert "contradicts: signed head #" in output


def test_a_rewritten_chain_contradicts_the_signed_head(trail: Trail) -> None:
    """An attacker who recomputes every hash after an alteration still cannot forge the signature."""
    victim = trail.ids[1]
    with trail.engine.begin() as conn:
        conn.execute(update(audit_records).where(audit_records.c.id == victim).values(tenant="rewritten"))
        rows = _all_entries(conn)
        prev_id, prev_hash = None, "0" * 64
        for table, row in rows:
            row.update(prev_id=prev_id, prev_hash=prev_hash)
            content = record_content(row) if table is audit_records else event_content(row)
            row["entry_hash"] = entry_hash(prev_hash, content)
            conn.execute(
                update(table).where(table.c.id == row["id"]).values(prev_hash=prev_hash, entry_hash=row["entry_hash"])
            )
            prev_id, prev_hash = row["id"], row["entry_hash"]
        conn.execute(update(audit_chain_head).values(entry_hash=prev_hash))
    code, output = verify(trail)
    assert code == 1
    assert "rewritten" in output and "contradicts: signed head #" in output


def _all_entries(conn: Any) -> list[tuple[Any, dict[str, Any]]]:
    records = [(audit_records, dict(r._mapping)) for r in conn.execute(select(audit_records))]
    events = [(audit_events, dict(r._mapping)) for r in conn.execute(select(audit_events))]
    records = [(t, {**r, "kind": "record"}) for t, r in records]
    return sorted(records + events, key=lambda pair: pair[1]["seq"])


def test_events_join_the_chain_and_refuse_reserved_kinds(trail: Trail) -> None:
    event_id = record_event(trail.engine, "payload_view", "officer-1", trail.ids[0], {"justification": "case 42"})
    with trail.engine.connect() as conn:
        row = conn.execute(select(audit_events).where(audit_events.c.id == event_id)).one()
        head = conn.execute(select(audit_chain_head)).one()
    assert head.entry_id == event_id and head.seq == row.seq
    with pytest.raises(EventError):
        record_event(trail.engine, "outcome", "officer-1", None, {})
    with pytest.raises(EventError):
        record_event(trail.engine, "payload_view", "officer-1", None, {"bad": object()})
    code, output = verify(trail)
    assert code == 0, output
