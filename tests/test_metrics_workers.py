"""``gateway serve --workers 2``: every scrape counts the requests of both worker processes."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.server import GatewayProcess, free_port, gateway_env


def _inspect_count(text: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith("gateway_requests_total{") and 'endpoint="inspect"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_add_up_over_worker_processes(tmp_path: Path) -> None:
    env = gateway_env(tmp_path, GATEWAY_DETECTION_WORKERS="0")
    gateway = GatewayProcess(data_dir=tmp_path, env=env, port=free_port())
    key = gateway.create_key("workers", "general")
    gateway.start("--workers", "2")
    try:
        sent, pids = 0, set()

        def one(number: int) -> None:
            reply = httpx.post(
                f"{gateway.base_url}/v1/inspect",
                json={"input": "Nothing regulated in here."},
                headers={"authorization": f"Bearer {key}", "x-request-id": f"w-{number}", "connection": "close"},
                timeout=60,
            )
            assert reply.status_code == 200

        with ThreadPoolExecutor(16) as pool:  # bursts of concurrent connections, until both workers took some
            while sent < 320 and len(pids) < 2:
                list(pool.map(one, range(sent, sent + 32)))
                sent += 32
                pids = {
                    entry["pid"]
                    for entry in map(json.loads, gateway.log().splitlines())
                    if entry.get("logger") == "gateway.access" and re.fullmatch(r"w-\d+", entry.get("request_id", ""))
                }
        assert len(pids) == 2, "both workers served requests"
        scrapes = [httpx.get(f"{gateway.base_url}/metrics", headers={"connection": "close"}).text for _ in range(6)]
        assert [_inspect_count(text) for text in scrapes] == [float(sent)] * 6
        assert list((tmp_path / "metrics").glob("counter_*.db"))
    finally:
        gateway.stop()
