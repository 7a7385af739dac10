"""Start the real ``gateway serve`` and the upstream stub as subprocesses, for the HTTP benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

GATEWAY = str(Path(sys.executable).parent / "gateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes], timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def stub_upstream() -> Iterator[str]:
    """Base URL (``.../v1``) of a running ``bench.stub_upstream``."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "bench.stub_upstream", "--port", str(port)])
    try:
        _wait(f"http://127.0.0.1:{port}/", process)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        _stop(process)


@dataclass(frozen=True)
class RunningGateway:
    base_url: str
    key: str
    data_dir: Path


@contextmanager
def gateway(upstream_url: str | None, *, workers: int, policy: str = "general") -> Iterator[RunningGateway]:
    """``gateway serve --workers N`` on a fresh data directory (SQLite audit store), with a new client key."""
    with tempfile.TemporaryDirectory(prefix="gw-bench-") as tmp:
        data_dir = Path(tmp)
        env = {**os.environ, "GATEWAY_DATA_DIR": str(data_dir), "GATEWAY_UPSTREAM_URL": upstream_url or ""}
        created = subprocess.run(
            [GATEWAY, "keys", "create", "--name", "bench", "--policy", policy],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        port = free_port()
        log = (data_dir / "serve.log").open("wb")
        process = subprocess.Popen(
            [GATEWAY, "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait(f"http://127.0.0.1:{port}/readyz", process)
            yield RunningGateway(f"http://127.0.0.1:{port}", key, data_dir)
        finally:
            _stop(process)
            log.close()
