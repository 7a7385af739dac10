"""One shard, row by row: the request pipeline's inspect stage (detect, decide), then the cleaned row.

Each row is inspected as a request body would be (:func:`gateway.wire.chat.place_all`:
every string, nested JSON included; chat ``messages`` rows as a conversation, so
a value split across user turns is found), by
:func:`gateway.pipeline.inspection.inspect_sync`, under the data set's policy.
A row with findings is cleaned by the redact stage with type-only placeholders
(``[US_SSN]``); with ``drop``, a row the policy does not allow is left out instead.
Findings are kept as locations and counts, never values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from gateway.dataset.formats import DatasetError, Row, Shard, module
from gateway.errors import InvalidRequest, Unavailable
from gateway.pipeline import content, segments
from gateway.pipeline.decide import UNSCANNABLE
from gateway.pipeline.inspection import Detects, Inspection, inspect_sync
from gateway.pipeline.redact import TypePlaceholders, redact_request
from gateway.policy import Policy
from gateway.types import Action, Finding, Part, Segment
from gateway.wire import chat

ACTIONS = tuple(Action)  # a row's decision is stored as its index here (one byte a row)
CODE = {action: code for code, action in enumerate(ACTIONS)}
EXAMPLES_PER_TYPE = 3
FLAGGED_KEPT = 1000  # rows listed with their rules in a shard result (every row's decision is kept anyway)
PREFETCH_ROWS = 32  # rows detected together (one batched NER), as Presidio's BatchAnalyzerEngine batches


@dataclass(frozen=True, slots=True)
class ScanSpec:
    """What every worker needs besides its detector: the policy, the fields, what the copy is."""

    policy: Policy
    fields: tuple[str, ...] = ()  # dotted paths (``meta.notes``); empty: every string field
    clean: str | None = None  # None (no copy), "redact" or "drop"


@dataclass(slots=True)
class ShardResult:
    first_row: int
    rows: int
    decisions: bytes = b""
    flagged: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    entity_counts: Counter[str] = field(default_factory=Counter)
    field_counts: Counter[str] = field(default_factory=Counter)
    findings: int = 0
    rows_with_findings: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)
    fields_seen: set[str] = field(default_factory=set)
    output: Any = None
    rows_written: int = 0
    detector_version: str | None = None


def field_name(path: str) -> str:
    """A pointer as a field name: ``/messages/3/content`` -> ``messages[].content``."""
    name = ""
    for token in segments.tokens(path):
        name += "[]" if token.isdigit() else (f".{token}" if name else token)
    return name or "(row)"


def _wanted(segment: Segment, prefixes: Sequence[str], tabular: bool) -> bool:
    if tabular and segment.part is Part.KEY and segment.path.count("/") == 1:
        return False  # a column name is the schema, not a row's data
    if not prefixes:
        return True
    return any(
        segment.path.startswith(prefix + "/") or (segment.path == prefix and segment.part is not Part.KEY)
        for prefix in prefixes
    )


def _without_scalar_lists(node: Any) -> Any:
    """``node`` with every list that holds no string, object or list emptied (an embedding, token ids):
    the same pointers to every string, without walking a million numbers."""
    if isinstance(node, dict):
        return {key: _without_scalar_lists(value) for key, value in node.items()}
    if isinstance(node, list):
        if not any(isinstance(item, (str, dict, list)) for item in node):
            return []
        return [_without_scalar_lists(item) for item in node]
    return node


def row_segments(spec: ScanSpec, record: Any, tabular: bool) -> list[Segment]:
    """The segments of ``record`` that are scanned: its strings in the wanted fields."""
    prefixes = [segments.pointer(*name.split(".")) for name in spec.fields]
    return [s for s in chat.place_all(_without_scalar_lists(record)) if _wanted(s, prefixes, tabular)]


def inspect_row(
    detector: Detects, spec: ScanSpec, record: Any, tabular: bool, found: list[Segment] | None = None
) -> Inspection:
    """``record`` inspected under the spec's policy; ``found``: its :func:`row_segments`, if already placed."""
    return inspect_sync(detector, spec.policy, row_segments(spec, record, tabular) if found is None else found)


def clean_record(record: Any, inspection: Inspection) -> Any:
    """``record`` with every finding replaced by ``[TYPE]`` (an unreadable or fixed string whole)."""
    rewritable = [s for s in inspection.segments if s.rewritable]
    fixed = {s.where for s in inspection.segments if not s.rewritable}
    findings = [f for f in inspection.findings if f.entity_type != UNSCANNABLE and f.where not in fixed]
    cleaned, _ = redact_request(record, rewritable, findings, TypePlaceholders())
    for finding in inspection.findings:
        if finding.entity_type == UNSCANNABLE or finding.where in fixed:
            segments.replace(cleaned, finding.path, Part.VALUE, f"[{finding.entity_type}]")
    return cleaned


def scan_shard(detector: Detects, spec: ScanSpec, shard: Shard) -> ShardResult:
    fmt = module(shard.info.format)
    tabular = shard.info.columns is not None
    result = ShardResult(shard.first_row, 0)
    decisions = bytearray()
    kept: list[Row] = []
    for offset, (row, found) in enumerate(_prefetched(detector, spec, shard, fmt.rows(shard), tabular)):
        number = shard.first_row + offset
        if isinstance(row.record, dict):
            result.fields_seen.update(row.record)
        try:
            inspection = inspect_row(detector, spec, row.record, tabular, found)
        except InvalidRequest as exc:  # nested too deeply, or a lone surrogate: the row cannot be read as text
            raise DatasetError(f"{shard.info.path}: row {number}: {exc.message}") from None
        except Unavailable as exc:  # detection or policy failed: the scan stops (fail closed)
            failed = exc.code.replace("_", " ")
            raise DatasetError(f"{shard.info.path}: row {number}: {failed}; the scan stopped") from None
        action = inspection.decision.action
        decisions.append(CODE[action])
        if action is not Action.ALLOW and len(result.flagged) < FLAGGED_KEPT:
            result.flagged.append((number, action.value, tuple(inspection.decision.rule_ids)))
        _count(result, number, shard, inspection.findings)
        if spec.clean == "drop" and action is not Action.ALLOW:
            continue
        if spec.clean == "redact" and inspection.findings:
            row.cleaned, row.changed = clean_record(row.record, inspection), True
        if spec.clean is not None:
            kept.append(row)
    result.rows = len(decisions)
    result.decisions = bytes(decisions)
    if spec.clean is not None:
        result.output = fmt.encode(kept, shard.info)
        result.rows_written = len(kept)
    return result


def _prefetched(
    detector: Detects, spec: ScanSpec, shard: Shard, rows: Iterable[Row], tabular: bool
) -> Iterator[tuple[Row, list[Segment] | None]]:
    """``rows``, each with its placed segments, each batch of ``PREFETCH_ROWS`` detected together first (one
    batched NER) into the detector's cache, so each row's own inspection finds its results there. A row
    that cannot be read comes with None: its inspection places it again and says why."""
    prefetch = getattr(detector, "prefetch", None)
    rows = iter(rows)
    while batch := list(islice(rows, PREFETCH_ROWS)):
        placed: list[list[Segment] | None] = []
        texts = []
        for row in batch:
            try:
                found = row_segments(spec, row.record, tabular)
                if prefetch is not None:
                    texts += [segment.text for segment in content.expand(found)[0]]
            except InvalidRequest:
                found = None
            placed.append(found)
        if prefetch is not None:
            try:
                prefetch(texts)
            except Exception as exc:
                failed = f"rows {shard.first_row}+: detection failed ({type(exc).__name__}); the scan stopped"
                raise DatasetError(f"{shard.info.path}: {failed}") from None
        yield from zip(batch, placed, strict=True)


def _count(result: ShardResult, number: int, shard: Shard, findings: Iterable[Finding]) -> None:
    findings = list(findings)
    if not findings:
        return
    result.rows_with_findings += 1
    result.findings += len(findings)
    for finding in findings:
        name = field_name(finding.shown_path or finding.path)
        result.entity_counts[finding.entity_type] += 1
        result.field_counts[name] += 1
        if sum(1 for e in result.examples if e["entity_type"] == finding.entity_type) < EXAMPLES_PER_TYPE:
            result.examples.append(
                {
                    "row": number,
                    "file": shard.info.path,
                    "field": name,
                    "path": finding.shown_path or finding.path,
                    "part": finding.part.value,
                    "start": finding.start,
                    "end": finding.end,
                    "entity_type": finding.entity_type,
                    "recognizer": finding.recognizer,
                }
            )
