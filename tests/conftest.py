"""Shared fixtures: a real loopback upstream and the real ``gateway serve`` process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openai import OpenAI

from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.support.upstream import RecordingUpstream
from tests.tiers import assign


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test gets its tier marker (unit, integration, e2e, browser): see tests/tiers.py."""
    assign(items)


@pytest.fixture(scope="session")
def upstream() -> Iterator[RecordingUpstream]:
    server = RecordingUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def anthropic_upstream() -> Iterator[RecordingAnthropicUpstream]:
    server = RecordingAnthropicUpstream().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
    upstream: RecordingUpstream,
    anthropic_upstream: RecordingAnthropicUpstream,
) -> Iterator[GatewayProcess]:
    """``gateway serve`` on its embedded defaults (SQLite, bundled policies and model) with loopback upstreams."""
    data_dir: Path = tmp_path_factory.mktemp("gateway-data")
    env = gateway_env(
        data_dir,
        GATEWAY_UPSTREAM_URL=upstream.url,
        GATEWAY_UPSTREAM_API_KEY="sk-upstream-test",
        GATEWAY_ANTHROPIC_UPSTREAM_URL=anthropic_upstream.url,
        GATEWAY_ANTHROPIC_UPSTREAM_API_KEY="sk-ant-upstream-test",
    )
    process = GatewayProcess(data_dir=data_dir, env=env, port=free_port())
    process.start()
    yield process
    process.stop()


@pytest.fixture()
def sent() -> list[httpx.Request]:
    """The requests the ``client`` SDK sent, as bytes on the wire (to compare with what the upstream got)."""
    return []


@pytest.fixture()
def client(gateway: GatewayProcess, key: str, sent: list[httpx.Request]) -> Iterator[OpenAI]:
    """The ``openai`` SDK against the session gateway with the test module's own ``key``."""
    http = httpx.Client(event_hooks={"request": [sent.append]}, timeout=120)
    yield OpenAI(base_url=f"{gateway.base_url}/v1", api_key=key, max_retries=0, http_client=http)
    http.close()


from tests.detect_fixtures import detector  # noqa: E402,F401  (the session-wide real Detector)
