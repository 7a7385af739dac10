"""Chained audit events: what officers and operators did (views, erasures, rotations, purges).

An event is an entry of the same hash chain as the audit records. Its
``details`` are a small JSON object of identifiers, counts, reasons and
timestamps; callers must never put a detected value or payload text in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from gateway.audit.chain import appending

# Kinds used so far: payload_view, erasure, key_rotation, purge, reviewer_created, reviewer_disabled,
# export, subject_search, site_report.
KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
RESERVED_KINDS = frozenset({"record", "outcome"})  # written by the audit store only
MAX_DETAILS_BYTES = 16 * 1024
MAX_ACTOR_CHARS = 200


class EventError(ValueError):
    """An event that may not be recorded (unknown kind, oversized or non-JSON details)."""


def check_event(kind: str, actor: str, details: Mapping[str, Any]) -> None:
    if not KIND_PATTERN.match(kind) or kind in RESERVED_KINDS:
        raise EventError(f"{kind!r} is not an event kind (lower-case snake case, not record or outcome)")
    if not actor or len(actor) > MAX_ACTOR_CHARS:
        raise EventError(f"an event's actor must be 1 to {MAX_ACTOR_CHARS} characters")
    try:
        size = len(json.dumps(dict(details), allow_nan=False))
    except (TypeError, ValueError):
        raise EventError("event details must be a JSON object of plain values") from None
    if size > MAX_DETAILS_BYTES:
        raise EventError(f"event details are larger than {MAX_DETAILS_BYTES} bytes")


def record_event(engine: Engine, kind: str, actor: str, record_id: str | None, details: dict[str, Any]) -> str:
    """Append a chained audit event and return its id (once committed)."""
    check_event(kind, actor, details)
    with appending(engine) as writer:
        return writer.add_event(kind, actor, record_id, details)
