"""The local route through the gateway against the same llama.cpp server called directly, side by side.

Usage: ``python -m bench.local_servers [--rates 0.5 1 2] [--concurrency 1 4 16] [--duration 20] [--max-tokens 16]``

One ``python -m llama_cpp.server`` serves the bundled GGUF on loopback; a
``gateway serve`` uses it as its only local server (``GATEWAY_LOCAL_URLS``).
Patient prompts (kept local by the healthcare policy) are sent open loop at a
fixed rate, each request on its own thread, alternately through the gateway
and straight to the server, so both see the same load; consecutive requests
carry different prompts (llama.cpp reuses the previous prompt's evaluation,
which would favour whichever side came second). Reported per rate:
latency p50/p95, generated tokens per second, errors, and the gateway's added
latency as a share of the direct generation time (target: at most 5%).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from tests.support.local_servers import LlamaServer
from tests.support.server import GatewayProcess, free_port, gateway_env

PROMPTS = [
    "Patient Maria Gonzalez, MRN 00483921, DOB 03/14/1962, admitted with chest pain. Summarise.",
    "Discharge note for John Carter, MRN 55512034, seen on 2024-02-11 for a sprained ankle.",
    "Dr. Okafor asks for a referral letter for patient Ingrid Svensson, DOB 07/02/1958.",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _fire(url: str, headers: dict[str, str], body: dict[str, object], out: list[tuple[float, int, int]]) -> None:
    started = time.perf_counter()
    try:
        response = httpx.post(url, headers=headers, json=body, timeout=300)
        tokens = response.json().get("usage", {}).get("completion_tokens", 0) if response.status_code == 200 else 0
        out.append((time.perf_counter() - started, response.status_code, tokens))
    except httpx.HTTPError:
        out.append((time.perf_counter() - started, 0, 0))


def _body(n: int, max_tokens: int) -> dict[str, object]:
    return {"model": "gpt-4o", "max_tokens": max_tokens, "temperature": 0,
            "messages": [{"role": "user", "content": PROMPTS[n % len(PROMPTS)]}]}  # fmt: skip


def _run(rate: float, duration: float, targets: dict[str, tuple[str, dict[str, str]]], max_tokens: int) -> None:
    """Open loop: requests started at a fixed rate, each on its own thread, alternating sides."""
    results: dict[str, list[tuple[float, int, int]]] = {name: [] for name in targets}
    threads = []
    names = list(targets)
    started = time.perf_counter()
    n = 0
    while time.perf_counter() - started < duration:
        name = names[n % len(names)]
        url, headers = targets[name]
        thread = threading.Thread(target=_fire, args=(url, headers, _body(n, max_tokens), results[name]))
        thread.start()
        threads.append(thread)
        n += 1
        time.sleep(max(0.0, started + n / (rate * len(names)) - time.perf_counter()))
    for thread in threads:
        thread.join()
    _report(f"rate {rate:>4} req/s each", results)


def _closed(clients: int, duration: float, targets: dict[str, tuple[str, dict[str, str]]], max_tokens: int) -> None:
    """Closed loop: ``clients`` callers, each sending its next request when the last is answered, alternating sides
    (so both sides always see the same number of requests in flight)."""
    results: dict[str, list[tuple[float, int, int]]] = {name: [] for name in targets}
    names = list(targets)
    deadline = time.perf_counter() + duration

    def caller(index: int) -> None:
        n = index
        while time.perf_counter() < deadline:
            name = names[n % len(names)]
            url, headers = targets[name]
            _fire(url, headers, _body(n, max_tokens), results[name])
            n += 1

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _report(f"concurrency {clients:>2}", results)


def _report(label: str, results: dict[str, list[tuple[float, int, int]]]) -> None:
    p50 = {}
    for name, rows in results.items():
        ok = [r for r in rows if r[1] == 200]
        latencies = [r[0] for r in ok]
        tokens = sum(r[2] for r in ok) / max(sum(latencies), 1e-9)
        p50[name] = statistics.median(latencies) if latencies else float("nan")
        print(f"  {name:8} {label}: {len(ok)}/{len(rows)} ok, p50 {p50[name] * 1000:7.1f} ms, "
              f"p95 {_percentile(latencies, 0.95) * 1000:7.1f} ms, {tokens:5.1f} tokens/s per request")  # fmt: skip
    added = p50["gateway"] - p50["direct"]
    print(f"  added by the gateway at p50: {added * 1000:+.1f} ms ({added / p50['direct'] * 100:+.1f}% of generation)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="*", default=[0.5, 1.0, 2.0], help="requests/s to each side")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[], help="closed-loop callers, e.g. 1 4 16")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        server = LlamaServer(Path(tmp)).start()
        env = gateway_env(Path(tmp), GATEWAY_LOCAL_URLS=server.url, GATEWAY_LOCAL_MAX_CONCURRENCY="16")
        gateway = GatewayProcess(data_dir=Path(tmp), env=env, port=free_port()).start()
        try:
            key = gateway.create_key("bench", "healthcare")
            targets = {
                "gateway": (f"{gateway.base_url}/v1/chat/completions", {"Authorization": f"Bearer {key}"}),
                "direct": (f"{server.url}/chat/completions", {}),
            }
            for rate in args.rates:
                print(f"open loop, {args.duration:.0f} s, {args.max_tokens} tokens per answer:")
                _run(rate, args.duration, targets, args.max_tokens)
            for clients in args.concurrency:
                print(f"closed loop, {args.duration:.0f} s, {args.max_tokens} tokens per answer:")
                _closed(clients, args.duration, targets, args.max_tokens)
        finally:
            gateway.stop()
            server.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
