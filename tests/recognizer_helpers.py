"""Run one recogniser on a text, the way the AnalyzerEngine does (minus context)."""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer


def matched(recognizer: EntityRecognizer, text: str) -> list[str]:
    """The texts the recogniser reports (any score above zero), in order."""
    results = recognizer.analyze(text, entities=recognizer.supported_entities, nlp_artifacts=None)
    return [text[r.start : r.end] for r in sorted(results, key=lambda r: r.start) if r.score > 0]
