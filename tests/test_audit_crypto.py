"""Encrypted evidence: round trip, binding to the record, key rotation, and no plaintext on disk."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.audit.crypto import EvidenceError
from gateway.audit.evidence import Keyring, open_payload
from gateway.audit.keyring import KeyringError
from gateway.audit.verify import verify_trail
from gateway.db import audit_records
from gateway.settings import Settings
from tests.support.audit import NAME, SSN, chat_body, dispose, event, fill, ok, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import sqlite_url


def test_request_and_response_round_trip(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path), tmp_path / "master.key")
    record_id = store.record(event(f"SSN {SSN}"))
    assert open_payload(store.engine, store.keyring, record_id).response is None
    store.complete(record_id, ok("the answer"))
    payload = open_payload(store.engine, store.keyring, record_id)
    assert payload.request == chat_body(f"SSN {SSN}") and not payload.erased
    assert json.loads(payload.response or b"")["choices"][0]["message"]["content"] == "the answer"
    dispose(store)


def test_a_ciphertext_moved_to_another_record_does_not_decrypt(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path), tmp_path / "master.key")
    first, second = store.record(event("one")), store.record(event("two"))
    with store.engine.begin() as conn:
        wrapped = conn.execute(select(audit_records.c.wrapped_key).where(audit_records.c.id == first)).scalar_one()
        conn.execute(update(audit_records).where(audit_records.c.id == second).values(wrapped_key=wrapped))
    with pytest.raises(EvidenceError):
        open_payload(store.engine, store.keyring, second)
    dispose(store)


def test_the_key_file_is_generated_private_and_never_silently_replaced(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(KeyringError, match="does not exist"):
        Keyring.from_settings(settings)
    created = Keyring.from_settings(settings, create=True)
    path = tmp_path / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Keyring.from_settings(settings, create=True)
    assert again.current_id == created.current_id
    path.write_text('{"format": "something-else"}')
    with pytest.raises(KeyringError, match="malformed"):
        Keyring.load(path)


def test_rotation_keeps_history_readable_and_new_records_use_the_new_key(tmp_path: Path) -> None:
    url, key_file = sqlite_url(tmp_path), tmp_path / "master.key"
    store = open_store(url, key_file)
    old_ids = fill(store, 3)
    old_key = store.keyring.current_id
    dispose(store)

    result = gateway(audit_env(tmp_path, url, key_file), "audit", "rotate-key", "--actor", "ops")
    assert result.returncode == 0, result.stderr
    assert f"{old_key} ->" in result.stdout
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600

    store = open_store(url, key_file)
    assert store.keyring.current_id != old_key and old_key in store.keyring.keys
    new_id = store.record(event("after rotation"))
    with store.engine.connect() as conn:
        key_ids = dict(conn.execute(select(audit_records.c.id, audit_records.c.key_id)).all())
    assert key_ids[new_id] == store.keyring.current_id
    assert all(key_ids[i] == old_key for i in old_ids)
    assert open_payload(store.engine, store.keyring, old_ids[0]).request == chat_body(f"SSN {SSN} for {NAME} #0")
    assert open_payload(store.engine, store.keyring, new_id).request == chat_body("after rotation")
    dispose(store)
    verified = gateway(audit_env(tmp_path, url, key_file), "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_running_store_picks_up_a_rotation(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path), tmp_path / "master.key")
    before = store.keyring.current_id
    rotated = Keyring.load(tmp_path / "master.key").rotate()
    store.keyring._checked -= Keyring.RELOAD_CHECK_S  # the once-a-second check is due
    record_id = store.record(event("x"))
    with store.engine.connect() as conn:
        key_id = conn.execute(select(audit_records.c.key_id).where(audit_records.c.id == record_id)).scalar_one()
    assert key_id == rotated.key_id != before
    dispose(store)


def test_another_key_file_cannot_open_the_payload(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path), tmp_path / "master.key")
    record_id = store.record(event("x"))
    stranger = Keyring.generate(tmp_path / "other.key")
    with pytest.raises(KeyringError):
        open_payload(store.engine, stranger, record_id)
    store.close()  # signs the head with the real key
    assert verify_trail(store.engine, store.keyring).ok
    assert not verify_trail(store.engine, stranger).ok  # the signature does not verify with another key
    store.engine.dispose()


def test_no_raw_value_reaches_the_database_file_though_the_payload_is_stored(tmp_path: Path) -> None:
    store = open_store(sqlite_url(tmp_path), tmp_path / "master.key")
    ids = fill(store, 6)
    payload = open_payload(store.engine, store.keyring, ids[0])
    assert SSN.encode() in (payload.request or b"")
    dispose(store)
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("audit.db*"))
    assert len(stored) > 0
    for value in (SSN, NAME, "Blackwood", SSN.replace("-", ""), "reply 0"):
        assert value.encode() not in stored, value
