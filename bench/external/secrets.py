"""Secrets: gitleaks' own rule examples, scored for our detector, vanilla Presidio and secret scanners in one run.

Usage: ``python -m bench.external.secrets [--engines ours,presidio,detect-secrets|all] [--show-misses]``

The cases are ``../shared/data/gitleaks_cases.jsonl`` (see ``../shared/data/README.md``): the true
and false positive examples written beside each rule of gitleaks, a rule set this team did not write.
Every true positive is scored in up to four variants:

- ``bare``: the value alone;
- ``config``: after the data file's sentence prefix ("Here is the config: ");
- ``prose``: inside an ordinary sentence with no credential word (:data:`PROSE`);
- ``original``: the rule file's own example context, when it has one (an ``export X=...`` line,
  a JSON field, a curl command...).

Every true positive's value is also classed by its shape alone (:func:`value_shape`): a bare hex
string, UUID, number or word cannot be told from ordinary text without the keyword its rule requires,
and placeholders and documented examples are let through by design; recall is reported per shape beside
the overall figure, so the reader sees both.

Every false-positive example is one negative, as written. For ours and Presidio the question is the
gateway's: would the bundled policies block this text? A true positive is caught when every bundled
policy blocks it; a negative is flagged when any does. A scanner blocks when it reports anything.
Recall and the false-positive rate are given overall and per family (the data file's ``family``;
a false positive takes its rule's family). Printed values are masked (:func:`bench.external.masked`).

Importing this module has no side effect (the tests import it); :func:`main` refuses the network first.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.external import Rate, Verdict, data_path, markdown_table, masked, read_jsonl
from bench.external.secrets_engines import DEFAULT_ENGINES, ENGINES, Engine, EngineUnavailable
from bench.offline import go_offline

DATA_FILE = "gitleaks_cases.jsonl"
DEFAULT_PREFIX = "Here is the config: "
PROSE = "I pasted {secret} into the settings page yesterday and it still fails, any idea why?"
VARIANTS = ("bare", "config", "prose", "original")
FP = "fp"


@dataclass(frozen=True, slots=True)
class Case:
    """One text to scan: a true positive in one variant (``span``: where the value is) or a negative."""

    kind: str  # "secret" or "fp"
    rule: str
    family: str
    variant: str  # one of VARIANTS, or "fp"
    text: str
    span: tuple[int, int] | None = None
    written: bool = True  # the rule file writes the value out (False: drawn from the rule's regex)
    shape: str = ""  # a true positive's value, by :func:`value_shape`


# What a value is, by its shape alone (the rule it was written for plays no part):
SECRET_SHAPED = "secret-shaped"
NO_SECRET_SHAPE = ("hex, UUID or number", "words")
DOCUMENTED = "placeholder or documented example"
SHAPES = (SECRET_SHAPED, *NO_SECRET_SHAPE, DOCUMENTED)
_HEX_OR_NUMBER = re.compile(r"[0-9A-Fa-f]+(?:[-_.:][0-9A-Fa-f]+)*")
_WORDS = re.compile(r"[A-Za-z%\- \":_]+")


def value_shape(value: str) -> str:
    """Whether a true positive's value, seen bare, has a secret's shape, and if not why.

    - ``hex, UUID or number``: hex digits alone or in groups, or decimal digits (a commit hash, a request
      id, an MD5, a numeric id look the same); gitleaks' own rules for these require their keyword;
    - ``words``: letters and punctuation only (``"rootpasswd"``, ``TestSourcePassword``): a secret only
      by what names it;
    - ``placeholder or documented example``: what the gateway lets through by design
      (:func:`gateway.recognizers.secrets.is_placeholder`: ``EXAMPLE``, sequences, a run of one character);
    - ``secret-shaped``: anything else.
    """
    from gateway.recognizers.secrets import is_placeholder

    bare = value.strip().strip("\"'")
    if _HEX_OR_NUMBER.fullmatch(bare):
        return NO_SECRET_SHAPE[0]
    if is_placeholder(bare):
        return DOCUMENTED
    if _WORDS.fullmatch(bare):
        return NO_SECRET_SHAPE[1]
    return SECRET_SHAPED


def build_cases(meta: dict[str, Any], rows: Sequence[dict[str, Any]]) -> list[Case]:
    """Every variant of every true positive, then every false positive (with its rule's family)."""
    prefix = meta.get("sentence_prefix") or DEFAULT_PREFIX
    families = {row["rule"]: row["family"] for row in rows if row["kind"] == "secret"}
    cases: list[Case] = []
    for row in rows:
        if row["kind"] != "secret":
            continue
        secret, rule, family, written = row["secret"], row["rule"], row["family"], bool(row.get("literal", True))
        at = PROSE.index("{secret}")
        variants = [
            ("bare", secret, (0, len(secret))),
            ("config", prefix + secret, (len(prefix), len(prefix) + len(secret))),
            ("prose", PROSE.format(secret=secret), (at, at + len(secret))),
        ]
        original = row.get("original")
        if original:
            variants.append(("original", original["text"], (original["start"], original["end"])))
        kind = value_shape(secret)
        cases.extend(Case("secret", rule, family, v, text, span, written, kind) for v, text, span in variants)
    for row in rows:
        if row["kind"] == FP:
            cases.append(Case(FP, row["rule"], families.get(row["rule"], "other providers"), FP, row["text"]))
    return cases


@dataclass
class EngineScores:
    """One engine's results: recall per (variant, family), false positives per family, time."""

    name: str
    recall: dict[tuple[str, str], Rate] = field(default_factory=lambda: defaultdict(Rate))
    located: dict[str, Rate] = field(default_factory=lambda: defaultdict(Rate))
    by_provenance: dict[tuple[str, bool], Rate] = field(default_factory=lambda: defaultdict(Rate))
    by_shape: dict[tuple[str, str], Rate] = field(default_factory=lambda: defaultdict(Rate))
    false_positives: dict[str, Rate] = field(default_factory=lambda: defaultdict(Rate))
    seconds: float = 0.0
    characters: int = 0
    misses: list[Case] = field(default_factory=list)
    flagged: list[tuple[Case, Verdict]] = field(default_factory=list)

    def overall(self, variant: str) -> Rate:
        rates = [rate for (v, _), rate in self.recall.items() if v == variant]
        return Rate(sum(r.hits for r in rates), sum(r.total for r in rates))

    def fp_overall(self) -> Rate:
        rates = self.false_positives.values()
        return Rate(sum(r.hits for r in rates), sum(r.total for r in rates))

    def ms_per_kb(self) -> float:
        return 1000 * self.seconds / (self.characters / 1024) if self.characters else float("nan")


def score(engine: Engine, cases: Sequence[Case]) -> EngineScores:
    """Run ``engine`` over every case in one batch and tally its verdicts."""
    scores = EngineScores(engine.name)
    began = time.perf_counter()
    verdicts = engine.verdicts([case.text for case in cases])
    scores.seconds = time.perf_counter() - began
    scores.characters = sum(len(case.text) for case in cases)
    for case, verdict in zip(cases, verdicts, strict=True):
        if case.kind == FP:
            scores.false_positives[case.family].add(verdict.flagged)
            if verdict.flagged:
                scores.flagged.append((case, verdict))
            continue
        scores.recall[(case.variant, case.family)].add(verdict.caught)
        scores.by_provenance[(case.variant, case.written)].add(verdict.caught)
        scores.by_shape[(case.variant, case.shape)].add(verdict.caught)
        if not verdict.caught:
            scores.misses.append(case)
        elif case.span is not None:
            scores.located[case.variant].add(verdict.covers(*case.span))
    return scores


def overall_table(runs: Sequence[EngineScores]) -> list[str]:
    header = ["engine", *VARIANTS, "fp flagged", "original located", "ms per KB"]
    rows = [
        [s.name, *(str(s.overall(v)) for v in VARIANTS), str(s.fp_overall()), str(s.located["original"]),
         f"{s.ms_per_kb():.2f}"]
        for s in runs
    ]  # fmt: skip
    return markdown_table(header, rows)


def provenance_table(runs: Sequence[EngineScores]) -> list[str]:
    """Recall split by where the value came from: written out in the rule file, or drawn from its regex."""
    columns = [(v, written) for v in ("bare", "config", "prose") for written in (True, False)]
    header = ["engine", *(f"{v} ({'written' if written else 'drawn'})" for v, written in columns)]
    rows = [[s.name, *(str(s.by_provenance[column]) for column in columns)] for s in runs]
    return markdown_table(header, rows)


def shape_table(runs: Sequence[EngineScores]) -> list[str]:
    """Recall by the value's shape (:func:`value_shape`), bare and in a sentence."""
    columns = [(v, shape) for v in ("bare", "prose") for shape in SHAPES]
    header = ["engine", *(f"{v}: {shape}" for v, shape in columns)]
    rows = [[s.name, *(str(s.by_shape[column]) for column in columns)] for s in runs]
    return markdown_table(header, rows)


def family_table(runs: Sequence[EngineScores], variant: str) -> list[str]:
    """Recall of one variant per family (``variant == "fp"``: the false-positive rate per family)."""
    if variant == FP:
        families = sorted({f for s in runs for f in s.false_positives})
        cells = [[s.false_positives[f] if f in s.false_positives else Rate() for s in runs] for f in families]
    else:
        families = sorted({f for s in runs for v, f in s.recall if v == variant})
        cells = [[s.recall[(variant, f)] if (variant, f) in s.recall else Rate() for s in runs] for f in families]
    rows = [[family, *map(str, row)] for family, row in zip(families, cells, strict=True)]
    return markdown_table(["family", *(s.name for s in runs)], rows)


def report(runs: Sequence[EngineScores], meta: dict[str, Any], n_secrets: int, n_fps: int) -> list[str]:
    source = f"{meta.get('source', '?')} {str(meta.get('commit', '?'))[:7]}"
    lines = [f"gitleaks rule examples ({source}): {n_secrets} true positives, {n_fps} false positives", ""]
    lines += ["Overall (true positives caught: every bundled policy blocks; fp flagged: any blocks):", ""]
    lines += overall_table(runs)
    lines += ["", "Recall by provenance (written: the rule file's own example; drawn: generated from its regex):", ""]
    lines += provenance_table(runs)
    lines += ["", "Recall by the value's shape (secret-shaped: what a bare value can be told a secret by):", ""]
    lines += shape_table(runs)
    for variant in (*VARIANTS, FP):
        title = "False positives flagged, per family" if variant == FP else f"Recall per family, {variant}"
        lines += ["", title + ":", ""] + family_table(runs, variant)
    return lines


def show_misses(scores: EngineScores) -> list[str]:
    """Misses and flagged negatives, by rule, values masked."""
    lines = ["", f"{scores.name}: misses ({len(scores.misses)}), values masked"]
    for case in sorted(scores.misses, key=lambda c: (c.family, c.rule, c.variant)):
        lines.append(f"  MISS {case.family:17} {case.rule:40} {case.variant:8} {masked(case.text)[:120]!r}")
    lines.append(f"{scores.name}: false positives flagged ({len(scores.flagged)}), values masked")
    for case, verdict in sorted(scores.flagged, key=lambda cv: (cv[0].family, cv[0].rule)):
        spans = ", ".join(masked(case.text[s:e])[:60] for s, e in verdict.spans) or "(no span)"
        lines.append(f"  FP   {case.family:17} {case.rule:40} {spans!r}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.external.secrets", description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(DEFAULT_ENGINES), help=f"comma-separated or all: {list(ENGINES)}")
    parser.add_argument("--show-misses", action="store_true", help="list the first engine's misses (masked)")
    args = parser.parse_args(argv)
    go_offline("bench.external.secrets")  # before any engine (and the gateway, Presidio, spaCy) is imported
    names = list(ENGINES) if args.engines == "all" else [n.strip() for n in args.engines.split(",") if n.strip()]
    unknown = [n for n in names if n not in ENGINES]
    if unknown:
        print(f"unknown engine(s) {unknown}; known: {list(ENGINES)}", file=sys.stderr)
        return 2

    meta, rows = read_jsonl(data_path(DATA_FILE))
    cases = build_cases(meta, rows)
    runs: list[EngineScores] = []
    for name in names:
        try:
            engine = ENGINES[name]()
        except EngineUnavailable as exc:
            print(f"{name}: not installed ({exc}), skipped", file=sys.stderr)
            continue
        runs.append(score(engine, cases))
    n_secrets = sum(row["kind"] == "secret" for row in rows)
    print("\n".join(report(runs, meta, n_secrets, sum(row["kind"] == FP for row in rows))))
    if args.show_misses and runs:
        print("\n".join(show_misses(runs[0])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
