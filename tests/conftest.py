"""Shared fixtures: a real loopback upstream and the real ``gateway serve`` process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.anthropic_upstream import RecordingAnthropicUpstream
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.support.upstream import RecordingUpstream


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


from tests.detect_fixtures import detector  # noqa: E402,F401  (the session-wide real Detector)
