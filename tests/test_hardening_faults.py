"""The fault matrix's remaining rows (issue 12): the cloud upstream down, slow, answering garbage or cut
mid-stream, and the audit store full or read-only. Each answer is what its API promises or a clear
error, each record says what happened, and nothing is forwarded unaudited.

(The other rows: detector killed or hung and the audit table gone in test_fail_closed.py, the store
locked in test_hardening_timeouts.py, PostgreSQL killed or black-holed in
test_hardening_postgres_faults.py, the master key missing in test_hardening_keys.py, the local model
failing in test_local_servers.py and test_fail_closed.py, kill -9 in test_hardening_crash.py.)

Real parts: the real app on loopback with the real detector and SQLite; loopback servers that fail; the
store's own file system, a small tmpfs remounted read-only or filled up (needs root, as CI runs).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.keys import create_key
from gateway.services import build_services
from gateway.settings import Settings
from tests.support.databases import query
from tests.support.faults import black_hole
from tests.support.inprocess import serving
from tests.support.review import NoLocalModel
from tests.support.server import GATEWAY, free_port, gateway_env
from tests.support.upstream import RecordingUpstream

UPSTREAM_TIMEOUT_S = 1.5
SLACK_S = 4.0


class CuttingUpstream:
    """Answers a stream with one event, then closes the connection mid-body (no final chunk); a plain
    request gets ``garbage`` (a 200 whose body is not JSON)."""

    def __init__(self) -> None:
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
                server.requests += 1
                if not body.get("stream"):
                    data = b"<html>502 from a proxy that thinks it is fine</html>"
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                delta = {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {"content": "Hel"}}],
                }
                event = b"data: " + json.dumps(delta).encode() + b"\n\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)  # cut: no more chunks, no terminating one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def records(url: str) -> list[tuple[str, int | None, str | None]]:
    return query(url, "SELECT status, status_code, detail FROM audit_records")  # type: ignore[return-value]


def chat(base: str, key: str, *, stream: bool = False) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "Name a desert."}]},
        timeout=60,
    )
    return response, time.monotonic() - started


def gateway_at(data_dir: Path, upstream_url: str, detector: object, **extra: Any) -> tuple[Any, str]:
    settings = Settings(data_dir=data_dir, upstream_url=upstream_url, upstream_timeout_s=UPSTREAM_TIMEOUT_S, **extra)
    services = build_services(settings, detector=detector, local=NoLocalModel())  # type: ignore[arg-type]
    return services, create_key(services.engine, "app", "general", [])


@pytest.fixture()
def hung_upstream() -> Iterator[str]:
    with black_hole() as port:
        yield f"http://127.0.0.1:{port}/v1"


@pytest.fixture()
def cutting() -> Iterator[CuttingUpstream]:
    server = CuttingUpstream()
    yield server
    server.stop()


@pytest.mark.parametrize("fault", ["down", "slow"])
def test_an_upstream_down_or_slow_is_a_502_within_the_timeout_recorded_as_an_error(
    fault: str, tmp_path: Path, detector: object, request: pytest.FixtureRequest
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1" if fault == "down" else request.getfixturevalue("hung_upstream")
    services, key = gateway_at(tmp_path, url, detector)
    with serving(create_app(services=services)) as base:
        response, elapsed = chat(base, key)
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_failed", response.text
    assert elapsed < UPSTREAM_TIMEOUT_S + SLACK_S, elapsed
    [(status, code, _detail)] = records(services.settings.resolved_database_url)
    assert (status, code) == ("error", 502)


def test_upstream_garbage_is_a_502_and_a_stream_cut_midway_ends_with_an_error_event(
    tmp_path: Path, detector: object, cutting: CuttingUpstream
) -> None:
    services, key = gateway_at(tmp_path, cutting.url, detector)
    with serving(create_app(services=services)) as base:
        garbage, _ = chat(base, key)
        cut, _ = chat(base, key, stream=True)
    assert garbage.status_code == 502 and garbage.json()["error"]["code"] == "upstream_bad_response", garbage.text
    assert cut.status_code == 200  # the stream had begun
    assert "Hel" in cut.text and '"error"' in cut.text.split("Hel", 1)[1], cut.text  # the client is told
    rows = sorted(records(services.settings.resolved_database_url))
    assert [(status, code) for status, code, _ in rows] == [("error", 200), ("error", 502)], rows
    assert rows[0][2] is not None and rows[0][2].startswith("stream interrupted"), rows


@pytest.fixture()
def small_filesystem(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "store"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_an_audit_store_that_fills_up_refuses_and_forwards_nothing(
    tmp_path: Path, detector: object, small_filesystem: Path, upstream: RecordingUpstream
) -> None:
    url = f"sqlite:///{small_filesystem / 'audit.db'}"
    services, key = gateway_at(tmp_path, upstream.url, detector, database_url=url)
    with serving(create_app(services=services)) as base:
        assert chat(base, key)[0].status_code == 200
        deadline = time.monotonic() + 10  # its outcome is written just after the answer: let it land first
        while [status for status, _, _ in records(url)] != ["ok"] and time.monotonic() < deadline:
            time.sleep(0.05)
        upstream.clear()
        filler = small_filesystem / "filler"
        with filler.open("wb") as out:  # fill the file system to the last block
            try:
                while True:
                    out.write(b"\0" * 65536)
                    out.flush()
            except OSError:
                pass
        try:
            refusals = [chat(base, key) for _ in range(3)]
        finally:
            filler.unlink()
        for response, elapsed in refusals:
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "audit_unavailable", response.text
            assert elapsed < services.settings.sqlite_busy_timeout_s + SLACK_S, elapsed
        assert upstream.requests == []  # nothing forwarded unaudited
        response, _ = chat(base, key)
        assert response.status_code == 200, response.text  # and back once the store can be written
    assert [status for status, _, _ in records(url)] == ["ok", "ok"]


def test_an_audit_store_on_a_read_only_file_system_stops_start_up_in_one_line(
    tmp_path: Path, detector: object, small_filesystem: Path, upstream: RecordingUpstream
) -> None:
    """Linux will not remount a file system read-only while a file on it is open for writing, so the
    store turns read-only between two runs (a volume mounted read-only, ``errors=remount-ro`` after a
    disk error): the next start refuses, it does not serve requests it could not audit."""
    url = f"sqlite:///{small_filesystem / 'audit.db'}"
    services, key = gateway_at(tmp_path, upstream.url, detector, database_url=url)
    with serving(create_app(services=services)) as base:
        assert chat(base, key)[0].status_code == 200
    services.audit.close()
    services.engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(small_filesystem)], check=True)
    try:
        env = gateway_env(tmp_path, GATEWAY_DATABASE_URL=url, GATEWAY_DETECTION_WORKERS="0")
        result = subprocess.run(
            [GATEWAY, "serve", "--port", str(free_port())], env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_filesystem)], check=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("gateway cannot start: the audit store at sqlite:///") and "read" in last, last
    assert [status for status, _, _ in records(url)] == ["ok"]
