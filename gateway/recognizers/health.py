"""Health identifiers: NPI, DEA, medical record numbers and health-plan member ids (MBI is Presidio's)."""

from __future__ import annotations

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import UsHealthInsuranceMemberIdRecognizer
from presidio_analyzer.predefined_recognizers import UsNpiRecognizer as PresidioUsNpiRecognizer

from gateway.recognizers.base import GatewayPatternRecognizer, LabelledValueRecognizer
from gateway.recognizers.checksums import dea_valid


class NpiRecognizer(PresidioUsNpiRecognizer):
    """Presidio's NPI recogniser (Luhn over ``80840`` + number), tuned for prompts.

    One 10-digit number in ten passes the check (phone numbers too), so a valid
    checksum keeps the pattern score and provider wording has to confirm it.
    """

    CONTEXT = [*PresidioUsNpiRecognizer.CONTEXT, "prescriber", "physician", "clinician", "practitioner", "nppes"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if super().validate_result(pattern_text) else False


class UsDeaRecognizer(GatewayPatternRecognizer):
    """DEA registration number: registrant letter, name letter, 7 digits with check digit."""

    ENTITY = "US_DEA"
    PATTERNS = [Pattern("dea", r"\b[ABCDEFGHJKLMPRSTUX][A-Z9]\d{7}\b", 0.5)]
    CONTEXT = ["dea", "registration", "prescriber", "controlled", "schedule", "prescription"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if dea_valid(pattern_text.upper()) else False


class HealthInsuranceMemberIdRecognizer(UsHealthInsuranceMemberIdRecognizer):
    """Presidio's member-id recogniser (letters and digits near member wording), as HEALTH_PLAN_ID."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, supported_entity="HEALTH_PLAN_ID")


class MedicalRecordNumberRecognizer(LabelledValueRecognizer):
    """A facility record number after its label (``MRN``, ``medical record no.``, ``chart #``)."""

    ENTITY = "MEDICAL_RECORD_NUMBER"
    PATTERNS = [
        Pattern(
            "labelled_mrn",
            r"(?i:\b(?:MRN|med(?:ical)?\s+rec(?:ord)?s?(?:\s+(?:number|num|no\.?|#|id))?|chart\s*(?:number|num|no\.?|#|id)"
            r"|patient\s*(?:id|#|number|no\.?)|hospital\s+(?:number|no\.?))[\s\"'|]*(?:is|was|=|:|#|-)?[\s\"'|]*#?\s*)"
            r"(?P<value>[A-Z]{0,4}-?\d[\d-]{3,14}\d)\b",
            0.85,
        )
    ]
    CONTEXT = ["mrn", "medical", "record", "chart", "patient"]


class LabelledHealthPlanIdRecognizer(LabelledValueRecognizer):
    """An insurance member / subscriber / policy id after its label (also a ``"member_id": "..."`` key).

    A group number identifies the employer's plan, not the person, so ``Group #`` is not a label.
    """

    ENTITY = "HEALTH_PLAN_ID"
    PATTERNS = [
        Pattern(
            "labelled_member_id",
            r"(?=(?i:[msibhp]))"  # the first letters of the labels: other positions are skipped cheaply
            r"(?i:\b(?:member|subscriber|insurance|insured|beneficiary|health[\s_]+plan|plan|policy|medicaid)"
            r"[\s_-]*(?:id|#|number|num|no\.?|identifier)[\"']?\s*(?:is|was|=|:|#|-)?\s*[\"']?#?\s*)"
            r"(?P<value>[A-Z0-9][A-Z0-9-]{4,19}[A-Z0-9])\b",
            0.85,
        )
    ]
    CONTEXT = ["member", "subscriber", "insurance", "policy", "plan"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if any(char.isdigit() for char in pattern_text) else False
