"""PERSON from spaCy's NER (Presidio's ``SpacyRecognizer``), minus spans that cannot be names."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

_NAME_SHAPE = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?")
_INITIAL_AND_WORD = re.compile(r"[A-Z]\.\s+\w+")  # "rev C. Translate": a sentence break, not a name
_LABEL = re.compile(r"\s*:")  # "Banner: ..." a single capitalised word before a colon is a label


class PersonNerRecognizer(SpacyRecognizer):
    """spaCy PERSON entities that look like names.

    Kept: letters, spaces and ``.-'`` only, with a capital. Dropped: a single word
    used as a label (``Banner:``) and a lone initial plus one word (``C. Translate``).
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entities=["PERSON"])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [r for r in super().analyze(text, entities, nlp_artifacts) if _looks_like_a_name(text, r.start, r.end)]


def _looks_like_a_name(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if not _NAME_SHAPE.fullmatch(span) or not any(char.isupper() for char in span):
        return False
    if _INITIAL_AND_WORD.fullmatch(span):
        return False
    return " " in span.strip() or not _LABEL.match(text, end)
