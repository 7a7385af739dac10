"""Serve an app built by the test (with parts it chose) on loopback, in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

from tests.support.server import free_port


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise AssertionError("the in-process gateway did not start")
        try:
            # Up once the lifespan has built the services (uvicorn accepts connections only then);
            # /readyz may honestly say 503 when a test hands in a failing part.
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise AssertionError("the in-process gateway did not become ready")
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
