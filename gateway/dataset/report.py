"""The scan report: shard results merged in order, written as JSON and as a self-contained HTML page.

The report holds counts, rule ids and locations (row, field, offsets), never a
value. ``decisions`` lists the decision of every row, in order; the builder keeps
them as one byte a row, so a report of millions of rows fits in memory.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from gateway.dataset.formats import FileInfo
from gateway.dataset.rows import ACTIONS, FLAGGED_KEPT, ShardResult
from gateway.types import Action

REPORT_VERSION = 1
EXAMPLES_PER_TYPE = 3
MAX_EXAMPLES = 60


def dataset_sha256(files: list[FileInfo]) -> str:
    """One file: its SHA-256. Several: the SHA-256 of their SHA-256s, one a line, in the order given."""
    if len(files) == 1:
        return files[0].sha256
    return hashlib.sha256("".join(f"{f.sha256}\n" for f in files).encode()).hexdigest()


@dataclass
class ReportBuilder:
    decisions: bytearray = field(default_factory=bytearray)
    flagged: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    entity_counts: Counter[str] = field(default_factory=Counter)
    field_counts: Counter[str] = field(default_factory=Counter)
    rule_counts: Counter[str] = field(default_factory=Counter)
    findings: int = 0
    rows_with_findings: int = 0
    rows_written: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    fields_seen: set[str] = field(default_factory=set)
    detector_version: str | None = None

    def add(self, result: ShardResult) -> None:
        assert result.first_row == len(self.decisions), "shard results out of order"
        self.decisions += result.decisions
        for row in result.flagged:
            self.rule_counts.update(row[2])
            if len(self.flagged) < FLAGGED_KEPT:
                self.flagged.append(row)
        self.entity_counts.update(result.entity_counts)
        self.field_counts.update(result.field_counts)
        self.findings += result.findings
        self.rows_with_findings += result.rows_with_findings
        self.rows_written += result.rows_written
        self.fields_seen |= result.fields_seen
        self.detector_version = self.detector_version or result.detector_version
        for example in result.examples:
            same = sum(1 for e in self.examples if e["entity_type"] == example["entity_type"])
            if same < EXAMPLES_PER_TYPE and len(self.examples) < MAX_EXAMPLES:
                self.examples.append(example)

    @property
    def rows(self) -> int:
        return len(self.decisions)

    def decision_counts(self) -> dict[str, int]:
        return {action.value: self.decisions.count(code) for code, action in enumerate(ACTIONS)}

    @property
    def rows_flagged(self) -> int:
        return self.rows - self.decisions.count(ACTIONS.index(Action.ALLOW))

    def summary(self, **context: Any) -> dict[str, Any]:
        """The report without the per-row decisions (those are streamed by :func:`write_json`)."""
        return {
            "report_version": REPORT_VERSION,
            **context,
            "detector_version": self.detector_version,
            "rows": self.rows,
            "rows_flagged": self.rows_flagged,
            "rows_with_findings": self.rows_with_findings,
            "findings": self.findings,
            "decision_counts": self.decision_counts(),
            "entity_counts": dict(self.entity_counts.most_common()),
            "field_counts": dict(self.field_counts.most_common()),
            "rule_counts": dict(self.rule_counts.most_common()),
            "examples": sorted(self.examples, key=lambda e: (e["row"], e["path"], e["start"])),
            "flagged_rows": [{"row": r, "decision": d, "rules": list(rules)} for r, d, rules in self.flagged],
            "flagged_rows_listed": len(self.flagged),
        }


def write_json(handle: IO[str], summary: dict[str, Any], decisions: bytearray) -> None:
    """The report as one JSON object; ``decisions`` (one per row) written in pieces, never as one list."""
    head = json.dumps(summary, indent=2)
    handle.write(head[:-2] + ',\n  "decisions": [')
    names = [json.dumps(action.value) for action in ACTIONS]
    step = 1 << 16
    for start in range(0, len(decisions), step):
        piece = ",".join(names[code] for code in decisions[start : start + step])
        handle.write(("," if start else "") + piece)
    handle.write("]\n}\n")


def html_path(report: Path) -> Path:
    return report.with_suffix(".html") if report.suffix.lower() != ".html" else report.with_suffix(".report.html")


def write_reports(path: Path, page: Path, summary: dict[str, Any], decisions: bytearray) -> None:
    """The JSON report at ``path``, its HTML page at ``page``."""
    from gateway.dataset.page import render

    with path.open("w", encoding="utf-8") as handle:
        write_json(handle, summary, decisions)
    page.write_text(render(summary), encoding="utf-8")
