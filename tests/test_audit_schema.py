"""One versioned record schema (issue 12, item 2): statuses are an enum, ``AuditRecordV1`` makes the row,
the hashed content (``"v": 1``) and the export, and trails written before it (v0) still verify.

The v0 rows are written as the store wrote them before migration 0009 (the same columns, no
``schema_version``, real keys and ciphertexts) and chained by the real chain writer; the two known
hashes below were computed by that earlier code (main before this change) for the rows of ``_golden``.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from gateway import db
from gateway.audit import crypto
from gateway.audit.chain import appending, entry_hash, record_content
from gateway.audit.export import iter_export
from gateway.audit.filters import RecordFilters
from gateway.audit.keyring import Keyring
from gateway.audit.schema import SCHEMA_VERSION, AuditRecordV1, Status, v0_content
from gateway.audit.store import Outcome
from gateway.db import audit_records
from tests.support.audit import dispose, event, fill, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import database_url

GOLDEN_V0 = "c7700c5bb44446b0061f0ee89c570a827d3214e30aee8076c2f78d8355fad18b"
GOLDEN_V0_REQUEST_ID_SHADOW = "6617a72788092f53603a9d011dfb9cc51b7b03793148251bde920cc4a15d9795"


def _golden() -> dict[str, Any]:
    return {
        "id": "5b0f8a57-0000-4000-8000-000000000001",
        "prev_id": None,
        "created_at": datetime(2026, 11, 30, 9, 15, 0, 123456, tzinfo=UTC),
        "endpoint": "chat.completions",
        "tenant": "acme",
        "policy": "healthcare",
        "policy_version": "sha256:" + "ab" * 32,
        "decision": "route_local",
        "route": "local",
        "rule_ids": ["hipaa-identifiers-local"],
        "entity_types": ["US_SSN"],
        "findings": [
            {
                "entity_type": "US_SSN",
                "segment": 0,
                "start": 4,
                "end": 15,
                "score": 0.95,
                "recognizer": "UsSsnRecognizer",
            }
        ],
        "request_sha256": "cd" * 32,
        "model": "gpt-4o",
        "stream": 0,
        "request_ct_sha256": "ef" * 32,
    }


def test_v0_content_hashes_as_the_code_before_the_schema_did() -> None:
    row = _golden()
    assert entry_hash("0" * 64, record_content(row)) == GOLDEN_V0
    assert entry_hash("0" * 64, record_content({**row, "schema_version": None, "request_id": None})) == GOLDEN_V0
    later = {
        **row,
        "id": "5b0f8a57-0000-4000-8000-000000000002",
        "request_id": "req-1",
        "shadow": [{"policy": "strict", "action": "block", "rule_ids": ["x"]}],
    }
    assert entry_hash("0" * 64, record_content(later)) == GOLDEN_V0_REQUEST_ID_SHADOW


def test_v1_content_holds_the_version_and_every_field() -> None:
    row = {**_golden(), "schema_version": SCHEMA_VERSION, "request_id": None, "shadow": None}
    content = record_content(row)
    assert content["v"] == 1
    assert content["request_id"] is None and content["shadow"] is None  # always present in v1
    assert content == AuditRecordV1.from_row(row).content(None)
    assert "v" not in v0_content(row)
    assert entry_hash("0" * 64, content) != GOLDEN_V0  # the version is hashed: v0 rules cannot verify it


def test_statuses_are_one_enum() -> None:
    assert {s.value for s in Status} == {
        "pending",
        "ok",
        "blocked",
        "refused",
        "error",
        "upstream_error",
        "cancelled",
        "interrupted",
    }
    assert json.dumps(Status.UPSTREAM_ERROR) == '"upstream_error"'


def _legacy_record(writer: Any, keyring: Keyring, text: str, *, request_id: str | None = None) -> str:
    """A complete record as the store wrote it before migration 0009: no schema_version (v0 content)."""
    record_id, now = str(uuid.uuid4()), datetime.now(UTC)
    body = json.dumps({"model": "gpt-4o", "messages": [{"role": "user", "content": text}]}).encode()
    data_key, master = crypto.new_data_key(), keyring.current
    request_ct = crypto.seal(data_key, body, record_id, "request")
    response_ct = crypto.seal(data_key, b'{"choices": []}', record_id, "response")
    values: dict[str, Any] = {
        **{k: v for k, v in _golden().items() if k not in ("id", "prev_id", "created_at")},
        "id": record_id,
        "created_at": now,
        "request_sha256": hashlib.sha256(body).hexdigest(),
        "status": "ok",
        "status_code": 200,
        "latency_ms": 9.5,
        "detail": None,
        "completed_at": now,
        "key_id": master.key_id,
        "wrapped_key": crypto.wrap_key(master, data_key, record_id),
        "request_ct": request_ct,
        "request_ct_sha256": crypto.commitment(request_ct),
        "response_ct": response_ct,
        "response_ct_sha256": crypto.commitment(response_ct),
        "writer": None,
        "request_id": request_id,
        "shadow": None,
    }
    writer.add_record(values)
    writer.add_outcome(record_id, values, update_record=False)
    assert "v" not in record_content(values)
    return record_id


@dataclass
class Mixed:
    env: dict[str, str]
    engine: Engine
    v0: list[str]
    v1: list[str]

    def verify(self) -> tuple[int, str]:
        result = gateway(self.env, "audit", "verify")
        assert "Traceback" not in result.stderr, result.stderr
        return result.returncode, result.stdout + result.stderr


@pytest.fixture(params=["sqlite", "postgresql"])
def mixed(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mixed]:
    """Two v0 records (one with a request id), then six v1 records written by the store, heads signed."""
    key_file = tmp_path / "master.key"
    with database_url(request.param, tmp_path) as url:
        store = open_store(url, key_file, every_records=3)
        with appending(store.engine) as writer:
            v0 = [
                _legacy_record(writer, store.keyring, "old one"),
                _legacy_record(writer, store.keyring, "old two", request_id="r-2"),
            ]
        v1 = fill(store, 6)
        dispose(store)
        built = Mixed(audit_env(tmp_path, url, key_file), db.make_engine(url), v0, v1)
        yield built
        built.engine.dispose()


def _versions(engine: Engine) -> dict[str, int | None]:
    with engine.connect() as conn:
        return dict(conn.execute(select(audit_records.c.id, audit_records.c.schema_version)).all())


def test_a_trail_with_v0_and_v1_records_verifies(mixed: Mixed) -> None:
    versions = _versions(mixed.engine)
    assert [versions[i] for i in mixed.v0] == [None, None]
    assert {versions[i] for i in mixed.v1} == {1}
    code, output = mixed.verify()
    assert code == 0, output


@pytest.mark.parametrize("which,version", [("v0", 1), ("v1", None), ("v1", 2)])
def test_changing_a_records_schema_version_is_caught(mixed: Mixed, which: str, version: int | None) -> None:
    target = getattr(mixed, which)[0]
    with mixed.engine.begin() as conn:
        conn.execute(update(audit_records).where(audit_records.c.id == target).values(schema_version=version))
    code, output = mixed.verify()
    assert code == 1, output
    assert target in output
    assert ("not verifiable" if version == 2 else "does not match its hash") in output


def test_export_comes_from_the_record_schema(mixed: Mixed) -> None:
    lines = [json.loads(line) for line in iter_export(mixed.engine, "jsonl", RecordFilters())]
    assert [r["id"] for r in lines] == [*mixed.v0, *mixed.v1]
    for record in lines:
        assert Status(record["status"]) in (Status.OK, Status.BLOCKED)
        assert isinstance(record["stream"], bool) and record["payload_erased"] is False


def test_a_status_outside_the_enum_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with database_url("sqlite", tmp_path) as url:
        store = open_store(url, tmp_path / "master.key")
        with pytest.raises(ValueError, match="not a valid Status"):
            store.record(event("hello"), Outcome("fine", 200, 1.0))  # type: ignore[arg-type]
        with store.engine.connect() as conn:
            assert conn.execute(select(audit_records.c.id)).first() is None
        dispose(store)
