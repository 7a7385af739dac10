"""The whole request path on a PostgreSQL audit store (the server on 127.0.0.1:5432)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

from gateway.app import create_app
from gateway.keys import create_key
from gateway.services import build_services
from gateway.settings import Settings
from tests.support.databases import postgres_schema
from tests.support.inprocess import serving
from tests.support.upstream import RecordingUpstream

PROMPTS = {
    "allow": "What is the boiling point of water at sea level?",
    "route_local": "Patient Maria Gonzalez, MRN 00483921, needs a follow-up appointment.",
    "block": "My card is 4111 1111 1111 1111, book the flight.",
}


def test_chat_and_inspect_are_audited_in_postgresql(
    tmp_path: Path, upstream: RecordingUpstream, detector: object
) -> None:
    upstream.clear()
    with postgres_schema() as url:
        services = build_services(
            Settings(data_dir=tmp_path, database_url=url, upstream_url=upstream.url), detector=detector
        )
        key = create_key(services.engine, "pg-tenant", "healthcare", [])
        statuses = {}
        with serving(create_app(services=services)) as base, contextlib.closing(services.audit):
            for expected, prompt in PROMPTS.items():
                response = httpx.post(
                    f"{base}/v1/chat/completions",
                    headers={"Authorization": f"Bearer {key}"},
                    json={"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], "max_tokens": 8},
                    timeout=120,
                )
                statuses[expected] = (response.status_code, response.headers["x-gateway-audit-id"])
            inspected = httpx.post(
                f"{base}/v1/inspect", headers={"Authorization": f"Bearer {key}"}, json={"input": "hi"}, timeout=60
            )
        assert inspected.status_code == 200
        engine = create_engine(url)
        with engine.connect() as conn:
            rows = {
                row.id: row
                for row in conn.execute(text("SELECT id, decision, route, status, tenant, endpoint FROM audit_records"))
            }
        engine.dispose()
    assert len(rows) == 4
    assert {code for code, _ in statuses.values()} == {200, 403}
    for expected, (_, audit_id) in statuses.items():
        assert rows[audit_id].decision == expected and rows[audit_id].tenant == "pg-tenant"
    assert rows[inspected.json()["audit_id"]].endpoint == "inspect"
    assert len(upstream.requests) == 1  # only the allowed request reached the cloud
