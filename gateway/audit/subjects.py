"""Data-subject search: keyed hashes of detected values, so a record can be found by a value it held.

When a record is written, each detected value is normalised (:func:`normalise`)
and hashed with HMAC-SHA256 under the subject key; the hashes are stored in
``audit_subjects`` beside the record, the values nowhere. An officer holding a
value (a name, an e-mail address, an SSN) has the gateway normalise and hash
it the same way and gets every record that contained it. Without the key a
hash cannot be tested against guesses, so the table is no dictionary of values.

The subject key is derived (HKDF-SHA256) from the first master key of the key
file (``GATEWAY_MASTER_KEY_FILE``), so it is kept, backed up and protected
exactly as the master key is, and stays the same when the master key is
rotated (rotation appends keys; the first stays to read history).

Normalisation is the same for every entity type, so the officer need not say
what a value is: Unicode NFKC, case folded, then only letters and digits kept
(``219-09-9999`` and ``219 09 9999`` are one value, as are ``Theodora
Blackwood`` and ``THEODORA  BLACKWOOD``); a value holding ``@`` keeps its
punctuation and loses only white space, since ``a.b@x`` and ``ab@x`` are two
mailboxes. A phone number written with and without its country code are two
values.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Connection, Engine, insert, select

from gateway.audit.chain import _execute_raw
from gateway.audit.keyring import Keyring
from gateway.db import audit_records, audit_subjects
from gateway.types import Finding, Segment

SEARCH_EVENT = "subject_search"
MAX_VALUE_CHARS = 500
MAX_MATCHES = 1000
_INFO = b"sovereign-gateway data-subject hash v1"
# Values that normalise to fewer characters than this are not indexed (and cannot be searched for):
# "Dr", "7" or "A" would each name thousands of unrelated records.
MIN_NORMALISED_CHARS = 3


class SubjectError(ValueError):
    """A value that cannot be searched for (empty, too short or too long once normalised)."""


def subject_key(keyring: Keyring) -> bytes:
    """The HMAC key: HKDF-SHA256 of the key file's first master key."""
    first = next(iter(keyring.keys.values()))
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=_INFO).derive(first.secret)


def normalise(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value).casefold()
    if "@" in folded:
        return "".join(char for char in folded if not char.isspace())
    return "".join(char for char in folded if char.isalnum())


def subject_hash(key: bytes, value: str) -> str | None:
    """The keyed hash of ``value`` once normalised; None when too little of it remains to index."""
    normal = normalise(value)
    if len(normal) < MIN_NORMALISED_CHARS:
        return None
    return hmac.digest(key, normal.encode(), "sha256").hex()


def detected_values(findings: Sequence[Finding], segments: Sequence[Segment]) -> tuple[tuple[str, str], ...]:
    """``(entity_type, value)`` of each finding, read from the segment it was found in (in memory only)."""
    texts = {segment.where: segment.text for segment in segments}
    values = []
    for finding in findings:
        text = texts.get(finding.where)
        if text is not None and 0 <= finding.start < finding.end <= len(text):
            values.append((finding.entity_type, text[finding.start : finding.end]))
    return tuple(values)


def subject_rows(key: bytes, record_id: str, values: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The ``audit_subjects`` rows of one record: one per distinct (hash, entity type)."""
    seen: set[tuple[str, str]] = set()
    for entity_type, value in values:
        digest = subject_hash(key, value)
        if digest is not None:
            seen.add((digest, entity_type))
    return [{"record_id": record_id, "subject_hash": d, "entity_type": t} for d, t in sorted(seen)]


_INSERT = insert(audit_subjects)


def write_subjects(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in the chain transaction on ``conn`` (on SQLite one begun on the DB-API connection,
    so the statement runs on its cursor, as the chain's own do)."""
    if rows:
        _execute_raw(conn, _INSERT, rows)


def search_hash(key: bytes, value: str) -> str:
    """The hash an officer's value is looked up by; a value that names nothing searchable is refused."""
    if len(value) > MAX_VALUE_CHARS:
        raise SubjectError(f"value: at most {MAX_VALUE_CHARS} characters")
    if any(unicodedata.category(char) in ("Cc", "Cs") and not char.isspace() for char in value):
        raise SubjectError("value: contains a control character or an unpaired surrogate")
    digest = subject_hash(key, value)
    if digest is None:
        raise SubjectError(f"value: give at least {MIN_NORMALISED_CHARS} letters or digits")
    return digest


def find_records(engine: Engine, digest: str, *, limit: int = MAX_MATCHES) -> tuple[list[dict[str, Any]], int]:
    """The records holding a value with hash ``digest`` (newest first, at most ``limit``), and how many in all.

    Each carries the entity types the value was detected as. Hashes of records purged since are ignored."""
    s, c = audit_subjects.c, audit_records.c
    types: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for record_id, entity_type in conn.execute(select(s.record_id, s.entity_type).where(s.subject_hash == digest)):
            types.setdefault(record_id, set()).add(entity_type)
        ids = list(types)
        columns = (c.id, c.created_at, c.tenant, c.policy, c.decision, c.route, c.rule_ids, c.status)
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows += [dict(row._mapping) for row in conn.execute(select(*columns).where(c.id.in_(chunk)))]
    rows.sort(key=lambda row: (row["created_at"], row["id"]), reverse=True)
    for row in rows:
        row["matched_as"] = sorted(types[row["id"]])
    return rows[:limit], len(rows)
