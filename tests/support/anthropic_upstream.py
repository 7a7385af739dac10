"""A real Anthropic-compatible HTTP server on loopback that records every request it receives.

It answers ``POST /v1/messages`` (whole or streamed, with the event sequence
Anthropic documents) and ``/v1/messages/count_tokens``. Asking for the model
``echo`` makes it answer with the last user text; ``echo-tool`` makes it call a
tool with that text as its input.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY_TEXT = "Hello from the Anthropic upstream."


def _last_text(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(b.get("text", "") for b in content if b.get("type") == "text")


def _content(body: dict[str, Any]) -> list[dict[str, Any]]:
    if body.get("model") == "echo-tool":
        return [{"type": "tool_use", "id": "toolu_1", "name": "record", "input": {"text": _last_text(body)}}]
    return [{"type": "text", "text": _last_text(body) if body.get("model") == "echo" else REPLY_TEXT}]


class RecordingAnthropicUpstream:
    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                with upstream._lock:
                    upstream.raw.append(raw)
                    upstream.paths.append(self.path)
                    upstream.headers.append({k.lower(): v for k, v in self.headers.items()})
                body = json.loads(raw)
                path = self.path.split("?")[0]  # Claude Code asks for /v1/messages?beta=true
                if path == "/v1/messages/count_tokens":
                    self._send(200, {"input_tokens": 42})
                elif path != "/v1/messages":
                    self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": "no"}})
                elif body.get("stream"):
                    self._stream(body)
                else:
                    self._send(200, message(body))

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                start = {**message(body), "content": [], "stop_reason": None}
                self._event("message_start", {"type": "message_start", "message": start})
                for index, block in enumerate(_content(body)):
                    if block["type"] == "text":
                        empty, field, kind, text = {"type": "text", "text": ""}, "text", "text_delta", block["text"]
                    else:
                        empty = {**block, "input": {}}
                        field, kind, text = "partial_json", "input_json_delta", json.dumps(block["input"])
                    self._event("content_block_start", {"type": "content_block_start", "index": index,
                                                        "content_block": empty})  # fmt: skip
                    for i in range(0, len(text), 4):  # 4 characters an event: placeholders are split
                        delta = {"type": kind, field: text[i : i + 4]}
                        self._event("content_block_delta", {"type": "content_block_delta", "index": index,
                                                            "delta": delta})  # fmt: skip
                    self._event("content_block_stop", {"type": "content_block_stop", "index": index})
                stop = "tool_use" if body.get("model") == "echo-tool" else "end_turn"
                self._event("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop,
                            "stop_sequence": None}, "usage": {"output_tokens": 3}})  # fmt: skip
                self._event("message_stop", {"type": "message_stop"})
                self.wfile.write(b"0\r\n\r\n")

            def _event(self, name: str, payload: dict[str, Any]) -> None:
                data = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> RecordingAnthropicUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self._lock:
            self.raw.clear()
            self.paths.clear()
            self.headers.clear()


def message(body: dict[str, Any]) -> dict[str, Any]:
    content = _content(body)
    return {
        "id": "msg_upstream",
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": "tool_use" if content[0]["type"] == "tool_use" else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 3},
    }
