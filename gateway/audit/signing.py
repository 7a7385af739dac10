"""Signed chain heads: Ed25519 signatures over (seq, entry_hash) of the chain's last entry.

A signature pins the whole chain up to that entry: rewriting any earlier entry
changes the hash at ``seq``. Each gateway process signs the head after every
``every_records`` of its own appends, every ``every_seconds`` while it has
unsigned appends, and when it shuts down. The signed message is the canonical
JSON of ``{"v": 1, "seq", "entry_hash", "signed_at", "key_id", "signer"}``.
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
from sqlalchemy import Engine, insert

from gateway.audit.chain import appending, canonical, timestamp
from gateway.audit.keyring import Keyring, KeyringError
from gateway.db import audit_signed_heads

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


def sign_head(engine: Engine, keyring: Keyring, signer: str | None = None) -> int | None:
    """Sign the chain's current head and store the signature; return its seq (None for an empty chain).

    Signing holds the chain lock, so the head cannot move between reading and signing it."""
    with appending(engine) as writer:
        conn, head = writer.conn, writer.head
        if head.entry_id is None:
            return None
        key = keyring.current
        row: dict[str, Any] = {
            "seq": head.seq,
            "entry_hash": head.entry_hash,
            "signed_at": datetime.now(UTC),
            "key_id": key.key_id,
            "signer": signer or default_signer(),
        }
        row["signature"] = key.signing_key.sign(signed_message(row)).hex()
        conn.execute(insert(audit_signed_heads).values(**row))
        return head.seq


class HeadSigner:
    """Signs the head at this process's cadence: every N appends, every T seconds if dirty, at close."""

    def __init__(self, engine: Engine, keyring: Keyring, *, every_records: int, every_seconds: float):
        self.engine = engine
        self.keyring = keyring
        self.every_records = every_records
        self.every_seconds = every_seconds
        self._lock = threading.Lock()
        self._unsigned = 0
        self._last = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def appended(self, count: int) -> None:
        """Note ``count`` committed appends; sign if the cadence is due."""
        with self._lock:
            self._unsigned += count
            due = self._unsigned >= self.every_records or time.monotonic() - self._last >= self.every_seconds
        if due:
            self.sign()

    def sign(self) -> None:
        """Sign now if anything was appended since the last signature. A failure is logged, not raised:
        the records themselves are already committed and chained."""
        with self._lock:
            if self._unsigned == 0:
                return
            pending, self._unsigned, self._last = self._unsigned, 0, time.monotonic()
        try:
            sign_head(self.engine, self.keyring)
        except Exception as exc:
            with self._lock:
                self._unsigned += pending
            log.error("could not sign the audit chain head (%s)", type(exc).__name__)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._tick, name="audit-head-signer", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.every_seconds):
            self.sign()

    def close(self) -> None:
        """Stop the timer and sign the final head."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.sign()
