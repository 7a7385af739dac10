"""The master-key file: the keys that wrap payload data keys and sign chain heads.

The file (``GATEWAY_MASTER_KEY_FILE``, default ``GATEWAY_DATA_DIR/master.key``,
mode 0600) is JSON::

    {"format": "sovereign-gateway-keyring", "version": 1, "current": "<key id>",
     "keys": [{"id": "<key id>", "created_at": "<ISO8601>", "secret": "<base64 of 32 bytes>"}]}

Each 32-byte secret derives, with HKDF-SHA256, a key-encryption key (AES-256-GCM,
wraps each record's data key) and an Ed25519 signing key (signs chain heads).
A key id is the first 16 hex digits of the SHA-256 of the Ed25519 public key, so
anyone holding a public key can tell which key signed. Rotation adds a key and
makes it current; older keys stay in the file to unwrap and verify history.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, select

from gateway.settings import Settings

log = logging.getLogger(__name__)

FORMAT = "sovereign-gateway-keyring"
VERSION = 1
SECRET_BYTES = 32
_KEK_INFO = b"sovereign-gateway audit key-wrap v1"
_SIGNING_INFO = b"sovereign-gateway audit head-signing v1"


class KeyringError(Exception):
    """The key file is missing, unreadable, malformed, or lacks a key a record names."""


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=info).derive(secret)


@dataclass(frozen=True, slots=True)
class MasterKey:
    """One master secret and the keys derived from it."""

    key_id: str
    created_at: str
    secret: bytes
    kek: bytes
    signing_key: Ed25519PrivateKey

    @classmethod
    def from_secret(cls, secret: bytes, created_at: str) -> MasterKey:
        if len(secret) != SECRET_BYTES:
            raise KeyringError(f"a master key secret must be {SECRET_BYTES} bytes")
        signing_key = Ed25519PrivateKey.from_private_bytes(_derive(secret, _SIGNING_INFO))
        return cls(key_id_of(signing_key.public_key()), created_at, secret, _derive(secret, _KEK_INFO), signing_key)

    @classmethod
    def generate(cls) -> MasterKey:
        return cls.from_secret(secrets.token_bytes(SECRET_BYTES), datetime.now(UTC).isoformat())

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.signing_key.public_key()

    def as_json(self) -> dict[str, str]:
        return {"id": self.key_id, "created_at": self.created_at, "secret": base64.b64encode(self.secret).decode()}


def _keys_in_use(engine: Engine) -> tuple[int, set[str]]:
    """How many chain entries the store holds, and the key ids its signed heads and newest and oldest
    records name (cheap: indexed reads, not a scan of every record)."""
    from gateway.db import audit_chain_head, audit_records, audit_signed_heads

    with engine.connect() as conn:
        entries = conn.execute(select(audit_chain_head.c.seq)).scalar() or 0
        used = set(conn.execute(select(audit_signed_heads.c.key_id).distinct()).scalars())
        for order in (audit_records.c.seq.desc(), audit_records.c.seq.asc()):
            key_id = conn.execute(
                select(audit_records.c.key_id).where(audit_records.c.key_id.is_not(None)).order_by(order).limit(1)
            ).scalar()
            if key_id:
                used.add(key_id)
    return int(entries), used


def key_id_of(public_key: Ed25519PublicKey) -> str:
    return hashlib.sha256(public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)).hexdigest()[:16]


class Keyring:
    """The master keys of one key file; ``current`` wraps new records and signs new heads."""

    RELOAD_CHECK_S = 1.0

    def __init__(self, path: Path, keys: dict[str, MasterKey], current_id: str, mtime_ns: int = 0):
        if current_id not in keys:
            raise KeyringError(f"{path}: the current key {current_id!r} is not in the file")
        self.path = path
        self.keys = keys
        self.current_id = current_id
        self._mtime_ns = mtime_ns
        self._checked = time.monotonic()

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = False) -> Keyring:
        """Load the configured key file; with ``create``, generate it first if it does not exist.

        Only for stores known to be empty: a gateway opens its key file with ``for_store``."""
        path = settings.resolved_master_key_file
        if create and not path.exists():
            cls.generate(path)
        return cls.load(path)

    @classmethod
    def for_store(cls, settings: Settings, engine: Engine) -> Keyring:
        """The key file for the audit store on ``engine``; created only if the store holds nothing.

        A store with entries and no key file, or a key file without a key that wrapped a record or
        signed a head, is refused (``KeyringError``): a new key would leave every existing record
        undecryptable and every signed head unverifiable, and the next heads signed with it would
        make a restored old key file useless too."""
        path = settings.resolved_master_key_file
        entries, used = _keys_in_use(engine)
        if not path.exists() and entries == 0:
            return cls.generate(path)
        if not path.exists():
            raise KeyringError(
                f"master key file {path} is missing but the audit store holds {entries} chain entries; "
                "restore the key file from its backup (a new key would never verify or decrypt them)"
            )
        keyring = cls.load(path)
        missing = sorted(used - keyring.keys.keys())
        if missing:
            raise KeyringError(
                f"master key file {path} lacks the key(s) {', '.join(missing)} that wrapped audit records or "
                "signed chain heads in this store; restore the key file that holds them"
            )
        return keyring

    @classmethod
    def load(cls, path: Path) -> Keyring:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise KeyringError(f"master key file {path} does not exist (it is created by 'gateway serve')") from None
        except OSError as exc:
            raise KeyringError(f"master key file {path} cannot be read: {exc.strerror}") from None
        if os.name == "posix" and path.stat().st_mode & 0o077:
            log.warning("master key file %s is readable by other users; chmod 600 it", path)
        try:
            document = json.loads(raw)
            if document.get("format") != FORMAT or document.get("version") != VERSION:
                raise ValueError("not a sovereign-gateway keyring (version 1)")
            keys = {}
            for entry in document["keys"]:
                key = MasterKey.from_secret(base64.b64decode(entry["secret"], validate=True), entry["created_at"])
                if key.key_id != entry["id"]:
                    raise ValueError(f"key {entry['id']!r} does not match its secret")
                keys[key.key_id] = key
            return cls(path, keys, document["current"], path.stat().st_mtime_ns)
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"master key file {path} is malformed: {exc}") from None

    @classmethod
    def generate(cls, path: Path) -> Keyring:
        """Write a new key file with one key; never replaces an existing file (another process may have won)."""
        key = MasterKey.generate()
        keyring = cls(path, {key.key_id: key}, key.key_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = keyring._write_temp()
        try:
            os.link(temp, path)
            log.warning("generated a new audit master key %s in %s; back it up", key.key_id, path)
        except FileExistsError:
            pass
        finally:
            temp.unlink()
        return cls.load(path)

    @property
    def current(self) -> MasterKey:
        """The key for new records; a rotation by another process is picked up within a second."""
        if time.monotonic() - self._checked >= self.RELOAD_CHECK_S:
            self._reload_if_changed()
        return self.keys[self.current_id]

    def get(self, key_id: str) -> MasterKey:
        if key_id not in self.keys:
            self._reload_if_changed()
        try:
            return self.keys[key_id]
        except KeyError:
            raise KeyringError(f"master key {key_id!r} is not in {self.path}") from None

    def _reload_if_changed(self) -> None:
        self._checked = time.monotonic()
        try:
            if self.path.stat().st_mtime_ns == self._mtime_ns:
                return
        except OSError:
            return  # keep the keys already loaded
        fresh = Keyring.load(self.path)
        self.keys, self.current_id, self._mtime_ns = fresh.keys, fresh.current_id, fresh._mtime_ns

    def rotate(self) -> MasterKey:
        """Add a new key, make it current and rewrite the file atomically; return the new key."""
        key = MasterKey.generate()
        self.keys[key.key_id] = key
        self.current_id = key.key_id
        os.replace(self._write_temp(), self.path)
        self._mtime_ns = self.path.stat().st_mtime_ns
        return key

    def _write_temp(self) -> Path:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "current": self.current_id,
            "keys": [key.as_json() for key in self.keys.values()],
        }
        fd, name = tempfile.mkstemp(prefix=".master-key-", dir=self.path.parent)
        with os.fdopen(fd, "w") as handle:  # mkstemp creates the file with mode 0600
            json.dump(document, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        return Path(name)
