"""Envelope encryption of audit payloads: AES-256-GCM, a fresh data key per record.

A record's data key is wrapped by the current master key (``wrap``); the
request and the response are each sealed with the data key under a fresh
96-bit nonce. Associated data binds every ciphertext to its record id and its
part (``request``/``response``/``data-key``), so a ciphertext moved to another
record, or swapped between parts, does not decrypt. Stored form: nonce || ciphertext+tag.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gateway.audit.keyring import MasterKey

NONCE_BYTES = 12
_AAD_PREFIX = b"sovereign-gateway/audit/v1"


class EvidenceError(Exception):
    """A stored payload or data key does not decrypt (wrong key, altered bytes or moved ciphertext)."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _aad(part: str, record_id: str, key_id: str = "") -> bytes:
    return b"|".join((_AAD_PREFIX, part.encode(), record_id.encode(), key_id.encode()))


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes, what: str) -> bytes:
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise EvidenceError(f"{what} does not decrypt") from None


def wrap_key(master: MasterKey, data_key: bytes, record_id: str) -> bytes:
    return _seal(master.kek, data_key, _aad("data-key", record_id, master.key_id))


def unwrap_key(master: MasterKey, wrapped: bytes, record_id: str) -> bytes:
    return _open(master.kek, wrapped, _aad("data-key", record_id, master.key_id), f"data key of record {record_id}")


def seal(data_key: bytes, plaintext: bytes, record_id: str, part: str) -> bytes:
    return _seal(data_key, plaintext, _aad(part, record_id))


def open_sealed(data_key: bytes, sealed: bytes, record_id: str, part: str) -> bytes:
    return _open(data_key, sealed, _aad(part, record_id), f"{part} of record {record_id}")


def commitment(sealed: bytes) -> str:
    """The SHA-256 of a ciphertext: hashed into the chain, it survives the ciphertext's erasure."""
    return hashlib.sha256(sealed).hexdigest()
