"""A gateway with reviewers and audit records, served on loopback, for the review API and UI tests."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gateway.app import create_app
from gateway.backends.base import BackendError, BackendReply
from gateway.keys import create_key
from gateway.pipeline.inspection import Detects
from gateway.review.accounts import create_reviewer
from gateway.services import Services, build_services
from gateway.settings import Settings
from tests.support.inprocess import serving

PASSWORD = "correct horse battery staple"
REVIEWERS = {"ada-admin": "admin", "olga-officer": "officer", "arno-auditor": "auditor"}

NAME = "Theodora Blackwood"
SSN = "219-09-9999"
CARD = "4111111111111111"
PROMPTS = [
    # (policy, text) sent through POST /v1/inspect; each leaves one audit record.
    ("healthcare", f"Patient {NAME}, SSN {SSN}, needs a referral letter for physiotherapy."),
    ("healthcare", f"Charge the deposit to card {CARD} please."),
    ("healthcare", "Explain the difference between a cohort study and a case-control study."),
    ("finance", f"Wire the refund for client {NAME} today."),
    ("healthcare", "Summarise the new visiting hours for the cardiology ward."),
]
RAW_VALUES = (NAME, SSN, CARD)


class NoLocalModel:
    """A local backend for tests that never route a chat request (the review tests only inspect)."""

    name = "no-local-model"

    async def complete(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        raise BackendError("the review tests do not use the local model")

    async def stream(self, body: dict[str, Any], raw: bytes | None = None) -> BackendReply:
        raise BackendError("the review tests do not use the local model")

    async def aclose(self) -> None:
        return None


@dataclass
class ReviewGateway:
    base: str
    services: Services
    client_key: str
    records: list[dict[str, Any]] = field(default_factory=list)  # {"id", "text", "policy", "decision", "findings"}

    def sign_in(self, username: str, password: str = PASSWORD) -> httpx.Client:
        """An httpx client holding the session cookie and sending the CSRF token on every request."""
        client = httpx.Client(base_url=self.base, timeout=60)
        response = client.post("/review/api/session", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        client.headers["x-csrf-token"] = response.json()["csrf_token"]
        return client

    def inspect(self, policy: str, text: str, key: str | None = None) -> dict[str, Any]:
        """Inspect ``text`` with the client key (or ``key``: another tenant's); the record is kept in ``records``."""
        response = httpx.post(
            f"{self.base}/v1/inspect",
            headers={"Authorization": f"Bearer {key or self.client_key}"},
            json={"policy": policy, "messages": [{"role": "user", "content": text}]},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        record = {"id": body["audit_id"], "text": text, "policy": policy, "decision": body["decision"]}
        record["findings"] = body["findings"]
        self.records.append(record)
        return record


class LogLines(logging.Handler):
    """Every log line at ``level`` and above, collected while installed on the root logger."""

    def __init__(self, level: int = logging.INFO) -> None:
        super().__init__(level=level)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def collected_logs(level: int = logging.INFO) -> Iterator[LogLines]:
    handler = LogLines(level)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(level)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def build_review_services(data_dir: Path, detector: Detects, **settings: Any) -> Services:
    return build_services(Settings(data_dir=data_dir, **settings), detector=detector, local=NoLocalModel())


@contextmanager
def review_gateway(data_dir: Path, detector: Detects, **settings: Any) -> Iterator[ReviewGateway]:
    """A served gateway with the three reviewers and one audit record per entry of PROMPTS."""
    services = build_review_services(data_dir, detector, **settings)
    for username, role in REVIEWERS.items():
        create_reviewer(services.engine, username, role, PASSWORD)
    key = create_key(services.engine, "review-tests", "healthcare", ["*"])
    app = create_app(services=services)
    try:
        with serving(app) as base:
            gateway = ReviewGateway(base, services, key)
            for policy, text in PROMPTS:
                gateway.inspect(policy, text)
            yield gateway
    finally:
        services.audit.close()
        services.engine.dispose()


def events(services: Services, kind: str) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from gateway.db import audit_events

    with services.engine.connect() as conn:
        rows = conn.execute(select(audit_events).where(audit_events.c.kind == kind).order_by(audit_events.c.seq))
        return [dict(row._mapping) for row in rows]


def contains_raw_value(data: object) -> bool:
    text = data if isinstance(data, str) else json.dumps(data)
    return any(value in text for value in RAW_VALUES)
