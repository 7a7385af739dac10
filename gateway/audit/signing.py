"""Signed chain heads: Ed25519 signatures over (seq, entry_hash) of the chain's last entry.

A signature pins the whole chain up to that entry: rewriting any earlier entry
changes the hash at ``seq``. Each gateway process signs the head after every
``every_records`` of its own appends, every ``every_seconds`` while it has
unsigned appends, and when it shuts down. The signed message is the canonical
JSON of ``{"v": 1, "seq", "entry_hash", "signed_at", "key_id", "signer"}``.

A process also signs after its first append (so a trail is never long without
any signed head), and its timer signs whenever the chain head is past the last
signed head, whoever appended (events written by the review API or another
process included). Each signed head is first appended to the witness
(``gateway.audit.witness``), then stored.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Connection, Engine, func, insert, select, union_all
from sqlalchemy.exc import OperationalError

from gateway.audit.chain import Head, appending, canonical, read_head, timestamp
from gateway.audit.keyring import Keyring, KeyringError
from gateway.audit.witness import FileWitness
from gateway.db import audit_events, audit_records, audit_signed_heads, audit_tombstones

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SignedHead:
    id: int
    seq: int
    entry_hash: str
    signed_at: datetime
    key_id: str
    signer: str

    @property
    def label(self) -> str:
        return f"signed head #{self.id} (seq {self.seq}, signed {timestamp(self.signed_at)} by {self.signer})"


def signed_message(row: Mapping[str, Any]) -> bytes:
    return canonical(
        {
            "v": 1,
            "seq": row["seq"],
            "entry_hash": row["entry_hash"],
            "signed_at": timestamp(row["signed_at"]),
            "key_id": row["key_id"],
            "signer": row["signer"],
        }
    ).encode()


def signature_valid(keyring: Keyring, row: Mapping[str, Any]) -> bool:
    try:
        key = keyring.get(row["key_id"])
        key.public_key.verify(bytes.fromhex(row["signature"]), signed_message(row))
    except (KeyringError, InvalidSignature, ValueError):
        return False
    return True


def default_signer() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


class ChainContradicted(Exception):
    """The chain no longer holds a head this process signed: rewritten or truncated under it."""


def sign_head(
    engine: Engine,
    keyring: Keyring,
    signer: str | None = None,
    *,
    witness: FileWitness | None = None,
    anchor: Head | None = None,
) -> int | None:
    """Sign the chain's current head and store the signature; return its seq (None for an empty chain)."""
    head = sign_current_head(engine, keyring, signer, witness=witness, anchor=anchor)
    return head.seq if head is not None else None


def sign_current_head(
    engine: Engine,
    keyring: Keyring,
    signer: str | None = None,
    *,
    witness: FileWitness | None = None,
    anchor: Head | None = None,
) -> Head | None:
    """Sign the chain's current head and store the signature; return that head (None for an empty chain).

    A head already signed is not signed again. Signing holds the chain lock, so the head cannot move
    between reading and signing it. With ``anchor`` (a head signed before), nothing is signed unless
    the chain still holds it (``ChainContradicted``): a running gateway never blesses a rewrite or a
    truncation of what it signed. The witness gets the head first: if the row then fails to commit,
    the witnessed head is still true of the chain (its entries were committed before)."""
    with appending(engine) as writer:
        conn, head = writer.conn, writer.head
        if head.entry_id is None and anchor is None:
            return None
        if anchor is not None and (head.seq < anchor.seq or _hash_at(conn, anchor.seq) != anchor.entry_hash):
            raise ChainContradicted(f"the chain no longer holds the head signed at seq {anchor.seq}")
        if conn.execute(select(func.max(audit_signed_heads.c.seq))).scalar() == head.seq:
            return head
        key = keyring.current
        row: dict[str, Any] = {
            "seq": head.seq,
            "entry_hash": head.entry_hash,
            "signed_at": datetime.now(UTC),
            "key_id": key.key_id,
            "signer": signer or default_signer(),
        }
        row["signature"] = key.signing_key.sign(signed_message(row)).hex()
        if witness is not None:
            witness.append(row)
        conn.execute(insert(audit_signed_heads).values(**row))
        return head


def _hash_at(conn: Connection, seq: int) -> str | None:
    query = union_all(
        select(audit_records.c.entry_hash).where(audit_records.c.seq == seq),
        select(audit_events.c.entry_hash).where(audit_events.c.seq == seq),
        select(audit_tombstones.c.entry_hash).where(audit_tombstones.c.seq == seq),
    )
    return conn.execute(query).scalars().first()


def head_is_signed(engine: Engine) -> bool:
    """Whether the chain is empty or its head is signed (a plain read: no chain lock)."""
    with engine.connect() as conn:
        head = read_head(conn)
        signed = conn.execute(select(func.max(audit_signed_heads.c.seq))).scalar()
    return head.entry_id is None or signed == head.seq


class HeadSigner:
    """Signs the head at this process's cadence: after its first append, every N appends, every T seconds
    while the head is past the last signed head, and at close."""

    def __init__(
        self,
        engine: Engine,
        keyring: Keyring,
        *,
        every_records: int,
        every_seconds: float,
        witness: FileWitness | None = None,
    ):
        self.engine = engine
        self.keyring = keyring
        self.every_records = every_records
        self.every_seconds = every_seconds
        self.witness = witness
        self._lock = threading.Lock()
        self._unsigned = 0
        self._signed_once = False
        self._anchor: Head | None = None  # the last head this process signed: the chain must keep holding it
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def appended(self, count: int) -> None:
        """Note ``count`` committed appends; sign if the cadence is due."""
        with self._lock:
            self._unsigned += count
            due = (
                not self._signed_once
                or self._unsigned >= self.every_records
                or time.monotonic() - self._last >= self.every_seconds
            )
        if due:
            self.sign()

    def sign(self) -> None:
        """Sign the head now unless it is signed already. A failure is logged, not raised: the records
        themselves are already committed and chained, and the next tick tries again."""
        with self._lock:
            pending, self._unsigned, self._last = self._unsigned, 0, time.monotonic()
            self._signed_once = True
        try:
            signed = sign_current_head(self.engine, self.keyring, witness=self.witness, anchor=self._anchor)
        except ChainContradicted as exc:
            with self._lock:
                self._unsigned += pending
            log.critical("audit chain tampered with: %s; no further head is signed (run 'gateway audit verify')", exc)
            return
        except Exception as exc:
            with self._lock:
                self._unsigned += pending
            log.error("could not sign the audit chain head (%s)", type(exc).__name__)
            return
        if signed is not None:
            self._anchor = signed

    def start(self) -> None:
        self._thread = threading.Thread(target=self._tick, name="audit-head-signer", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                behind = not head_is_signed(self.engine)
            except Exception as exc:
                log.error("could not read the audit chain head (%s)", type(exc).__name__)
                continue
            if behind:  # appended by anyone (this process, another, an API event) and not yet signed
                self.sign()

    def close(self) -> bool:
        """Stop the timer and sign the final head (whoever appended it); whether the store answered.

        A store that does not answer (unreachable, timed out: ``OperationalError``) is not asked again to
        sign: that would wait a second bound for the same failure. The records are committed and chained
        already, and the next start signs the head."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        try:
            behind = not head_is_signed(self.engine)
        except OperationalError as exc:
            log.error("could not read the audit chain head (%s); the next start signs it", type(exc).__name__)
            return False
        except Exception as exc:
            log.error("could not read the audit chain head (%s)", type(exc).__name__)
            behind = True
        if behind:
            self.sign()
        return True
