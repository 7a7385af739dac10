"""Which sentences go to spaCy's NER: those with a capitalised word (a one-word name is a name too)."""

from __future__ import annotations

import pytest

from gateway.pipeline.detect import Detector
from gateway.pipeline.nlp_engine import ner_segments
from gateway.types import Message


@pytest.mark.parametrize(
    "text",
    [
        "2024-05-09 10:40:05 request_id=2306575301 path=/api/v2/orders status=200",
        "The board met this morning",  # only the opening stop word is capitalised
        "I think we should retry the upload.",
        "please summarise the attached notes",
        "{'created_at': 1715251205, 'status': 200}",
        '{"name": "read_file", "description": "The path to read", "hint": "Thanks for asking"}',  # quoted openings
    ],
)
def test_sentences_that_cannot_hold_a_name_are_skipped(text: str) -> None:
    assert ner_segments(text) == []


@pytest.mark.parametrize(
    ("text", "segment"),
    [
        ("Please ask Jane Doe to call back.", "Please ask Jane Doe to call back."),
        ("The patient Maria Lopez was seen.", "The patient Maria Lopez was seen."),
        ("JOHN SMITH, bed 4", "JOHN SMITH, bed 4"),
        ("Portrait by van Gogh, oil", "Portrait by van Gogh, oil"),  # a particle before a single capital
        ("please ask Dagny to call back", "please ask Dagny to call back"),  # a one-word name
        ("The Board met this morning", "The Board met this morning"),
        ('{"note": "Ask Jane to call"}', '{"note": "Ask Jane to call"}'),  # a name after a quoted opening
        ('{"note": "Dagny called"}', '{"note": "Dagny called"}'),  # a name opening a quoted string
    ],
)
def test_sentences_with_a_possible_name_are_kept(text: str, segment: str) -> None:
    assert ner_segments(text) == [(0, segment)]


def test_segments_keep_their_offsets_and_adjacent_candidates_join() -> None:
    text = "status=200 start\nAsk Jane Doe. Then ask Tom Berg.\n\nerror: x\nCall Ann Lee now."
    segments = ner_segments(text)
    assert [text[offset : offset + len(part)] for offset, part in segments] == [part for _, part in segments]
    assert [part for _, part in segments] == ["Ask Jane Doe. Then ask Tom Berg.", "Call Ann Lee now."]


def test_a_name_amid_log_lines_is_still_found(detector: Detector) -> None:
    text = (
        "2024-05-09 10:40:05 INFO request_id=2306575301 status=200\n"
        "Escalated by Priya Raman from the night shift.\n"
        "2024-05-09 10:40:06 INFO request_id=2306575302 status=200"
    )
    found = [(f.entity_type, text[f.start : f.end]) for f in detector.detect([Message(0, "user", text)])]
    assert ("PERSON", "Priya Raman") in found


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("please ask Dagny about the refill", "Dagny"),
        ("Kristin Fuerst\\n\\n12 Albert St", "Kristin Fuerst"),  # an escaped line break ends the name
        ("They had six: Bruno, Stacey, Laurie, Paul, Allison and Zachary.", "Zachary"),  # listed with names
    ],
)
def test_one_word_and_escaped_line_names_are_found(detector: Detector, text: str, name: str) -> None:
    found = [(f.entity_type, text[f.start : f.end]) for f in detector.detect([Message(0, "user", text)])]
    assert ("PERSON", name) in found


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("You are Claude Code, Anthropic's official CLI for Claude.", []),
        ("You are Aria, a helpful assistant. Aria answers briefly.", []),
        ("Anthropic's official SDK and Maria Gonzalez's notes.", ["Maria Gonzalez"]),
        ("You are Aria. Write to Maria Gonzalez about her visit with Dr. Okafor.", ["Maria Gonzalez", "Okafor"]),
    ],
)
def test_the_assistants_own_name_is_not_a_person(detector: Detector, text: str, names: list[str]) -> None:
    found = [text[f.start : f.end] for f in detector.detect([Message(0, "system", text)]) if f.entity_type == "PERSON"]
    assert [n for n in names if not any(n in f for f in found)] == []
    assert not any("Claude" in f or "Aria" in f or "Anthropic" in f for f in found)
