"""Values inside structured message formats, judged by the field that holds them.

Each module reads one format and yields :class:`~gateway.recognizers.formats.fields.Field`
values with offsets into the text: HL7 v2 (``hl7``), FHIR JSON, X12, ISO 20022 XML
(``defusedxml``), SWIFT MT and NACHA. A text holding none of them costs a few substring
tests. A field's meaning replaces the label the other recognisers need (a ``PID-3`` is a
record number without the word "MRN"); its value must still have its type's shape.

:func:`layouts` gives the layout views of records and tables (NACHA, X12, ISO 20022, SWIFT MT, CSV),
in which the other recognisers read each field apart from the syntax around it, after what its
qualifier, scheme or column header says it is: a disguised value (spaced, escaped, base64) that no
field check accepts is still read with its label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from gateway.recognizers.base import found
from gateway.recognizers.formats import delimited, fhir, hl7v2, iso20022, nacha, swift_mt, x12
from gateway.recognizers.formats.fields import Field, Layout

PARSERS: tuple[Callable[[str], Iterator[Field]], ...] = (
    hl7v2.fields,
    fhir.fields,
    x12.fields,
    iso20022.fields,
    swift_mt.fields,
    nacha.fields,
)
ENTITIES = (
    "PERSON", "DATE_OF_BIRTH", "STREET_ADDRESS", "PHONE_NUMBER", "EMAIL_ADDRESS", "MEDICAL_RECORD_NUMBER",
    "HEALTH_PLAN_ID", "US_SSN", "US_NPI", "US_MBI", "US_DRIVER_LICENSE", "US_PASSPORT", "UK_NHS",
    "IBAN_CODE", "SWIFT_BIC", "ABA_ROUTING", "US_BANK_ACCOUNT",
)  # fmt: skip
SCORE = 0.9


def layouts(text: str) -> list[Layout]:
    """The layout views of ``text``: NACHA files, X12 segments, ISO 20022 documents, a SWIFT MT block 4
    and CSV tables in it, each read apart from the syntax around it."""
    return [*nacha.layout(text), *x12.layout(text), *iso20022.layout(text), *swift_mt.layout(text),
            *delimited.layout(text)]  # fmt: skip


class StructuredFormatRecognizer(EntityRecognizer):
    """Names, identifiers, dates of birth and contact details in HL7, FHIR, X12, ISO 20022, SWIFT MT, NACHA."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=list(ENTITIES), name="StructuredFormatRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        wanted = set(entities)
        unique: dict[tuple[str, int, int], str] = {}
        for parser in PARSERS:
            for field in parser(text):
                if field.entity in wanted:
                    unique.setdefault((field.entity, field.start, field.end), field.source)
        results = []
        for (entity, start, end), source in unique.items():
            explanation = AnalysisExplanation(recognizer=self.name, original_score=SCORE, textual_explanation=source)
            result = found(self, start, end, SCORE, explanation)
            result.entity_type = entity
            results.append(result)
        return results
