"""The local route on real on-premise model servers (``GATEWAY_LOCAL_URLS``): balance, failover, capacity.

Two instances of llama-cpp-python's own server serve the bundled model; the
gateway spreads patient prompts over them, survives one being killed and
refuses when both are, and never reaches the recording cloud upstream.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.settings import BUNDLED_POLICY_DIR
from tests.support.local_servers import MODEL_ALIAS, FaultyServer, LlamaServer
from tests.support.server import GatewayProcess, free_port, gateway_env
from tests.support.upstream import RecordingUpstream

PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962: summarise in one line."


def _gateway(tmp: Path, upstream: RecordingUpstream, urls: list[str], **env: str) -> GatewayProcess:
    settings = dict(GATEWAY_UPSTREAM_URL=upstream.url, GATEWAY_LOCAL_URLS=",".join(urls),
                    GATEWAY_DETECTION_WORKERS="1", **env)  # fmt: skip
    return GatewayProcess(data_dir=tmp, env=gateway_env(tmp, **settings), port=free_port()).start()


def _chat(gateway: GatewayProcess, key: str, text: str = PATIENT, **extra: object) -> httpx.Response:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": text}], "max_tokens": 4, **extra}
    return httpx.post(
        f"{gateway.base_url}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=120
    )


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[LlamaServer]]:
    log_dir = tmp_path_factory.mktemp("llama-servers")
    started = [LlamaServer(log_dir).start(), LlamaServer(log_dir).start()]
    yield started
    for server in started:
        server.kill()


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, servers: list[LlamaServer], upstream: RecordingUpstream
) -> Iterator[tuple[GatewayProcess, str]]:
    gateway = _gateway(tmp_path_factory.mktemp("site"), upstream, [s.url for s in servers])
    yield gateway, gateway.create_key("ward", "healthcare")
    gateway.stop()


def test_requests_are_spread_over_the_servers_and_carry_their_names(
    site: tuple[GatewayProcess, str], servers: list[LlamaServer], upstream: RecordingUpstream
) -> None:
    gateway, key = site
    upstream.clear()
    answered = []
    for _ in range(4):
        response = _chat(gateway, key)
        assert response.status_code == 200, response.text
        assert response.headers["x-gateway-route"] == "local"
        body = response.json()
        assert body["model"] == MODEL_ALIAS and body["usage"]["completion_tokens"] >= 1
        answered.append(response.headers["x-gateway-local-server"])
    assert set(answered) == {s.name for s in servers}
    ready = httpx.get(f"{gateway.base_url}/readyz").json()
    assert ready["local_servers"] == {s.name: True for s in servers}
    assert upstream.raw == []
    with sqlite3.connect(gateway.data_dir / "audit.db") as conn:  # the record names the server too
        [[detail]] = conn.execute(
            "SELECT detail FROM audit_records WHERE id = ?", (response.headers["x-gateway-audit-id"],)
        )
    assert detail == f"answered by local server {answered[-1]}"


def test_streams_pass_through_from_the_local_server(site: tuple[GatewayProcess, str]) -> None:
    gateway, key = site
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": PATIENT}], "max_tokens": 4, "stream": True,
            "stream_options": {"include_usage": True}}  # fmt: skip
    with httpx.stream("POST", f"{gateway.base_url}/v1/chat/completions", json=body, timeout=120,
                      headers={"Authorization": f"Bearer {key}"}) as stream:  # fmt: skip
        events = [line for line in stream.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    chunks = [json.loads(e[6:]) for e in events[:-1]]
    assert chunks and all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def test_a_prompt_over_the_window_is_a_400_recorded_once(site: tuple[GatewayProcess, str]) -> None:
    gateway, key = site
    response = _chat(gateway, key, text=PATIENT + " Please review it." * 1500)
    assert response.status_code == 400 and response.json()["error"]["code"] == "context_length_exceeded"
    with sqlite3.connect(gateway.data_dir / "audit.db") as conn:
        [[status, code]] = conn.execute(
            "SELECT status, status_code FROM audit_records WHERE id = ?", (response.headers["x-gateway-audit-id"],)
        )
    assert (status, code) == ("error", 400)


def test_one_server_down_the_other_answers_both_down_refused(
    site: tuple[GatewayProcess, str], servers: list[LlamaServer], upstream: RecordingUpstream
) -> None:
    gateway, key = site
    upstream.clear()
    servers[0].kill()
    for _ in range(3):
        response = _chat(gateway, key)
        assert response.status_code == 200 and response.headers["x-gateway-local-server"] == servers[1].name
    ready = httpx.get(f"{gateway.base_url}/readyz")
    assert ready.status_code == 200 and ready.json()["local_servers"] == {servers[0].name: False, servers[1].name: True}
    servers[1].kill()
    response = _chat(gateway, key)
    assert response.status_code == 503 and response.json()["error"]["code"] == "local_unavailable"
    assert httpx.get(f"{gateway.base_url}/readyz").status_code == 503
    clean = _chat(gateway, key, text="Write a haiku about autumn.")  # allowed traffic still goes to the cloud
    assert clean.status_code == 200 and clean.headers["x-gateway-route"] == "upstream"
    assert [json.loads(raw)["messages"][0]["content"] for raw in upstream.raw] == ["Write a haiku about autumn."]


def test_garbage_and_hanging_servers_are_refused_not_sent_to_the_cloud(
    tmp_path: Path, upstream: RecordingUpstream
) -> None:
    garbage, hang = FaultyServer("garbage"), FaultyServer("hang")
    gateway = _gateway(tmp_path, upstream, [garbage.url, hang.url], GATEWAY_LOCAL_TIMEOUT_S="2")
    try:
        key = gateway.create_key("ward", "healthcare")
        upstream.clear()
        started = time.monotonic()
        response = _chat(gateway, key)
        assert response.status_code == 503 and response.json()["error"]["code"] == "local_unavailable"
        assert time.monotonic() - started < 20
        assert garbage.requests == 1 and hang.requests == 1 and upstream.raw == []
    finally:
        gateway.stop()
        garbage.stop()
        hang.stop()


def test_parameters_pass_through_to_the_local_server(tmp_path: Path, upstream: RecordingUpstream) -> None:
    recording = FaultyServer("slow", delay=0.0)
    gateway = _gateway(tmp_path, upstream, [recording.url])
    try:
        key = gateway.create_key("ward", "healthcare")
        tools = [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}]
        extra = {"n": 2, "response_format": {"type": "json_object"}, "tools": tools, "seed": 7}
        response = _chat(gateway, key, **extra)
        assert response.status_code == 200 and response.headers["x-gateway-local-server"] == recording.name
        [sent] = recording.bodies
        assert {k: sent[k] for k in extra} == extra and sent["max_tokens"] == 4
        assert sent["model"] == "slow-model"  # the server's own model id, from its GET /models
    finally:
        gateway.stop()
        recording.stop()


def test_over_capacity_is_a_429_with_retry_after(tmp_path: Path, upstream: RecordingUpstream) -> None:
    slow = FaultyServer("slow", delay=3.0)
    gateway = _gateway(tmp_path, upstream, [slow.url], GATEWAY_LOCAL_MAX_CONCURRENCY="1", GATEWAY_LOCAL_QUEUE="0")
    try:
        key = gateway.create_key("ward", "healthcare")
        first: list[httpx.Response] = []
        holder = threading.Thread(target=lambda: first.append(_chat(gateway, key)))
        holder.start()
        deadline = time.monotonic() + 10
        while slow.requests == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        second = _chat(gateway, key)
        assert second.status_code == 429 and int(second.headers["retry-after"]) >= 1
        holder.join()
        assert first[0].status_code == 200 and first[0].json()["choices"][0]["message"]["content"] == "slow but right"
    finally:
        gateway.stop()
        slow.stop()


def test_a_policy_names_the_model_that_answers_it(tmp_path: Path, upstream: RecordingUpstream) -> None:
    """``local_model`` in healthcare: only that model's server answers it, and with it down, 503; others go anywhere."""
    clinical, general = FaultyServer("slow", delay=0.0), FaultyServer("slow", delay=0.0)
    policies = tmp_path / "policies"
    shutil.copytree(BUNDLED_POLICY_DIR, policies)
    healthcare = policies / "healthcare.yaml"
    healthcare.write_text(healthcare.read_text() + "\nlocal_model: clinical-70b\n")
    models = {clinical.name: "clinical-70b", general.name: "general-8b"}
    (tmp_path / "site").mkdir()
    gateway = _gateway(tmp_path / "site", upstream, [general.url, clinical.url], GATEWAY_POLICY_DIR=str(policies),
                       GATEWAY_LOCAL_MODELS=json.dumps(models))  # fmt: skip
    try:
        ward, bank = gateway.create_key("ward", "healthcare"), gateway.create_key("bank", "finance")
        upstream.clear()
        for _ in range(3):
            response = _chat(gateway, ward)
            assert response.status_code == 200 and response.headers["x-gateway-local-server"] == clinical.name
            assert response.json()["model"] == "clinical-70b"
        assert [body["model"] for body in clinical.bodies] == ["clinical-70b"] * 3 and general.bodies == []
        iban = "Move the balance of IBAN DE89 3704 0044 0532 0130 00 to savings."  # finance keeps it local
        answered = [_chat(gateway, bank, text=iban).headers["x-gateway-local-server"] for _ in range(6)]
        assert set(answered) == {clinical.name, general.name}  # no model of its own: any server, balanced
        before = len(general.bodies)
        clinical.stop()
        response = _chat(gateway, ward)
        assert response.status_code == 503 and response.json()["error"]["code"] == "local_unavailable"
        assert len(general.bodies) == before and upstream.raw == []  # never the other model, never the cloud
    finally:
        gateway.stop()
        general.stop()
