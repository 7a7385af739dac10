"""Data set scanning speed: ``gateway dataset scan`` (local processes, Ray Data) against Presidio's batch engine.

Usage: ``python -m bench.dataset [--copies 4] [--cores 2] [--skip-ray]``

Rows: every case of the labelled ``bench.accuracy`` corpus as a chat row
(``messages``), behind one system prompt shared by every row (as a fine-tuning
set has), written ``--copies`` times; each later copy opens every message with
two words of its own, so no copy repeats another's text (our findings cache gets
no help from the copies, only from the shared system prompt).

Two measurements, side by side in one run:
- per core, warm: ours is the whole ``scan_dataset`` (plan, read, detect, decide,
  report) on one detector in this process, built before the clock starts;
  Presidio is ``BatchAnalyzerEngine.analyze_iterator`` (default recognisers, the
  same spaCy model, ``batch_size`` 32, ``n_process`` 1) over every message text
  of the same rows, its engine built before the clock starts;
- on ``--cores`` cores, end to end: ours with the local engine (worker
  processes) and the Ray engine (a local Ray), start-up included (each worker
  loads spaCy; Ray starts); Presidio with ``n_process`` = ``--cores``.
Recall: gold spans found (same type, overlapping) on the same rows.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.accuracy.corpus import build_corpus
from bench.scoring import SPACY_MODEL, VANILLA_NAMES
from gateway.dataset.engines import LocalEngine, RayEngine, local_detector
from gateway.dataset.rows import ScanSpec, inspect_row
from gateway.dataset.scan import scan_dataset
from gateway.entities import ENTITY_TYPES
from gateway.policy import load_policies
from gateway.settings import BUNDLED_POLICY_DIR

SYSTEM = "You are a careful assistant for hospital staff. Answer briefly and never invent facts."
WORDS = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "indigo", "juniper"]


def build_rows(copies: int) -> tuple[list[dict[str, Any]], list[list[tuple[int, int, int, str]]]]:
    """Chat rows and, per row, its gold spans as (message index in the row, start, end, type)."""
    rows, golds = [], []
    for copy in range(copies):
        lead = f"({WORDS[copy % len(WORDS)]} {WORDS[copy // len(WORDS) % len(WORDS)]}) " if copy else ""
        for case in build_corpus():
            messages = [{"role": "system", "content": SYSTEM}]
            messages += [{"role": m.role, "content": lead + m.text} for m in case.messages]
            rows.append({"messages": messages})
            shift = len(lead)
            golds.append([(s.message_index + 1, shift + s.start, shift + s.end, s.entity_type) for s in case.spans])
    return rows, golds


def _found(gold: tuple[int, int, int, str], spans: list[tuple[int, int, int, str]]) -> bool:
    index, start, end, entity = gold
    return any(i == index and t == entity and s < end and start < e for i, s, e, t in spans)


def recall(golds: list[list[tuple[int, int, int, str]]], found: list[list[tuple[int, int, int, str]]]) -> float:
    total = sum(len(g) for g in golds)
    hit = sum(_found(g, spans) for row, spans in zip(golds, found, strict=True) for g in row)
    return hit / total if total else 1.0


def ours_recall(rows: list[dict[str, Any]], spec: ScanSpec) -> list[list[tuple[int, int, int, str]]]:
    from gateway.pipeline.detect import Detector

    detector = Detector(spacy_model=SPACY_MODEL)
    out = []
    for row in rows:
        inspection = inspect_row(detector, spec, row, tabular=False)
        spans = []
        for f in inspection.findings:
            parts = f.path.split("/")  # /messages/<i>/content
            if len(parts) == 4 and parts[1] == "messages" and parts[3] == "content":
                spans.append((int(parts[2]), f.start, f.end, f.entity_type))
        out.append(spans)
    return out


def presidio_engine() -> Any:
    import tldextract
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    tldextract.tldextract.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]})  # fmt: skip
    return BatchAnalyzerEngine(analyzer_engine=AnalyzerEngine(nlp_engine=provider.create_engine()))


def presidio_run(rows: list[dict[str, Any]], cores: int) -> tuple[float, list[list[tuple[int, int, int, str]]]]:
    batch = presidio_engine()
    texts = [m["content"] for row in rows for m in row["messages"]]
    began = time.perf_counter()
    results = batch.analyze_iterator(texts, language="en", batch_size=32, n_process=cores)
    seconds = time.perf_counter() - began
    found, position = [], 0
    for row in rows:
        spans = []
        for index in range(len(row["messages"])):
            for r in results[position]:
                entity = VANILLA_NAMES.get(r.entity_type, r.entity_type)
                if entity in ENTITY_TYPES:
                    spans.append((index, r.start, r.end, entity))
            position += 1
        found.append(spans)
    return seconds, found


def ours_run(path: Path, spec: ScanSpec, engine: Any) -> float:
    began = time.perf_counter()
    scanned = scan_dataset([path], "jsonl", spec, engine)
    seconds = time.perf_counter() - began
    assert scanned.summary["rows"] > 0
    return seconds


def _line(name: str, rows: int, seconds: float, cores: int, base: float, rec: float) -> str:
    per_core = rows / seconds / cores
    cells = [name, str(cores), f"{seconds:.1f}", f"{rows / seconds:.1f}", f"{per_core:.1f}", f"{per_core / base:.2f}x"]
    return "| " + " | ".join([*cells, f"{rec:.3f}"]) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--policy", default="healthcare")
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    spec = ScanSpec(load_policies(BUNDLED_POLICY_DIR)[args.policy])
    rows, golds = build_rows(args.copies)
    n = len(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rows.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        (Path(tmp) / "warm.jsonl").write_text(json.dumps(rows[0]) + "\n")
        one = LocalEngine(spec, SPACY_MODEL, 1)
        ours_run(Path(tmp) / "warm.jsonl", spec, one)  # builds this process's detector
        local_detector().prefilter.wait()  # warm: its pattern prefilter compiled too
        ours_1 = ours_run(path, spec, one)
        presidio_1, presidio_found = presidio_run(rows, 1)
        ours_n = ours_run(path, spec, LocalEngine(spec, SPACY_MODEL, args.cores))
        ray_n = None if args.skip_ray else ours_run(path, spec, RayEngine(spec, SPACY_MODEL, args.cores))
        presidio_n, _ = presidio_run(rows, args.cores)
    ours_r, presidio_r = recall(golds, ours_recall(rows, spec)), recall(golds, presidio_found)
    base_1, base_n = n / presidio_1, n / presidio_n / args.cores
    print(f"{n:,} rows ({sum(len(r['messages']) for r in rows):,} messages), policy {args.policy}")
    print("| engine | cores | seconds | rows/s | rows/s per core | against Presidio | recall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(_line("ours, one detector, warm", n, ours_1, 1, base_1, ours_r))
    print(_line("Presidio BatchAnalyzerEngine, warm", n, presidio_1, 1, base_1, presidio_r))
    print(_line("ours, local engine (processes), start-up included", n, ours_n, args.cores, base_n, ours_r))
    if ray_n is not None:
        print(_line("ours, Ray engine (local Ray), start-up included", n, ray_n, args.cores, base_n, ours_r))
    print(_line(f"Presidio BatchAnalyzerEngine, n_process={args.cores}", n, presidio_n, args.cores, base_n, presidio_r))


if __name__ == "__main__":
    main()
