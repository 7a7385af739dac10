"""The hash chain that orders every audit record and audit event.

Entries are rows of ``audit_records`` (kind ``record``) and ``audit_events``
(``outcome``, ``erasure``, ``purge`` ...), numbered by one ``seq`` with no gaps.
Each entry stores its predecessor's id and hash and its own hash::

    entry_hash = SHA-256(prev_hash || "\\n" || canonical JSON of the entry's content)

The content is the entry's immutable fields (a record's by its schema version,
``gateway.audit.schema``; an event's by ``event_content``) plus its ``kind``, ``id``
and ``prev_id``; ``seq`` is the position, checked
separately. A record's content holds the SHA-256 of its request ciphertext, not
the ciphertext, so erasing the payload leaves the chain verifiable. The outcome
of a request is its own ``outcome`` event, whose details the record's outcome
columns must equal.

Appends are serialised by the database: ``appending()`` opens a transaction
that locks the one ``audit_chain_head`` row (``SELECT ... FOR UPDATE`` on
PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), adds entries, moves the head, commits.
The group committer (``gateway.audit.commit``) skips the locking read: it chains
after the head it committed last and moves the head with a conditional ``UPDATE
... WHERE seq = :old AND entry_hash = :old`` before inserting anything; if another
process moved the head meanwhile, no row matches (``HeadMoved``), the transaction
rolls back and is redone after a locking read.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement

from gateway.audit.schema import Status, record_content, timestamp
from gateway.db import audit_chain_head, audit_events, audit_records

__all__ = ["record_content", "timestamp"]  # re-exported: the record schema is gateway.audit.schema

GENESIS_HASH = "0" * 64
HEAD_ID = 1

OUTCOME_FIELDS = ("status", "status_code", "latency_ms", "detail", "completed_at", "response_ct_sha256")


def canonical(content: Mapping[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{canonical(content)}".encode()).hexdigest()


def event_content(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "id": row["id"],
        "prev_id": row["prev_id"],
        "created_at": timestamp(row["created_at"]),
        "actor": row["actor"],
        "record_id": row["record_id"],
        "details": row["details"],
    }


def outcome_details(row: Mapping[str, Any]) -> dict[str, Any]:
    """The outcome fields of a record, as its ``outcome`` event holds them."""
    details = {name: row[name] for name in OUTCOME_FIELDS}
    details["completed_at"] = timestamp(row["completed_at"])
    return details


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    entry_id: str | None
    entry_hash: str


_READ_HEAD = select(audit_chain_head.c.seq, audit_chain_head.c.entry_id, audit_chain_head.c.entry_hash).where(
    audit_chain_head.c.id == HEAD_ID
)
_READ_HEAD_LOCKED = _READ_HEAD.with_for_update()


def read_head(conn: Connection, *, lock: bool = False) -> Head:
    row = conn.execute(_READ_HEAD_LOCKED if lock else _READ_HEAD).one()
    return Head(row.seq, row.entry_id, row.entry_hash)


def read_locked_head(conn: Connection) -> Head:
    """The head, on the DB-API cursor, in a SQLite transaction that holds the write lock (``BEGIN IMMEDIATE``)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute("SELECT seq, entry_id, entry_hash FROM audit_chain_head WHERE id = ?", (HEAD_ID,))
        seq, entry_id, head_hash = cursor.fetchone()
    finally:
        cursor.close()
    return Head(seq, entry_id, head_hash)


class HeadMoved(Exception):
    """The chain head is not where the writer expected it (another process appended): redo after a locking read."""


class Completion:
    """A queued outcome of a pending record; ``applied`` is known once the writer has flushed."""

    __slots__ = ("record_id", "values", "applied")

    def __init__(self, record_id: str, values: dict[str, Any]):
        self.record_id = record_id
        self.values = values
        self.applied: bool | None = None


# Statements built once (building and cache-keying a statement per call costs more than running it).
_ID = bindparam("_record_id")
_UPDATE_RECORD = update(audit_records).where(audit_records.c.id == _ID)
_INSERT_RECORDS = insert(audit_records)
_INSERT_EVENTS = insert(audit_events)
_RECORD_STATE = select(
    audit_records.c.id, audit_records.c.status, audit_records.c.wrapped_key.is_(None).label("erased")
).where(audit_records.c.id.in_(bindparam("_ids", expanding=True)))
_MOVE_HEAD = (
    update(audit_chain_head)
    .where(
        audit_chain_head.c.id == bindparam("_head_id"),
        audit_chain_head.c.seq == bindparam("_old_seq"),
        audit_chain_head.c.entry_hash == bindparam("_old_hash"),
    )
    .values(
        seq=bindparam("_seq"),
        entry_id=bindparam("_entry_id"),
        entry_hash=bindparam("_entry_hash"),
        updated_at=bindparam("_updated_at"),
    )
)


class _RawStatement:
    """A statement compiled once for a dialect and a set of parameter names, run on the DB-API cursor.

    The parameters go through the dialect's own bind processors (the same ones SQLAlchemy
    applies: JSON serialisation, SQLite datetime strings, psycopg JSON adaptation), so the
    stored values are those ``Connection.execute`` would store; what is skipped is
    SQLAlchemy's per-execution work (cache lookup, parameter construction, result setup).
    """

    __slots__ = ("sql", "names", "processors", "positional", "_values")

    def __init__(self, statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]):
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        if compiled.escaped_bind_names:
            raise ValueError("bind names need escaping")
        self.sql = compiled.string
        self.positional = compiled.positional
        self.names = tuple(compiled.positiontup or ()) if self.positional else tuple(compiled.binds)
        missing = set(self.names) - set(keys)
        if missing:  # a default or a literal SQLAlchemy would fill in: not handled here
            raise ValueError(f"parameters without values: {sorted(missing)}")
        processors = compiled._bind_processors
        self.processors = tuple(
            (index, processors[name]) for index, name in enumerate(self.names) if processors.get(name) is not None
        )
        self._values = itemgetter(*self.names) if len(self.names) > 1 else lambda row: (row[self.names[0]],)

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        values = list(self._values(row))
        for index, process in self.processors:
            values[index] = process(values[index])
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


_RAW: weakref.WeakKeyDictionary[Dialect, dict[tuple[Any, ...], _RawStatement | None]] = weakref.WeakKeyDictionary()


def _raw_statement(dialect: Dialect, statement: ClauseElement, keys: tuple[str, ...]) -> _RawStatement | None:
    """The compiled form of ``statement`` for rows with ``keys``; None if it must run through SQLAlchemy."""
    cache = _RAW.get(dialect)
    if cache is None:
        cache = _RAW.setdefault(dialect, {})
    cache_key = (id(statement), keys)
    if cache_key not in cache:
        try:
            raw: _RawStatement | None = _RawStatement(statement, dialect, keys)
        except ValueError:
            raw = None
        cache[cache_key] = raw
    return cache[cache_key]


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def _record_state(conn: Connection, ids: list[str]) -> dict[str, tuple[str, bool]]:
    """Status and erased flag of the records ``ids`` (those that exist), read in ``conn``'s transaction."""
    mark = _PLACEHOLDERS.get(conn.dialect.paramstyle)
    if mark is None:
        rows = conn.execute(_RECORD_STATE, {"_ids": ids})
        return {row.id: (row.status, bool(row.erased)) for row in rows}
    cursor = conn.connection.cursor()
    try:
        placeholders = ", ".join([mark] * len(ids))
        cursor.execute(
            f"SELECT id, status, wrapped_key IS NULL FROM audit_records WHERE id IN ({placeholders})",
            tuple(ids),
        )
        return {row[0]: (row[1], bool(row[2])) for row in cursor.fetchall()}
    finally:
        cursor.close()


def _execute_raw(conn: Connection, statement: ClauseElement, rows: list[dict[str, Any]]) -> int:
    """Run ``statement`` once per row (executemany) in ``conn``'s transaction; return the rowcount."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(row), []).append(row)
    count = 0
    for keys, group in groups.items():
        raw = _raw_statement(conn.dialect, statement, keys)
        if raw is None:
            count += conn.execute(statement, group).rowcount
            continue
        cursor = conn.connection.cursor()
        try:
            if len(group) == 1:
                cursor.execute(raw.sql, raw.parameters(group[0]))
            else:
                cursor.executemany(raw.sql, [raw.parameters(row) for row in group])
            count += cursor.rowcount
        finally:
            cursor.close()
    return count


class ChainWriter:
    """Adds entries after the head inside one transaction; ``flush`` moves the head and writes them.

    Without ``head`` the head row is read and locked first. With ``head`` (the one this
    process committed last) nothing is read: ``flush`` moves the head only if it is
    still there, else raises ``HeadMoved`` before writing anything.
    """

    def __init__(self, conn: Connection, head: Head | None = None):
        self.conn = conn
        self.head = read_head(conn, lock=True) if head is None else head
        self._flushed = self.head
        self._records: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._outcomes: list[dict[str, Any]] = []
        self._completions: list[Completion] = []

    def _link(self, row: dict[str, Any], content_of: Any) -> None:
        row["seq"] = self.head.seq + 1
        row["prev_id"] = self.head.entry_id
        row["prev_hash"] = self.head.entry_hash
        row["entry_hash"] = entry_hash(self.head.entry_hash, content_of(row))
        self.head = Head(row["seq"], row["id"], row["entry_hash"])

    def add_record(self, values: dict[str, Any]) -> None:
        """Chain a new ``audit_records`` row (``values`` gains seq, prev_id, prev_hash, entry_hash)."""
        self._link(values, record_content)
        self._records.append(values)

    def add_event(
        self,
        kind: str,
        actor: str,
        record_id: str | None,
        details: Mapping[str, Any],
        *,
        event_id: str | None = None,
        created_at: datetime | None = None,
    ) -> str:
        """Chain an ``audit_events`` row; return its id."""
        row: dict[str, Any] = {
            "id": event_id or str(uuid.uuid4()),
            "kind": kind,
            "created_at": created_at or datetime.now(UTC),
            "actor": actor,
            "record_id": record_id,
            "details": dict(details),
        }
        self._link(row, event_content)
        self._events.append(row)
        return str(row["id"])

    def add_outcome(self, record_id: str, outcome_values: Mapping[str, Any], *, update_record: bool) -> None:
        """Chain the outcome of a record; with ``update_record``, also write it into the record's columns."""
        details = outcome_details(outcome_values)
        self.add_event("outcome", "gateway", record_id, details, created_at=outcome_values["completed_at"])
        if update_record:
            self._outcomes.append({**outcome_values, "_record_id": record_id})

    def complete(self, record_id: str, outcome_values: dict[str, Any]) -> Completion:
        """Queue the outcome of a record that should be pending; ``flush`` applies it only if it still is.

        One query checks every queued record. A record whose payload was erased meanwhile gets its
        outcome without a response ciphertext. An unknown record fails the transaction (LookupError).
        """
        completion = Completion(record_id, outcome_values)
        self._completions.append(completion)
        return completion

    def _apply_completions(self) -> None:
        ids = list({completion.record_id for completion in self._completions})
        state = _record_state(self.conn, ids)
        for completion in self._completions:
            if completion.record_id not in state:
                raise LookupError(f"no audit record {completion.record_id}")
            status, erased = state[completion.record_id]
            completion.applied = status == Status.PENDING
            if not completion.applied:
                continue
            values = completion.values
            if erased:  # erased while in flight: keep the outcome, store no response
                values = {**values, "response_ct": None, "response_ct_sha256": None}
            self.add_outcome(completion.record_id, values, update_record=True)
            state[completion.record_id] = ("completed", erased)  # a second completion in this batch is refused
        self._completions = []

    def flush(self) -> None:
        if self._completions:
            self._apply_completions()
        if self._records or self._events:  # first: takes the row lock and checks the head did not move
            moved = _execute_raw(
                self.conn,
                _MOVE_HEAD,
                [
                    {
                        "_head_id": HEAD_ID,
                        "_old_seq": self._flushed.seq,
                        "_old_hash": self._flushed.entry_hash,
                        "_seq": self.head.seq,
                        "_entry_id": self.head.entry_id,
                        "_entry_hash": self.head.entry_hash,
                        "_updated_at": datetime.now(UTC),
                    }
                ],
            )
            if moved != 1:
                raise HeadMoved(f"the chain head is no longer at seq {self._flushed.seq}")
            self._flushed = self.head
        if self._records:
            _execute_raw(self.conn, _INSERT_RECORDS, self._records)
        if self._events:
            _execute_raw(self.conn, _INSERT_EVENTS, self._events)
        if self._outcomes:
            _execute_raw(self.conn, _UPDATE_RECORD, self._outcomes)
        self._records, self._events, self._outcomes = [], [], []


@contextmanager
def appending(engine: Engine) -> Iterator[ChainWriter]:
    """A transaction holding the chain lock; what the writer holds is committed on a clean exit."""
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            writer = ChainWriter(conn)
            yield writer
            writer.flush()
