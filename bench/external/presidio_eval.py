"""Detection on Presidio's evaluation material: ours and vanilla Presidio side by side, in one run.

Usage: ``python -m bench.external.presidio_eval [--seeds 1 2 3] [--per-seed 400] [--part generator|tables|both]
[--show-misses] [--no-vanilla]``

(a) ``generator``: ``presidio-evaluator``'s ``PresidioSentenceFaker`` (pinned in the ``bench-external``
extra) builds labelled sentences from its shipped templates and fake person records, once per seed.
It would reach for the network (a WikiData query for hospital names) and for the wall clock (Faker's
dates end "now"), so this runner refuses every outbound connection and name lookup (the generator
then falls back to its built-in hospital list, as it does offline anywhere) and pins "now" to
``FROZEN_NOW``; Faker, ``random`` and numpy are seeded before the fake person records are built.
Its labels (the templates' Faker tags) are mapped to our entity types (``RAW_TO_OURS``: its
``date_of_birth`` tag, which it files under ``DATE_TIME``, is our ``DATE_OF_BIRTH``); the tags that
name none of our types (cities, organisations, ages, ...) are reported apart and are not gold.
The generator lower-cases about 5 % of its sentences (``lower_case_ratio``) into the sample's
``fake`` attribute; that text is the one scored (its ``full_text`` keeps the original case).

Scoring is ``bench.scoring``'s: a finding is a true positive when it overlaps a gold span of the
same type; every other finding is a false positive (strict: a city flagged as a PERSON counts
against us, even though the city is labelled). Expected decisions are the bundled policies applied
to the gold spans. PERSON recall is also split into one-word and multi-word names.

(b) ``tables``: Presidio's own recogniser test tables, see ``bench.external.presidio_tables``.
"""

from __future__ import annotations

import os

from bench.offline import go_offline

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # share the 2-core box politely
    os.environ.setdefault(_v, "1")
os.environ.setdefault("TQDM_DISABLE", "1")
go_offline("bench.external.presidio_eval")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import io  # noqa: E402
import random  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402
from collections import defaultdict  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

from bench import scoring  # noqa: E402
from bench.external import presidio_tables  # noqa: E402
from gateway.pipeline.decide import decide  # noqa: E402
from gateway.pipeline.detect import Detector  # noqa: E402
from gateway.policy import load_policies  # noqa: E402
from gateway.settings import BUNDLED_POLICY_DIR  # noqa: E402
from gateway.types import Finding, Message  # noqa: E402

SEEDS = (11, 23, 37)
PER_SEED = 400
LOWER_CASE_RATIO = 0.05  # the generator's own default (presidio_sentence_faker.__main__)
FROZEN_NOW = dt.datetime(2026, 1, 15, 12, 0, 0)
POLICIES = ("healthcare", "finance", "manufacturing", "general")

# The templates' tags -> our entity types (gateway/entities.py).
RAW_TO_OURS = {
    **dict.fromkeys(
        "person name name_female name_male first_name first_name_male first_name_female first_name_nonbinary "
        "last_name last_name_male last_name_female".split(),
        "PERSON",
    ),
    **dict.fromkeys("address street_name building_number secondary_address postcode".split(), "STREET_ADDRESS"),
    "credit_card_number": "CREDIT_CARD",
    "iban": "IBAN_CODE",
    "phone_number": "PHONE_NUMBER",
    "ssn": "US_SSN",
    "email": "EMAIL_ADDRESS",
    "ip_address": "IP_ADDRESS",
    "us_driver_license": "US_DRIVER_LICENSE",
    "date_of_birth": "DATE_OF_BIRTH",
}


@dataclass(frozen=True)
class Msg:
    role: str
    text: str


@dataclass
class Gold:
    entity_type: str
    parts: list[tuple[int, int, int]]
    disguised: bool = False
    words: int = 1


@dataclass
class Case:
    id: str
    kind: str
    seed: int
    messages: list[Msg]
    golds: list[Gold]
    unmapped: list[tuple[str, int, int]]  # (tag, start, end) of labelled spans that are none of our types
    disguise: str = ""
    expected: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------- the generator, offline and seeded


def _refuse_lookups() -> None:
    """No DNS either: ``requests`` then fails at once with an ``OSError`` instead of waiting on a resolver."""
    real = socket.getaddrinfo

    def guarded(host, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host in (None, "localhost", "127.0.0.1", "::1"):
            return real(host, *args, **kwargs)
        raise socket.gaierror(f"bench.external.presidio_eval: name lookup refused ({host!r})")

    socket.getaddrinfo = guarded  # type: ignore[assignment]


def _freeze_clock() -> None:
    """Faker's date providers end their ranges "now": pin it, so a seed gives the same corpus on any day."""
    import faker.providers.date_time as faker_dates

    class FrozenDateTime(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def,override]
            return FROZEN_NOW.replace(tzinfo=tz) if tz else FROZEN_NOW

        @classmethod
        def today(cls):  # type: ignore[no-untyped-def,override]
            return FROZEN_NOW

        @classmethod
        def utcnow(cls):  # type: ignore[no-untyped-def,override]
            return FROZEN_NOW

    class FrozenDate(dt.date):
        @classmethod
        def today(cls):  # type: ignore[no-untyped-def,override]
            return FROZEN_NOW.date()

    for name, value in vars(faker_dates).items():
        if value is dt.datetime:
            setattr(faker_dates, name, FrozenDateTime)
        elif value is dt.date:
            setattr(faker_dates, name, FrozenDate)


def build_cases(seed: int, n: int) -> tuple[list[Case], dict[str, int]]:
    """``n`` labelled sentences from the generator with ``seed``; also the count of each unmapped tag."""
    import numpy as np
    from faker import Faker
    from presidio_evaluator.data_generator import PresidioSentenceFaker

    random.seed(seed)  # the fake person records draw name layouts with ``random`` before the faker seeds
    np.random.seed(seed)
    Faker.seed(seed)
    tags = {*RAW_TO_OURS, *PresidioSentenceFaker.ENTITY_TYPE_MAPPING}
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generator = PresidioSentenceFaker(
            locale="en_US",
            lower_case_ratio=LOWER_CASE_RATIO,
            entity_type_mapping={tag: tag for tag in tags},  # keep its tags; mapped to ours below
            random_seed=seed,
        )
        samples = generator.generate_new_fake_sentences(n)
    unmapped: dict[str, int] = defaultdict(int)
    cases = []
    for i, sample in enumerate(samples):
        text = getattr(sample, "fake", None)
        if not isinstance(text, str) or len(text) != len(sample.full_text):
            text = sample.full_text
        golds, others = [], []
        for span in sample.spans:
            tag = str(span.entity_type).lower()
            ours = RAW_TO_OURS.get(tag)
            start, end = span.start_position, span.end_position
            if ours is None:
                unmapped[tag] += 1
                others.append((tag, start, end))
            else:
                golds.append(Gold(ours, [(0, start, end)], words=len(text[start:end].split())))
        cases.append(
            Case(f"s{seed}-{i:04d}", f"template-{sample.template_id}", seed, [Msg("user", text)], golds, others)
        )
    return cases, unmapped


# ---------------------------------------------------------------- scoring and the report


def _expected(cases: list[Case], policies: dict) -> None:
    for case in cases:
        gold = [Finding(g.entity_type, 0, g.parts[0][1], g.parts[0][2], 1.0, "gold") for g in case.golds]
        case.expected = {name: decide(policies[name], gold).action.value for name in POLICIES}


def _recording(detect: scoring.DetectFn, log: list[list[Finding]]) -> scoring.DetectFn:
    def run(messages: Sequence[Message]) -> list[Finding]:
        findings = detect(messages)
        log.append(findings)
        return findings

    return run


def _hit(findings: list[Finding], gold: Gold) -> bool:
    return any(f.entity_type == gold.entity_type and scoring._overlap(f, p) for f in findings for p in gold.parts)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a"


def person_and_seed_lines(name: str, cases: list[Case], log: list[list[Finding]]) -> list[str]:
    words = {"one-word": [0, 0], "multi-word": [0, 0]}
    per_seed: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    on_unmapped: dict[str, int] = defaultdict(int)
    for case, findings in zip(cases, log, strict=True):
        for gold in case.golds:
            hit = _hit(findings, gold)
            per_seed[case.seed][0] += hit
            per_seed[case.seed][1] += 1
            if gold.entity_type == "PERSON":
                bucket = words["one-word" if gold.words == 1 else "multi-word"]
                bucket[0] += hit
                bucket[1] += 1
        for f in findings:
            if not any(f.entity_type == g.entity_type and scoring._overlap(f, g.parts[0]) for g in case.golds):
                for tag, start, end in case.unmapped:
                    if f.start < end and start < f.end:
                        on_unmapped[f"{f.entity_type} on {tag}"] += 1
                        break
    lines = [f"  {name} PERSON recall [{k}]: {_ratio(*v)}" for k, v in words.items()]
    lines.append(
        f"  {name} micro recall per seed: " + ", ".join(f"{s} {_ratio(*v)}" for s, v in sorted(per_seed.items()))
    )
    if on_unmapped:
        ordered = sorted(on_unmapped.items(), key=lambda kv: -kv[1])
        lines.append(f"  {name} false positives on an unmapped label: " + ", ".join(f"{k} {v}" for k, v in ordered))
    return lines


def run_generator(args: argparse.Namespace, detectors: dict[str, scoring.DetectFn]) -> None:
    _refuse_lookups()
    _freeze_clock()
    cases: list[Case] = []
    unmapped: dict[str, int] = defaultdict(int)
    for seed in args.seeds:
        built, tags = build_cases(seed, args.per_seed)
        cases += built
        for tag, count in tags.items():
            unmapped[tag] += count
    policies = load_policies(BUNDLED_POLICY_DIR)
    _expected(cases, policies)
    gold_counts: dict[str, int] = defaultdict(int)
    for case in cases:
        for gold in case.golds:
            gold_counts[gold.entity_type] += 1
    print(f"presidio-evaluator generator: {len(cases)} sentences (seeds {', '.join(map(str, args.seeds))}, "
          f"{args.per_seed} each, lower-case ratio {LOWER_CASE_RATIO}); gold spans {sum(gold_counts.values())}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(gold_counts.items())))  # fmt: skip
    print("unmapped labels (not gold; none of our types): "
          + ", ".join(f"{k} {v}" for k, v in sorted(unmapped.items(), key=lambda kv: -kv[1])))  # fmt: skip
    runs, logs = [], []
    for name, detect in detectors.items():
        log: list[list[Finding]] = []
        runs.append(scoring.score(name, cases, _recording(detect, log), policies, POLICIES))
        logs.append(log)
    print()
    print("\n".join(scoring.entity_table(runs)))
    print()
    for s, log in zip(runs, logs, strict=True):
        print("\n".join(line for line in scoring.summary(s, len(cases), POLICIES) if "recall [" not in line))
        print("\n".join(person_and_seed_lines(s.name, cases, log)))
    if args.show_misses:
        print("\nours: misses and false positives (masked)")
        for kind, cid, entity, snip in sorted(runs[0].misses, key=lambda m: (m[0], m[2], m[1])):
            print(f"  {kind:4} {entity:18} {cid:10} {snip}")


def run_tables(args: argparse.Namespace, detectors: dict[str, scoring.DetectFn]) -> None:
    meta, rows, unmapped = presidio_tables.load_rows(args.tables)
    source = f"{meta.get('source', '?')} @ {meta.get('commit', '?')[:7]}"
    print(f"Presidio recogniser tables: {len(rows)} rows from {source} ({', '.join(meta.get('files', []))})")
    if unmapped:
        print("rows of unmapped families (not scored): " + ", ".join(f"{k} {v}" for k, v in sorted(unmapped.items())))
    runs = [presidio_tables.score_tables(name, rows, detect) for name, detect in detectors.items()]
    print()
    print("\n".join(presidio_tables.table_report(runs, rows)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.external.presidio_eval", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--per-seed", type=int, default=PER_SEED)
    parser.add_argument("--part", choices=("generator", "tables", "both"), default="both")
    parser.add_argument("--tables", type=Path, default=presidio_tables.DEFAULT_DATA)
    parser.add_argument("--show-misses", action="store_true", help="list misses and false positives (masked)")
    parser.add_argument("--no-vanilla", action="store_true", help="skip the vanilla Presidio comparison")
    args = parser.parse_args(argv)
    if args.part != "generator" and not args.tables.exists():
        print(f"Presidio tables not found at {args.tables}", file=sys.stderr)
        return 2
    detectors: dict[str, scoring.DetectFn] = {"ours": Detector(spacy_model=scoring.SPACY_MODEL, cache_entries=0).detect}
    if not args.no_vanilla:
        detectors["vanilla"] = scoring.vanilla_detector()
    if args.part in ("generator", "both"):
        run_generator(args, detectors)
    if args.part == "both":
        print()
    if args.part in ("tables", "both"):
        run_tables(args, detectors)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
