"""SSN, ITIN, passport, driver licence, date of birth and labelled names."""

from __future__ import annotations

import pytest
from presidio_analyzer.predefined_recognizers import UsItinRecognizer

from gateway.recognizers.identity import (
    DateOfBirthRecognizer,
    PersonNameRecognizer,
    SsnRecognizer,
    UsDriverLicenseRecognizer,
)
from tests.recognizer_helpers import matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 219-09-9999", ["219-09-9999"]),
        ("SSN 536 22 8726", ["536 22 8726"]),
        ("SSN 000-12-3456", []),
        ("SSN 666-12-3456", []),
        ("SSN 912-12-3456", []),  # 9xx area is an ITIN
        ("SSN 219-00-9999", []),
        ("SSN 219-09-0000", []),
        ("SSN 219-09.9999", []),  # mixed separators
    ],
)
def test_ssn(text: str, expected: list[str]) -> None:
    assert matched(SsnRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ITIN 912-70-1234", ["912-70-1234"]), ("ITIN 912-93-1234", []), ("ITIN 812-70-1234", [])],
)
def test_itin_from_presidio(text: str, expected: list[str]) -> None:
    assert matched(UsItinRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("driver's license number D1234567", ["D1234567"]),
        ("DL: S530-4127-9921", ["S530-4127-9921"]),
        ("driver license pending", []),
        ("DLL version 2", []),
    ],
)
def test_driver_license(text: str, expected: list[str]) -> None:
    assert matched(UsDriverLicenseRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DOB: 03/14/1962", ["03/14/1962"]),
        ("date of birth 1962-03-14", ["1962-03-14"]),
        ("born on March 14, 1962", ["March 14, 1962"]),
        ("D.O.B. 14 Mar 1962", ["14 Mar 1962"]),
        ("DOB 13/45/1962", []),  # no such date
        ("appointment 03/14/2024", []),  # not a birth
        ("DOB 03/14/2199", []),  # in the future
    ],
)
def test_date_of_birth(text: str, expected: list[str]) -> None:
    assert matched(DateOfBirthRecognizer(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seen by Dr. Maria Gonzalez today", ["Maria Gonzalez"]),
        ("Patient: John Smith", ["John Smith"]),
        ("Employee name: Priya Raman-Iyer", ["Priya Raman-Iyer"]),
        ("Patient: stable overnight", []),
    ],
)
def test_person_name(text: str, expected: list[str]) -> None:
    assert matched(PersonNameRecognizer(), text) == expected
