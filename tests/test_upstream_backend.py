"""The cloud upstream client against a real HTTP server on loopback: replies, errors, streams, failures."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gateway.backends.base import BackendError, BackendReply
from gateway.backends.upstream import UpstreamBackend
from tests.support.server import free_port

Respond = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection this test cut on purpose, or a client that gave up waiting


class Upstream:
    """Answers every POST with ``respond``; keeps the bodies and headers it received."""

    def __init__(self, respond: Respond):
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                upstream.bodies.append(body)
                upstream.headers.append({k.lower(): v for k, v in self.headers.items()})
                respond(self, body)

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Respond], Upstream]]:
    started: list[Upstream] = []

    def start(respond: Respond) -> Upstream:
        started.append(Upstream(respond))
        return started[-1]

    yield start
    for upstream in started:
        upstream.close()


def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str = "application/json") -> None:
    handler.send_response(status)
    handler.send_header("content-type", content_type)
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _call(backend: UpstreamBackend, body: dict[str, Any], *, stream: bool = False) -> tuple[BackendReply, bytes]:
    """The reply and, for a stream, every byte of it (read to the end)."""

    async def run() -> tuple[BackendReply, bytes]:
        try:
            reply = await (backend.stream(body) if stream else backend.complete(body))
            received = b"".join([chunk async for chunk in reply.chunks]) if reply.chunks is not None else b""
            return reply, received
        finally:
            await backend.aclose()

    return asyncio.run(run())


BODY = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello"}]}


def test_a_reply_is_returned_with_the_key_and_the_model_alias(serve: Callable[[Respond], Upstream]) -> None:
    upstream = serve(lambda h, body: _send(h, 200, json.dumps({"id": "x", "model": body["model"]}).encode()))
    backend = UpstreamBackend(upstream.url + "/", "sk-upstream", aliases={"gpt-4o": "provider-model"})
    reply, _ = _call(backend, BODY)
    assert (reply.status_code, reply.body) == (200, {"id": "x", "model": "provider-model"})
    assert upstream.bodies == [{**BODY, "model": "provider-model"}]
    assert upstream.headers[0]["authorization"] == "Bearer sk-upstream"
    assert upstream.headers[0]["content-type"].startswith("application/json")


def test_an_error_status_is_a_reply_not_a_failure(serve: Callable[[Respond], Upstream]) -> None:
    error = {"error": {"message": "slow down", "type": "rate_limit_error"}}
    upstream = serve(lambda h, body: _send(h, 429, json.dumps(error).encode()))
    reply, _ = _call(UpstreamBackend(upstream.url), BODY)
    assert (reply.status_code, reply.body) == (429, error)


def test_a_body_that_is_not_json_becomes_a_clear_error(serve: Callable[[Respond], Upstream]) -> None:
    upstream = serve(lambda h, body: _send(h, 502, b"<html>bad gateway</html>", "text/html"))
    reply, _ = _call(UpstreamBackend(upstream.url), BODY)
    assert reply.status_code == 502
    assert reply.body is not None and reply.body["error"]["code"] == "upstream_bad_response"
    assert "HTTP 502" in reply.body["error"]["message"]


def _sse(handler: BaseHTTPRequestHandler, events: list[bytes], *, cut_after: int | None = None) -> None:
    handler.send_response(200)
    handler.send_header("content-type", "text/event-stream")
    handler.send_header("transfer-encoding", "chunked")
    handler.end_headers()
    for n, event in enumerate(events):
        if cut_after is not None and n == cut_after:
            handler.wfile.write(b"ff\r\npartial")  # a chunk that never ends: the connection drops mid-stream
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        handler.wfile.flush()
    handler.wfile.write(b"0\r\n\r\n")


EVENTS = [b'data: {"choices": [{"delta": {"content": "Hel"}}]}\n\n', b'data: {"choices": []}\n\n', b"data: [DONE]\n\n"]


def test_a_stream_is_passed_through_byte_for_byte(serve: Callable[[Respond], Upstream]) -> None:
    upstream = serve(lambda h, body: _sse(h, EVENTS))
    reply, received = _call(UpstreamBackend(upstream.url), {**BODY, "stream": True}, stream=True)
    assert reply.status_code == 200 and received == b"".join(EVENTS)


def test_a_stream_refused_by_the_upstream_is_an_error_reply(serve: Callable[[Respond], Upstream]) -> None:
    upstream = serve(lambda h, body: _send(h, 400, b'{"error": {"message": "bad model"}}'))
    reply, received = _call(UpstreamBackend(upstream.url), {**BODY, "stream": True}, stream=True)
    assert (reply.status_code, reply.body) == (400, {"error": {"message": "bad model"}})
    assert reply.chunks is None and received == b""


def test_a_stream_cut_by_the_upstream_raises(serve: Callable[[Respond], Upstream]) -> None:
    upstream = serve(lambda h, body: _sse(h, EVENTS, cut_after=1))
    with pytest.raises(BackendError, match="upstream stream failed"):
        _call(UpstreamBackend(upstream.url), {**BODY, "stream": True}, stream=True)


def test_an_unreachable_upstream_raises(unused_port: int) -> None:
    backend = UpstreamBackend(f"http://127.0.0.1:{unused_port}/v1")
    with pytest.raises(BackendError, match="upstream request failed: ClientConnectorError"):
        _call(backend, BODY)
    with pytest.raises(BackendError, match="upstream request failed"):
        _call(UpstreamBackend(f"http://127.0.0.1:{unused_port}/v1"), BODY, stream=True)


def test_an_upstream_slower_than_the_timeout_raises(serve: Callable[[Respond], Upstream]) -> None:
    release = threading.Event()
    upstream = serve(lambda h, body: (release.wait(10), _send(h, 200, b"{}")))
    try:
        with pytest.raises(BackendError, match="upstream request failed"):
            _call(UpstreamBackend(upstream.url, timeout_s=0.5), BODY)
    finally:
        release.set()


@pytest.fixture
def unused_port() -> int:
    return free_port()
