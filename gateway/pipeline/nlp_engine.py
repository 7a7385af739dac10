"""The spaCy engine behind detection: NER only, loaded from an installed package, never downloaded."""

from __future__ import annotations

import copy
import re
import threading
from bisect import bisect_right
from collections.abc import Callable, Sequence
from functools import cached_property, partial
from pathlib import Path

import spacy
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.context_aware_enhancers import ContextAwareEnhancer, LemmaContextAwareEnhancer
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.attrs import IDX, LENGTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from gateway.recognizers.ner import IMPERATIVES

# NER runs on sentences that could hold a name (see ``ner_segments``), in one batch.
_SENTENCE = re.compile(r"[^\n]+?(?:(?<!\b[A-Z]\.)(?<!\b[A-Z][a-z]\.)(?<!\b[A-Z][a-z]{2}\.)[.!?](?=\s)|(?=\n)|$)")
_WORD = re.compile(r"[^\W_]+")
# Sentences per ``nlp.pipe`` batch when several texts are detected together: 128 short sentences run
# about an eighth faster than 32, with the same entities (docs/benchmarks-history.md, "Data-set scan per core").
NER_BATCH = 128


# spaCy's OntoNotes labels other than PERSON: only PERSON is used (gateway.recognizers.ner).
_NOT_PERSON = [
    "CARDINAL", "DATE", "EVENT", "FAC", "GPE", "LANGUAGE", "LAW", "LOC", "MONEY", "NORP", "ORDINAL", "ORG",
    "ORGANIZATION", "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
]  # fmt: skip


class ModelNotInstalledError(RuntimeError):
    """The configured spaCy model is neither an installed package nor a path."""


class OfflineSpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, reduced to the tokenizer and the NER component.

    Tagger, parser and lemmatizer are excluded (PERSON needs only NER); context
    words are matched against lower-cased tokens instead of lemmas. spaCy calls
    are serialised with a lock, since the tokenizer keeps a mutable cache.

    NER runs only on the sentences that could hold a name (``ner_segments``),
    as one batch; entities are mapped back onto one ``Doc`` of the whole text,
    so offsets and context words are those of the whole text.
    """

    def __init__(self, model_name: str) -> None:
        super().__init__(
            models=[{"lang_code": "en", "model_name": model_name}],
            ner_model_configuration=NerModelConfiguration(labels_to_ignore=_NOT_PERSON),
        )
        self.model_name = model_name
        self._lock = threading.Lock()

    def load(self) -> None:
        if not (spacy.util.is_package(self.model_name) or Path(self.model_name).exists()):
            raise ModelNotInstalledError(f"spaCy model {self.model_name!r} is not installed")
        nlp = spacy.load(self.model_name)
        for name in [pipe for pipe in nlp.pipe_names if pipe != "ner"]:
            nlp.remove_pipe(name)
        self.nlp = {"en": nlp}

    @property
    def model_version(self) -> str:
        nlp = self.get_nlp("en")
        return f"{nlp.meta.get('name', '')}-{nlp.meta.get('version', '')}"

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        return self.process_texts([text], language)[0]

    def process_texts(self, texts: Sequence[str], language: str) -> list[NlpArtifacts]:
        """``process_text`` of each of ``texts``, NER run over all their candidate sentences in one ``nlp.pipe``."""
        nlp = self.get_nlp(language)
        texts = [ner_text(text) for text in texts]
        segments = [ner_segments(text) for text in texts]
        sentences = [segment for found in segments for _, segment in found]
        with self._lock:
            docs = [nlp.make_doc(text) for text in texts]
            parsed = iter(list(nlp.pipe(sentences, batch_size=NER_BATCH)) if sentences else [])
        return [
            self._with_entities(doc, text, [(offset, next(parsed)) for offset, _ in found], language)
            for doc, text, found in zip(docs, texts, segments, strict=True)
        ]

    def _with_entities(self, doc: Doc, text: str, parsed: list[tuple[int, Doc]], language: str) -> NlpArtifacts:
        """The artifacts of ``doc`` with the entities NER found in its sentences (``parsed``, with their offsets)."""
        entities: list[Span] = []
        for offset, part in parsed:
            for ent in part.ents:
                span = doc.char_span(
                    offset + ent.start_char, offset + ent.end_char, label=ent.label_, alignment_mode="expand"
                )
                if span is not None:
                    entities.append(span)
        doc.set_ents(filter_spans(entities))
        return self._artifacts(doc, text, language)

    def tokenize(self, text: str, language: str = "en") -> NlpArtifacts:
        """Artifacts with tokens only (no NER), for context words on secondary views.

        The ``Doc`` is made on first use: most views yield no result that needs context words.
        """
        return LazyNlpArtifacts(partial(self._make_doc, text, language), text, [], [], self, language)

    def _make_doc(self, text: str, language: str) -> Doc:
        with self._lock:
            return self.get_nlp(language).make_doc(text)

    def _artifacts(self, doc: Doc, text: str, language: str) -> NlpArtifacts:
        """``NlpArtifacts`` of ``doc``, made from ``text`` (``doc.text`` is rebuilt token by token)."""
        entities = doc.ents
        scores = self._get_scores_for_entities(doc)
        entities, scores = self._get_updated_entities(entities, scores)
        return LazyNlpArtifacts(doc, text, list(entities), scores, self, language)


class LazyNlpArtifacts(NlpArtifacts):
    """``NlpArtifacts`` whose token offsets, lower-cased tokens and keywords are computed on first use.

    Most views yield no result with context words, so these per-token lists
    (built from arrays, without a spaCy ``Token`` object per token) are usually
    never needed. Same values as Presidio's eager ones.
    """

    def __init__(
        self,
        doc: Doc | Callable[[], Doc],
        text: str,
        entities: list[Span],
        scores: list[float],
        nlp_engine: SpacyNlpEngine,
        language: str,
    ) -> None:
        self._doc = doc
        self._text = text
        self.entities = entities
        self.nlp_engine = nlp_engine
        self.language = language
        self.scores = scores if scores else [0.85] * len(entities)

    @cached_property
    def tokens(self) -> Doc:  # type: ignore[override]
        return self._doc if isinstance(self._doc, Doc) else self._doc()

    @cached_property
    def _offsets(self) -> tuple[list[int], list[int]]:
        """Start and end offset of each token, converted column by column (a 2-D ``tolist`` is ten times slower)."""
        if not len(self.tokens):
            return [], []
        spans = self.tokens.to_array([IDX, LENGTH])
        return spans[:, 0].tolist(), (spans[:, 0] + spans[:, 1]).tolist()

    @cached_property
    def tokens_indices(self) -> list[int]:  # type: ignore[override]
        return self._offsets[0]

    @cached_property
    def token_ends(self) -> list[int]:
        """End offset of each token (non-decreasing: tokens are ordered and disjoint)."""
        return self._offsets[1]

    @cached_property
    def lemmas(self) -> list[str]:  # type: ignore[override]
        text = self._text
        return [text[start:end].lower() for start, end in zip(*self._offsets, strict=True)]

    @cached_property
    def keywords(self) -> list[str]:  # type: ignore[override]
        return self.set_keywords(self.nlp_engine, self.lemmas, self.language)

    @cached_property
    def keyword_set(self) -> _Keywords:
        return _Keywords(self)


class _Keywords:
    """Membership in ``keywords`` for a lower-cased lemma, without building the whole list.

    A lemma without ":" is a keyword when it is not a stop word, punctuation,
    "-PRON-" or "be" (Presidio's filter), or when it is a ":"-separated part of
    a lemma that is; a lemma with ":" never is (keywords are split on ":").
    """

    def __init__(self, artifacts: LazyNlpArtifacts) -> None:
        self._artifacts = artifacts
        self._known: dict[str, bool] = {}
        self._parts = {
            part
            for lemma in artifacts.lemmas
            if ":" in lemma and self._qualifies(lemma)
            for part in lemma.lower().split(":")
        }

    def _qualifies(self, lemma: str) -> bool:
        engine, language = self._artifacts.nlp_engine, self._artifacts.language
        return (
            not engine.is_stopword(lemma, language)
            and not engine.is_punct(lemma, language)
            and lemma != "-PRON-"
            and lemma != "be"
        )

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str) or ":" in word:
            return False
        if word in self._parts:
            return True
        known = self._known.get(word)
        if known is None:
            known = self._known[word] = self._qualifies(word)
        return known


class FastLemmaContextAwareEnhancer(LemmaContextAwareEnhancer):
    """Presidio's enhancer, with the match's token found by bisection and keywords looked up in a set,
    and only the results it raises copied.

    Presidio walks the ``Doc`` up to the match for every result (a ``Token``
    object per step) and tests keywords against a list; the context words found
    are the same. It also deep-copies every result before looking at any (a
    tenth of detection's time); here a result is copied, with its explanation,
    only when a context word raises its score, so the input list is never changed
    and the results are the same.
    """

    def enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        by_id = {recognizer.id: recognizer for recognizer in recognizers}
        extra = [word.lower() for word in context] if context else []
        if nlp_artifacts is None:
            return [_copied(result) for result in raw_results]
        results = []
        for result in raw_results:
            metadata = result.recognition_metadata or {}
            recognizer = by_id.get(metadata.get(RecognizerResult.RECOGNIZER_IDENTIFIER_KEY))
            if (
                recognizer is None
                or not recognizer.context
                or metadata.get(RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY)
            ):
                results.append(result)
                continue
            surrounding = self._extract_surrounding_words(
                nlp_artifacts=nlp_artifacts, word=text[result.start : result.end], start=result.start
            )
            surrounding.extend(extra)
            word = self._find_supportive_word_in_context(surrounding, recognizer.context, self.context_matching_mode)
            if word == "":
                results.append(result)
                continue
            raised = _copied(result)
            raised.score = min(
                max(raised.score + self.context_similarity_factor, self.min_score_with_context_similarity),
                ContextAwareEnhancer.MAX_SCORE,
            )
            if raised.analysis_explanation is not None:
                raised.analysis_explanation.set_supportive_context_word(word)
                raised.analysis_explanation.set_improved_score(raised.score)
            results.append(raised)
        return results

    def _extract_surrounding_words(self, nlp_artifacts: NlpArtifacts, word: str, start: int) -> list[str]:
        if not isinstance(nlp_artifacts, LazyNlpArtifacts) or not nlp_artifacts.tokens:
            return super()._extract_surrounding_words(nlp_artifacts, word, start)
        # The first token with ``idx == start`` or ``start < idx + len``: the first whose end passes ``start``.
        token_index = bisect_right(nlp_artifacts.token_ends, start)
        if token_index == len(nlp_artifacts.token_ends):
            raise ValueError(f"no token at offset {start}")  # Presidio's error, without the matched text
        keywords = nlp_artifacts.keyword_set
        backward = self._add_n_words_backward(token_index, self.context_prefix_count, nlp_artifacts.lemmas, keywords)  # type: ignore[arg-type]
        forward = self._add_n_words_forward(token_index, self.context_suffix_count, nlp_artifacts.lemmas, keywords)  # type: ignore[arg-type]
        return list(set(backward + forward))


def _copied(result: RecognizerResult) -> RecognizerResult:
    """A copy of ``result`` whose score and explanation can change without changing ``result``."""
    copied = copy.copy(result)
    if result.analysis_explanation is not None:
        copied.analysis_explanation = copy.copy(result.analysis_explanation)
    return copied


def ner_text(text: str) -> str:
    """``text`` as NER reads it: an escaped line break ("Jane Doe\\n42 Main St" in a JSON string or a
    template) is a line break; the replacement has the same length, so offsets do not move."""
    return text.replace("\\n", " \n")


def ner_segments(text: str) -> list[tuple[int, str]]:
    """The runs of sentences of ``text`` that could hold a name, with their offsets.

    A sentence is a candidate when one of its words is capitalised as a name is (``Dagny``,
    ``McAllister``; not ``KeyError`` or ``INFO``) or two upper-case words follow each other
    (``JOHN SMITH``), not counting a word that opens the sentence or a quoted string (a JSON value,
    a quotation) by grammar (a stop word, an imperative, a greeting: "The", "Summarise", "Thanks";
    ``"description": "The tool..."``): the model finds names by their
    capitals, and a one-word name ("ask Dagny") is a name. Lower-case names are the contextual
    patterns' (``gateway.recognizers.identity``). Log lines, stack traces and most code fall
    out. Adjacent candidate sentences form one segment, so NER keeps their context.
    """
    segments: list[tuple[int, str]] = []
    run_start = run_end = -1
    for sentence in _SENTENCE.finditer(text):
        if _may_hold_a_name(sentence.group()):
            if run_start < 0 or text[run_end : sentence.start()].count("\n") > 1:
                if run_start >= 0:
                    segments.append((run_start, text[run_start:run_end]))
                run_start = sentence.start()
            run_end = sentence.end()
        elif run_start >= 0:
            segments.append((run_start, text[run_start:run_end]))
            run_start = -1
    if run_start >= 0:
        segments.append((run_start, text[run_start:run_end]))
    return segments


def _may_hold_a_name(sentence: str) -> bool:
    opening = True
    upper_run = 0
    previous_end = 0
    for match in _WORD.finditer(sentence):
        word = match.group()
        if _QUOTE.search(sentence, previous_end, match.start()):
            opening = True  # a quoted string (a JSON value, a quotation) opens like a sentence
        previous_end = match.end()
        if word[0].isupper():
            if word[1:].islower() or _MC_NAME.fullmatch(word):
                if not (opening and word.lower() in _NOT_AN_OPENING_NAME):
                    return True
            elif word.isalpha() and word.isupper() and len(word) > 1:
                upper_run += 1
                if upper_run == 2:  # JOHN SMITH
                    return True
                opening = False
                continue
        upper_run = 0
        opening = False
    return False


_MC_NAME = re.compile(r"(?:Mc|Mac|O)[A-Z][a-z]+")
_QUOTE = re.compile(r"[\"\u201c\u00ab]")
# Words that open a sentence with a capital by grammar, not by being a name.
_NOT_AN_OPENING_NAME = (
    STOP_WORDS
    | IMPERATIVES
    | frozenset("thanks thank hi hello hey dear regards cheers file traceback error warning note please".split())
)
