"""PERSON from spaCy's NER (Presidio's ``SpacyRecognizer``), minus spans that cannot be names."""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import SpacyRecognizer

_NAME_SHAPE = re.compile(r"[^\W\d_]+(?:[ .'-]+[^\W\d_]+)*\.?")
_INITIAL_AND_WORD = re.compile(r"[A-Z]\.\s+\w+")  # "rev C. Translate": a sentence break, not a name
_LABEL = re.compile(r"\s*:")  # "Banner: ..." a single capitalised word before a colon is a label
_VARIABLE = re.compile(r"[$%{]\s*$")  # "$TOKEN", "%USERNAME%", "{Name}": a placeholder, not a name
# Imperatives that open a prompt and that the small model reads as a first name ("Convert", "Summarise ...").
IMPERATIVES = frozenset(
    """convert summarise summarize explain translate rewrite draft write compare calculate list describe format
    check fix review generate create tell show give make help find outline analyse analyze simplify
    paraphrase proofread extract classify sort merge split update edit""".split()
)
# Words that are never part of a personal name: markings, job titles, letter-heading and form words.
NOT_NAME_WORDS = frozenset(
    """confidential proprietary secret classified unclassified restricted internal notice draft company engineering
    change order technician engineer manager director officer partner specialist analyst assistant coordinator
    supervisor administrator operator associate consultant representative president intern maintenance business
    senior junior lead principal chief department ii iii iv tel fax ext ref attn re fwd""".split()
)
# Firms named after people: the name is the firm's, not a person's.
FIRMS_NAMED_AFTER_PEOPLE = frozenset(
    """morgan stanley|charles schwab|goldman sachs|wells fargo|merrill lynch|edward jones|raymond james
    |jp morgan|j.p. morgan|lazard|rothschild|mcmaster|mcmaster-carr|grainger|johnson & johnson|ernst & young
    |dow jones|standard & poor|fannie mae|freddie mac|ben & jerry|procter & gamble|hewlett packard|dell|ford
    |mckinsey|deloitte|kpmg|fidelity|vanguard|schwab|barclays|lloyds|siemens|bosch|boeing|lockheed martin
    |northrop grumman|raytheon|honeywell|mckesson|walgreens|kaiser permanente|mayo clinic|johns hopkins
    |cleveland clinic|mount sinai|sloan kettering""".replace("\n    ", "").split("|")
)


class PersonNerRecognizer(SpacyRecognizer):
    """spaCy PERSON entities that look like names.

    Kept: letters, spaces and ``.-'`` only, with a capital. Dropped: a single word
    used as a label (``Banner:``), a lone initial plus one word (``C. Translate``), a
    placeholder (``$TOKEN``), spans with words no name has (markings, job titles) and
    firms named after people (``Charles Schwab``). An opening imperative (``Summarise
    Jane Doe's notes``) is cut off the span.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entities=["PERSON"])

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        kept = []
        for result in super().analyze(text, entities, nlp_artifacts):
            _drop_imperative(text, result)
            if result.start < result.end and _looks_like_a_name(text, result.start, result.end):
                kept.append(result)
        return kept


def _drop_imperative(text: str, result: RecognizerResult) -> None:
    """Move the span's start past an opening imperative verb (the whole span if that is all it is)."""
    first = re.match(r"[^\W\d_]+", text[result.start : result.end])
    if first and first.group().lower() in IMPERATIVES:
        rest = re.match(r"[^\W\d_]+\s*", text[result.start : result.end])
        result.start += rest.end() if rest else len(first.group())


def _looks_like_a_name(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    if not _NAME_SHAPE.fullmatch(span) or not any(char.isupper() for char in span):
        return False
    if _INITIAL_AND_WORD.fullmatch(span) or _VARIABLE.search(text, max(0, start - 2), start):
        return False
    words = re.findall(r"[^\W\d_]+", span.lower())
    if any(word in NOT_NAME_WORDS for word in words):
        return False
    firm = re.sub(r"(?:'s|')$", "", span.strip().lower())
    if firm in FIRMS_NAMED_AFTER_PEOPLE or any(firm.startswith(f + " ") for f in FIRMS_NAMED_AFTER_PEOPLE):
        return False
    return " " in span.strip() or not _LABEL.match(text, end)
