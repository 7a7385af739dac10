"""Hostile input at the edges (issue 12, item 7): record filters with control characters, forwarded
headers from untrusted peers, and a readiness check that checks.

Real parts: SQLite and PostgreSQL for the filters, the real ``gateway serve`` for
the proxy headers, an in-process gateway with the real detector for ``/readyz``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from gateway import db
from gateway.app import create_app
from gateway.audit.filters import FilterError, RecordFilters
from gateway.review.records import list_records
from gateway.services import build_services
from gateway.settings import Settings
from gateway.types import Finding, Message
from tests.support.databases import database_url
from tests.support.inprocess import serving
from tests.support.review import NoLocalModel
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.test_review_records import T0, add


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with database_url(request.param, tmp_path) as url:
        db.upgrade(url)
        built = db.make_engine(url)
        yield built
        built.dispose()


@pytest.mark.parametrize("field", ["q", "tenant", "policy"])
@pytest.mark.parametrize("value", ["\x00", "acme\x00", "%\x00%", "\x1b[2J", "\ud800"])
def test_control_characters_in_text_filters_are_refused(field: str, value: str) -> None:
    with pytest.raises(FilterError, match="control character") as caught:
        RecordFilters(**{field: value})
    assert caught.value.field == field


@pytest.mark.parametrize(("q", "expected"), [("acme", 1), ("ACM", 1), ("%", 0), ("_cme", 0), ("zz", 0)])
def test_search_matches_literally(engine: Engine, q: str, expected: int) -> None:
    add(engine, 1, T0, tenant="acme")
    add(engine, 2, T0, tenant="bobcorp")
    assert len(list_records(engine, RecordFilters(q=q), limit=10).records) == expected


def test_the_review_api_answers_a_nul_search_with_400(tmp_path: Path, detector: object) -> None:
    from tests.support.review import review_gateway

    with review_gateway(tmp_path, detector) as gw:  # type: ignore[arg-type]
        auditor = gw.sign_in("arno-auditor")
        try:
            response = auditor.get("/review/api/records", params={"q": "\x00"})
            assert response.status_code == 400, response.text
            assert response.json()["error"]["param"] == "q"
            assert auditor.get("/review/api/records", params={"q": "zz-no-such"}).json()["records"] == []
        finally:
            auditor.close()


# ---- X-Forwarded-For --------------------------------------------------------------------------

SIGN_IN_ADDRESS_LIMIT = 20  # gateway.api.review_session.ADDRESS_MAX_FAILURES


@pytest.mark.parametrize(("trusted", "limited"), [(None, True), ("127.0.0.1", False)])
def test_forwarded_for_is_believed_only_from_trusted_proxies(
    tmp_path: Path, trusted: str | None, limited: bool
) -> None:
    """Failed sign-ins, each claiming another client address: from an untrusted peer they all count
    against the peer's own address and the limiter refuses; behind a trusted proxy each is its own client."""
    extra = {"GATEWAY_DETECTION_WORKERS": "0"}
    if trusted is not None:
        extra["GATEWAY_TRUSTED_PROXIES"] = trusted
    gateway = GatewayProcess(data_dir=tmp_path, env=gateway_env(tmp_path, **extra), port=free_port())
    gateway.start()
    try:
        statuses = [
            httpx.post(
                f"{gateway.base_url}/review/api/session",
                json={"username": f"nobody-{i}", "password": "wrong password"},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
                timeout=30,
            ).status_code
            for i in range(SIGN_IN_ADDRESS_LIMIT + 1)
        ]
    finally:
        gateway.stop()
    assert statuses[:SIGN_IN_ADDRESS_LIMIT] == [401] * SIGN_IN_ADDRESS_LIMIT
    assert statuses[-1] == (429 if limited else 401)


def test_trusted_proxies_must_be_addresses(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        Settings(data_dir=tmp_path, trusted_proxies="127.0.0.1, not-an-address")
    assert Settings(data_dir=tmp_path, trusted_proxies="10.0.0.0/8, ::1").trusted_proxy_list == ["10.0.0.0/8", "::1"]


# ---- /readyz ----------------------------------------------------------------------------------


class SwitchableDetector:
    """The real detector, which a test can make fail (a dead pool cannot be produced in-process)."""

    def __init__(self, real: object):
        self.real = real
        self.broken = False

    def detect(self, messages: Sequence[Message]) -> list[Finding]:
        if self.broken:
            raise RuntimeError("detection workers are gone")
        return self.real.detect(messages)  # type: ignore[attr-defined, no-any-return]


def test_readyz_reports_real_checks(tmp_path: Path, detector: object) -> None:
    switchable = SwitchableDetector(detector)
    settings = Settings(data_dir=tmp_path, sqlite_busy_timeout_s=1.0)
    services = build_services(settings, detector=switchable, local=NoLocalModel())  # type: ignore[arg-type]
    with serving(create_app(services=services)) as base:
        ready = httpx.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 200 and all(ready.json()["checks"].values()), ready.text
        switchable.broken = True
        broken = httpx.get(f"{base}/readyz", timeout=30)
        assert broken.status_code == 503 and broken.json()["checks"]["detector"] is False, broken.text
        switchable.broken = False
        locker = sqlite3.connect(tmp_path / "audit.db", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # the store cannot take a write now
        try:
            locked = httpx.get(f"{base}/readyz", timeout=30)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert locked.status_code == 503 and locked.json()["checks"] == {
            "policies": True,
            "detector": True,
            "audit_store": False,
            "local_model": True,
        }, locked.text
        assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
