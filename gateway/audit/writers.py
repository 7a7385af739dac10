"""Which gateway processes are writing to the audit store: one ``audit_writers`` row each, with a heartbeat.

A process registers before it serves, beats every ``BEAT_S`` seconds from a
thread, and removes its row at a clean shutdown. Its records carry its id
(``audit_records.writer``). A writer whose heartbeat is older than ``STALE_S``
is taken for dead, and so at once is a writer on this machine (same host name,
boot and PID namespace) whose process is gone: start-up reconciliation (``gateway.audit.reconcile``) closes
its ``pending`` records. A live process whose heartbeats fail for longer than
that (the store unreachable) can thus see its in-flight records closed as
interrupted by a process starting meanwhile; its late outcomes are then refused
(a record is completed once) and logged.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, update

from gateway.db import audit_writers

log = logging.getLogger(__name__)

BEAT_S = 5.0
STALE_S = 30.0
# A live writer also reconciles every this many beats: a writer on another host that died is
# noticed once its heartbeat is stale, though no process starts after that.
RECONCILE_EVERY_BEATS = 6


def local_identity() -> str:
    """This machine and PID namespace: writers with the same identity can be checked by their PID.

    Host name, boot id and the PID namespace's inode (containers sharing a host name still differ)."""
    parts = [socket.gethostname()]
    for path, read in (("/proc/sys/kernel/random/boot_id", _read_text), ("/proc/self/ns/pid", _inode)):
        try:
            parts.append(read(path))
        except OSError:
            parts.append("-")
    return "|".join(parts)[:200]


def _read_text(path: str) -> str:
    with open(path) as handle:
        return handle.read().strip()


def _inode(path: str) -> str:
    return str(os.stat(path).st_ino)


def process_gone(pid: int) -> bool:
    """Whether no process ``pid`` exists here (a process of another user counts as existing)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def writer_dead(host: str, pid: int, heartbeat_at: datetime, *, now: datetime, stale_s: float = STALE_S) -> bool:
    """A writer is dead when its heartbeat is stale or, on this machine, its process is gone (at once:
    a gateway restarted right after a crash need not wait for the heartbeat to go stale)."""
    beat = heartbeat_at if heartbeat_at.tzinfo is not None else heartbeat_at.replace(tzinfo=UTC)
    if beat < stale_before(now, stale_s):
        return True
    return host == local_identity() and process_gone(pid)


class WriterLease:
    """This process's row in ``audit_writers``, kept fresh by a heartbeat thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        beat_s: float | None = None,
        every_beats: Callable[[], object] | None = None,
        every_n: int = RECONCILE_EVERY_BEATS,
    ):
        self.engine = engine
        self.beat_s = beat_s or BEAT_S
        self.every_beats = every_beats  # run after every ``every_n``-th good beat (periodic reconciliation)
        self.every_n = every_n
        self.id = str(uuid.uuid4())
        self.started_at = datetime.now(UTC)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self) -> WriterLease:
        with self.engine.begin() as conn:
            conn.execute(
                insert(audit_writers).values(
                    id=self.id,
                    host=local_identity(),
                    pid=os.getpid(),
                    started_at=self.started_at,
                    heartbeat_at=datetime.now(UTC),
                )
            )
        self._thread = threading.Thread(target=self._beat, name="audit-writer-heartbeat", daemon=True)
        self._thread.start()
        return self

    def beat(self) -> None:
        """Renew the heartbeat now: a real write to the store (``/readyz`` uses it as its probe)."""
        with self.engine.begin() as conn:
            moved = conn.execute(
                update(audit_writers).where(audit_writers.c.id == self.id).values(heartbeat_at=datetime.now(UTC))
            ).rowcount
        if moved != 1:
            raise LookupError("this process's audit writer row is gone")

    def _beat(self) -> None:
        beats = 0
        while not self._stop.wait(self.beat_s):
            try:
                self.beat()
            except Exception as exc:  # the store is down: requests are refused meanwhile; keep beating
                log.error("audit writer heartbeat failed (%s)", type(exc).__name__)
                continue
            beats += 1
            if self.every_beats is not None and beats % self.every_n == 0:
                try:
                    self.every_beats()
                except Exception as exc:
                    log.error("periodic audit reconciliation failed (%s)", type(exc).__name__)

    def close(self, *, remove: bool = True) -> None:
        """Stop beating and remove the row (a clean shutdown leaves no writer to reconcile). ``remove=False``:
        the store did not answer at shutdown, so the row is left (it goes stale, and the next start
        reconciles what this writer left pending) rather than waiting another bound for the same failure."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if not remove:
            log.warning("the audit store did not answer at shutdown; this writer's row is left to go stale")
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(audit_writers).where(audit_writers.c.id == self.id))
        except Exception as exc:
            log.error("could not remove the audit writer row (%s)", type(exc).__name__)


def stale_before(now: datetime | None = None, stale_s: float = STALE_S) -> datetime:
    """Heartbeats older than this are of dead writers."""
    return (now or datetime.now(UTC)) - timedelta(seconds=stale_s)
