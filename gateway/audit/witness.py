"""The witness: every signed chain head, also appended to a file outside the database.

A signed head pins the chain up to its ``seq``; but one who can write the
database can also delete the signed heads and everything after the last one
left, then move the chain head back. A copy of each signed head kept where the
database's writer cannot rewrite it (in the manner of Certificate Transparency's
signed tree heads handed to monitors) turns that truncation into a contradiction:
``gateway audit verify --witness FILE`` requires the chain to reach every
witnessed head with the same hash.

The file (``GATEWAY_AUDIT_WITNESS_FILE``, default ``GATEWAY_DATA_DIR/audit-witness.jsonl``,
mode 0600) holds one JSON object per line, appended with ``O_APPEND`` and fsynced
before the head's row commits::

    {"v": 1, "seq": 42, "entry_hash": "...", "signed_at": "...Z", "key_id": "...",
     "signer": "host:pid", "signature": "<hex Ed25519 over the signed message>"}

It is as good as where it lives: on the database host, under the same account, it
only raises the bar; shipped on (a log collector, WORM storage, another host) it
is what catches truncation. Each line carries the signature, so a line added to
the file by someone without the key is caught too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.audit.chain import canonical, timestamp

WITNESS_VERSION = 1


class WitnessError(Exception):
    """The witness file cannot be read or a line of it is not a witnessed head."""


@dataclass(frozen=True, slots=True)
class WitnessedHead:
    """One line of the witness file (``line`` counts from 1)."""

    line: int
    seq: int
    entry_hash: str
    signed_at: datetime
    key_id: str
    signer: str
    signature: str

    def as_row(self) -> dict[str, Any]:
        """The shape of an ``audit_signed_heads`` row, for the signature check."""
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signer": self.signer,
            "signature": self.signature,
        }


class FileWitness:
    """Appends signed heads to one file; several processes may append to it at once (``O_APPEND``)."""

    def __init__(self, path: Path):
        self.path = path

    def append(self, row: Mapping[str, Any]) -> None:
        """Write one signed head durably (fsync) before its database row commits."""
        line = canonical(
            {
                "v": WITNESS_VERSION,
                "seq": row["seq"],
                "entry_hash": row["entry_hash"],
                "signed_at": timestamp(row["signed_at"]),
                "key_id": row["key_id"],
                "signer": row["signer"],
                "signature": row["signature"],
            }
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            data = (line + "\n").encode()
            if os.write(fd, data) != len(data):  # one write: lines of concurrent writers never interleave
                raise OSError(f"short write to the audit witness {self.path}")
            os.fsync(fd)
        finally:
            os.close(fd)


def read_witness(path: Path) -> list[WitnessedHead]:
    """Every witnessed head of ``path``, in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WitnessError(f"the audit witness {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise WitnessError(f"the audit witness {path} cannot be read: {exc}") from None
    heads = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        heads.append(_parse(path, number, line))
    return heads


def _parse(path: Path, number: int, line: str) -> WitnessedHead:
    try:
        document = json.loads(line)
        if not isinstance(document, dict) or document.get("v") != WITNESS_VERSION:
            raise ValueError("not a version 1 witnessed head")
        signed_at = datetime.fromisoformat(str(document["signed_at"]).removesuffix("Z"))
        seq = document["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ValueError("seq is not a positive integer")
        texts = {name: document[name] for name in ("entry_hash", "key_id", "signer", "signature")}
        if not all(isinstance(value, str) for value in texts.values()):
            raise ValueError("a field is not text")
    except (ValueError, KeyError, TypeError) as exc:
        raise WitnessError(f"{path} line {number} is not a witnessed head: {exc}") from None
    return WitnessedHead(line=number, seq=seq, signed_at=signed_at, **texts)
