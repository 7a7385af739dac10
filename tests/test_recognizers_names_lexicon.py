"""Names the lexicon confirms (``lexicon``, ``ner.PersonLexiconRecognizer``), through the real detector."""

from __future__ import annotations

import pytest

from gateway.pipeline.detect import Detector
from gateway.recognizers import lexicon
from gateway.types import Message
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide real Detector)


def _persons(detector: Detector, text: str) -> list[str]:  # noqa: F811
    findings = detector.detect([Message(0, "user", text)])
    return sorted(text[f.start : f.end] for f in findings if f.entity_type == "PERSON")


@pytest.mark.parametrize(
    ("word", "given"),
    [("Dagny", True), ("tomasz", True), ("KEIKO", True), ("will", False), ("the", False), ("Python", False)],
)
def test_given_names(word: str, given: bool) -> None:
    # "will" is a given name too, but an English word: the lexicon leaves it to NER and context
    assert lexicon.is_given_name(word) is given


@pytest.mark.parametrize(("word", "surname"), [("Wiśniewska", True), ("Okafor", True), ("street", False)])
def test_surnames(word: str, surname: bool) -> None:
    assert lexicon.is_surname(word) is surname


def test_lexicon_english_words() -> None:
    assert lexicon.is_english_word("Station") and lexicon.is_english_word("brown")
    assert not lexicon.is_english_word("Nekrasov")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ask Dagny about the invoice before Friday", ["Dagny"]),
        ("Tomasz, Ana and Keiko will join the call", ["Ana", "Keiko", "Tomasz"]),
        ("Name:    Klaudia Wiśniewska\nAddress: 12 Long Street", ["Klaudia Wiśniewska"]),
        ("Trifon Nekrasov\nRisk manager\nGoosehead Insurance", ["Trifon Nekrasov"]),
        ("jake johnston\nmesa laboratories inc.", ["jake johnston"]),
        ("the kids were kadosa, jeffrey, abigail, sara and adam.", ["abigail", "adam", "jeffrey", "kadosa", "sara"]),
        ("Rebecca is a very sympathetic person, everyone says so.", ["Rebecca"]),
        ("I'm so jealous! said Callum to Haley", ["Callum", "Haley"]),
        ("I talked just like this!\\nCaroline: You saved my life!", ["Caroline"]),
        ("what a night.\nkeith: you saved my life, how can i repay you", ["keith"]),
        ("Katić began writing as a teenager and never stopped.", ["Katić"]),
        ("Her maiden name is Ivančić, she said.", ["Ivančić"]),
    ],
)
def test_names_found(detector: Detector, text: str, expected: list[str]) -> None:  # noqa: F811
    assert _persons(detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I moved to Georgia last year and the weather is better there.",
        "France was super fun to visit in the spring.",
        "We returned to San Felice by helicopter on Sunday morning.",
        "Ask Claude to fix the failing test in the parser module.",
        "There's this nice new German place downtown, is it any good?",
        "please run the tests and then merge the branch into main",
        "Rewrite this so it reads more professionally, and keep the facts the same.",
    ],
)
def test_not_names(detector: Detector, text: str) -> None:  # noqa: F811
    assert _persons(detector, text) == []
