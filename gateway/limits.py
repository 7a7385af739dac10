"""Rate limits shared by every gateway process and replica on one audit store.

A :class:`SharedWindow` counts events per bucket (a client key, a client address)
in the database (table ``rate_limit_hits``), so several ``gateway serve``
processes, or replicas on one PostgreSQL, hold one limit together; no other
service is needed. It is a sliding-window counter: the events of the current
fixed window plus those of the previous one weighted by how much of it still
overlaps the last ``window_s`` seconds (the estimate Cloudflare and nginx-style
limiters use). Increments are atomic upserts (``INSERT ... ON CONFLICT DO
UPDATE``) on SQLite and PostgreSQL alike.

A refused event is not counted, so a client that waits ``Retry-After`` gets in.
Errors propagate: a caller that cannot read the limit refuses (fail closed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.db import rate_limit_hits as hits_table

# Buckets are client-key names or addresses; longer ones are cut (the column holds 200 characters).
MAX_BUCKET = 200


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after_s: int = 0  # whole seconds until one more event would be allowed (when refused)


class SharedWindow:
    """At most ``limit`` events per bucket in any ``window_s`` seconds (whole), counted in the database."""

    def __init__(
        self, engine: Engine, scope: str, limit: int, window_s: int, *, clock: Callable[[], float] = time.time
    ):
        if limit < 1 or window_s <= 0:
            raise ValueError("a rate limit needs a positive limit and window")
        self.engine = engine
        self.scope = scope
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._swept_window: int | None = None
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        self._insert = dialect.insert

    def _window(self, now: float) -> tuple[int, float]:
        """The current window's start (whole seconds) and how far into it ``now`` is (0..1)."""
        start = int(now // self.window_s) * self.window_s
        return start, (now - start) / self.window_s

    def _counts(self, conn: Connection, bucket: str, start: int) -> tuple[int, int]:
        rows = conn.execute(
            select(hits_table.c.window_start, hits_table.c.hits).where(
                hits_table.c.scope == self.scope,
                hits_table.c.bucket == bucket,
                hits_table.c.window_start.in_([start, start - self.window_s]),
            )
        ).all()
        counts = {row.window_start: row.hits for row in rows}
        return counts.get(start - self.window_s, 0), counts.get(start, 0)

    def _estimate(self, previous: int, current: int, elapsed: float) -> float:
        return previous * (1.0 - elapsed) + current

    def _retry_after(self, previous: int, current: int, elapsed: float) -> int:
        """Whole seconds until one more event fits, beside ``current`` events in this window."""
        room = self.limit - current - 1
        if room >= 0 and previous > 0:  # later in this window, once the previous one weighs less
            wait = (1.0 - room / previous - elapsed) * self.window_s
        else:  # in the next window, where this one is the previous
            wait = (1.0 - elapsed) * self.window_s
            if current > 0:
                wait += max(0.0, 1.0 - (self.limit - 1) / current) * self.window_s
        return max(1, math.ceil(wait - 1e-6))  # no extra second from rounding noise

    def count(self, bucket: str) -> float:
        """The sliding-window estimate of events in the last ``window_s`` seconds."""
        bucket = bucket[:MAX_BUCKET]
        start, elapsed = self._window(self._clock())
        with self.engine.connect() as conn:
            previous, current = self._counts(conn, bucket, start)
        return self._estimate(previous, current, elapsed)

    def blocked(self, bucket: str) -> bool:
        return self.count(bucket) >= self.limit

    def hit(self, bucket: str) -> Verdict:
        """Count one event if it fits the limit; a refused one is not counted."""
        bucket = bucket[:MAX_BUCKET]
        now = self._clock()
        start, elapsed = self._window(now)
        with self._writing() as conn:
            self._increment(conn, bucket, start)
            previous, current = self._counts(conn, bucket, start)
            if self._estimate(previous, current, elapsed) <= self.limit:
                self._sweep(conn, start)
                return Verdict(True)
            conn.execute(
                update(hits_table)
                .where(
                    hits_table.c.scope == self.scope,
                    hits_table.c.bucket == bucket,
                    hits_table.c.window_start == start,
                )
                .values(hits=hits_table.c.hits - 1)
            )
        return Verdict(False, self._retry_after(previous, current - 1, elapsed))

    def add(self, bucket: str) -> None:
        """Count one event whatever the limit (a failed sign-in)."""
        start, _ = self._window(self._clock())
        with self._writing() as conn:
            self._increment(conn, bucket[:MAX_BUCKET], start)
            self._sweep(conn, start)

    def clear(self, bucket: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(hits_table).where(hits_table.c.scope == self.scope, hits_table.c.bucket == bucket[:MAX_BUCKET])
            )

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A transaction that holds the write lock from its start on SQLite (no lock upgrade to fail)."""
        with self.engine.connect() as conn, conn.execution_options(sqlite_begin="IMMEDIATE").begin():
            yield conn

    def _increment(self, conn: Connection, bucket: str, start: int) -> None:
        statement = self._insert(hits_table).values(scope=self.scope, bucket=bucket, window_start=start, hits=1)
        conn.execute(
            statement.on_conflict_do_update(
                index_elements=[hits_table.c.scope, hits_table.c.bucket, hits_table.c.window_start],
                set_={"hits": hits_table.c.hits + 1},
            )
        )

    def _sweep(self, conn: Connection, start: int) -> None:
        """Forget windows that no longer count, once per window and process."""
        if self._swept_window == start:
            return
        self._swept_window = start
        conn.execute(
            delete(hits_table).where(
                hits_table.c.scope == self.scope, hits_table.c.window_start < start - self.window_s
            )
        )
