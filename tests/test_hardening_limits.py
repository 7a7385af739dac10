"""Rate limits held across gateway processes through the audit store (issue 12, "sign-in and request rate
limits hold across several gateway processes and replicas").

Real parts: two real ``gateway serve`` processes on one SQLite file or one PostgreSQL schema, a loopback
upstream; the counters themselves on both databases with a controlled clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, func, select

from gateway import db
from gateway.limits import SharedWindow
from tests.support.databases import database_url
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.support.upstream import RecordingUpstream

PER_MINUTE = 4
SIGN_IN_ADDRESS_LIMIT = 20  # gateway.api.review_session.ADDRESS_MAX_FAILURES


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture()
def engine(store_url: str) -> Iterator[Engine]:
    db.upgrade(store_url)
    built = db.make_engine(store_url)
    yield built
    built.dispose()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_two_counters_on_one_store_share_the_limit_and_tell_when_to_retry(engine: Engine, store_url: str) -> None:
    clock = Clock(6_000_000.0)  # the start of a 60 s window
    other_engine = db.make_engine(store_url)  # as another process would have
    try:
        first = SharedWindow(engine, "requests", 3, 60, clock=clock)
        second = SharedWindow(other_engine, "requests", 3, 60, clock=clock)
        assert [first.hit("app").allowed, second.hit("app").allowed, first.hit("app").allowed] == [True] * 3
        refused = second.hit("app")
        assert not refused.allowed and refused.retry_after_s == 80  # the next window, a third of the way in
        assert first.hit("other-app").allowed  # buckets are separate
        clock.now += 30  # half-way: still three in the last 60 s
        assert not first.hit("app").allowed
        clock.now += 30  # the next window: the previous one's three weigh 3 * (1 - 0)
        verdict = first.hit("app")
        assert not verdict.allowed and verdict.retry_after_s == 20, verdict  # 1/3 of the way through
        clock.now += verdict.retry_after_s
        assert second.hit("app").allowed  # refused hits were not counted: the wait told was enough
        with engine.connect() as conn:
            total = conn.execute(
                select(func.sum(db.rate_limit_hits.c.hits)).where(db.rate_limit_hits.c.bucket == "app")
            ).scalar()
        assert total == 4
        clock.now += 600  # long idle: old windows are swept on the next hit
        assert first.hit("app").allowed
        with engine.connect() as conn:
            windows = conn.execute(select(db.rate_limit_hits.c.window_start)).scalars().all()
        assert sorted(windows) == [6_000_660]
        first.clear("app")
        assert first.count("app") == 0
    finally:
        other_engine.dispose()


def test_counted_events_block_at_the_limit(engine: Engine) -> None:
    clock = Clock(9_000_000.0)
    failures = SharedWindow(engine, "sign_in", 2, 900, clock=clock)
    failures.add("203.0.113.9")
    assert not failures.blocked("203.0.113.9")
    failures.add("203.0.113.9")
    assert failures.blocked("203.0.113.9") and not failures.blocked("203.0.113.10")
    failures.clear("203.0.113.9")
    assert not failures.blocked("203.0.113.9")


def gateways(data_dir: Path, url: str, upstream: RecordingUpstream) -> tuple[GatewayProcess, GatewayProcess]:
    pair = []
    for name in ("a", "b"):
        home = data_dir / name
        home.mkdir()
        env = gateway_env(
            home,
            GATEWAY_DATABASE_URL=url,
            GATEWAY_MASTER_KEY_FILE=str(data_dir / "master.key"),  # one store, one key
            GATEWAY_UPSTREAM_URL=upstream.url,
            GATEWAY_ANTHROPIC_UPSTREAM_URL=upstream.url,
            GATEWAY_DETECTION_WORKERS="0",
            GATEWAY_RATE_LIMIT_PER_MINUTE=str(PER_MINUTE),
        )
        pair.append(GatewayProcess(data_dir=home, env=env, port=free_port()))
    return pair[0], pair[1]


def chat(gateway: GatewayProcess, key: str) -> httpx.Response:
    return httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Name three rivers."}]},
        timeout=60,
    )


def sign_in(gateway: GatewayProcess, i: int) -> int:
    response = httpx.post(
        f"{gateway.base_url}/review/api/session",
        json={"username": f"nobody-{i}", "password": "wrong password"},
        timeout=30,
    )
    return response.status_code


def test_two_gateway_processes_on_one_store_hold_one_request_and_sign_in_limit(
    tmp_path: Path, store_url: str, upstream: RecordingUpstream
) -> None:
    """Every request and failed sign-in below happens within a few seconds: the sliding window's estimate
    can only fall by a quarter within the first 15 s of a new minute, so a boundary crossed meanwhile
    does not let the one past the limit through."""
    first, second = gateways(tmp_path, store_url, upstream)
    key = first.create_key("app", "general")
    other = first.create_key("other-app", "general")
    first.start()
    second.start()
    try:
        answered = [chat(gateway, key).status_code for gateway in (first, second, first, second)]
        assert answered == [200] * PER_MINUTE
        refused = chat(first, key)
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"]["code"] == "rate_limited"
        # At most the rest of this window plus the part of the next in which these hits still weigh too
        # much: 60 s + 60 * (1 - (limit - 1) / limit) = 75 s for 4 a minute.
        assert 1 <= int(refused.headers["retry-after"]) <= 60 + 60 // PER_MINUTE
        anthropic = httpx.post(
            f"{second.base_url}/v1/messages",
            headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
            json={"model": "claude-x", "max_tokens": 16, "messages": [{"role": "user", "content": "Hi."}]},
            timeout=60,
        )
        assert anthropic.status_code == 429 and "retry-after" in anthropic.headers
        body = anthropic.json()
        assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error", body
        assert chat(second, other).status_code == 200  # another key has its own budget

        failures = [sign_in(first if i % 2 else second, i) for i in range(SIGN_IN_ADDRESS_LIMIT)]
        assert failures == [401] * SIGN_IN_ADDRESS_LIMIT
        assert sign_in(first, 99) == 429 and sign_in(second, 100) == 429  # one count for both processes
    finally:
        second.stop()
        first.stop()
