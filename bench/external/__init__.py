"""External benchmarks: detection measured on public material this team did not write.

Each runner here (``bench.external.secrets``; ``bench.external.presidio*`` for people and
identifiers) reads its cases at run time from ``../shared/data/`` relative to the repository root
(never copied into the repository) and scores several engines side by side in one run. This
module holds what the runners share, so that they score alike:

- where the data is and how a ``.jsonl`` file of cases is read (:func:`data_path`, :func:`read_jsonl`);
- the question the gateway really answers about a text, asked of the real bundled policies:
  how many of them would block it (:class:`PolicyJudge`, :class:`Verdict`);
- rates with their counts and markdown tables (:class:`Rate`, :func:`markdown_table`);
- masking a value before it is printed (:func:`masked`): a report never shows a raw value.

Only the standard library is imported here: a runner calls :func:`bench.offline.go_offline`
first, then imports the gateway (the helpers below import it lazily).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.types import Finding

REPO_ROOT = Path(__file__).resolve().parents[2]
# The shared test material sits beside the repository; BENCH_EXTERNAL_DATA points elsewhere (tests).
DATA_DIR_ENV = "BENCH_EXTERNAL_DATA"


def data_path(name: str) -> Path:
    """The path of a file of ``../shared/data/`` (or of ``$BENCH_EXTERNAL_DATA``)."""
    base = Path(os.environ[DATA_DIR_ENV]) if os.environ.get(DATA_DIR_ENV) else REPO_ROOT.parent / "shared" / "data"
    return base / name


def read_jsonl(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The ``meta`` line (``{}`` when there is none) and the other rows of a JSON-lines file."""
    meta: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("kind") == "meta":
                meta = row
            else:
                rows.append(row)
    return meta, rows


@dataclass
class Rate:
    """``hits`` out of ``total``, printed with both counts so a reader sees the sample size."""

    hits: int = 0
    total: int = 0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.total += 1

    @property
    def value(self) -> float:
        return self.hits / self.total if self.total else float("nan")

    def __str__(self) -> str:
        return f"{self.value:.3f} ({self.hits}/{self.total})" if self.total else "-"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What an engine makes of one text: how many of the ``judged`` policies block it, and where.

    A scanner without policies is one judge: it blocks when it reports anything. A true positive
    counts as caught only when every judged policy blocks (:attr:`caught`); a negative counts as
    flagged when any does (:attr:`flagged`): both the strict reading.
    """

    blocking: int
    judged: int
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def caught(self) -> bool:
        return self.judged > 0 and self.blocking == self.judged

    @property
    def flagged(self) -> bool:
        return self.blocking > 0

    def covers(self, start: int, end: int) -> bool:
        """Whether a reported span overlaps ``[start, end)`` (the value was located, not just the text)."""
        return any(s < end and start < e for s, e in self.spans)


class PolicyJudge:
    """The bundled policy files, asked which of them would block a text given its findings."""

    def __init__(self, policy_dir: Path | None = None) -> None:
        from gateway.policy import load_policies
        from gateway.settings import BUNDLED_POLICY_DIR

        self.policies = load_policies(policy_dir or BUNDLED_POLICY_DIR)

    def verdict(self, findings: Sequence[Finding], entity_types: Iterable[str] | None = None) -> Verdict:
        """How many policies block; the spans are the findings of ``entity_types`` (all when None)."""
        from gateway.pipeline.decide import decide
        from gateway.types import Action

        blocking = sum(decide(policy, findings).action is Action.BLOCK for policy in self.policies.values())
        wanted = None if entity_types is None else frozenset(entity_types)
        spans = tuple((f.start, f.end) for f in findings if wanted is None or f.entity_type in wanted)
        return Verdict(blocking, len(self.policies), spans)


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]], *, left: int = 1) -> list[str]:
    """A markdown table; the first ``left`` columns are left-aligned, the others right-aligned."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(" --- " if i < left else " ---: " for i in range(len(header))) + "|")
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return lines


def masked(value: str, keep: int = 2) -> str:
    """``value`` with letters and digits replaced (``x``, ``#``) except the last ``keep`` of them.

    Punctuation and layout stay, so a reader can still see the shape (``ghp_xxxx...x9``).
    """
    positions = [i for i, char in enumerate(value) if char.isalnum()]
    shown = set(positions[-keep:]) if keep else set()
    out = []
    for i, char in enumerate(value):
        if i in shown or not char.isalnum():
            out.append("\u23ce" if char == "\n" else char)
        else:
            out.append("#" if char.isdigit() else "x")
    return "".join(out)
