"""OpenTelemetry traces (``GATEWAY_OTEL_ENDPOINT``): spans reach a real OTLP/HTTP receiver on loopback,
nested per request, carrying the request id and the decision, and no value from the request."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.support.server import GatewayProcess, free_port, gateway_env

PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962: draft a discharge summary."
PLANTED = ("Maria", "Gonzalez", "00483921", "03/14/1962")


class Receiver(BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["content-length"]))
        type(self).bodies.append(body)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def receiver() -> Iterator[str]:
    Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    server.shutdown()


def _spans() -> list[dict[str, Any]]:
    spans = []
    for body in Receiver.bodies:
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    attributes = {}
                    for kv in span.attributes:
                        value = kv.value
                        kind = value.WhichOneof("value")
                        attributes[kv.key] = (
                            [v.string_value for v in value.array_value.values]
                            if kind == "array_value"
                            else getattr(value, kind)
                        )
                    spans.append(
                        {"name": span.name, "id": span.span_id, "parent": span.parent_span_id, "trace": span.trace_id,
                         "attributes": attributes}
                    )  # fmt: skip
    return spans


def test_each_request_is_a_trace_of_its_stages(tmp_path: Path, receiver: str) -> None:
    env = gateway_env(
        tmp_path, GATEWAY_OTEL_ENDPOINT=receiver, GATEWAY_DETECTION_WORKERS="0", OTEL_BSP_SCHEDULE_DELAY="100"
    )
    gateway = GatewayProcess(data_dir=tmp_path, env=env, port=free_port())
    key = gateway.create_key("traced", "healthcare")
    gateway.start()
    try:
        reply = httpx.post(
            f"{gateway.base_url}/v1/chat/completions",
            json={"model": "gpt-4o", "max_tokens": 4, "messages": [{"role": "user", "content": PATIENT}]},
            headers={"authorization": f"Bearer {key}", "x-request-id": "trace-me-1"},
            timeout=120,
        )
        assert reply.status_code == 200 and reply.headers["x-gateway-decision"] == "route_local"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            request = [s for s in _spans() if s["attributes"].get("gateway.request_id") == "trace-me-1"]
            if request:
                break
            time.sleep(0.2)
    finally:
        gateway.stop()  # flushes what is pending
    spans = _spans()
    (root,) = [s for s in spans if s["attributes"].get("gateway.request_id") == "trace-me-1"]
    assert root["name"] == "gateway.request"
    assert root["attributes"]["http.route"] == "/v1/chat/completions"
    assert root["attributes"]["gateway.decision"] == "route_local" and root["attributes"]["gateway.route"] == "local"
    assert root["attributes"]["http.response.status_code"] == 200
    children = {s["name"]: s for s in spans if s["parent"] == root["id"]}
    assert {"gateway.inspect", "gateway.audit", "gateway.route"} <= set(children)
    assert all(child["trace"] == root["trace"] for child in children.values())
    inspect = children["gateway.inspect"]["attributes"]
    assert inspect["gateway.findings"] >= 3 and "MEDICAL_RECORD_NUMBER" in inspect["gateway.entity_types"]
    raw = b"".join(Receiver.bodies)
    for value in PLANTED:
        assert value.encode() not in raw, value
