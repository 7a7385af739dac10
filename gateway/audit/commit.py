"""Group commit: appends from many threads share one chain transaction.

A caller queues a job (a function that adds entries to a ``ChainWriter``) and
waits. Whichever caller finds no commit in progress becomes the leader: it
takes the queued jobs, runs them in one transaction and wakes the others.
Nobody returns before the transaction holding its entries has committed, so a
returned id is durable. If a shared transaction fails, each of its jobs is
retried alone, so one bad job cannot take the others down with it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine

from gateway.audit.chain import ChainWriter, appending

T = TypeVar("T")
Job = Callable[[ChainWriter], T]


class _Ticket(Generic[T]):
    __slots__ = ("job", "done", "value", "error")

    def __init__(self, job: Job[T]):
        self.job = job
        self.done = False
        self.value: Any = None
        self.error: BaseException | None = None

    def result(self) -> T:
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[no-any-return]


class GroupCommitter:
    def __init__(self, engine: Engine, *, max_batch: int = 256, on_commit: Callable[[int], None] | None = None):
        self.engine = engine
        self.max_batch = max_batch
        self.on_commit = on_commit
        self._cond = threading.Condition()
        self._queue: list[_Ticket[Any]] = []
        self._leading = False

    def run(self, job: Job[T]) -> T:
        """Run ``job`` in a chain transaction (possibly shared); return its result once committed."""
        ticket: _Ticket[T] = _Ticket(job)
        with self._cond:
            self._queue.append(ticket)
        while True:
            with self._cond:
                while self._leading and not ticket.done:
                    self._cond.wait()
                if ticket.done:
                    return ticket.result()
                self._leading = True
                batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            try:
                committed = self._commit(batch)
            finally:
                with self._cond:
                    for other in batch:  # interrupted (BaseException): nobody may wait forever
                        if not other.done:
                            other.error, other.done = RuntimeError("audit commit interrupted"), True
                    self._leading = False
                    self._cond.notify_all()
            if committed and self.on_commit is not None:
                self.on_commit(committed)

    def _commit(self, batch: list[_Ticket[Any]]) -> int:
        """Run ``batch``; every ticket ends done, with a value or an error. Return how many committed."""
        try:
            self._transaction(batch)
        except Exception as exc:
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for ticket in batch:
                    try:
                        self._transaction([ticket])
                    except Exception as single:
                        ticket.error = single
        for ticket in batch:
            ticket.done = True
        return sum(1 for ticket in batch if ticket.error is None)

    def _transaction(self, batch: list[_Ticket[Any]]) -> None:
        values = []
        with appending(self.engine) as writer:
            for ticket in batch:
                values.append(ticket.job(writer))
        for ticket, value in zip(batch, values, strict=True):
            ticket.value = value
