"""Group commit: appends from many threads share one chain transaction.

A caller queues a job (a function that adds entries to a ``ChainWriter``) and
waits. Whichever caller finds no commit in progress becomes the leader: it
takes the queued jobs, runs them in one transaction and wakes the others.
Nobody returns before the transaction holding its entries has committed, so a
returned id is durable. If a shared transaction fails, each of its jobs is
retried alone, so one bad job cannot take the others down with it.

Waiters are woken one by one (each ticket has its own event), not all at once:
a finished leader wakes the callers it committed for and hands leadership to
the oldest queued caller, whose jobs gathered while it committed. On
PostgreSQL the leader chains after the head it committed last without reading
it (``ChainWriter`` with ``head``); if another process moved the head, the
transaction is redone after a locking read, and for the next few seconds
(``CONTENDED_S``) the head is read and locked first, as other processes are
evidently writing too.

On SQLite the leaders of all processes sharing the database file take turns
through a lock file beside it (``<database>.lock``, ``flock``): a leader
waiting for it wakes as soon as it is free, where SQLite's own busy handler
would sleep 1, 2, 5, 10 ... ms before retrying. A leader takes its turn before
it takes the queue, so the appends that gather while another process commits
join its batch. Holding the file lock and SQLite's write lock, the leader reads
the head (one cheap local query) instead of betting on it, so another process's
appends cost no redone transaction. SQLite's locks still guard the data; the
file lock only orders the committers.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from gateway.audit.chain import ChainWriter, Head, HeadMoved, read_locked_head

T = TypeVar("T")
# How long a committer reads the head first after finding it moved by another process.
CONTENDED_S = 5.0
Job = Callable[[ChainWriter], T]


class _Wake:
    """A one-shot wake-up: a lock held from the start, released once (``threading.Event`` allocates
    a condition and a lock per wait, twice per audited request)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()

    def set(self) -> None:
        try:
            self._lock.release()
        except RuntimeError:  # already set
            pass

    def wait(self) -> None:
        self._lock.acquire()


class _Ticket(Generic[T]):
    __slots__ = ("job", "done", "lead", "value", "error", "wake", "queued_at")

    def __init__(self, job: Job[T]):
        self.job = job
        self.done = False
        self.lead = False  # handed leadership by the previous leader
        self.value: Any = None
        self.error: BaseException | None = None
        self.wake = _Wake()
        self.queued_at = time.monotonic()

    def result(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[no-any-return]


class GroupCommitter:
    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = 256,
        on_commit: Callable[[int], None] | None = None,
        busy_timeout_s: float | None = None,
    ):
        self.engine = engine
        self.max_batch = max_batch
        self.on_commit = on_commit
        # SQLite: a caller waits at most this long in all, queueing included (the oldest of a batch sets
        # the batch's busy timeout to what it has left), not a full busy timeout after each batch ahead.
        self.busy_timeout_s = busy_timeout_s
        self._busy_ms: int | None = None  # the busy timeout set on the kept connection
        self._lock = threading.Lock()
        self._queue: list[_Ticket[Any]] = []
        self._leading = False
        self._head: Head | None = None  # the head this committer moved the chain to last (leader only)
        self._conn: Connection | None = None  # the leaders' connection, kept between transactions (leader only)
        # Kept only on SQLite (a file: nothing to go stale, no pre-ping); a server connection is checked
        # out per transaction so that the pool's pre-ping still replaces one the server has dropped.
        self._keep_connection = engine.dialect.name == "sqlite"
        self._turns = _WriterTurns.for_engine(engine)
        self._read_head_until = 0.0  # monotonic time until which the head is read, not assumed (PostgreSQL)

    def run(self, job: Job[T]) -> T:
        """Run ``job`` in a chain transaction (possibly shared); return its result once committed."""
        ticket: _Ticket[T] = _Ticket(job)
        with self._lock:
            self._queue.append(ticket)
            lead = not self._leading
            self._leading = True
        if not lead:
            ticket.wake.wait()
            if ticket.done:
                return ticket.result()
        # Leader (ticket.lead or first in): commit what is queued, including this ticket. On SQLite the
        # turn comes first, so what queues while another process commits joins this batch.
        batch: list[_Ticket[Any]] = []
        committed = 0
        try:
            with self._turn():
                with self._lock:
                    batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
                committed = self._commit(batch)
        except BaseException:
            if not batch:  # failed before taking the queue: this ticket must not be committed by a successor
                with self._lock:
                    self._queue.remove(ticket)
            raise
        finally:
            for other in batch:  # interrupted (BaseException): nobody may wait forever
                if not other.done:
                    other.error, other.done = RuntimeError("audit commit interrupted"), True
            with self._lock:
                if self._queue:  # hand over to the oldest waiter; it commits what gathered meanwhile
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._leading = False
            for other in batch:
                if other is not ticket:
                    other.wake.set()
        if committed and self.on_commit is not None:
            self.on_commit(committed)
        return ticket.result()

    def _commit(self, batch: list[_Ticket[Any]]) -> int:
        """Run ``batch``; every ticket ends done, with a value or an error. Return how many committed."""
        try:
            self._transaction(batch)
        except Exception as exc:
            if len(batch) == 1 or self._store_unavailable(exc):
                # The store itself failed (locked past the busy timeout, unreachable, timed out): running each
                # job alone would only make every caller wait that bound again, one after the other.
                for ticket in batch:
                    ticket.error = exc
            else:
                for ticket in batch:
                    try:
                        self._transaction([ticket])
                    except Exception as single:
                        ticket.error = single
        for ticket in batch:
            ticket.done = True
        return sum(1 for ticket in batch if ticket.error is None)

    def _store_unavailable(self, exc: BaseException) -> bool:
        """Whether ``exc`` says the database failed (not one job): the DB-API's ``OperationalError``, raw
        (chain statements run on the DB-API cursor) or wrapped by SQLAlchemy."""
        if isinstance(exc, OperationalError):
            return True
        dbapi = self.engine.dialect.dbapi
        operational = getattr(dbapi, "OperationalError", None) if dbapi is not None else None
        return operational is not None and isinstance(exc, operational)

    def _transaction(self, batch: list[_Ticket[Any]]) -> None:
        # After another process moved the head, read it (locking) first for a while instead of betting
        # on it again: with several writer processes the bet loses nearly every time, and a lost bet
        # costs the whole transaction.
        bet = self._head if time.monotonic() >= self._read_head_until else None
        try:
            try:
                values, head = self._attempt(batch, bet)
            except HeadMoved:  # another process appended: redo after a locking read of the head
                self._read_head_until = time.monotonic() + CONTENDED_S
                values, head = self._attempt(batch, None)
        except BaseException:
            self._head = None
            self._drop_connection()  # the retry (or the next batch) starts on a fresh connection
            raise
        self._head = head
        for ticket, value in zip(batch, values, strict=True):
            ticket.value = value

    def _attempt(self, batch: list[_Ticket[Any]], head: Head | None) -> tuple[list[Any], Head]:
        """One transaction running every job of ``batch``; without ``head``, the head is read and locked first."""
        conn = self._conn
        if conn is None:
            conn = self._conn = self.engine.connect()
            conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            if self._turns is not None:
                self._bound_busy_wait(conn, batch)
                return self._sqlite_attempt(conn, batch)
            with conn.begin():
                writer = ChainWriter(conn, head)
                values = [ticket.job(writer) for ticket in batch]
                writer.flush()
        finally:
            if not self._keep_connection:
                self._drop_connection()
        return values, writer.head

    def _bound_busy_wait(self, conn: Connection, batch: list[_Ticket[Any]]) -> None:
        """Set SQLite's busy timeout to what the batch's oldest caller has left of its bound (at least 50 ms)."""
        if self.busy_timeout_s is None or not batch:
            return
        waited = time.monotonic() - min(ticket.queued_at for ticket in batch)
        left_ms = max(50, int((self.busy_timeout_s - waited) * 10) * 100)  # in steps of 0.1 s: rarely reset
        if conn is not self._conn or left_ms != self._busy_ms:
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None
            dbapi.execute(f"PRAGMA busy_timeout = {left_ms}")
            self._busy_ms = left_ms if conn is self._conn else None

    @staticmethod
    def _sqlite_attempt(conn: Connection, batch: list[_Ticket[Any]]) -> tuple[list[Any], Head]:
        """The transaction on SQLite, begun and ended on the DB-API connection.

        It runs while this process holds the turn, so it is kept short: SQLAlchemy's
        begin/commit machinery (events, savepoint bookkeeping) costs more than the
        statements. Every chain statement runs on the DB-API cursor anyway
        (``gateway.audit.chain``). The write lock is taken at once (``IMMEDIATE``), so the
        head read under it cannot move.
        """
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        dbapi.execute("BEGIN IMMEDIATE")
        try:
            writer = ChainWriter(conn, read_locked_head(conn))
            values = [ticket.job(writer) for ticket in batch]
            writer.flush()
            dbapi.execute("COMMIT")
        except BaseException:
            if dbapi.in_transaction:
                dbapi.execute("ROLLBACK")
            raise
        return values, writer.head

    def _turn(self) -> contextlib.AbstractContextManager[None]:
        return self._turns.held() if self._turns is not None else contextlib.nullcontext()

    def _drop_connection(self) -> None:
        conn, self._conn, self._busy_ms = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a broken connection is discarded by the pool anyway
                pass

    def close(self) -> None:
        """Return the kept connection to the pool (if no commit is running); the next commit takes a new one."""
        with self._lock:
            if not self._leading:
                self._drop_connection()
                if self._turns is not None:
                    self._turns.close()


class _WriterTurns:
    """An exclusive ``flock`` on ``<database>.lock``: the SQLite group committers of all processes take turns."""

    def __init__(self, path: Path):
        self._path = path
        self._fd: int | None = None  # opened by the first commit, closed by close()

    @classmethod
    def for_engine(cls, engine: Engine) -> _WriterTurns | None:
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        return cls(Path(database).with_name(Path(database).name + ".lock"))

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        fd = self._fd
        if fd is None:
            fd = self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without the GIL; woken as soon as the holder unlocks
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)
