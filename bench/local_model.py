"""Local model through the gateway against llama-cpp-python called directly, streaming and not.

Usage: ``python -m bench.local_model [--rounds 5] [--max-tokens 64]``

Direct: ``llama_cpp.Llama`` on the bundled SmolLM2 GGUF with the gateway's own
settings (context 2048, default threads), in this process. Through the gateway:
``gateway serve`` (one worker, no upstream, so allowed traffic is served by the
local model) over loopback HTTP. The same clean prompt (decision ``allow``),
temperature 0 and seed, alternating direct and gateway each round. Reported:
time to first token (streaming), total time and completion tokens per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

import httpx

from bench.serving import gateway
from gateway.backends.local import bundled_model_path

PROMPT = "Write three short sentences about how tides work."


def _body(max_tokens: int, stream: bool) -> dict[str, Any]:
    return {
        "model": "local",
        "messages": [{"role": "user", "content": PROMPT}],
        "max_tokens": max_tokens,
        "temperature": 0.0,
        "seed": 7,
        "stream": stream,
    }


def _direct(llama: Any, max_tokens: int, stream: bool) -> tuple[float, float, int]:
    """(first token s, total s, completion tokens)."""
    body = _body(max_tokens, stream)
    body.pop("model")
    began = time.perf_counter()
    if not stream:
        result = llama.create_chat_completion(**body)
        total = time.perf_counter() - began
        return total, total, result["usage"]["completion_tokens"]
    first, tokens = 0.0, 0
    for chunk in llama.create_chat_completion(**body):
        if chunk["choices"][0]["delta"].get("content"):
            tokens += 1
            first = first or time.perf_counter() - began
    return first, time.perf_counter() - began, tokens


def _through(client: httpx.Client, url: str, key: str, max_tokens: int, stream: bool) -> tuple[float, float, int]:
    headers = {"Authorization": f"Bearer {key}"}
    began = time.perf_counter()
    if not stream:
        response = client.post(url, json=_body(max_tokens, False), headers=headers)
        total = time.perf_counter() - began
        response.raise_for_status()
        assert response.headers["x-gateway-route"] == "local"
        return total, total, response.json()["usage"]["completion_tokens"]
    first, tokens = 0.0, 0
    with client.stream("POST", url, json=_body(max_tokens, True), headers=headers) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if chunk.get("choices") and chunk["choices"][0]["delta"].get("content"):
                tokens += 1
                first = first or time.perf_counter() - began
    return first, time.perf_counter() - began, tokens


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args(argv)

    from llama_cpp import Llama

    llama = Llama(model_path=str(bundled_model_path()), n_ctx=2048, verbose=False)
    rows: dict[tuple[str, bool], list[tuple[float, float, int]]] = {}
    with gateway(None, workers=1) as gw, httpx.Client(timeout=300) as client:
        url = f"{gw.base_url}/v1/chat/completions"
        for stream in (False, True):  # warm up both
            _direct(llama, 8, stream)
            _through(client, url, gw.key, 8, stream)
        for _ in range(args.rounds):
            for stream in (False, True):
                rows.setdefault(("direct", stream), []).append(_direct(llama, args.max_tokens, stream))
                rows.setdefault(("gateway", stream), []).append(_through(client, url, gw.key, args.max_tokens, stream))
    llama.close()

    def med(name: str, stream: bool, field: int) -> float:
        return statistics.median(r[field] for r in rows[(name, stream)])

    print(f"SmolLM2-135M Q4_1, max_tokens {args.max_tokens}, temperature 0, {args.rounds} rounds, medians")
    print()
    print("| mode | direct first token ms | gateway first token ms | direct total ms | gateway total ms | "
          "direct tok/s | gateway tok/s | gateway added to generation time |")  # fmt: skip
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for stream in (False, True):
        d_total, g_total = med("direct", stream, 1), med("gateway", stream, 1)
        d_tokens, g_tokens = med("direct", stream, 2), med("gateway", stream, 2)
        first = (f"{1000 * med('direct', stream, 0):.0f} | {1000 * med('gateway', stream, 0):.0f}" if stream
                 else "- | -")  # fmt: skip
        mode = "stream" if stream else "non-stream"
        added = 100 * (g_total / d_total - 1)
        print(f"| {mode} | {first} | {1000 * d_total:.0f} | {1000 * g_total:.0f} | "
              f"{d_tokens / d_total:.1f} | {g_tokens / g_total:.1f} | {added:+.1f}% |")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
