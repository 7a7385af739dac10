"""Verification of the whole audit trail: recompute the chain and check it against the signed heads.

The walk goes through every chain entry in ``seq`` order (records, events and
the tombstones retention left) in one consistent snapshot and stops at the
first problem, which it classifies:

- a gap in ``seq``: entries were deleted (the successor names the deleted one in ``prev_id``);
- an entry whose content no longer gives its hash: altered (or, when the next
  entry links past it, inserted);
- an entry that does not link to its predecessor: reordered (its predecessor
  comes later), inserted (it links to an earlier entry: what lies between was
  inserted) or a predecessor altered and rehashed;
- record columns that disagree with the record's chained outcome, payload
  ciphertexts that disagree with their hashed commitments, tombstones that no
  purge event accounts for, entries past the chain head;
- a signed head whose signature fails or whose hash the stored chain does not reach.

The report names the first bad entry and the first signed head it contradicts
(the earliest head at or after the problem: that head cannot be reproduced).
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, select, union_all

from gateway.audit.chain import (
    GENESIS_HASH,
    entry_hash,
    event_content,
    outcome_details,
    read_head,
    record_content,
    timestamp,
)
from gateway.audit.crypto import commitment
from gateway.audit.keyring import Keyring
from gateway.audit.schema import Status, UnknownSchemaVersion
from gateway.audit.signing import SignedHead, signature_valid
from gateway.audit.witness import WitnessedHead
from gateway.db import audit_chain_head, audit_events, audit_records, audit_signed_heads, audit_tombstones


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    records_checked: int
    first_bad_record: str | None
    problem: str | None
    contradicted_head: str | None
    last_signed_head_at: datetime | None
    events_checked: int = 0
    tombstones_checked: int = 0
    signed_heads_checked: int = 0
    head_seq: int = 0
    witness: str | None = None  # what was checked against a witness, for the summary

    def summary(self) -> str:
        if self.ok:
            witness = f"; {self.witness}" if self.witness else "; no witness checked"
            if self.head_seq == 0:
                return f"audit trail intact: no records (the chain is empty){witness}"
            signed = timestamp(self.last_signed_head_at) or "never"
            return (
                f"audit trail intact: {self.records_checked} records, {self.events_checked} events, "
                f"{self.tombstones_checked} purged entries, {self.signed_heads_checked} signed heads verified "
                f"(chain head seq {self.head_seq}; last signed {signed}){witness}"
            )
        lines = [f"audit trail BROKEN at {self.first_bad_record}: {self.problem}"]
        lines.append(f"contradicts: {self.contradicted_head or 'no signed head (the problem is after the last one)'}")
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the signed heads must cover: the whole chain, but for a tail younger than ``max_unsigned_age``
    (the signing cadence of a running gateway: its timer signs every ``GATEWAY_AUDIT_SIGN_EVERY_SECONDS``)."""

    max_unsigned_age: timedelta
    now: datetime | None = None  # default: the time of the check


class _Broken(Exception):
    def __init__(self, entry_id: str | None, seq: int, problem: str):
        super().__init__(problem)
        self.entry_id, self.seq, self.problem = entry_id, seq, problem


@dataclass
class _Walk:
    """What the walk has seen so far."""

    prev_id: str | None = None
    prev_hash: str = GENESIS_HASH
    expected_seq: int = 1
    records: int = 0
    events: int = 0
    tombstones: int = 0
    awaiting_outcome: dict[str, dict[str, Any]] = field(default_factory=dict)
    purged: dict[str, tuple[int, Any]] = field(default_factory=dict)  # purge event id -> (count, sha256)
    covered_seq: int = 0  # the highest seq a valid signed (or witnessed) head pins
    first_unsigned: tuple[str, int, datetime | None] | None = None  # (id, seq, created_at) after covered_seq


def verify_trail(
    engine: Engine,
    keyring: Keyring,
    *,
    coverage: Coverage | None = None,
    witness: Sequence[WitnessedHead] | None = None,
    witness_name: str = "the witness",
) -> VerifyReport:
    """Recompute the whole chain and check it against every signed head, and every witnessed one.

    A chain with entries needs at least one valid signed head. With ``coverage``, the signed heads must
    also cover the chain (see ``Coverage``); without it, any unsigned tail passes (only the hashes
    protect it)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            return _verify(conn, keyring, coverage, list(witness or ()), witness_name)


def _verify(
    conn: Connection,
    keyring: Keyring,
    coverage: Coverage | None,
    witnessed: list[WitnessedHead],
    witness_name: str,
) -> VerifyReport:
    if conn.execute(select(audit_chain_head.c.id)).first() is None:
        problem = "the chain head row is missing (the audit tables were emptied or the schema was damaged)"
        return VerifyReport(False, 0, None, problem, None, None)
    head = read_head(conn)
    heads = [dict(row._mapping) for row in conn.execute(select(audit_signed_heads).order_by(audit_signed_heads.c.seq))]
    for h in heads:
        h["label"] = _label(h)
    stored = {(h["seq"], h["entry_hash"], h["signature"]) for h in heads}
    witness_heads = []
    for w in witnessed:
        row = w.as_row()
        signed = f"seq {w.seq}, signed {timestamp(w.signed_at)} by {w.signer}"
        row["label"] = f"witnessed head ({signed}; {witness_name} line {w.line})"
        row["witnessed"] = True
        row["stored"] = (w.seq, w.entry_hash, w.signature) in stored
        witness_heads.append(row)
    every_head = sorted(heads + witness_heads, key=lambda h: h["seq"])
    valid_heads = [h for h in every_head if signature_valid(keyring, h)]
    last_signed = max((_aware(h["signed_at"]) for h in valid_heads), default=None)
    walk = _Walk(covered_seq=max((h["seq"] for h in valid_heads), default=0))
    witness_summary = f"{len(witness_heads)} witnessed heads reached ({witness_name})" if witnessed else None

    def report(broken: _Broken | None) -> VerifyReport:
        contradicted = None
        if broken is not None:
            later = [h for h in every_head if h["seq"] >= broken.seq]
            contradicted = later[0]["label"] if later else None
        return VerifyReport(
            ok=broken is None,
            records_checked=walk.records,
            first_bad_record=broken.entry_id if broken else None,
            problem=broken.problem if broken else None,
            contradicted_head=contradicted,
            last_signed_head_at=last_signed,
            events_checked=walk.events,
            tombstones_checked=walk.tombstones,
            signed_heads_checked=len(heads),
            head_seq=head.seq,
            witness=witness_summary,
        )

    forged = next((h for h in every_head if h not in valid_heads), None)
    if forged is not None:
        problem = "its signature does not verify with any key in the key file (forged or altered)"
        return VerifyReport(
            False,
            0,
            None,
            f"{forged['label']}: {problem}",
            forged["label"],
            last_signed,
            signed_heads_checked=len(heads),
            head_seq=head.seq,
        )
    heads_by_seq: dict[int, list[dict[str, Any]]] = {}
    for h in every_head:
        heads_by_seq.setdefault(h["seq"], []).append(h)
    try:
        entries = _entries(conn)
        entry = next(entries, None)
        while entry is not None:
            following = next(entries, None)
            _check_entry(conn, walk, head.seq, entry, following)
            for signed in heads_by_seq.pop(entry["seq"], []):
                if signed["entry_hash"] != entry["entry_hash"]:
                    raise _Broken(
                        entry["id"],
                        entry["seq"],
                        f"the chain up to seq {entry['seq']} was rewritten: its hash differs from {signed['label']}",
                    )
            entry = following
        _check_end(walk, head, heads_by_seq)
        _check_witnessed_stored(witness_heads)
        _check_coverage(walk, head, coverage)
    except _Broken as broken:
        return report(broken)
    return report(None)


def _check_witnessed_stored(witness_heads: list[dict[str, Any]]) -> None:
    """Every witnessed head must still be in ``audit_signed_heads``: the signer stores what it witnesses."""
    missing = [h for h in witness_heads if not h["stored"]]
    if missing:
        first = missing[0]
        raise _Broken(
            None,
            first["seq"],
            f"{len(missing)} witnessed signed head(s) are not in the database, the first at seq {first['seq']}: "
            "signed heads were deleted (or a signature failed to commit just after it was witnessed)",
        )


def _check_coverage(walk: _Walk, head: Any, coverage: Coverage | None) -> None:
    """Some signed head covers a chain with entries (every gateway signs after its first append); with
    ``coverage``, all of it but a tail a running gateway has not had time to sign."""
    if head.seq == 0:
        return
    if walk.covered_seq == 0:
        raise _Broken(
            head.entry_id,
            1,
            f"no signed head covers the chain ({head.seq} entries): the signed heads were deleted, "
            "or no gateway ever signed this chain",
        )
    if coverage is None or walk.first_unsigned is None or head.seq <= walk.covered_seq:
        return
    entry_id, seq, created_at = walk.first_unsigned
    now = coverage.now or datetime.now(UTC)
    if created_at is None or now - _aware(created_at) > coverage.max_unsigned_age:
        age = "" if created_at is None else f", the oldest written {timestamp(created_at)}"
        raise _Broken(
            entry_id,
            seq,
            f"the last {head.seq - walk.covered_seq} entries (seq {seq}..{head.seq}{age}) are not covered by "
            f"a signed head, and a running gateway signs within {coverage.max_unsigned_age.total_seconds():g} s: "
            "later signed heads were deleted, or the gateway stopped without signing (a crash; "
            "'gateway serve' signs at start)",
        )


def _aware(value: datetime) -> datetime:
    """UTC-aware (SQLite hands back naive UTC datetimes)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _label(head: Mapping[str, Any]) -> str:
    return SignedHead(
        head["id"], head["seq"], head["entry_hash"], head["signed_at"], head["key_id"], head["signer"]
    ).label


def _entries(conn: Connection) -> Iterator[dict[str, Any]]:
    """Records, events and tombstones merged by ``seq``, streamed."""
    streaming = {"stream_results": True, "yield_per": 1000}

    def rows(query: Any, kind: str | None) -> Iterator[dict[str, Any]]:
        for row in conn.execution_options(**streaming).execute(query):
            mapping = dict(row._mapping)
            if kind is not None:
                mapping["kind"] = kind
            yield mapping

    records = rows(select(audit_records).order_by(audit_records.c.seq), "record")
    events = rows(select(audit_events).order_by(audit_events.c.seq), None)
    tombstones = rows(
        select(audit_tombstones, audit_tombstones.c.entry_id.label("id")).order_by(audit_tombstones.c.seq),
        "tombstone",
    )
    yield from heapq.merge(records, events, tombstones, key=lambda row: row["seq"])


def _check_entry(
    conn: Connection, walk: _Walk, head_seq: int, entry: dict[str, Any], following: dict[str, Any] | None
) -> None:
    seq, entry_id = entry["seq"], entry["id"]
    if entry["entry_hash"] == "":
        raise _Broken(entry_id, seq, "the record was written before the hash chain existed (migration 0002)")
    if seq > head_seq:
        raise _Broken(entry_id, seq, f"the entry at seq {seq} is beyond the chain head (seq {head_seq}): inserted")
    if seq != walk.expected_seq:
        missing = f"seq {walk.expected_seq}" + (f"..{seq - 1}" if seq - 1 > walk.expected_seq else "")
        deleted = entry["prev_id"] if entry["prev_id"] != walk.prev_id else None
        raise _Broken(
            deleted or entry_id,
            walk.expected_seq,
            f"the entry at {missing} is missing: {deleted or 'an entry'} was deleted "
            f"(the next entry, {entry_id} at seq {seq}, links to it)",
        )
    if entry["prev_id"] != walk.prev_id or entry["prev_hash"] != walk.prev_hash:
        _broken_link(conn, walk, entry)
    if entry["kind"] == "tombstone":
        _count_tombstone(walk, entry)
    else:
        try:
            content = record_content(entry) if entry["kind"] == "record" else event_content(entry)
        except UnknownSchemaVersion as exc:
            raise _Broken(entry_id, seq, f"the record at seq {seq} is not verifiable: {exc}") from None
        if entry_hash(entry["prev_hash"], content) != entry["entry_hash"]:
            if following is not None and following["prev_id"] == walk.prev_id:
                raise _Broken(entry_id, seq, f"the entry at seq {seq} is not part of the chain: inserted")
            raise _Broken(entry_id, seq, f"the {entry['kind']} at seq {seq} does not match its hash: altered")
        if entry["kind"] == "record":
            _check_record(walk, entry)
            walk.records += 1
        else:
            _check_event(walk, entry)
            walk.events += 1
    if seq > walk.covered_seq and walk.first_unsigned is None:
        walk.first_unsigned = (entry_id, seq, entry.get("created_at"))
    walk.prev_id, walk.prev_hash = entry_id, entry["entry_hash"]
    walk.expected_seq += 1


def _broken_link(conn: Connection, walk: _Walk, entry: dict[str, Any]) -> None:
    seq, entry_id, prev_id = entry["seq"], entry["id"], entry["prev_id"]
    if prev_id == walk.prev_id:
        raise _Broken(
            walk.prev_id,
            seq - 1,
            f"the entry at seq {seq - 1} was altered and its hash recomputed "
            f"(its successor {entry_id} was chained to a different hash)",
        )
    prev_seq = _seq_of(conn, prev_id) if prev_id is not None else 0
    if prev_seq is None:
        raise _Broken(
            prev_id, seq, f"{prev_id}, the predecessor of {entry_id} (seq {seq}), was deleted and the chain renumbered"
        )
    if prev_seq > seq:
        displaced = _id_at(conn, prev_seq + 1)
        raise _Broken(
            entry_id,
            seq,
            f"reordered: {entry_id} is at seq {seq} but its predecessor {prev_id} is at seq {prev_seq}; "
            f"{entry_id} has swapped places with {displaced}, now at seq {prev_seq + 1}",
        )
    inserted = _id_at(conn, prev_seq + 1)
    raise _Broken(
        inserted,
        prev_seq + 1,
        f"the entry {inserted} at seq {prev_seq + 1} is not part of the chain: inserted "
        f"(the entry {entry_id} at seq {seq} links to {prev_id} at seq {prev_seq})",
    )


def _seq_of(conn: Connection, entry_id: str) -> int | None:
    query = union_all(
        select(audit_records.c.seq).where(audit_records.c.id == entry_id),
        select(audit_events.c.seq).where(audit_events.c.id == entry_id),
        select(audit_tombstones.c.seq).where(audit_tombstones.c.entry_id == entry_id),
    )
    return conn.execute(query).scalars().first()


def _id_at(conn: Connection, seq: int) -> str | None:
    query = union_all(
        select(audit_records.c.id).where(audit_records.c.seq == seq),
        select(audit_events.c.id).where(audit_events.c.seq == seq),
        select(audit_tombstones.c.entry_id).where(audit_tombstones.c.seq == seq),
    )
    return conn.execute(query).scalars().first()


def _check_record(walk: _Walk, row: dict[str, Any]) -> None:
    record_id, seq = row["id"], row["seq"]
    for part in ("request", "response"):
        sealed, committed = row[f"{part}_ct"], row[f"{part}_ct_sha256"]
        if sealed is not None and commitment(sealed) != committed:
            raise _Broken(record_id, seq, f"the {part} ciphertext of record {record_id} was replaced: altered")
        if sealed is None and committed is not None and row["payload_erased_at"] is None:
            raise _Broken(record_id, seq, f"the {part} of record {record_id} was removed without an erasure")
    if row["wrapped_key"] is None and row["payload_erased_at"] is None:
        raise _Broken(record_id, seq, f"the data key of record {record_id} was removed without an erasure")
    walk.awaiting_outcome[record_id] = {"seq": seq, **outcome_details(row)}


def _check_event(walk: _Walk, row: dict[str, Any]) -> None:
    if row["kind"] == "outcome":
        expected = walk.awaiting_outcome.pop(row["record_id"], None)
        if expected is None:
            raise _Broken(
                row["record_id"],
                row["seq"],
                f"the outcome event at seq {row['seq']} belongs to record {row['record_id']}, which is not in the "
                "chain before it (deleted, hidden as a purged entry, or already completed)",
            )
        record_seq = expected.pop("seq")
        if expected != row["details"]:
            changed = sorted(k for k in expected if expected[k] != row["details"].get(k))
            raise _Broken(
                row["record_id"],
                record_seq,
                f"the outcome of record {row['record_id']} ({', '.join(changed)}) differs from its chained "
                f"outcome event at seq {row['seq']}: altered",
            )
    elif row["kind"] == "purge":
        count, digest = walk.purged.pop(row["id"], (0, hashlib.sha256()))
        details = row["details"]
        if count != details.get("tombstones", 0) or (count and digest.hexdigest() != details.get("tombstone_digest")):
            raise _Broken(row["id"], row["seq"], "the purged entries do not match the purge event that removed them")


def _count_tombstone(walk: _Walk, row: dict[str, Any]) -> None:
    count, digest = walk.purged.get(row["purge_event_id"], (0, hashlib.sha256()))
    digest.update(f"{row['seq']}:{row['entry_hash']}\n".encode())
    walk.purged[row["purge_event_id"]] = (count + 1, digest)
    walk.tombstones += 1


def _check_end(walk: _Walk, head: Any, heads_by_seq: dict[int, list[dict[str, Any]]]) -> None:
    last_seq = walk.expected_seq - 1
    if head.seq == last_seq and (head.entry_id, head.entry_hash) != (walk.prev_id, walk.prev_hash):
        problem = f"the chain head row does not match the entry at seq {last_seq}: altered"
        raise _Broken(head.entry_id, last_seq, problem)
    if head.seq > last_seq:
        raise _Broken(
            head.entry_id,
            last_seq + 1,
            f"the entries after seq {last_seq} up to the chain head (seq {head.seq}, {head.entry_id}) were deleted",
        )
    if heads_by_seq:
        seq = min(heads_by_seq)
        raise _Broken(
            None,
            seq,
            f"the chain ends at seq {last_seq} but {heads_by_seq[seq][0]['label']} pins seq {seq}: "
            f"the entries after seq {last_seq} were deleted (truncated)",
        )
    for record_id, expected in walk.awaiting_outcome.items():
        if expected["status"] != Status.PENDING:
            raise _Broken(record_id, expected["seq"], f"record {record_id} has an outcome but no outcome event")
    if walk.purged:
        raise _Broken(None, last_seq, "purged entries refer to a purge event that is not in the chain")
