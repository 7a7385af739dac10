"""The spaCy engine behind detection: NER only, loaded from an installed package, never downloaded."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

# NER runs on sentences that could hold a name (see ``ner_segments``), in one batch.
_SENTENCE = re.compile(r"[^\n]+?(?:(?<!\b[A-Z]\.)(?<!\b[A-Z][a-z]\.)(?<!\b[A-Z][a-z]{2}\.)[.!?](?=\s)|(?=\n)|$)")
_CAPITALISED_WORD = re.compile(r"[^\W_]*[^\W\d_a-z][^\W_]*")  # a word with a letter that is not a-z


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
        nlp = self.get_nlp(language)
        segments = ner_segments(text)
        with self._lock:
            doc = nlp.make_doc(text)
            parsed = list(nlp.pipe(segment for _, segment in segments)) if segments else []
        entities: list[Span] = []
        for (offset, _), part in zip(segments, parsed, strict=True):
            for ent in part.ents:
                span = doc.char_span(
                    offset + ent.start_char, offset + ent.end_char, label=ent.label_, alignment_mode="expand"
                )
                if span is not None:
                    entities.append(span)
        doc.set_ents(filter_spans(entities))
        return self._doc_to_nlp_artifact(doc, language)

    def tokenize(self, text: str, language: str = "en") -> NlpArtifacts:
        """Artifacts with tokens only (no NER), for context words on secondary views."""
        with self._lock:
            doc = self.get_nlp(language).make_doc(text)
        return self._doc_to_nlp_artifact(doc, language)

    def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> NlpArtifacts:
        entities = doc.ents
        scores = self._get_scores_for_entities(doc)
        entities, scores = self._get_updated_entities(entities, scores)
        return NlpArtifacts(
            entities=entities,
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self,
            language=language,
            scores=scores,
        )


def ner_segments(text: str) -> list[tuple[int, str]]:
    """The runs of sentences of ``text`` that could hold a name, with their offsets.

    A PERSON span without a capital letter is dropped (``gateway.recognizers.ner``),
    so a sentence is a candidate only if it has a capitalised word other than a
    stop word opening it ("The", "During") or the pronoun "I". Adjacent
    candidate sentences form one segment, so NER keeps their context.
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
    opening = len(sentence) - len(sentence.lstrip())
    for match in _CAPITALISED_WORD.finditer(sentence):
        word = match.group()
        if word == "I" or (match.start() == opening and word.lower() in STOP_WORDS):
            continue
        return True
    return False
