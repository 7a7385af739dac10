"""Presidio's own recogniser test tables, replayed through our detector and vanilla Presidio.

The rows come from ``../shared/data/presidio_tables_cases.jsonl`` (relative to the repository
root; extracted from microsoft/presidio's ``presidio-analyzer/tests/test_*_recognizer.py``, see
``/work/shared/data/README.md``), read at run time and never copied here. A row is a text and
``expected_len``, the number of findings Presidio's test expects from that recogniser; a
detector passes the row when it reports exactly that many findings of the family's entity
type (after its own score threshold). Positive rows (``expected_len > 0``) and negative rows
are also counted apart: a positive row is "found" with at least one finding, a negative row is
"clean" with none. Import this module only after :func:`bench.offline.go_offline`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gateway.types import Finding, Message

DEFAULT_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "presidio_tables_cases.jsonl"
# Presidio's family names (test files) -> our entity type.
FAMILY_TO_ENTITY = {
    "CREDIT_CARD": "CREDIT_CARD", "US_SSN": "US_SSN", "SSN": "US_SSN", "IBAN": "IBAN_CODE",
    "EMAIL": "EMAIL_ADDRESS", "IP_ADDRESS": "IP_ADDRESS", "ITIN": "US_ITIN", "NPI": "US_NPI", "MBI": "US_MBI",
    "ABA": "ABA_ROUTING", "ROUTING": "ABA_ROUTING", "PASSPORT": "US_PASSPORT", "PHONE": "PHONE_NUMBER",
}  # fmt: skip

DetectFn = Callable[[Sequence[Message]], list[Finding]]


@dataclass(frozen=True)
class Row:
    file: str
    entity: str
    text: str
    expected_len: int


@dataclass
class FamilyScore:
    rows: int = 0
    exact: int = 0
    positives: int = 0
    found: int = 0
    negatives: int = 0
    clean: int = 0


@dataclass
class TableScores:
    name: str
    families: dict[str, FamilyScore] = field(default_factory=lambda: defaultdict(FamilyScore))
    unmapped: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def load_rows(path: Path = DEFAULT_DATA) -> tuple[dict, list[Row], dict[str, int]]:
    """The meta line, the rows whose family maps to one of our types, and counts of rows that do not."""
    meta: dict = {}
    rows: list[Row] = []
    unmapped: dict[str, int] = defaultdict(int)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record.get("kind") == "meta":
                meta = record
                continue
            entities = {FAMILY_TO_ENTITY[f] for f in record["families"] if f in FAMILY_TO_ENTITY}
            if len(entities) != 1:
                unmapped["/".join(record["families"])] += 1
                continue
            rows.append(Row(record["file"], entities.pop(), record["text"], int(record["expected_len"])))
    return meta, rows, unmapped


def score_tables(name: str, rows: list[Row], detect: DetectFn) -> TableScores:
    scores = TableScores(name)
    for row in rows:
        findings = detect([Message(0, "user", row.text)])
        count = sum(1 for f in findings if f.entity_type == row.entity)
        family = scores.families[row.entity]
        family.rows += 1
        family.exact += count == row.expected_len
        if row.expected_len > 0:
            family.positives += 1
            family.found += count > 0
        else:
            family.negatives += 1
            family.clean += count == 0
    return scores


def table_report(runs: list[TableScores], rows: list[Row]) -> list[str]:
    sources = defaultdict(set)
    for row in rows:
        sources[row.entity].add(row.file)
    head = "| entity (test file) | rows | " + " | ".join(
        f"{s.name} exact | {s.name} positives found | {s.name} negatives clean" for s in runs
    )
    lines = [head + " |", "| --- | ---: |" + " ---: |" * (3 * len(runs))]
    totals = {s.name: FamilyScore() for s in runs}
    for entity in sorted(sources):
        first = runs[0].families[entity]
        cells = [str(first.rows)]
        for s in runs:
            f = s.families[entity]
            t = totals[s.name]
            t.rows, t.exact, t.positives, t.found = (
                t.rows + f.rows,
                t.exact + f.exact,
                t.positives + f.positives,
                t.found + f.found,
            )
            t.negatives, t.clean = t.negatives + f.negatives, t.clean + f.clean
            cells += [f"{f.exact}/{f.rows}", f"{f.found}/{f.positives}", f"{f.clean}/{f.negatives}"]
        files = ", ".join(sorted(name.removeprefix("test_").removesuffix("_recognizer.py") for name in sources[entity]))
        lines.append(f"| {entity} ({files}) | " + " | ".join(cells) + " |")
    all_cells = [str(totals[runs[0].name].rows)]
    for s in runs:
        t = totals[s.name]
        all_cells += [
            f"{t.exact}/{t.rows} ({t.exact / t.rows:.3f})",
            f"{t.found}/{t.positives}",
            f"{t.clean}/{t.negatives}",
        ]
    lines.append("| all | " + " | ".join(all_cells) + " |")
    return lines
