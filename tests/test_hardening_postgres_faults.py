"""PostgreSQL failing under a running gateway (issue 12: "PostgreSQL killed or black-holed"): the request
gets 503 within the configured bound, nothing is forwarded, the gateway recovers when the server is back,
and shutdown is not blocked.

Real parts: the real ``gateway serve``, the real PostgreSQL server behind a loopback TCP proxy
(``tests.support.faults.FreezableProxy``) that freezes every connection (the server's TCP stack
acknowledges, nothing answers: a server stopped dead, a hung middlebox) or resets them (the server
killed), a loopback upstream.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from gateway import db, db_watchdog
from tests.support.databases import postgres_schema
from tests.support.faults import FreezableProxy
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.support.upstream import RecordingUpstream
from tests.test_hardening_timeouts import chat as timed_chat

STATEMENT_S = 2.0
CONNECT_S = 2
REPLY_S = STATEMENT_S + 2.0  # gateway.db.StoreTimeouts.reply_s
SLACK_S = 4.0  # detection, thread hand-offs and the HTTP round trip on a loaded 2-core machine


@pytest.fixture()
def proxied_store() -> Iterator[tuple[str, FreezableProxy]]:
    with postgres_schema() as url:
        db.upgrade(url)
        with FreezableProxy("127.0.0.1", 5432) as proxy:
            yield url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), proxy


def chat(gateway: GatewayProcess, key: str) -> tuple[httpx.Response, float]:
    return timed_chat(gateway.base_url, key)


def refused_within(gateway: GatewayProcess, key: str, bound_s: float) -> None:
    response, elapsed = chat(gateway, key)
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] in {"auth_unavailable", "audit_unavailable"}, response.text
    assert "Traceback" not in response.text
    assert elapsed < bound_s, elapsed


def test_postgresql_black_holed_or_killed_mid_run_refuses_in_bound_and_recovers(
    tmp_path: Path, proxied_store: tuple[str, FreezableProxy], upstream: RecordingUpstream
) -> None:
    url, proxy = proxied_store
    env = gateway_env(
        tmp_path,
        GATEWAY_DATABASE_URL=url,
        GATEWAY_UPSTREAM_URL=upstream.url,
        GATEWAY_DETECTION_WORKERS="0",
        GATEWAY_POSTGRES_STATEMENT_TIMEOUT_S=str(STATEMENT_S),
        GATEWAY_POSTGRES_CONNECT_TIMEOUT_S=str(CONNECT_S),
        GATEWAY_DATABASE_POOL_TIMEOUT_S="3",
    )
    gateway = GatewayProcess(data_dir=tmp_path, env=env, port=free_port())
    key = gateway.create_key("app", "general")
    gateway.start()
    try:
        assert chat(gateway, key)[0].status_code == 200
        upstream.clear()

        proxy.freeze()  # black-holed: pooled connections wait for replies that never come
        refused_within(gateway, key, REPLY_S + CONNECT_S + SLACK_S)
        refused_within(gateway, key, REPLY_S + CONNECT_S + SLACK_S)  # the next one too: nothing piles up
        assert upstream.requests == []  # nothing forwarded unaudited

        proxy.restore()
        response, _ = chat(gateway, key)
        assert response.status_code == 200, response.text

        upstream.clear()
        proxy.reset()  # killed: every connection reset, new ones refused
        refused_within(gateway, key, CONNECT_S + SLACK_S)
        assert upstream.requests == []
        proxy.restore()
        assert chat(gateway, key)[0].status_code == 200

        proxy.freeze()  # and shutdown while black-holed: bounded too
        assert gateway.process is not None
        started = time.monotonic()
        gateway.process.send_signal(signal.SIGTERM)
        gateway.process.wait(timeout=60)
        assert time.monotonic() - started < 2 * (REPLY_S + CONNECT_S) + SLACK_S, gateway.log()[-2000:]
        assert "Traceback" not in gateway.log(), gateway.log()[-3000:]
    finally:
        proxy.restore()
        gateway.stop()
    result = gateway.cli("audit", "verify", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "pending" not in result.stdout.lower() or "0 pending" in result.stdout.lower(), result.stdout


def test_a_statement_on_a_frozen_connection_is_cut_within_the_reply_bound_and_idle_ones_are_not(
    proxied_store: tuple[str, FreezableProxy],
) -> None:
    """The watchdog (gateway.db_watchdog) directly: keepalives and tcp_user_timeout cannot notice a peer whose
    TCP stack acknowledges everything, and the server's statement timeout never reaches a frozen server."""
    url, proxy = proxied_store
    timeouts = db.StoreTimeouts(statement_s=1.0)
    engine = db.make_engine(url, timeouts)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            time.sleep(timeouts.reply_s + 1.0)  # idle longer than the bound: not cut
            assert conn.execute(text("SELECT 2")).scalar() == 2
            proxy.freeze()
            started = time.monotonic()
            with pytest.raises(OperationalError):
                conn.execute(text("SELECT 3"))
            elapsed = time.monotonic() - started
        assert timeouts.reply_s * 0.9 <= elapsed < timeouts.reply_s + 2.0, elapsed
    finally:
        proxy.restore()
        engine.dispose()


def test_a_connection_that_freezes_right_after_its_handshake_is_cut_within_the_reply_bound(
    proxied_store: tuple[str, FreezableProxy],
) -> None:
    """The session set-up (``SET statement_timeout``) is watched too: a server that froze just after the
    handshake once held that statement, and every request queued behind the connection, for ever."""
    url, proxy = proxied_store
    timeouts = db.StoreTimeouts(statement_s=1.0)
    engine = db.make_engine(url, timeouts)
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            outcome.append(exc)

    try:
        with engine.connect() as conn:  # the dialect's first connection, before the fault
            conn.execute(text("SELECT 1"))
            conn.invalidate()  # the next checkout makes a new connection
        event.listen(engine, "connect", lambda *_: proxy.freeze(), insert=True)  # freeze once connected
        started = time.monotonic()
        worker = threading.Thread(target=connect, daemon=True)
        worker.start()
        worker.join(timeout=timeouts.reply_s + 10.0)
        assert not worker.is_alive(), "the session set-up waited past the reply bound"
        assert isinstance(outcome[0], OperationalError), outcome
        assert time.monotonic() - started < timeouts.reply_s + 2.0
    finally:
        proxy.restore()
        engine.dispose()


def test_a_session_whose_client_was_cut_while_frozen_lets_go_of_its_locks_once_the_link_is_back(
    proxied_store: tuple[str, FreezableProxy],
) -> None:
    """The fault proxy passes a closed end on as TCP does: statements queued before a client gave up reach
    the server after the thaw, and the server then hears that the client is gone and rolls back, so a
    row lock taken by them does not outlive it (the post-thaw 503 the black-hole test once showed)."""
    url, proxy = proxied_store
    direct = db.make_engine(url.replace(f"127.0.0.1:{proxy.port}", "127.0.0.1:5432"), db.StoreTimeouts(statement_s=5.0))
    try:
        with direct.begin() as conn:
            conn.execute(text("CREATE TABLE held (id int PRIMARY KEY)"))
            conn.execute(text("INSERT INTO held VALUES (1)"))
        client = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False)
        proxy.freeze()
        client.pgconn.send_query(b"BEGIN; SELECT id FROM held WHERE id = 1 FOR UPDATE")  # queued in the link
        time.sleep(0.3)
        db_watchdog._cut(client.pgconn.socket)  # the client gives up as the watchdog does: no goodbye sent
        client.close()
        proxy.restore()  # the queued statement reaches the server and takes the lock; then the close does
        time.sleep(0.5)
        started = time.monotonic()
        with direct.begin() as conn:
            conn.execute(text("UPDATE held SET id = 1 WHERE id = 1"))  # would wait its 5 s bound and fail
        assert time.monotonic() - started < 2.0
    finally:
        proxy.restore()
        direct.dispose()


def test_shutdown_on_a_black_holed_store_asks_it_once_not_once_a_step(
    tmp_path: Path, proxied_store: tuple[str, FreezableProxy]
) -> None:
    """``AuditStore.close`` on a store that stopped answering: the signer's read fails, and neither the final
    signature nor the writer row's removal is tried after it (each would wait its own bound for the same
    failure); the row is left to go stale, as a crash leaves it."""
    from sqlalchemy import select

    from gateway.audit.keyring import Keyring
    from gateway.audit.signing import HeadSigner
    from gateway.audit.store import AuditStore
    from gateway.audit.writers import WriterLease
    from tests.support.audit import event

    url, proxy = proxied_store
    engine = db.make_engine(url, db.StoreTimeouts(statement_s=1.0, connect_s=CONNECT_S))
    keyring = Keyring.generate(tmp_path / "audit.key")
    lease = WriterLease(engine, beat_s=3600).register()  # no heartbeat during the test: only shutdown asks
    store = AuditStore(
        engine, keyring, signer=HeadSigner(engine, keyring, every_records=1000, every_seconds=3600), lease=lease
    )
    try:
        store.record(event("SSN 219-09-9999"))
        proxy.freeze()
        store.close()
        assert proxy.held == 1  # the signer's one attempt to reconnect; no second, no third
        proxy.restore()
        with engine.connect() as conn:
            assert conn.execute(select(db.audit_writers.c.id)).scalars().all() == [lease.id]
    finally:
        proxy.restore()
        engine.dispose()
