"""Export of audit records: metadata only (never payloads), streamed, as JSON lines, CSV or OCSF.

``iter_export`` yields text chunks (lines) in chain order; the CLI writes them
to standard output and the review API streams them.

OCSF mapping (schema 1.1, one JSON object per line):

- every record is an **API Activity** event (``class_uid`` 6003, category 6
  "Application Activity"): ``activity_id`` 1 Create for ``chat.completions``,
  2 Read for ``inspect``; ``actor.user.name`` the tenant; ``api.operation`` the
  endpoint, ``api.request.uid`` the record id; ``status_id`` 1 Success (``ok``),
  2 Failure (blocked, refused, errors), 0 Unknown (pending); ``status_code``,
  ``status_detail``; ``policy`` {name, version}; ``duration`` the latency in ms;
  ``metadata.uid`` the record id, ``metadata.sequence`` its chain seq;
- a record with findings also yields a **Detection Finding** (``class_uid`` 2004,
  category 2 "Findings", ``activity_id`` 1 Create): ``finding_info`` {uid
  ``<record id>/detection``, title, ``types`` = entity types}, ``action_id`` 2 Denied
  when blocked else 1 Allowed, and the positions, scores and recognisers of the
  findings under ``unmapped.findings`` (never a value);
- ``severity_id``: 1 Informational (allow), 2 Low (redact, route_local), 3 Medium (block);
- gateway fields without an OCSF home (decision, route, rule ids, model, chain hash) go in ``unmapped``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from gateway import __version__
from gateway.audit.filters import RecordFilters, conditions
from gateway.audit.schema import EXPORT_FIELDS, AuditRecordV1, Status
from gateway.db import audit_records

FORMATS = ("jsonl", "csv", "ocsf")
FIELDS = EXPORT_FIELDS  # the record schema says what an export shows (gateway.audit.schema)


EXPORT_EVENT = "export"


def export_event_details(fmt: str, filters: RecordFilters, channel: str) -> dict[str, Any]:
    """What an ``export`` audit event records: the format, the channel and the filters used."""
    used = {
        field: value.isoformat() if isinstance(value, datetime) else value
        for field, value in ((f, getattr(filters, f)) for f in filters.__dataclass_fields__)
        if value is not None
    }
    return {"format": fmt, "channel": channel, "filters": used}


def iter_export(engine: Engine, fmt: str, filters: RecordFilters) -> Iterator[str]:
    """Yield the export of the records matching ``filters`` in ``fmt`` (one of ``FORMATS``)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    formatter: Callable[[Iterator[dict[str, Any]]], Iterator[str]] = {
        "jsonl": _jsonl,
        "csv": _csv,
        "ocsf": _ocsf,
    }[fmt]
    return formatter(_records(engine, filters))


def _records(engine: Engine, filters: RecordFilters) -> Iterator[dict[str, Any]]:
    c = audit_records.c
    columns = [c[name] for name in FIELDS if name != "payload_erased"] + [c.wrapped_key.is_(None).label("erased")]
    query = select(*columns).where(*conditions(engine, filters)).order_by(c.seq)
    with engine.connect() as conn:
        for row in conn.execution_options(stream_results=True, yield_per=500).execute(query):
            yield AuditRecordV1.export(row._mapping)


def _jsonl(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, separators=(",", ":")) + "\n"


def _csv(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(list(FIELDS))
    for record in records:
        record["rule_ids"] = ";".join(record["rule_ids"])
        record["entity_types"] = ";".join(record["entity_types"])
        record["findings"] = json.dumps(record["findings"], separators=(",", ":"))
        yield line([record[name] for name in FIELDS])


_SEVERITY = {"allow": 1, "redact": 2, "route_local": 2, "block": 3}
_OCSF_STATUS = {Status.OK: (1, "Success"), Status.PENDING: (0, "Unknown")}  # every other status: 2 Failure
_ACTIVITY = {"chat.completions": (1, "Create"), "inspect": (2, "Read")}


def _ocsf(records: Iterator[dict[str, Any]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(ocsf_api_activity(record), separators=(",", ":")) + "\n"
        if record["findings"]:
            yield json.dumps(ocsf_detection_finding(record), separators=(",", ":")) + "\n"


def _epoch_ms(iso: str | None) -> int | None:
    return None if iso is None else int(datetime.fromisoformat(iso).timestamp() * 1000)


def _metadata(record: Mapping[str, Any], uid: str) -> dict[str, Any]:
    return {
        "version": "1.1.0",
        "uid": uid,
        "sequence": record["seq"],
        "log_name": "audit",
        "product": {"name": "sovereign-gateway", "vendor_name": "sovereign-gateway", "version": __version__},
    }


def ocsf_api_activity(record: Mapping[str, Any]) -> dict[str, Any]:
    activity_id, activity = _ACTIVITY.get(record["endpoint"], (99, "Other"))
    status_id, status = {Status.OK: (1, "Success"), Status.PENDING: (0, "Unknown")}.get(
        record["status"], (2, "Failure")
    )
    return {
        "class_uid": 6003,
        "class_name": "API Activity",
        "category_uid": 6,
        "category_name": "Application Activity",
        "activity_id": activity_id,
        "activity_name": activity,
        "type_uid": 6003 * 100 + activity_id,
        "time": _epoch_ms(record["created_at"]),
        "end_time": _epoch_ms(record["completed_at"]),
        "duration": None if record["latency_ms"] is None else round(record["latency_ms"]),
        "severity_id": _SEVERITY.get(record["decision"], 0),
        "status_id": status_id,
        "status": status,
        "status_code": None if record["status_code"] is None else str(record["status_code"]),
        "status_detail": record["detail"],
        "actor": {"user": {"name": record["tenant"]}},
        "api": {"operation": record["endpoint"], "request": {"uid": record["id"]}},
        "policy": {"name": record["policy"], "version": record["policy_version"]},
        "metadata": _metadata(record, record["id"]),
        "unmapped": {
            "decision": record["decision"],
            "route": record["route"],
            "rule_ids": record["rule_ids"],
            "entity_types": record["entity_types"],
            "model": record["model"],
            "stream": record["stream"],
            "gateway_status": record["status"],
            "request_sha256": record["request_sha256"],
            "payload_erased": record["payload_erased"],
            "entry_hash": record["entry_hash"],
        },
    }


def ocsf_detection_finding(record: Mapping[str, Any]) -> dict[str, Any]:
    blocked = record["decision"] == "block"
    uid = f"{record['id']}/detection"
    return {
        "class_uid": 2004,
        "class_name": "Detection Finding",
        "category_uid": 2,
        "category_name": "Findings",
        "activity_id": 1,
        "activity_name": "Create",
        "type_uid": 200401,
        "time": _epoch_ms(record["created_at"]),
        "severity_id": _SEVERITY.get(record["decision"], 0),
        "status_id": 1,
        "status": "New",
        "action_id": 2 if blocked else 1,
        "action": "Denied" if blocked else "Allowed",
        "finding_info": {
            "uid": uid,
            "title": f"Regulated data detected: {', '.join(record['entity_types'])}",
            "types": record["entity_types"],
            "related_events": [
                {"uid": record["id"], "type_uid": 6003 * 100 + _ACTIVITY.get(record["endpoint"], (99, ""))[0]}
            ],
        },
        "actor": {"user": {"name": record["tenant"]}},
        "policy": {"name": record["policy"], "version": record["policy_version"]},
        "metadata": _metadata(record, uid),
        "unmapped": {"decision": record["decision"], "rule_ids": record["rule_ids"], "findings": record["findings"]},
    }
