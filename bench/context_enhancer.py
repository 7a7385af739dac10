"""The context enhancer: Presidio's against ours, same detector, same prompts, in one run.

Usage: ``python -m bench.context_enhancer [--per-size 6] [--rounds 3]``

Presidio's ``LemmaContextAwareEnhancer`` deep-copies every result before it looks for context
words; ``FastLemmaContextAwareEnhancer`` copies only the results it raises. Both run alternately
on the same ``bench.prompts`` (no findings cache); the run counts prompts whose findings differ
and prints the time of each and their ratio.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

from bench.offline import go_offline


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.context_enhancer", description=__doc__.splitlines()[0])
    parser.add_argument("--per-size", type=int, default=6, help="prompts of each size")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    go_offline("bench.context_enhancer")
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    from bench.prompts import build_prompts
    from gateway.pipeline.detect import Detector
    from gateway.pipeline.nlp_engine import FastLemmaContextAwareEnhancer
    from gateway.types import Message

    detector = Detector(cache_entries=0)
    detector.prefilter.wait(120)
    analyzer = detector._analyzer  # the one AnalyzerEngine; its enhancer is swapped between runs
    ours = analyzer.context_aware_enhancer
    theirs = LemmaContextAwareEnhancer(
        context_prefix_count=ours.context_prefix_count, context_suffix_count=ours.context_suffix_count
    )
    assert isinstance(ours, FastLemmaContextAwareEnhancer)
    prompts = [[Message(0, "user", prompt)] for prompt in build_prompts(args.per_size)]

    def run(enhancer: object) -> tuple[float, list[object]]:
        analyzer.context_aware_enhancer = enhancer
        started = time.perf_counter()
        found = [detector.detect(prompt) for prompt in prompts]
        return time.perf_counter() - started, found

    run(ours)  # warm up
    differing = sum(a != b for a, b in zip(run(theirs)[1], run(ours)[1], strict=True))
    spent = {"presidio": 0.0, "ours": 0.0}
    for _ in range(args.rounds):
        spent["presidio"] += run(theirs)[0]
        spent["ours"] += run(ours)[0]
    analyzer.context_aware_enhancer = ours
    print(f"{len(prompts)} prompts x {args.rounds} rounds; prompts whose findings differ: {differing}")
    print(f"detection with Presidio's enhancer {spent['presidio']:.2f} s, with ours {spent['ours']:.2f} s: "
          f"{spent['presidio'] / spent['ours']:.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
