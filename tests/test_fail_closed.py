"""Fail closed: a stage that fails refuses the request and nothing reaches the upstream.

The detector fault is a fake (a detector cannot be made to raise otherwise);
the audit-store and local-model faults are real: a table that is gone, and a
prompt longer than the local model's context window.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from gateway.app import create_app
from gateway.errors import Unavailable
from gateway.keys import create_key
from gateway.pipeline.detect_pool import DetectorPool
from gateway.pipeline.inspection import inspect_sync
from gateway.policy import Policy, load_policies
from gateway.services import build_services
from gateway.settings import BUNDLED_POLICY_DIR, Settings
from gateway.types import Finding, Message
from tests.support.inprocess import serving
from tests.support.upstream import RecordingUpstream

PATIENT = "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962, was admitted with chest pain."


class ExplodingDetector:
    def detect(self, messages: Sequence[Message]) -> list[Finding]:
        raise RuntimeError("detector crashed on 219-09-9999")


def settings_for(tmp_path: Path, upstream: RecordingUpstream, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path, upstream_url=upstream.url, **extra)


@pytest.fixture()
def fresh_upstream(upstream: RecordingUpstream) -> Iterator[RecordingUpstream]:
    upstream.clear()
    yield upstream


def chat(base: str, key: str, content: str) -> httpx.Response:
    return httpx.post(
        f"{base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": content}]},
        timeout=120,
    )


def records(settings: Settings) -> list[tuple[str, str, str | None]]:
    engine = create_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        result = conn.execute(text("SELECT status, decision, detail FROM audit_records")).fetchall()
    engine.dispose()
    return [tuple(row) for row in result]


def test_a_detector_that_raises_refuses_and_sends_nothing(tmp_path: Path, fresh_upstream: RecordingUpstream) -> None:
    settings = settings_for(tmp_path, fresh_upstream)
    services = build_services(settings, detector=ExplodingDetector())
    key = create_key(services.engine, "t", "general", [])
    with serving(create_app(services=services)) as base:
        for path, body in (
            ("/v1/chat/completions", {"model": "m", "messages": [{"role": "user", "content": "hello"}]}),
            ("/v1/inspect", {"input": "hello"}),
        ):
            response = httpx.post(f"{base}{path}", headers={"Authorization": f"Bearer {key}"}, json=body, timeout=60)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "detection_failed"
            assert "219-09-9999" not in response.text and "Traceback" not in response.text
    assert fresh_upstream.requests == []
    assert records(settings) == [("refused", "block", "detection_failed")] * 2


def test_an_audit_store_that_cannot_be_written_refuses_and_sends_nothing(
    tmp_path: Path, fresh_upstream: RecordingUpstream, detector: object
) -> None:
    settings = settings_for(tmp_path, fresh_upstream)
    services = build_services(settings, detector=detector)
    key = create_key(services.engine, "t", "general", [])
    with serving(create_app(services=services)) as base:
        assert chat(base, key, "Tell me a joke about compilers.").status_code == 200
        assert len(fresh_upstream.requests) == 1
        with services.engine.begin() as conn:
            conn.execute(text("ALTER TABLE audit_records RENAME TO audit_records_elsewhere"))
        refused = chat(base, key, "Tell me another joke about compilers.")
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "audit_unavailable"
        assert len(fresh_upstream.requests) == 1  # the second request never left


def test_a_prompt_over_the_local_window_is_refused_and_never_falls_back_to_the_cloud(
    tmp_path: Path, fresh_upstream: RecordingUpstream, detector: object
) -> None:
    settings = settings_for(tmp_path, fresh_upstream, local_model_context=256)
    services = build_services(settings, detector=detector)
    key = create_key(services.engine, "t", "healthcare", [])
    too_long = PATIENT + " History: " + "stable vitals, no complaints overnight. " * 80
    with serving(create_app(services=services)) as base:
        response = chat(base, key, too_long)
    # The client's to shorten (400, which SDKs do not retry), recorded once; never sent to the cloud.
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "context_length_exceeded"
    assert response.headers["x-gateway-route"] == "local"
    assert fresh_upstream.requests == []
    assert records(settings) == [("error", "route_local", "the prompt is longer than the local model's context window")]


_GENERAL = load_policies(BUNDLED_POLICY_DIR)["general"]


def _until_served(pool: DetectorPool, policy: Policy, messages: list[Message], action: str, failure: str) -> None:
    """Retry until the pool answers (it is refused meanwhile) with ``action``; at most 120 s."""
    deadline = time.monotonic() + 120
    while True:
        try:
            assert inspect_sync(pool, policy, messages).decision.action.value == action
            return
        except Unavailable:
            assert time.monotonic() < deadline, failure
            time.sleep(0.5)


def test_a_dead_detection_worker_refuses_the_request_and_the_pool_recovers() -> None:
    policy = _GENERAL
    messages = [Message(0, "user", "card 4111 1111 1111 1111")]
    pool = DetectorPool(1, Settings().spacy_model)
    try:
        assert inspect_sync(pool, policy, messages).decision.action.value == "block"
        (worker,) = pool._executor._processes  # noqa: SLF001  (the one worker process)
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(Unavailable) as refused:
            inspect_sync(pool, policy, messages)
        assert refused.value.code == "detection_failed"
        # The pool restarts in the background; until then requests are refused.
        _until_served(pool, policy, messages, "block", "the detection pool did not restart")
    finally:
        workers = list(pool._executor._processes)  # noqa: SLF001
        pool.close()
    assert not [pid for pid in workers if os.path.exists(f"/proc/{pid}")]


def test_a_hung_detection_worker_refuses_the_request_and_is_replaced() -> None:
    policy = _GENERAL
    # Real work that cannot finish in a microsecond: to the pool, a worker that hangs.
    messages = [Message(0, "user", "Dr. Maria Gonzalez reviewed the chart. " * 200)]
    pool = DetectorPool(1, Settings().spacy_model, timeout_s=1e-6)
    try:
        (first_worker,) = pool._executor._processes  # noqa: SLF001
        with pytest.raises(Unavailable) as refused:
            inspect_sync(pool, policy, messages)
        assert refused.value.code == "detection_failed"
        pool.timeout_s = 60.0
        _until_served(pool, policy, messages, "route_local", "the detection pool was not replaced")
        deadline = time.monotonic() + 10
        while os.path.exists(f"/proc/{first_worker}") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not os.path.exists(f"/proc/{first_worker}")  # the hung worker was killed
    finally:
        pool.close()
