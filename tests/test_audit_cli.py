"""``gateway audit export|verify`` as an operator runs them: formats, filters, no payloads, clear errors."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.audit.export import FIELDS, iter_export
from gateway.audit.filters import RecordFilters
from tests.support.audit import NAME, SSN, dispose, fill, open_store
from tests.support.cli import audit_env, gateway
from tests.support.databases import sqlite_url


@dataclass
class Store:
    env: dict[str, str]
    url: str
    alice: list[str]
    bob: list[str]


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    url = sqlite_url(tmp_path)
    audit = open_store(url, tmp_path / "master.key")
    alice, bob = fill(audit, 4, tenant="alice"), fill(audit, 3, tenant="bob")
    dispose(audit)
    yield Store(audit_env(tmp_path, url, tmp_path / "master.key"), url, alice, bob)


def export(store: Store, *args: str) -> str:
    result = gateway(store.env, "audit", "export", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_jsonl_has_every_record_in_chain_order_and_no_payload(store: Store) -> None:
    output = export(store, "--format", "jsonl")
    rows = [json.loads(line) for line in output.splitlines()]
    assert [r["id"] for r in rows] == store.alice + store.bob
    assert set(rows[0]) == set(FIELDS)
    assert rows[0]["payload_erased"] is False and rows[0]["stream"] is False
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    for value in (SSN, NAME, "reply 0", "messages"):
        assert value not in output


def test_csv_has_a_header_and_flattened_lists(store: Store) -> None:
    rows = list(csv.DictReader(io.StringIO(export(store, "--format", "csv", "--tenant", "bob"))))
    assert [r["id"] for r in rows] == store.bob
    blocked = next(r for r in rows if r["decision"] == "block")
    assert blocked["rule_ids"] == "hipaa-identifiers-local" and blocked["entity_types"] == "US_SSN"
    assert json.loads(blocked["findings"])[0]["entity_type"] == "US_SSN"


def test_ocsf_maps_records_to_api_activity_and_findings_to_detection_findings(store: Store) -> None:
    events = [json.loads(line) for line in export(store, "--format", "ocsf", "--decision", "block").splitlines()]
    activity = [e for e in events if e["class_uid"] == 6003]
    findings = [e for e in events if e["class_uid"] == 2004]
    assert len(activity) == len(findings) == 2
    assert activity[0]["type_uid"] == 600301 and activity[0]["status_id"] == 2 and activity[0]["status_code"] == "403"
    assert activity[0]["actor"]["user"]["name"] == "alice" and activity[0]["unmapped"]["decision"] == "block"
    assert findings[0]["action"] == "Denied" and findings[0]["finding_info"]["types"] == ["US_SSN"]
    assert findings[0]["finding_info"]["related_events"][0]["uid"] == activity[0]["metadata"]["uid"]


def test_time_filters(store: Store) -> None:
    rows = [json.loads(line) for line in export(store, "--format", "jsonl").splitlines()]
    middle = rows[3]["created_at"]
    later = [json.loads(line)["id"] for line in export(store, "--format", "jsonl", "--since", middle).splitlines()]
    earlier = [json.loads(line)["id"] for line in export(store, "--format", "jsonl", "--until", middle).splitlines()]
    assert later == [r["id"] for r in rows[3:]] and earlier == [r["id"] for r in rows[:3]]


def test_time_filters_read_any_offset_as_the_same_instant(store: Store) -> None:
    rows = [json.loads(line) for line in export(store, "--format", "jsonl").splitlines()]
    middle = rows[3]["created_at"]
    shifted = datetime.fromisoformat(middle).astimezone(timezone(timedelta(hours=2))).isoformat()
    later = [json.loads(line)["id"] for line in export(store, "--format", "jsonl", "--since", shifted).splitlines()]
    assert later == [r["id"] for r in rows[3:]]


def test_the_reusable_iterator_filters_by_rule_and_entity(store: Store) -> None:
    from gateway import db

    engine = db.make_engine(store.url)
    try:
        by_rule = list(iter_export(engine, "jsonl", RecordFilters(rule_id="hipaa-identifiers-local", tenant="alice")))
        by_entity = list(iter_export(engine, "jsonl", RecordFilters(entity_type="EMAIL_ADDRESS")))
        with pytest.raises(ValueError, match="unknown export format"):
            iter_export(engine, "xml", RecordFilters())
    finally:
        engine.dispose()
    assert len(by_rule) == 4 and by_entity == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--format", "xml"], "invalid choice"),
        (["export", "--format", "jsonl", "--since", "last week"], "not an ISO 8601"),
        (["export", "--format", "jsonl", "--since", "2026-02-01", "--until", "2026-01-01"], "--since must be before"),
        (["export", "--format", "jsonl", "--decision", "maybe"], "decision: one of"),
        (["export", "--format", "jsonl", "--entity-type", "us_ssn"], "entity_type: is not an entity type"),
    ],
)
def test_bad_export_input_is_refused(store: Store, args: list[str], message: str) -> None:
    result = gateway(store.env, "audit", *args)
    assert result.returncode == 2 and message in result.stderr and result.stdout == ""


def test_verify_refuses_a_missing_store_or_key_file(store: Store, tmp_path: Path) -> None:
    missing_db = {**store.env, "GATEWAY_DATABASE_URL": sqlite_url(tmp_path / "nowhere")}
    result = gateway(missing_db, "audit", "verify")
    assert result.returncode == 2 and "no audit store" in result.stderr
    assert not (tmp_path / "nowhere").exists()  # nothing was created
    missing_key = {**store.env, "GATEWAY_MASTER_KEY_FILE": str(tmp_path / "absent.key")}
    result = gateway(missing_key, "audit", "verify")
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert not (tmp_path / "absent.key").exists()


def test_verify_reports_an_intact_trail(store: Store) -> None:
    result = gateway(store.env, "audit", "verify")
    assert result.returncode == 0
    assert "audit trail intact: 7 records, 7 events" in result.stdout and "signed heads verified" in result.stdout


def test_an_export_is_itself_recorded_as_an_event(store: Store) -> None:
    export(store, "--format", "csv", "--tenant", "bob", "--actor", "dpo-jane")
    engine = create_engine(store.url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, details FROM audit_events WHERE kind = 'export'")).fetchall()
    engine.dispose()
    assert len(rows) == 1
    assert rows[0][0] == "dpo-jane"
    assert json.loads(rows[0][1]) == {"format": "csv", "channel": "cli", "filters": {"tenant": "bob"}}
    assert gateway(store.env, "audit", "verify").returncode == 0
