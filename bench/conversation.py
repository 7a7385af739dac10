"""Conversation cost: inspecting turn 1 against turn 40 when the client resends the whole history.

Usage: ``python -m bench.conversation [--turns 40] [--conversations 3] [--server]``

A conversation is a system prompt (about 1.5 KB), then user prompts of 200 to
1024 characters (``bench.prompts``, with regulated values) and assistant replies
of about 600 characters. At turn *t* the detector gets the system prompt and all
*t* user and *t - 1* assistant messages, as AI tools send them. Two detectors run
side by side, alternately: one with the findings cache (new content only) and
one without (everything rescanned every turn). Each conversation starts with an
empty cache, so turn 1 is always a cold scan.

``--server`` also sends each turn to a real ``gateway serve`` (``POST /v1/inspect``, SQLite audit
store, after ``--warmup`` seconds of warm-up), where each detection worker has a findings cache of its
own and turns go to whichever worker is free: the system prompt of each conversation is made its own
there, so its turn 1 is a cold scan too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence

from bench.prompts import _PROSE, prompt_of_size, sensitive_texts
from gateway.pipeline.detect import Detector
from gateway.types import Message

SYSTEM = (
    "You are a careful assistant for a regulated company. Answer concisely, cite the document you used, "
    "and never invent figures. When the user pastes a document, summarise it before answering. "
) * 8


def conversation(seed: int, turns: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    sensitive = sensitive_texts()
    roles: list[tuple[str, str]] = [("system", SYSTEM)]
    for turn in range(turns):
        if turn:
            roles.append(("assistant", " ".join(rng.sample(_PROSE, 3))[:600]))
        roles.append(("user", prompt_of_size(rng, rng.choice([200, 400, 1024]), sensitive)))
    return roles


def _turn(roles: list[tuple[str, str]], turn: int) -> list[Message]:
    """The messages sent at ``turn`` (1-based): system, then ``turn`` user messages."""
    end = 1 + 2 * turn - 1
    return [Message(i, role, text) for i, (role, text) in enumerate(roles[:end])]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--server", action="store_true", help="also through POST /v1/inspect of a running gateway")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds of server warm-up (with --server)")
    args = parser.parse_args(argv)
    if args.server:
        through_server(args.conversations, args.turns, args.warmup)
        print()

    cached = Detector()
    naive = Detector(cache_entries=0)
    costs: dict[str, dict[int, list[float]]] = {"cached": {}, "naive": {}}
    sizes: dict[int, list[int]] = {}
    for seed in range(args.conversations):
        roles = conversation(seed, args.turns)
        assert cached.cache is not None
        cached.cache.clear()
        for turn in range(1, args.turns + 1):
            messages = _turn(roles, turn)
            sizes.setdefault(turn, []).append(sum(len(m.text) for m in messages))
            for name, detector in (("cached", cached), ("naive", naive)):
                began = time.perf_counter()
                detector.detect(messages)
                costs[name].setdefault(turn, []).append(time.perf_counter() - began)

    def ms(name: str, turn: int) -> float:
        return 1000 * statistics.median(costs[name][turn])

    print(f"{args.conversations} conversations of {args.turns} turns; median over conversations; "
          f"cached and naive alternate per turn")  # fmt: skip
    print()
    print("| turn | chars sent | cached ms | naive (no cache) ms |")
    print("| ---: | ---: | ---: | ---: |")
    for turn in sorted({1, 2, 5, 10, 20, 30, args.turns}):
        if turn <= args.turns:
            chars = int(statistics.median(sizes[turn]))
            print(f"| {turn} | {chars} | {ms('cached', turn):.1f} | {ms('naive', turn):.1f} |")
    last = args.turns
    print()
    print(f"turn {last} / turn 1: cached {ms('cached', last) / ms('cached', 1):.2f}x, "
          f"naive {ms('naive', last) / ms('naive', 1):.2f}x")  # fmt: skip
    total = {name: sum(sum(v) for v in by_turn.values()) for name, by_turn in costs.items()}
    print(f"whole conversation: cached {1000 * total['cached'] / args.conversations:.0f} ms, "
          f"naive {1000 * total['naive'] / args.conversations:.0f} ms per conversation")  # fmt: skip
    return 0


def through_server(conversations: int, turns: int, warmup: float) -> None:
    """Turn 1 against turn ``turns`` through ``POST /v1/inspect`` of a real server (its detection workers' caches)."""
    import httpx

    from bench.serving import gateway

    costs: dict[int, list[float]] = {}
    with gateway(None, workers=1, policy="general") as gw, httpx.Client(timeout=120) as client:
        headers = {"Authorization": f"Bearer {gw.key}"}

        def post(messages: list[Message]) -> None:
            body = {"messages": [{"role": m.role, "content": m.text} for m in messages]}
            response = client.post(f"{gw.base_url}/v1/inspect", json=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"/v1/inspect answered {response.status_code}: {response.text[:200]}")

        ends, number = time.monotonic() + warmup, 0
        while time.monotonic() < ends:  # texts of their own: the conversations' stay first sights
            post([Message(0, "user", f"warm-up {number}: " + prompt_of_size(random.Random(number), 1024, []))])
            number += 1
        for seed in range(conversations):
            roles = conversation(seed, turns)
            roles[0] = ("system", f"[conversation {seed}] {roles[0][1]}")
            for turn in range(1, turns + 1):
                began = time.perf_counter()
                post(_turn(roles, turn))
                costs.setdefault(turn, []).append(time.perf_counter() - began)

    def ms(turn: int) -> float:
        return 1000 * statistics.median(costs[turn])

    print(f"through gateway serve (POST /v1/inspect, one request at a time), {conversations} conversations of {turns} "
          "turns; median over conversations")  # fmt: skip
    print()
    print("| turn | server ms |")
    print("| ---: | ---: |")
    for turn in sorted({1, 2, 5, 10, 20, 30, turns}):
        if turn <= turns:
            print(f"| {turn} | {ms(turn):.1f} |")
    print()
    print(f"through the server, turn {turns} / turn 1: {ms(turns) / ms(1):.2f}x")


if __name__ == "__main__":
    raise SystemExit(main())
