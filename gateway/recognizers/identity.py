"""Personal identifiers: SSN, driver licence, date of birth and labelled names.

ITIN and passport numbers use Presidio's recognisers unchanged (see ``__init__``).
"""

from __future__ import annotations

import datetime as dt
import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import UsSsnRecognizer as PresidioUsSsnRecognizer

from gateway.recognizers.base import LabelledValueRecognizer
from gateway.recognizers.checksums import digits_only

_MONTHS = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}"
    rf"|(?i:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:st|nd|rd|th)?\s+(?i:{_MONTHS})\.?,?\s+\d{{4}})"
)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}


class SsnRecognizer(PresidioUsSsnRecognizer):
    """Presidio's SSN recogniser plus the 900-999 area rule (those are ITINs, never SSNs).

    The class has its own name (Presidio finds its defaults by class name) but
    reports findings under Presidio's recogniser name, as API.md shows.
    """

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(supported_language=supported_language, name="UsSsnRecognizer")

    def invalidate_result(self, pattern_text: str) -> bool:
        return super().invalidate_result(pattern_text) or digits_only(pattern_text).startswith("9")


class UsDriverLicenseRecognizer(LabelledValueRecognizer):
    """A driver-licence number after its label; replaces Presidio's pattern, noisy in prompts."""

    ENTITY = "US_DRIVER_LICENSE"
    PATTERNS = [
        Pattern(
            "labelled_license",
            r"(?:(?i:\bdriver'?s?\s+licen[cs]e|\bdriving\s+licen[cs]e)|\bDL)\s*(?i:number|num|no\.?|#|id)?"
            r"\s*(?:is|was|=|:|#|-)?\s*#?\s*(?P<value>[A-Za-z]{0,3}-?\d[A-Za-z0-9-]{4,16}[A-Za-z0-9])\b",
            0.85,
        )
    ]
    CONTEXT = ["driver", "license", "licence", "dl", "dmv"]

    def validate_result(self, pattern_text: str) -> bool | None:
        return None if len(digits_only(pattern_text)) >= 4 else False


def _parse_date(value: str) -> dt.date | None:
    """A calendar date from the forms ``_DATE`` accepts (month/day order as written in the US)."""
    numbers = [int(n) for n in re.findall(r"\d+", value)]
    month_name = re.search(r"[A-Za-z]{3}", re.sub(r"(?i)\d+(?:st|nd|rd|th)", "", value))
    try:
        if month_name:
            day, year = (numbers[0], numbers[1])
            return dt.date(year, _MONTH_NUMBERS[month_name.group(0).lower()], day)
        first, second, third = numbers
        if first > 31:
            return dt.date(first, second, third)
        year = third + (1900 if third >= 30 else 2000) if third < 100 else third
        if first > 12:
            return dt.date(year, second, first)
        return dt.date(year, first, second)
    except (ValueError, KeyError, IndexError):
        return None


class DateOfBirthRecognizer(LabelledValueRecognizer):
    """A date tied to a birth by its label (``DOB``, ``date of birth``, ``born on``)."""

    ENTITY = "DATE_OF_BIRTH"
    PATTERNS = [
        Pattern(
            "labelled_dob",
            r"(?:(?i:\bD\.?O\.?B\b\.?|\bdate\s+of\s+birth|\bbirth\s*date|\bbirthday|\bborn(?:\s+on)?)"
            r"\s*(?i:is|was|of|on|=|:|-)?\s*(?:\(?\s*)?)"
            rf"(?P<value>{_DATE})",
            0.85,
        )
    ]
    CONTEXT = ["dob", "birth", "born", "birthday"]

    def validate_result(self, pattern_text: str) -> bool | None:
        date = _parse_date(pattern_text)
        return None if date is not None and 1900 <= date.year <= dt.date.today().year else False


class PersonNameRecognizer(LabelledValueRecognizer):
    """A capitalised name after a title or a name label; complements spaCy's NER."""

    ENTITY = "PERSON"
    _NAME = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?){1,2}"
    PATTERNS = [
        Pattern("titled_name", r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+(?P<value>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\b", 0.7),
        Pattern(
            "labelled_name",
            r"(?i:\b(?:patient|name|employee|applicant|customer|client|insured|cardholder|account\s+holder|candidate"
            r"|beneficiary|subscriber)(?:\s+name)?\s*[:=-]\s*)"
            rf"(?P<value>{_NAME})\b",
            0.75,
        ),
    ]
    CONTEXT = ["name", "patient", "employee", "mr", "mrs", "ms", "dr"]
