"""Request ids and JSON log lines, in-process (fast): what is accepted, what a log line holds."""

from __future__ import annotations

import asyncio
import json
import logging
import sys

import httpx
import pytest

from gateway import request_id
from gateway.api.observe import Observe
from gateway.errors import install_handlers
from gateway.logs import JsonFormatter


@pytest.mark.parametrize(
    ("offered", "kept"),
    [
        ("abc-123", True),
        ("0f8c2b1e-9a7d-4c1b-8e2f-5a6b7c8d9e0f", True),
        ("trace.span:01_A", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("", False),
        (None, False),
        ("two words", False),
        ("id\r\nX-Injected: 1", False),
        ('{"json": 1}', False),
        ("caf\u00e9", False),
    ],
)
def test_a_client_request_id_is_kept_only_when_short_and_safe(offered: str | None, kept: bool) -> None:
    accepted = request_id.accept(offered)
    assert (accepted == offered) is kept
    if not kept:
        assert len(accepted) == 32 and accepted.isalnum()


def test_a_log_line_is_one_json_object_with_the_request_id_and_no_exception_text() -> None:
    logger = logging.getLogger("tests.json")
    token = request_id.bind("req-42")
    try:
        try:
            raise ValueError("secret value 219-09-9999 inside an exception")
        except ValueError:
            record = logger.makeRecord("tests.json", logging.ERROR, __file__, 1, "failed (%s)", ("x",), sys.exc_info())
        record.__dict__.update(status=503, color_message="\x1b[36mfailed\x1b[0m")
        line = JsonFormatter().format(record)
    finally:
        request_id.unbind(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["request_id"] == "req-42" and entry["message"] == "failed (x)" and entry["status"] == 503
    assert entry["error"] == "ValueError" and "219-09-9999" not in line and "color_message" not in entry


def test_an_unexpected_error_still_answers_with_the_request_id() -> None:
    from fastapi import FastAPI

    app = FastAPI()
    install_handlers(app)
    app.add_middleware(Observe)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("a value 4111 1111 1111 1111 must not leak")

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/boom", headers={"x-request-id": "r-boom"})

    reply = asyncio.run(call())
    assert reply.status_code == 503 and reply.headers["x-request-id"] == "r-boom"
    assert "4111" not in reply.text
