"""An audit store held in memory, for unit tests of the pipeline (the real store is tested on SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from gateway.audit.store import AuditEvent, Outcome


@dataclass
class MemoryRecord:
    event: AuditEvent
    outcomes: list[Outcome] = field(default_factory=list)


class MemoryAuditStore:
    """``record`` and ``complete`` as :class:`gateway.audit.store.AuditStore` has them; ``fail`` makes them raise."""

    def __init__(self) -> None:
        self.records: dict[str, MemoryRecord] = {}
        self.fail: Exception | None = None

    def record(self, event: AuditEvent, outcome: Outcome | None = None) -> str:
        if self.fail is not None:
            raise self.fail
        record_id = str(uuid.uuid4())
        self.records[record_id] = MemoryRecord(event, [outcome] if outcome is not None else [])
        return record_id

    def complete(self, record_id: str, outcome: Outcome) -> bool:
        if self.fail is not None:
            raise self.fail
        record = self.records[record_id]
        if record.outcomes:
            return False
        record.outcomes.append(outcome)
        return True

    def close(self) -> None:
        return None
