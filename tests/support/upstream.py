"""A real OpenAI-compatible HTTP server on loopback that records every request it receives.

Tests point the gateway at it as the cloud upstream, then assert on what did
(and did not) reach the cloud.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY_TEXT = "Hello from the cloud upstream."
ECHO_MODEL = "echo"  # asking for this model makes the upstream answer with the last message's text
# Asking for this model makes the upstream call a tool with the last message's text as its argument.
TOOL_ECHO_MODEL = "echo-tool"


def reply_text(body: dict[str, Any]) -> str:
    if body.get("model") in (ECHO_MODEL, TOOL_ECHO_MODEL):
        return str(body["messages"][-1]["content"])
    return REPLY_TEXT


class RecordingUpstream:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                raw = self.rfile.read(length)
                with upstream._lock:
                    upstream.raw.append(raw)
                    upstream.headers.append(dict(self.headers))
                    upstream.paths.append(self.path)
                    body = json.loads(raw)
                    upstream.requests.append(body)
                if self.path in OTHER_APIS:
                    self._other(body)
                elif self.path != "/v1/chat/completions":
                    self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                elif body.get("stream"):
                    self._stream(body)
                elif body.get("model") == TOOL_ECHO_MODEL:
                    self._send(200, tool_completion(body["model"], reply_text(body)))
                else:
                    self._send(200, completion(body["model"], reply_text(body)))

            def _other(self, body: dict[str, Any]) -> None:
                """Responses, embeddings and legacy completions, whole or (Responses) streamed."""
                if self.path == "/v1/responses" and body.get("stream"):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("transfer-encoding", "chunked")
                    self.end_headers()
                    for name, payload in response_events(body):
                        data = f"event: {name}\ndata: {json.dumps(payload)}\n\n".encode()
                        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self._send(200, OTHER_APIS[self.path](body))

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
                if body.get("model") == TOOL_ECHO_MODEL:
                    self._stream_tool_call(body)
                    return
                for i, piece in enumerate(pieces(body)):
                    delta = {"content": piece}
                    if i == 0:
                        delta["role"] = "assistant"
                    self._chunk(json.dumps(chunk(body["model"], delta, None)))
                self._chunk(json.dumps(chunk(body["model"], {}, "stop")))
                self._chunk("[DONE]")
                self.wfile.write(b"0\r\n\r\n")

            def _stream_tool_call(self, body: dict[str, Any]) -> None:
                arguments = tool_arguments(reply_text(body))
                first = {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "record", "arguments": ""},
                        }
                    ],
                }
                self._chunk(json.dumps(chunk(body["model"], first, None)))
                for i in range(0, len(arguments), 4):  # 4 characters a chunk: placeholders are split
                    delta = {"tool_calls": [{"index": 0, "function": {"arguments": arguments[i : i + 4]}}]}
                    self._chunk(json.dumps(chunk(body["model"], delta, None)))
                self._chunk(json.dumps(chunk(body["model"], {}, "tool_calls")))
                self._chunk("[DONE]")
                self.wfile.write(b"0\r\n\r\n")

            def _chunk(self, payload: str) -> None:
                data = f"data: {payload}\n\n".encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> RecordingUpstream:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.raw.clear()
            self.headers.clear()
            self.paths.clear()


def pieces(body: dict[str, Any]) -> list[str]:
    """How a streamed answer is cut: by words, or for the echo model in 4-character pieces
    (so that a placeholder is split across chunks)."""
    text = reply_text(body)
    if body.get("model") == ECHO_MODEL:
        return [text[i : i + 4] for i in range(0, len(text), 4)]
    words = text.split(" ")
    return [word + (" " if i < len(words) - 1 else "") for i, word in enumerate(words)]


def completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-upstream",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def tool_arguments(text: str) -> str:
    return json.dumps({"text": text})


def tool_completion(model: str, text: str) -> dict[str, Any]:
    """A completion that calls the tool ``record`` with ``text``."""
    call = {"id": "call_1", "type": "function", "function": {"name": "record", "arguments": tool_arguments(text)}}
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {**completion(model, ""), "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}]}


def chunk(model: str, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-upstream",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _input_text(body: dict[str, Any]) -> str:
    value = body.get("input")
    if isinstance(value, str):
        return value
    last = value[-1] if value else {}
    content = last.get("content", last.get("output", ""))
    return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)


def response_object(body: dict[str, Any]) -> dict[str, Any]:
    text = _input_text(body) if body.get("model") == ECHO_MODEL else REPLY_TEXT
    item = {"type": "message", "id": "msg_up", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
    return {"id": "resp_up", "object": "response", "created_at": int(time.time()), "status": "completed",
            "model": body["model"], "output": [item], "usage": {"input_tokens": 1, "output_tokens": 1,
            "total_tokens": 2}}  # fmt: skip


def response_events(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    done = response_object(body)
    text = done["output"][0]["content"][0]["text"]
    start = {**done, "status": "in_progress", "output": []}
    item = {**done["output"][0], "status": "in_progress", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    events = [
        ("response.created", {"type": "response.created", "response": start}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0, "item": item}),
        ("response.content_part.added", {"type": "response.content_part.added", "item_id": "msg_up",
                                         "output_index": 0, "content_index": 0, "part": part}),
    ]  # fmt: skip
    events += [
        ("response.output_text.delta", {"type": "response.output_text.delta", "item_id": "msg_up", "output_index": 0,
                                        "content_index": 0, "delta": text[i : i + 4]})
        for i in range(0, len(text), 4)
    ]  # fmt: skip
    events.append(("response.output_text.done", {"type": "response.output_text.done", "item_id": "msg_up",
                                                 "output_index": 0, "content_index": 0, "text": text}))  # fmt: skip
    events.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                                 "item": done["output"][0]}))  # fmt: skip
    events.append(("response.completed", {"type": "response.completed", "response": done}))
    return [(name, {**payload, "sequence_number": n}) for n, (name, payload) in enumerate(events, start=1)]


def embedding_list(body: dict[str, Any]) -> dict[str, Any]:
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(len(inputs))]
    return {"object": "list", "data": data, "model": body["model"], "usage": {"prompt_tokens": 1, "total_tokens": 1}}


def text_completion(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": "cmpl-up", "object": "text_completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "text": REPLY_TEXT, "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}  # fmt: skip


OTHER_APIS = {"/v1/responses": response_object, "/v1/embeddings": embedding_list, "/v1/completions": text_completion}
