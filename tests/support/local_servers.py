"""Local model servers for the tests: llama-cpp-python's own OpenAI-compatible server, and misbehaving ones.

``LlamaServer`` runs ``python -m llama_cpp.server`` on the bundled GGUF, as a
site would run it (on loopback). ``FaultyServer`` answers in ways no real server
can be made to on demand: slowly, never, or with garbage.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from gateway.backends.local import bundled_model_path
from tests.support.server import free_port
from tests.support.upstream import completion

MODEL_ALIAS = "smollm2-on-prem"


class LlamaServer:
    def __init__(self, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.name = f"127.0.0.1:{self.port}"
        self._log = (log_dir / f"llama-server-{self.port}.log").open("wb")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LlamaServer:
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(bundled_model_path()), "--host",
                   "127.0.0.1", "--port", str(self.port), "--n_ctx", "2048", "--model_alias", MODEL_ALIAS]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("llama_cpp.server exited")
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise AssertionError("llama_cpp.server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class FaultyServer:
    """``mode``: ``slow`` (a right answer after ``delay`` seconds), ``hang`` (no answer), ``garbage``."""

    def __init__(self, mode: str, delay: float = 2.0) -> None:
        self.requests = 0
        self.bodies: list[dict[str, Any]] = []
        self._connections: set[socket.socket] = set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                server._connections.add(self.connection)

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._send(200, json.dumps({"object": "list", "data": [{"id": f"{mode}-model"}]}).encode())

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
                server.requests += 1
                server.bodies.append(body)
                if mode == "hang":
                    time.sleep(60)
                if mode == "garbage":
                    self._send(200, b"<html>not an answer</html>")
                    return
                time.sleep(delay)
                self._send(200, json.dumps(completion(body["model"], "slow but right")).encode())

            def _send(self, status: int, data: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.name = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Gone as a killed server is: kept-alive connections are cut too."""
        self.server.shutdown()
        self.server.server_close()
        for connection in list(self._connections):
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
