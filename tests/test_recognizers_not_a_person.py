"""Machine-written text's look-alikes of people (gateway.recognizers.not_a_person), and real names beside them."""

from __future__ import annotations

import pytest

from gateway.recognizers.not_a_person import no_reply_mailbox, not_a_person


def _span(text: str, marked: str) -> tuple[int, int]:
    start = text.index(marked)
    return start, start + len(marked)


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("notes.\n\n## Validating your work\n\nIf the codebase", "Validating"),
        ("files.\n# System\n - All text", "System"),
        ("You are a Claude agent, built on Anthropic's Claude Agent SDK.", "Anthropic"),
        ("switches the session to Claude Opus. It can be toggled", "Claude Opus"),
        ("Co-Authored-By: Claude Sonnet 4.5 <noreply@anthropic.com>", "Claude Sonnet"),
        ("the Codex language model built by OpenAI).", "OpenAI"),
        ("Ask ChatGPT to draft it", "ChatGPT"),
        ("boundaries (user input, external APIs). Don't", "APIs"),
        ("instructions tell you to call Workflow.", "Workflow"),
        ("any library (matplotlib, plotly, d3, Recharts, …), an image", "Recharts"),
        ("Gemini 2.5 answered in a second", "Gemini"),
        ("Is directory a git repo: Yes", "git repo"),
    ],
)
def test_machine_text_is_not_a_person(text: str, span: str) -> None:
    assert not_a_person(text, *_span(text, span))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("## Notes\nask Dagny about the rota", "Dagny"),
        ("# Maria Gonzalez\nAdmitted on Monday", "Maria Gonzalez"),  # two words opening a heading: a name
        ("Patient Ingrid Svensson, DOB 07/02/1958", "Ingrid Svensson"),
        ("Tomasz, Ana and Keiko are on call", "Keiko"),
        ("The invoice went to Claude Martin last week", "Claude Martin"),  # a person called Claude
        ("Beata Kowalczyk 12 Lipowa St", "Beata Kowalczyk"),
        ("Heiðarsson and Stone were precision engineers.", "Stone"),  # English words that are common names
        ("They had 6: Lara, Joseph, Kelsey, Dean, Clifford and James.", "Dean"),
        ("they had 6: racław, christopher, michael, nichole", "racław"),
        ("pt is mei-ling chow, 54", "mei-ling chow"),
        ("Ruby Rose signed the consent form", "Ruby Rose"),  # a lower-case list of names, not code
    ],
)
def test_people_stay(text: str, span: str) -> None:
    assert not not_a_person(text, *_span(text, span))


@pytest.mark.parametrize(
    ("address", "machine"),
    [
        ("noreply@anthropic.com", True),
        ("no-reply@bank.example", True),
        ("do-not-reply@hospital.org", True),
        ("mailer-daemon@mail.example.com", True),
        ("maria.gonzalez@hospital.org", False),
        ("12345+mgonzalez@users.noreply.github.com", False),  # tied to one person's account
        ("replyto.nora@clinic.example", False),
    ],
)
def test_no_reply_mailboxes(address: str, machine: bool) -> None:
    text = f"Contact: <{address}> today"
    assert no_reply_mailbox(text, *_span(text, address)) is machine
