"""Bounded waits on the audit store (issue 12, item 4).

Real faults: a SQLite file whose write lock another connection holds, a
PostgreSQL port nobody listens on, and a listener that accepts and never answers
(a black hole, as a server gone without FIN/RST looks to a connecting client).
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway import db
from gateway.app import create_app
from gateway.keys import create_key
from gateway.services import build_services
from gateway.settings import Settings
from tests.support.faults import black_hole
from tests.support.inprocess import serving
from tests.support.review import NoLocalModel
from tests.support.server import GATEWAY, free_port, gateway_env
from tests.support.upstream import RecordingUpstream

BUSY_TIMEOUT_S = 1.0
SLACK_S = 3.0  # detection, thread hand-offs and the HTTP round trip on a loaded 2-core machine


def chat(base: str, key: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Tell me a joke about compilers."}]},
        timeout=60,
    )
    return response, time.monotonic() - started


def test_a_locked_sqlite_store_refuses_within_the_busy_timeout_and_recovers(
    tmp_path: Path, upstream: RecordingUpstream, detector: object
) -> None:
    settings = Settings(data_dir=tmp_path, upstream_url=upstream.url, sqlite_busy_timeout_s=BUSY_TIMEOUT_S)
    services = build_services(settings, detector=detector, local=NoLocalModel())  # type: ignore[arg-type]
    key = create_key(services.engine, "t", "general", [])
    with serving(create_app(services=services)) as base:
        assert chat(base, key)[0].status_code == 200
        upstream.clear()
        locker = sqlite3.connect(tmp_path / "audit.db", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
        try:
            for _ in range(2):  # the first, and the next one too: neither waits longer than the bound
                response, elapsed = chat(base, key)
                assert response.status_code == 503 and response.json()["error"]["code"] == "audit_unavailable"
                assert BUSY_TIMEOUT_S * 0.9 <= elapsed < BUSY_TIMEOUT_S + SLACK_S, elapsed
        finally:
            locker.execute("ROLLBACK")
            locker.close()
        assert upstream.requests == []  # nothing left unaudited
        response, elapsed = chat(base, key)
        assert response.status_code == 200 and elapsed < SLACK_S, elapsed


def test_concurrent_requests_on_a_locked_store_are_each_refused_within_the_bound(
    tmp_path: Path, upstream: RecordingUpstream, detector: object
) -> None:
    """A batch of queued appends fails together (it is not retried one by one, each another bound), and a
    caller queued behind a batch waits only what is left of its own bound."""
    bound_s = 4.0  # long beside the slack: a second batch waiting a full bound again would show
    settings = Settings(data_dir=tmp_path, upstream_url=upstream.url, sqlite_busy_timeout_s=bound_s)
    services = build_services(settings, detector=detector, local=NoLocalModel())  # type: ignore[arg-type]
    key = create_key(services.engine, "t", "general", [])
    with serving(create_app(services=services)) as base:
        locker = sqlite3.connect(tmp_path / "audit.db", isolation_level=None)
        locker.execute("BEGIN IMMEDIATE")
        results: list[tuple[int, float]] = []

        def one() -> None:
            response, elapsed = chat(base, key)
            results.append((response.status_code, elapsed))

        try:
            threads = [threading.Thread(target=one) for _ in range(6)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            locker.execute("ROLLBACK")
            locker.close()
    assert [status for status, _ in results] == [503] * 6
    assert max(elapsed for _, elapsed in results) < bound_s + 2.0, results


@pytest.fixture()
def silent_port() -> Iterator[int]:
    with black_hole() as port:
        yield port


@pytest.mark.parametrize("where", ["refused", "black_hole"])
def test_serve_with_an_unreachable_postgresql_says_so_in_one_line(
    where: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    port = request.getfixturevalue("silent_port") if where == "black_hole" else free_port()
    env = gateway_env(
        tmp_path,
        GATEWAY_DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:{port}/test",
        GATEWAY_POSTGRES_CONNECT_TIMEOUT_S="2",
    )
    started = time.monotonic()
    result = subprocess.run([GATEWAY, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"gateway cannot start: the audit store at postgresql+psycopg://postgres@127.0.0.1:{port}/")
    assert elapsed < 2 + 20, elapsed  # bounded by the connect timeout (plus start-up), not the OS's minutes
    assert not (tmp_path / "master.key").exists()


def test_postgres_sessions_carry_the_statement_timeout_and_keepalives() -> None:
    from sqlalchemy import text

    from tests.support.databases import POSTGRES_SERVER

    timeouts = db.StoreTimeouts(statement_s=0.5, keepalives_idle_s=7)
    engine = db.make_engine(POSTGRES_SERVER, timeouts)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "500ms"
            fd = conn.connection.dbapi_connection.pgconn.socket  # type: ignore[union-attr]
            client = socket.socket(fileno=os.dup(fd))
            try:  # the client's own socket: it notices a vanished server
                assert client.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
                assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 7
                assert client.getsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT) == (7 + 2 * 3) * 1000
            finally:
                client.close()
            started = time.monotonic()
            with pytest.raises(Exception, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 3
    finally:
        engine.dispose()


def test_serve_on_a_locked_sqlite_store_says_so_in_one_line(tmp_path: Path) -> None:
    db.upgrade(f"sqlite:///{tmp_path / 'audit.db'}")
    locker = sqlite3.connect(tmp_path / "audit.db", isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")
    try:
        env = gateway_env(tmp_path, GATEWAY_SQLITE_BUSY_TIMEOUT_S="1")
        result = subprocess.run([GATEWAY, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("gateway cannot start: the audit store at sqlite:///") and "locked" in last, last
