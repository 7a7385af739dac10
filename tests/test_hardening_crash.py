"""Records a crash left ``pending`` are closed as ``interrupted`` at start-up (issue 12, item 3).

A real ``gateway serve`` forwards requests to an upstream that never answers, is
killed with SIGKILL while they are in flight, and is started again: no record
stays pending, each carries a chained ``interrupted`` outcome, and the trail
verifies (against the witness too). A second gateway starting beside a live one
leaves the live one's in-flight records alone.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, select

from gateway.db import audit_events
from tests.support.databases import database_url, query
from tests.support.faults import black_hole
from tests.support.server import GatewayProcess, free_port, gateway_env

IN_FLIGHT = 3


@pytest.fixture()
def hung_upstream() -> Iterator[str]:
    with black_hole() as port:
        yield f"http://127.0.0.1:{port}/v1"


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


def gateway_on(data_dir: Path, url: str, upstream_url: str) -> GatewayProcess:
    env = gateway_env(
        data_dir, GATEWAY_DATABASE_URL=url, GATEWAY_UPSTREAM_URL=upstream_url, GATEWAY_DETECTION_WORKERS="0"
    )
    return GatewayProcess(data_dir=data_dir, env=env, port=free_port())


def statuses(url: str) -> dict[str, int]:
    return dict(query(url, "SELECT status, count(*) FROM audit_records GROUP BY status"))  # type: ignore[arg-type]


def send_in_background(gateway: GatewayProcess, key: str, count: int) -> list[threading.Thread]:
    def one(i: int) -> None:
        try:
            httpx.post(
                f"{gateway.base_url}/v1/chat/completions",
                headers={"Authorization": f"Bearer {key}"},
                json={"model": "gpt-4o", "messages": [{"role": "user", "content": f"Write a haiku, number {i}."}]},
                timeout=120,
            )
        except httpx.HTTPError:
            pass  # the gateway was killed under it

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    return threads


def wait_for(predicate, timeout_s: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.2)


def test_a_gateway_killed_mid_request_closes_its_records_as_interrupted_on_restart(
    tmp_path: Path, store_url: str, hung_upstream: str
) -> None:
    gateway = gateway_on(tmp_path, store_url, hung_upstream)
    key = gateway.create_key("app", "general")
    gateway.start()
    try:
        send_in_background(gateway, key, IN_FLIGHT)
        wait_for(lambda: statuses(store_url).get("pending", 0) == IN_FLIGHT)
        assert gateway.process is not None
        gateway.process.send_signal(signal.SIGKILL)
        gateway.process.wait(timeout=30)
        assert statuses(store_url) == {"pending": IN_FLIGHT}
        gateway.start()  # the restart: reconciles before it serves
        assert statuses(store_url) == {"interrupted": IN_FLIGHT}
        result = gateway.cli("audit", "verify", check=False)  # the default witness file is checked too
        assert result.returncode == 0, result.stdout + result.stderr
        assert "witnessed heads reached" in result.stdout
    finally:
        gateway.stop()
    result = gateway.cli("audit", "verify", check=False)
    assert result.returncode == 0 and "audit trail intact" in result.stdout, result.stdout + result.stderr
    engine = create_engine(store_url)
    with engine.connect() as conn:
        rows = conn.execute(select(audit_events.c.kind, audit_events.c.details)).all()
    engine.dispose()
    closed = [details for kind, details in rows if kind == "interrupted_closed"]
    outcomes = sum(1 for kind, details in rows if kind == "outcome" and details["status"] == "interrupted")
    assert [event["records"] for event in closed] == [IN_FLIGHT]
    assert outcomes == IN_FLIGHT  # each record's chained outcome says so


def test_a_second_gateway_leaves_a_live_gateways_in_flight_records_alone(
    tmp_path: Path, store_url: str, hung_upstream: str
) -> None:
    first = gateway_on(tmp_path, store_url, hung_upstream)
    key = first.create_key("app", "general")
    first.start()
    second = gateway_on(tmp_path, store_url, hung_upstream)
    try:
        send_in_background(first, key, IN_FLIGHT)
        wait_for(lambda: statuses(store_url).get("pending", 0) == IN_FLIGHT)
        second.start()
        assert statuses(store_url) == {"pending": IN_FLIGHT}  # still in flight on the live first gateway
    finally:
        for gateway in (second, first):  # the first has requests hung on the upstream: no graceful wait
            if gateway.process is not None and gateway.process.poll() is None:
                gateway.process.kill()
                gateway.process.wait()


def test_a_live_gateway_closes_the_records_of_a_writer_that_died_on_another_host(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, detector: object
) -> None:
    """No process need start: a running one notices the dead writer once its heartbeat is stale."""
    from sqlalchemy import update

    from gateway.audit import writers
    from gateway.audit.keyring import Keyring
    from gateway.audit.store import AuditStore
    from gateway.db import audit_writers
    from gateway.services import build_services
    from gateway.settings import Settings
    from tests.support.audit import event
    from tests.support.review import NoLocalModel

    monkeypatch.setattr(writers, "BEAT_S", 0.2)  # reconcile every 6 beats: about every 1.2 s
    settings = Settings(data_dir=tmp_path, database_url=store_url)
    services = build_services(settings, detector=detector, local=NoLocalModel())  # type: ignore[arg-type]
    try:
        elsewhere = writers.WriterLease(services.engine).register()
        elsewhere._stop.set()  # it "dies": no more beats, its row stays
        with services.engine.begin() as conn:
            conn.execute(
                update(audit_writers)
                .where(audit_writers.c.id == elsewhere.id)
                .values(host="another-host|boot|pidns")  # not this machine: only its heartbeat can tell
            )
        orphan = AuditStore(services.engine, Keyring.load(tmp_path / "master.key"), lease=elsewhere)
        orphan.record(event("a request in flight on the other host"))
        time.sleep(2.0)
        assert statuses(store_url) == {"pending": 1}  # its heartbeat is still fresh: alive as far as we know
        with services.engine.begin() as conn:
            stale = writers.stale_before() - timedelta(seconds=1)
            conn.execute(update(audit_writers).where(audit_writers.c.id == elsewhere.id).values(heartbeat_at=stale))
        wait_for(lambda: statuses(store_url) == {"interrupted": 1}, timeout_s=30)
    finally:
        services.audit.close()
        services.engine.dispose()


LOAD_CLIENTS = 6
LOAD_S = 4.0


def test_kill_9_under_load_loses_no_record_and_leaves_none_pending_after_restart(
    tmp_path: Path, store_url: str
) -> None:
    """Clients keep a gateway busy (an upstream that takes 0.3 s, so requests are in every stage) until it is
    killed with SIGKILL; after the restart every answer a client got has its record, none is pending,
    and the trail verifies."""
    from tests.support.local_servers import FaultyServer

    slow = FaultyServer("slow", delay=0.3)
    gateway = gateway_on(tmp_path, store_url, slow.url)
    key = gateway.create_key("app", "general")
    gateway.start()
    answered: list[str] = []
    stop = threading.Event()

    def client(n: int) -> None:
        with httpx.Client(timeout=30) as http:
            i = 0
            while not stop.is_set():
                i += 1
                body = {"model": "gpt-4o", "messages": [{"role": "user", "content": f"Client {n}, question {i}."}]}
                try:
                    response = http.post(
                        f"{gateway.base_url}/v1/chat/completions",
                        headers={"Authorization": f"Bearer {key}"},
                        json=body,
                    )
                except httpx.HTTPError:
                    continue  # killed under it
                if response.status_code == 200:
                    answered.append(response.headers["x-gateway-audit-id"])

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(LOAD_CLIENTS)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(LOAD_S)
        assert gateway.process is not None
        gateway.process.send_signal(signal.SIGKILL)
        gateway.process.wait(timeout=30)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        before = statuses(store_url)
        assert before.get("pending", 0) >= 1, before  # requests were in flight: the restart has work to do
        gateway.start()
        after = statuses(store_url)
    finally:
        stop.set()
        gateway.stop()
        slow.stop()
    assert "pending" not in after, after
    assert sum(after.values()) == sum(before.values())  # closed, not dropped
    assert len(answered) >= LOAD_CLIENTS, answered  # under load indeed
    found = dict(query(store_url, "SELECT id, status FROM audit_records"))
    assert [audit_id for audit_id in answered if audit_id not in found] == []  # 0 lost
    # An answer sent just before the kill may have its outcome closed as interrupted, never left open.
    assert {found[audit_id] for audit_id in answered} <= {"ok", "interrupted"}
    result = gateway.cli("audit", "verify", check=False)
    assert result.returncode == 0 and "audit trail intact" in result.stdout, result.stdout + result.stderr
