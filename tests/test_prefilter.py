"""The one-pass pattern prefilter skips only what cannot match: drawn matches, real texts, same findings."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies._internal.regex import IncompatibleWithAlphabet
from presidio_analyzer import Pattern, PatternRecognizer

from bench.accuracy.corpus import SEED, build_corpus
from bench.prompts import agent_context, build_prompts
from gateway.pipeline.detect import Detector
from gateway.pipeline.normalise import fold
from gateway.recognizers import build_recognizers
from gateway.recognizers.base import GatewayPatternRecognizer
from gateway.recognizers.prefilter import PatternPrefilter
from gateway.types import Segment

_RECOGNIZERS = [r for r in build_recognizers() if isinstance(r, PatternRecognizer)]
_PATTERNS = [(r, p) for r in _RECOGNIZERS for p in r.patterns]


def _flags(recognizer: PatternRecognizer) -> int:
    return recognizer.global_regex_flags or 0


@pytest.fixture(scope="module")
def prefilter() -> PatternPrefilter:
    built = PatternPrefilter(_RECOGNIZERS)
    for recognizer in _RECOGNIZERS:
        built.install(recognizer)
    assert built.wait(120)
    return built


# A pattern may open with a first-letter hint, ``(?=(?i:[bd]))``, that lets the regex engine skip other
# positions cheaply. Hypothesis draws past such a look-ahead by rejection, hundreds of tries and then
# often none, so matches are drawn from the rest of the pattern; the whole pattern must still match
# them (a hint that leaves out a letter its pattern can start with loses matches, and fails here).
_FIRST_LETTER_HINT = re.compile(r"\(\?=(?:\(\?i:)?\[[^\]]+\]\)?\)")


def _drawable(regex: str) -> str:
    hint = _FIRST_LETTER_HINT.match(regex)
    return regex[hint.end() :] if hint else regex


def _may_match(prefilter: PatternPrefilter, recognizer: PatternRecognizer, pattern: object, text: str) -> bool:
    possible = prefilter.possible(recognizer, text)
    return possible is None or pattern in possible


def test_every_pattern_can_be_skipped(prefilter: PatternPrefilter) -> None:
    """Every pattern of our recognisers is translated, compiled and skippable; only Presidio recognisers
    whose class analyses more than the text it is given (views, checks of its own) run every pattern."""
    own = [(r, p) for r, p in _PATTERNS if isinstance(r, GatewayPatternRecognizer)]
    plain = [(r, p) for r, p in _PATTERNS if type(r).analyze is PatternRecognizer.analyze]
    others = [f"{r.name}.{p.name}" for r, p in _PATTERNS if (r, p) not in own and (r, p) not in plain]
    assert sorted(prefilter.untranslated) == sorted(others)
    assert prefilter.patterns == len({(p.regex, _flags(r)) for r, p in own + plain})
    assert len(own) > 100


@pytest.mark.parametrize(("recognizer", "pattern"), _PATTERNS, ids=[f"{r.name}.{p.name}" for r, p in _PATTERNS])
def test_drawn_matches_are_never_skipped(prefilter: PatternPrefilter, recognizer: PatternRecognizer, pattern) -> None:  # type: ignore[no-untyped-def]
    """Strings Hypothesis draws to match a pattern (ASCII, with text around them) are always let through."""
    regex = re.compile(pattern.regex, _flags(recognizer))
    drawable = re.compile(_drawable(pattern.regex), _flags(recognizer))

    def check(strategy: st.SearchStrategy[str]) -> None:
        @settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
        @given(strategy)
        def drawn(text: str) -> None:
            assert regex.search(text), (
                f"{pattern.name} does not match {text!r}: its first-letter hint leaves a letter out"
            )
            assert _may_match(prefilter, recognizer, pattern, text), f"{pattern.name} skipped on a match"

        drawn()

    try:
        try:
            check(st.from_regex(drawable, alphabet=st.characters(codec="ascii")))
        except IncompatibleWithAlphabet:  # a branch needs a character beyond ASCII: draw any text (ASCII ones checked)
            check(st.from_regex(drawable))
    except Unsatisfiable:  # look-arounds Hypothesis cannot draw past: covered by the real texts below
        pytest.skip("Hypothesis draws no match for this pattern's look-arounds")


def test_real_texts(prefilter: PatternPrefilter) -> None:
    """On the benchmark prompts, agent contexts and labelled corpus: a pattern that matches is never
    skipped, and most that do not match are (or the prefilter would be no use)."""
    texts = [fold(t).text for t in build_prompts(2)]
    texts += [fold(t).text for t in agent_context(8 * 1024, planted=True)]
    texts += [fold(m.text).text for case in build_corpus(SEED) for m in case.messages]
    texts += [m.text for case in build_corpus(SEED) for m in case.messages if not m.text.isascii()]  # as sent
    skipped = idle = 0
    for recognizer, pattern in _PATTERNS:
        regex = re.compile(pattern.regex, _flags(recognizer))
        for text in texts:
            may = _may_match(prefilter, recognizer, pattern, text)
            if regex.search(text):
                assert may, f"{recognizer.name}.{pattern.name} skipped on a match"
            else:
                idle += 1
                skipped += not may
    assert skipped > 0.5 * idle


@pytest.mark.parametrize(
    ("regex", "flags", "text"),
    [
        (r"(?i)kelvin", 0, "KELVIN"),  # case folding as re has it
        (r"(?i)kelvin", 0, "\u212aelvin"),  # the Kelvin sign folds to "k"
        (r"(?i:abc)DEF", 0, "aBcDEF"),
        (r"\s\d", 0, "a\x1c7"),  # Python's \s holds the information separators
        (r"\d{3}", 0, "\u0661\u0662\u0663"),  # Arabic-Indic digits are \d to Python
        (r"(?<!x)ab(?=c)", 0, "abc"),  # look-arounds widen, never narrow
        (r"(a)\1b", 0, "aab"),
        (r"^x$", re.MULTILINE, "a\nx\nb"),
        (r"[^\W\d]+z", 0, "\u00e9\u00e8z"),
        (r"caf\u00e9|bar", 0, "un caf\u00e9"),  # a character beyond ASCII
        (r"\w+\b\.", 0, "caf\u00e9."),  # "é" is a word character to Python
        (r"\bfoo", 0, "\u00e9 foo"),
        (r"[^a]{2}", 0, "\u00e9\u00e9"),
    ],
)
def test_translation_keeps_matches(regex: str, flags: int, text: str) -> None:
    """A match Python finds is never skipped, whatever the text holds; a text it cannot match is."""
    assert re.search(regex, text, flags)
    pattern = Pattern("p", regex, 0.5)
    recognizer = PatternRecognizer(supported_entity="X", patterns=[pattern], global_regex_flags=flags)
    prefilter = PatternPrefilter([recognizer])
    assert prefilter.wait(30)
    assert prefilter.patterns == 1
    assert prefilter.possible(recognizer, text) == [pattern]
    if not re.search(regex, "-", flags):
        assert prefilter.possible(recognizer, "-") == []  # and a text it cannot match is skipped


def test_same_findings_with_and_without(detector: Detector) -> None:
    """The detector with its prefilter finds exactly what it finds without it."""
    plain = Detector(cache_entries=0, prefilter=False)
    texts = build_prompts(2) + agent_context(16 * 1024, planted=True)
    texts += [m.text for case in build_corpus(SEED)[:200] for m in case.messages]
    for text in texts:
        segments = [Segment(0, "user", text)]
        assert detector.detect(segments) == plain.detect(segments)
