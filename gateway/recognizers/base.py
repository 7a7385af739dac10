"""The one base class our pattern recognisers share: class-level data, no boilerplate."""

from __future__ import annotations

import copy
import re
from typing import Any, ClassVar

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts


def found(
    recognizer: EntityRecognizer, start: int, end: int, score: float, explanation: AnalysisExplanation
) -> RecognizerResult:
    """A result of ``recognizer`` (its entity), named as the detector records it."""
    return RecognizerResult(
        entity_type=recognizer.supported_entities[0],
        start=start,
        end=end,
        score=score,
        analysis_explanation=explanation,
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


def analyze_patterns(
    recognizer: PatternRecognizer,
    patterns: list[Pattern] | None,
    text: str,
    entities: list[str],
    nlp_artifacts: NlpArtifacts | None,
    regex_flags: int | None,
) -> list[RecognizerResult]:
    """Presidio's pattern loop of ``recognizer`` over ``text``, running ``patterns`` only (None: all)."""
    if patterns is None or len(patterns) == len(recognizer.patterns):
        return PatternRecognizer.analyze(recognizer, text, entities, nlp_artifacts, regex_flags)
    if not patterns:
        return []
    narrowed = copy.copy(recognizer)  # the same name and id: context and results as the original's
    narrowed.patterns = patterns
    return PatternRecognizer.analyze(narrowed, text, entities, nlp_artifacts, regex_flags)


class GatewayPatternRecognizer(PatternRecognizer):
    """A Presidio ``PatternRecognizer`` configured from class attributes.

    Subclasses set ``ENTITY``, ``PATTERNS`` and ``CONTEXT`` and may override
    ``validate_result`` (True: confirmed, score 1.0; False: rejected; None: keep
    the pattern score). Patterns are case-sensitive unless they say ``(?i:...)``.
    """

    ENTITY: ClassVar[str]
    PATTERNS: ClassVar[list[Pattern]]
    CONTEXT: ClassVar[list[str]] = []
    FLAGS: ClassVar[int] = re.DOTALL | re.MULTILINE
    # Set by ``PatternPrefilter.install``: each text runs only the patterns that may match it.
    prefilter: Any = None

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity=self.ENTITY,
            patterns=list(self.PATTERNS),
            context=list(self.CONTEXT),
            supported_language=supported_language,
            global_regex_flags=self.FLAGS,
        )

    def possible_patterns(self, text: str) -> list[Pattern]:
        """The patterns that may match ``text`` (all of them without a prefilter)."""
        possible = self.prefilter.possible(self, text) if self.prefilter is not None else None
        return self.patterns if possible is None else possible

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        """Presidio's pattern loop over ``text``, with the patterns that cannot match it left out."""
        return analyze_patterns(self, self.possible_patterns(text), text, entities, nlp_artifacts, regex_flags)


class LabelledValueRecognizer(GatewayPatternRecognizer):
    """Patterns with a ``value`` group: the label confirms, the finding covers the value only.

    For identifiers with no format of their own (record, member and account
    numbers, dates of birth): the label (``MRN:``, ``DOB``) is what makes the
    value regulated, and reporting only the value keeps redaction exact.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language)
        self._compiled = {id(pattern): re.compile(pattern.regex, self.FLAGS) for pattern in self.patterns}

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        seen: set[tuple[int, int]] = set()  # one result per span, from the first pattern that finds it
        for pattern in self.possible_patterns(text):
            for match in self._compiled[id(pattern)].finditer(text):
                start, end = match.span("value")
                if start == end or (start, end) in seen:
                    continue
                validation = self.validate_result(text[start:end])
                if validation is False:
                    continue
                seen.add((start, end))
                score = self.MAX_SCORE if validation else pattern.score
                explanation = self.build_regex_explanation(
                    self.name, pattern.name, pattern.regex, score, validation, self.FLAGS
                )
                results.append(found(self, start, end, score, explanation))
        return results


class ResultCheck:
    """Mixin for a recogniser whose results are checked against the text around them.

    Put it first in the bases: Presidio's ``analyze`` runs, then ``keep(text, result)``
    decides for each result (and may narrow its span). Subclasses implement ``keep``.
    """

    def analyze(
        self,
        text: str,
        entities: list[str],
        nlp_artifacts: NlpArtifacts | None = None,
        regex_flags: int | None = None,
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = super().analyze(text, entities, nlp_artifacts, regex_flags)  # type: ignore[misc]
        return [result for result in results if self.keep(text, result)]

    def keep(self, text: str, result: RecognizerResult) -> bool:
        raise NotImplementedError
