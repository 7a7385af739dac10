"""ANSI X12 health-care transactions (837, 835, 270/271, 834): segments split by the ISA delimiters.

No PyPI parser fits: ``pyx12`` validates whole interchanges against its maps, refuses
fragments without a complete 106-character ``ISA`` and keeps no offsets; ``badx12`` has not
been released since 2018. The envelope says how to split (``ISA`` position 3 is the element
separator, 104 the component separator, 105 the segment terminator); pasted segments without
an envelope use ``*``, ``:`` and ``~`` (or a line break). Then each element means what its
segment and qualifier say: ``NM1`` names a person when ``NM102`` is ``1`` and ``NM109`` is a
member id after ``MI``, an SSN after ``34``, an NPI after ``XX``; ``DMG02`` is a birth date;
``N3``/``N4`` after a person's ``NM1`` are their address; ``REF02`` is what ``REF01`` says;
``PER`` holds a contact's name, phone and e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.recognizers.formats.fields import (
    QUALIFIER_WORDS,
    Field,
    Layout,
    Piece,
    Span,
    cover,
    looks_like_name,
    read_once,
    split_spans,
    trim,
    value_ok,
)

_ISA_LENGTH = 106
_ENVELOPE = re.compile(r"ISA(?P<element>[^\w\s])\d{2}(?P=element)")
# A segment opens after a non-word character, or after a written-out "\n" (a log or a JSON string).
_AFTER_BREAK = r"(?:(?<=\\[nr])|(?<![A-Za-z0-9]))"
_BARE_SEGMENT = re.compile(rf"{_AFTER_BREAK}(?:NM1|DMG|CLM|CLP)\*")
_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")

# NM108 identification code qualifiers.
_NM1_IDS = {
    "MI": "HEALTH_PLAN_ID",  # member identification number
    "II": "HEALTH_PLAN_ID",  # standard unique health identifier
    "HN": "HEALTH_PLAN_ID",  # health insurance claim number
    "ZZ": "HEALTH_PLAN_ID",
    "34": "US_SSN",
    "XX": "US_NPI",
    "MR": "MEDICAL_RECORD_NUMBER",
}
# REF01 reference identification qualifiers.
_REF_IDS = {
    "SY": "US_SSN",
    "0F": "HEALTH_PLAN_ID",  # subscriber number
    "1W": "HEALTH_PLAN_ID",  # member identification number
    "23": "HEALTH_PLAN_ID",  # client number
    "3H": "HEALTH_PLAN_ID",  # case number
    "ABB": "HEALTH_PLAN_ID",  # personal id number
    "F6": "HEALTH_PLAN_ID",  # health insurance claim (Medicare) number
    "HJ": "HEALTH_PLAN_ID",  # identity card number
    "IG": "HEALTH_PLAN_ID",  # insurance policy number
    "Q4": "HEALTH_PLAN_ID",  # prior identifier number
    "EA": "MEDICAL_RECORD_NUMBER",
    "DY": "US_DRIVER_LICENSE",
}
# PER communication number qualifiers.
_CONTACTS = {"TE": "PHONE_NUMBER", "CP": "PHONE_NUMBER", "HP": "PHONE_NUMBER", "WP": "PHONE_NUMBER",
             "FX": "PHONE_NUMBER", "EM": "EMAIL_ADDRESS"}  # fmt: skip


def _delimiters(text: str) -> tuple[str, str, str] | None:
    """(element, component, segment) separators, from the envelope or the defaults."""
    envelope = _ENVELOPE.search(text)
    if envelope is not None and len(text) >= envelope.start() + _ISA_LENGTH:
        start = envelope.start()
        return envelope.group("element"), text[start + 104], text[start + 105]
    if _BARE_SEGMENT.search(text):
        return "*", ":", "~" if "~" in text else "\n"
    return None


def fields(text: str) -> Iterator[Field]:
    person = False  # whether the last NM1 named a person (its N3/N4 are then their address)
    for segment, elements, values, component_sep in _segments(text):
        if segment == "NM1":
            person = _at(values, 2) == "1" or (_at(values, 2) == "" and _at(values, 4) != "")
        yield from _segment(text, segment, elements, values, person, component_sep)


def layout(text: str) -> list[Layout]:
    """The view of the segments in ``text``: each on a line, its elements apart, and each qualifier
    written as what it says the next element is (``REF*SY*...`` reads ``REF SSN: ...``)."""
    pieces: Layout = []
    for segment, elements, values, _ in _segments(text):
        qualifiers = _qualifiers(segment, values)
        for index, span in enumerate(elements):
            start, end = trim(text, span)
            words = qualifiers.get(index)
            if words is not None:
                pieces.append(Piece(start, end, ": ", label=True, text=words))
            elif end > start:
                pieces.append(Piece(start, end, " "))
        if pieces:
            last = pieces[-1]
            pieces[-1] = Piece(last.start, last.end, "\n", last.label, last.text)
    return [pieces] if pieces else []


def _qualifiers(segment: str, values: list[str]) -> dict[int, str]:
    """Positions of the qualifier elements of a segment, with the words for what they qualify."""
    if segment == "NM1" and (entity := _NM1_IDS.get(_at(values, 8))):
        return {8: QUALIFIER_WORDS[entity]}
    if segment == "REF" and (entity := _REF_IDS.get(_at(values, 1))):
        return {1: QUALIFIER_WORDS[entity]}
    if segment == "PER":
        return {i: QUALIFIER_WORDS[_CONTACTS[_at(values, i)]] for i in (3, 5, 7) if _at(values, i) in _CONTACTS}
    return {}


@read_once
def _segments(text: str) -> Iterator[tuple[str, list[Span], list[str], str]]:
    """(segment id, element spans, element values, component separator) of each segment in ``text``."""
    if "*" not in text and "ISA" not in text:
        return
    delimiters = _delimiters(text)
    if delimiters is None:
        return
    element_sep, component_sep, segment_sep = delimiters
    segment_opening = re.compile(rf"{_AFTER_BREAK}{_SEGMENT_ID.pattern}{re.escape(element_sep)}")
    for span in split_spans(text, (0, len(text)), segment_sep):
        start, end = trim(text, span)
        opening = segment_opening.search(text, start, end)  # prose may come before the first segment
        if opening is None:
            continue
        start = opening.start()
        elements = split_spans(text, (start, end), element_sep)
        segment = text[slice(*elements[0])]
        if not _SEGMENT_ID.fullmatch(segment) or len(elements) < 2:
            continue
        yield segment, elements, [text[a:b] for a, b in elements], component_sep


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


def _segment(
    text: str, segment: str, elements: list[Span], values: list[str], person: bool, component_sep: str
) -> Iterator[Field]:
    found: list[tuple[str, Span | None, str]] = []
    if segment == "NM1":
        if person:
            found.append(("PERSON", cover(elements[3:6]), "NM103"))
        entity = _NM1_IDS.get(_at(values, 8))
        if entity and (person or entity == "US_NPI") and len(elements) > 9:
            found.append((entity, elements[9], "NM109"))
    elif segment == "DMG" and _at(values, 1) == "D8" and len(elements) > 2:
        found.append(("DATE_OF_BIRTH", elements[2], "DMG02"))
    elif segment == "N3" and person:
        found.extend(("STREET_ADDRESS", e, f"N30{i}") for i, e in enumerate(elements[1:3], 1))
    elif segment == "N4" and person:
        found.append(("STREET_ADDRESS", cover(elements[1:4]), "N401"))
    elif segment == "REF" and (entity := _REF_IDS.get(_at(values, 1))) and len(elements) > 2:
        found.append((entity, elements[2], "REF02"))
    elif segment == "PER":
        if len(elements) > 2 and looks_like_name(values[2]):  # a contact's name, or a department's
            found.append(("PERSON", elements[2], "PER02"))
        for index in (3, 5, 7):
            if (entity := _CONTACTS.get(_at(values, index))) and len(elements) > index + 1:
                found.append((entity, elements[index + 1], f"PER0{index + 1}"))
    elif segment in ("CLM", "CLP"):  # patient control (account) number
        found.append(("MEDICAL_RECORD_NUMBER", split_spans(text, elements[1], component_sep)[0], f"{segment}01"))
    for entity, span, where in found:
        if span is None:
            continue
        start, end = trim(text, span)
        if end > start and value_ok(entity, text[start:end]):
            yield Field(entity, start, end, f"X12 {where}")
