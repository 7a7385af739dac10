"""Spans taken for a person, or a person's e-mail address, that machine-written text is full of.

Coding agents send 40-90 KB of instructions with every turn (a system prompt, tool schemas,
environment reminders: ``bench.external.agent_prompts`` measures Claude Code's and Codex CLI's
own), and one false name in them keeps the whole turn away from the cloud model. Such text has
markdown headings, product, model and tool names, acronyms and lists of libraries, which NER
reads as people. None of these is a person's name:

- the single word opening a markdown heading (``## Validating your work``, ``# System``);
- a span made only of AI assistants', models' and their makers' names (``Claude Opus``,
  ``Anthropic``): ``ASSISTANT_WORDS``; or a word whose capitals say it is a brand or an acronym
  (``OpenAI``, ``ChatGPT``, ``APIs``);
- a lower-case span with a developer's word in it (``git repo``: both are names somewhere);
- a span followed by a version number (``Claude Sonnet 4.5``, ``Gemini 2.5``): a product;
- a word that the names lexicon does not know as a name, when it is an English word that is not
  a common name too (``call Workflow``; but ``John``, ``Rose``, ``Miller`` stay) or sits in a list
  of lower-case names of code (``matplotlib, plotly, Recharts``).

And a no-reply mailbox (``noreply@...``, ``mailer-daemon@...``) is no one's address.
Only single, uncued NER and lexicon guesses are judged here: a name a field or a label gave
(an HL7 ``PID-5``, ``patient: ...``) is never dropped.
"""

from __future__ import annotations

import re

from gateway.recognizers import lexicon

# Assistants, model families and their makers: never a person when a span holds only these.
ASSISTANT_WORDS = frozenset(
    """claude opus sonnet haiku anthropic openai chatgpt gpt codex copilot gemini bard deepmind llama mistral
    mixtral grok qwen deepseek gemma phi smollm cohere command perplexity cursor windsurf devin""".split()
)
# Developers' words that are also names somewhere (``git``, ``repo``, ``java``): never part of a lower-case name.
TECH_WORDS = frozenset(
    """git repo repos npm pip env cli api sdk json yaml toml bash shell zsh docker kube kubectl helm node deno java
    python ruby perl rust golang php swift kotlin scala linux unix macos windows""".split()
)
_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+\Z")
_BRAND_CAPITALS = re.compile(r"[a-z][A-Z]{2,}[a-z]?\Z|\A[A-Z]{2,}s\Z")  # OpenAI, ChatGPT; APIs, URLs
_VERSION_AFTER = re.compile(r"[ \t]+v?\d+(?:\.\d+)+\b")
_LIST_ITEM = re.compile(r"[^,()\n]+")
_CODE_NAME = re.compile(r"`[^`]+`|[a-z][a-z0-9_.@/-]*")
NO_REPLY = re.compile(r"(?i)(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)(?:[+.][^@]*)?@")

# The recognisers whose guesses are judged here (NER, and the lexicon's confirmations of it).
GUESSING = frozenset({"SpacyRecognizer", "PersonNerRecognizer", "PersonLexicon"})


def not_a_person(text: str, start: int, end: int) -> bool:
    """Whether the PERSON span ``text[start:end]`` is one of the kinds above."""
    words = text[start:end].split()
    if not words:
        return True
    if len(words) == 1 and _HEADING.search(text, max(0, start - 12), start):
        return True
    if all(w.strip(".,'’").lower().removesuffix("'s") in ASSISTANT_WORDS for w in words):
        return True
    if all(w.islower() for w in words) and any(w.strip(".,'’") in TECH_WORDS for w in words):
        return True  # "a git repo"
    if any(_BRAND_CAPITALS.search(w.strip(".,'’")) for w in words):
        return True
    if _VERSION_AFTER.match(text, end):
        return True
    return len(words) == 1 and _unknown_word(text, start, end, words[0].strip(".,'’"))


def _unknown_word(text: str, start: int, end: int, word: str) -> bool:
    if lexicon.is_name(word) or lexicon.is_common_name_too(word):
        return False
    if lexicon.is_english_word(word):
        return True
    return _in_code_list(text, start, end)


def _in_code_list(text: str, start: int, end: int) -> bool:
    """A comma-separated list (on one line) of which at least two other items are lower-case code names."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    items = [m.group().strip() for m in _LIST_ITEM.finditer(line) if m.group().strip()]
    others = [item for item in items if item != text[start:end]]
    return len(items) >= 3 and sum(_code_name(item) for item in others) >= 2


def _code_name(item: str) -> bool:
    """``matplotlib``, ```anthropic```, ``d3``: not a lower-case given name (``kadosa, jeffrey, abigail``)."""
    if item.startswith("`"):
        return _CODE_NAME.fullmatch(item) is not None
    return _CODE_NAME.fullmatch(item) is not None and not lexicon.is_name(item) and not lexicon.is_common_name_too(item)


def no_reply_mailbox(text: str, start: int, end: int) -> bool:
    """Whether the e-mail address ``text[start:end]`` is a no-reply or system mailbox."""
    return NO_REPLY.match(text, start, end) is not None
