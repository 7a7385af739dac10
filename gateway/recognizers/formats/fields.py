"""What the format parsers share: a field found by its meaning, offset arithmetic, value checks.

A parser knows what a field means (``PID-5`` is a name, ``NM109`` after ``MI`` a member id);
the checks here only make sure the value has its type's shape (and checksum), so an empty,
placeholder or malformed field is not reported.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from stdnum import bic, iban
from stdnum.gb import nhs

from gateway.recognizers.checksums import aba_valid, digits_only, luhn_valid
from gateway.recognizers.structured import _is_name


@dataclass(frozen=True, slots=True)
class Field:
    """A value of ``entity`` at ``text[start:end]``; ``source`` names the field (``HL7 PID-5``)."""

    entity: str
    start: int
    end: int
    source: str


Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Piece:
    """A span of the text in a layout view (a fixed-width field, a CSV cell), then ``after``.

    A ``label`` piece (a CSV column's header put before each of its cells, an X12 qualifier) is context
    only: a value found over it is not a value of the text. ``text``, when given, is written instead of
    the piece's own characters (an X12 qualifier ``SY`` as what it means, ``SSN``).
    """

    start: int
    end: int
    after: str = " "
    label: bool = False
    text: str | None = None


Layout = list[Piece]

# The words a layout view writes for a field's qualifier or scheme code (X12 ``REF01``, an ISO 20022
# scheme), the label the recognisers of that type read before a value.
QUALIFIER_WORDS = {
    "US_SSN": "SSN", "MEDICAL_RECORD_NUMBER": "MRN", "HEALTH_PLAN_ID": "member ID", "US_NPI": "NPI",
    "US_DRIVER_LICENSE": "driver's license", "US_PASSPORT": "passport number", "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
}  # fmt: skip


T = TypeVar("T")
# The text being read (inside ``reading``) and the records each parser found in it.
_READING: ContextVar[tuple[str, dict[object, tuple[object, ...]]] | None] = ContextVar("reading", default=None)


def read_once(parse: Callable[[str], Iterator[T]]) -> Callable[[str], tuple[T, ...]]:
    """``parse``, whose records of a text are kept while that text is read (inside :func:`reading`):
    the format recogniser and the layout views of one text parse each record once."""

    @functools.wraps(parse)
    def parsed(text: str) -> tuple[T, ...]:
        current = _READING.get()
        if current is None or current[0] != text:
            return tuple(parse(text))
        records = current[1]
        if parse not in records:
            records[parse] = tuple(parse(text))
        return records[parse]  # type: ignore[return-value]

    return parsed


@contextmanager
def reading(text: str) -> Iterator[None]:
    """Keep the records parsed from ``text`` inside this block; nothing is kept after it (the text is
    not cached)."""
    token = _READING.set((text, {}))
    try:
        yield
    finally:
        _READING.reset(token)


def split_spans(text: str, span: Span, separator: str) -> list[Span]:
    """The pieces of ``text[span]`` between ``separator`` characters, as spans of ``text``."""
    start, end = span
    pieces = []
    while (index := text.find(separator, start, end)) >= 0:
        pieces.append((start, index))
        start = index + len(separator)
    pieces.append((start, end))
    return pieces


def trim(text: str, span: Span) -> Span:
    """``span`` without surrounding white space."""
    start, end = span
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def cover(spans: list[Span]) -> Span | None:
    """From the first non-empty span to the last (``FAMILY^GIVEN^MIDDLE`` as one name), or None."""
    filled = [s for s in spans if s[1] > s[0]]
    return (filled[0][0], filled[-1][1]) if filled else None


_LETTER = re.compile(r"[^\W\d_]")
_BIRTH_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_MBI = re.compile(r"[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d[AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9]\d"
                  r"[AC-HJKMNP-RT-Y]{2}\d{2}")  # fmt: skip


def looks_like_name(value: str) -> bool:
    """A person's full name in a field that may also hold a company's or a department's."""
    return _is_name(value.strip(), single_word_ok=False)


def has_letter(value: str) -> bool:
    return bool(_LETTER.search(value))


def birth_date_ok(value: str) -> bool:
    """``YYYYMMDD`` or ``YYYY-MM-DD`` (a time may follow), a real date from 1900 to today."""
    match = _BIRTH_DATE.match(value.strip())
    if match is None:
        return False
    try:
        date = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return False
    return 1900 <= date.year and date <= dt.date.today()


def phone_ok(value: str) -> bool:
    return 7 <= len(digits_only(value)) <= 15


def email_ok(value: str) -> bool:
    return bool(_EMAIL.fullmatch(value.strip()))


def ssn_ok(value: str) -> bool:
    """Nine digits, area not 000, 666 or 9xx, group not 00, serial not 0000 (Presidio's rules)."""
    digits = digits_only(value)
    if len(digits) != 9 or len(value.strip()) > 11:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def npi_ok(value: str) -> bool:
    return len(value) == 10 and value.isdigit() and luhn_valid("80840" + value)


def bic_ok(value: str) -> bool:
    return bic.is_valid(value)


_CHECKS = {
    "US_SSN": ssn_ok,
    "US_NPI": npi_ok,
    "US_MBI": lambda v: bool(_MBI.fullmatch(v.replace("-", ""))),
    "UK_NHS": lambda v: nhs.is_valid(digits_only(v)) and len(digits_only(v)) == 10,
    "IBAN_CODE": iban.is_valid,
    "SWIFT_BIC": bic_ok,
    "ABA_ROUTING": lambda v: aba_valid(v.strip()),
    "PHONE_NUMBER": phone_ok,
    "EMAIL_ADDRESS": email_ok,
    "DATE_OF_BIRTH": birth_date_ok,
}


def value_ok(entity: str, value: str) -> bool:
    """``value`` has the shape of ``entity``: its checksum where it has one, else a digit (ids) or a letter."""
    check = _CHECKS.get(entity)
    if check is not None:
        return check(value)
    if entity in ("PERSON", "STREET_ADDRESS"):
        return has_letter(value) or (entity == "STREET_ADDRESS" and any(c.isdigit() for c in value))
    return len(value.strip()) >= 3 and any(c.isdigit() for c in value)
