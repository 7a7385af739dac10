"""NPI, DEA, MBI, medical record numbers and health-plan ids."""

from __future__ import annotations

import pytest
from presidio_analyzer.predefined_recognizers import UsMbiRecognizer

from gateway.recognizers.checksums import dea_valid
from gateway.recognizers.health import (
    HealthInsuranceMemberIdRecognizer,
    LabelledHealthPlanIdRecognizer,
    MedicalRecordNumberRecognizer,
    NpiRecognizer,
    UsDeaRecognizer,
)
from tests.recognizer_helpers import matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NPI 1234567893", ["1234567893"]),
        ("NPI 1245319599", ["1245319599"]),
        ("NPI 1234567890", []),  # check digit
        ("NPI 3234567893", []),  # must start with 1 or 2
        ("NPI 1111111112", []),  # degenerate
    ],
)
def test_npi(text: str, expected: list[str]) -> None:
    results = NpiRecognizer().analyze(text, ["US_NPI"])
    assert [text[r.start : r.end] for r in results] == expected
    assert all(r.score < 0.4 for r in results)  # provider wording has to confirm it


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DEA AB1234563", ["AB1234563"]),
        ("DEA BJ6125341", ["BJ6125341"]),
        ("DEA AB1234564", []),
        ("part AB12345", []),
    ],
)
def test_dea(text: str, expected: list[str]) -> None:
    assert matched(UsDeaRecognizer(), text) == expected
    assert dea_valid("AB1234563") and not dea_valid("AB1234564")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MBI 1EG4-TE5-MK73", ["1EG4-TE5-MK73"]),
        ("MBI 1EG4TE5MK73", ["1EG4TE5MK73"]),
        ("MBI 1SG4-TE5-MK73", []),  # S is not used
        ("MBI 0EG4-TE5-MK7", []),
    ],
)
def test_mbi_from_presidio(text: str, expected: list[str]) -> None:
    assert matched(UsMbiRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MRN: 00482913", ["00482913"]),
        ("medical record number 7731920", ["7731920"]),
        ("Chart #: MR-448812", ["MR-448812"]),
        ("patient id 55123098", ["55123098"]),
        ("the MRN field is blank", []),
        ("order 00482913", []),
    ],
)
def test_medical_record_number(text: str, expected: list[str]) -> None:
    assert matched(MedicalRecordNumberRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Member ID: XYZ123456789", ["XYZ123456789"]),
        ("subscriber id 884412097", ["884412097"]),
        ("policy number H12-99812", ["H12-99812"]),
        ("member id pending", []),
        ("Group #: 004597", []),  # the employer's plan, not the person
        ("Member ID: W123456789   Group #: 004597", ["W123456789"]),
        ('{"member_id": "W528571907", "dob": "04/01/1989"}', ["W528571907"]),
    ],
)
def test_health_plan_id(text: str, expected: list[str]) -> None:
    assert matched(LabelledHealthPlanIdRecognizer(), text) == expected


def test_presidio_member_id_reports_health_plan_id() -> None:
    assert HealthInsuranceMemberIdRecognizer().supported_entities == ["HEALTH_PLAN_ID"]
    assert matched(HealthInsuranceMemberIdRecognizer(), "member ABC1234567") == ["ABC1234567"]
