"""HL7 v2 messages: parsed by the ``hl7`` package, fields judged by their place in the segment.

A run of segment lines (``PID|...``) is a message; with no ``MSH`` first, HL7's default
separators are assumed. ``hl7`` parses it (separators from ``MSH-1``/``MSH-2``, segment
structure); the same separators split the original text, so each field keeps its offsets.
``PID-5`` is a name (``FAMILY^GIVEN^MIDDLE``), ``PID-3`` a record number whatever its label,
``PID-7`` a birth date; a ``CX`` identifier's type code (``SS``, ``DL``, ``MB``...) says what
kind of number it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import hl7

from gateway.recognizers.formats.fields import Field, Span, cover, split_spans, trim, value_ok

_SEGMENT_LINE = re.compile(r"[A-Z][A-Z0-9]{2}\|")
# A segment ends at a line break, or at a written-out "\r" or "\n" (a message pasted from a log or a
# JSON string); HL7's own escapes (``\T\``, ``\X0D\``) are upper case.
_BREAK = re.compile(r"\r\n?|\n|\\r(?:\\n)?|\\n")
_DEFAULT_HEADER = "MSH|^~\\&\r"

# (segment, field number) -> (data type, entity). XPN and XCN are names, XAD an address,
# XTN a telecom number, CX an identifier (its type code may say otherwise), TS a date.
_FIELDS: dict[tuple[str, int], tuple[str, str]] = {
    ("PID", 2): ("CX", "MEDICAL_RECORD_NUMBER"),
    ("PID", 3): ("CX", "MEDICAL_RECORD_NUMBER"),
    ("PID", 4): ("CX", "MEDICAL_RECORD_NUMBER"),
    ("PID", 5): ("XPN", "PERSON"),
    ("PID", 6): ("XPN", "PERSON"),  # mother's maiden name
    ("PID", 7): ("TS", "DATE_OF_BIRTH"),
    ("PID", 9): ("XPN", "PERSON"),  # alias
    ("PID", 11): ("XAD", "STREET_ADDRESS"),
    ("PID", 13): ("XTN", "PHONE_NUMBER"),
    ("PID", 14): ("XTN", "PHONE_NUMBER"),
    ("PID", 18): ("CX", "MEDICAL_RECORD_NUMBER"),  # patient account number
    ("PID", 19): ("ID", "US_SSN"),
    ("PID", 20): ("CX", "US_DRIVER_LICENSE"),
    ("NK1", 2): ("XPN", "PERSON"),
    ("NK1", 4): ("XAD", "STREET_ADDRESS"),
    ("NK1", 5): ("XTN", "PHONE_NUMBER"),
    ("NK1", 6): ("XTN", "PHONE_NUMBER"),
    ("NK1", 16): ("TS", "DATE_OF_BIRTH"),
    ("NK1", 30): ("XPN", "PERSON"),
    ("NK1", 31): ("XTN", "PHONE_NUMBER"),
    ("NK1", 32): ("XAD", "STREET_ADDRESS"),
    ("NK1", 33): ("CX", "MEDICAL_RECORD_NUMBER"),
    ("NK1", 37): ("ID", "US_SSN"),
    ("GT1", 3): ("XPN", "PERSON"),
    ("GT1", 5): ("XAD", "STREET_ADDRESS"),
    ("GT1", 6): ("XTN", "PHONE_NUMBER"),
    ("GT1", 7): ("XTN", "PHONE_NUMBER"),
    ("GT1", 8): ("TS", "DATE_OF_BIRTH"),
    ("GT1", 12): ("ID", "US_SSN"),
    ("IN1", 16): ("XPN", "PERSON"),  # name of insured
    ("IN1", 18): ("TS", "DATE_OF_BIRTH"),
    ("IN1", 19): ("XAD", "STREET_ADDRESS"),
    ("IN1", 36): ("ID", "HEALTH_PLAN_ID"),  # policy number
    ("IN1", 49): ("CX", "HEALTH_PLAN_ID"),  # insured's id number
    ("IN2", 2): ("ID", "US_SSN"),
    ("IN2", 8): ("ID", "HEALTH_PLAN_ID"),  # Medicare number
    ("IN2", 61): ("CX", "HEALTH_PLAN_ID"),
    ("PV1", 7): ("XCN", "PERSON"),  # attending, referring, consulting, admitting doctors
    ("PV1", 8): ("XCN", "PERSON"),
    ("PV1", 9): ("XCN", "PERSON"),
    ("PV1", 17): ("XCN", "PERSON"),
    ("PV1", 19): ("CX", "MEDICAL_RECORD_NUMBER"),  # visit number
    ("MRG", 1): ("CX", "MEDICAL_RECORD_NUMBER"),  # prior identifiers
    ("MRG", 2): ("CX", "MEDICAL_RECORD_NUMBER"),
    ("MRG", 3): ("CX", "MEDICAL_RECORD_NUMBER"),
    ("MRG", 7): ("XPN", "PERSON"),
    ("PD1", 4): ("XCN", "PERSON"),  # primary care provider
    ("ROL", 4): ("XCN", "PERSON"),  # the person in a role
    ("AIP", 3): ("XCN", "PERSON"),  # scheduled personnel
    ("EVN", 5): ("XCN", "PERSON"),  # operator
    ("ORC", 10): ("XCN", "PERSON"),  # entered by, verified by, ordering provider
    ("ORC", 11): ("XCN", "PERSON"),
    ("ORC", 12): ("XCN", "PERSON"),
    ("OBR", 16): ("XCN", "PERSON"),  # ordering provider, result copies to
    ("OBR", 28): ("XCN", "PERSON"),
}
# CX-5 identifier type codes (HL7 table 0203) that name a more specific entity.
IDENTIFIER_TYPES = {
    "SS": "US_SSN",
    "DL": "US_DRIVER_LICENSE",
    "PPN": "US_PASSPORT",
    "MB": "HEALTH_PLAN_ID",
    "MC": "HEALTH_PLAN_ID",
    "MA": "HEALTH_PLAN_ID",
    "MI": "HEALTH_PLAN_ID",
    "SN": "HEALTH_PLAN_ID",
    "NPI": "US_NPI",
    "NH": "UK_NHS",
    "MR": "MEDICAL_RECORD_NUMBER",
    "PI": "MEDICAL_RECORD_NUMBER",
    "PT": "MEDICAL_RECORD_NUMBER",
    "AN": "MEDICAL_RECORD_NUMBER",
}
_WANTED_SEGMENTS = frozenset(segment for segment, _ in _FIELDS)


def _blocks(text: str) -> Iterator[list[Span]]:
    """Runs of consecutive segment lines (a line per segment, any line break)."""
    block: list[Span] = []
    starts = [0] + [b.end() for b in _BREAK.finditer(text)]
    ends = [b.start() for b in _BREAK.finditer(text)] + [len(text)]
    for line in zip(starts, ends, strict=True):
        if _SEGMENT_LINE.match(text, line[0]):
            block.append(line)
            continue
        if block:
            yield block
        block = []
    if block:
        yield block


def fields(text: str) -> Iterator[Field]:
    if "|" not in text:
        return
    for block in _blocks(text):
        ids = [text[start : start + 3] for start, _ in block]
        if not _WANTED_SEGMENTS.intersection(ids):
            continue
        lines = [text[start:end] for start, end in block]
        header = "" if ids[0] == "MSH" else _DEFAULT_HEADER
        try:
            message = hl7.parse(header + "\r".join(lines))
        except (hl7.exceptions.HL7Exception, IndexError, ValueError):
            continue  # not HL7 after all: the other recognisers still read the text
        # hl7 names the separators in MSH order: segment, field, repetition, component, subcomponent.
        _, field_sep, repetition_sep, component_sep, _ = message.separators
        segments = list(message)[1:] if header else list(message)
        if len(segments) != len(block):
            continue
        for span, segment in zip(block, segments, strict=True):
            yield from _segment_fields(text, span, str(segment[0]), field_sep, repetition_sep, component_sep)


def _segment_fields(
    text: str, span: Span, segment: str, field_sep: str, rep_sep: str, comp_sep: str
) -> Iterator[Field]:
    pieces = split_spans(text, span, field_sep)
    for number, field_span in enumerate(pieces):
        wanted = _FIELDS.get((segment, number))
        if wanted is None:
            continue
        data_type, entity = wanted
        for repetition in split_spans(text, field_span, rep_sep):
            components = [trim(text, c) for c in split_spans(text, repetition, comp_sep)]
            for kind, found in _judge(text, data_type, entity, components):
                yield Field(kind, found[0], found[1], f"HL7 {segment}-{number}")


def _judge(text: str, data_type: str, entity: str, components: list[Span]) -> list[tuple[str, Span]]:
    """The entity and span a field's components hold, if the value has that entity's shape."""
    found: Span | None
    if data_type == "XPN":
        found = cover(components[:3])  # family, given, further given names
    elif data_type == "XCN":
        found = cover(components[1:4])  # id, then family, given, further given names
    elif data_type == "XAD":
        found = cover(components[:6])  # street, other, city, state, postal code, country
    elif data_type == "TS":
        found = components[0]
    elif data_type == "XTN":
        return _telecom(text, components)
    elif data_type == "CX":
        type_code = text[slice(*components[4])].upper() if len(components) > 4 else ""
        entity = IDENTIFIER_TYPES.get(type_code, entity)
        found = components[0]
    else:  # a plain value
        found = cover(components)
    if found is None or found[0] == found[1] or not value_ok(entity, text[found[0] : found[1]]):
        return []
    return [(entity, found)]


def _telecom(text: str, components: list[Span]) -> list[tuple[str, Span]]:
    """XTN: a number written whole in XTN-1, or split into area/local/extension (XTN-6..8); XTN-4 an e-mail."""
    found = []
    whole = components[0]
    if value_ok("PHONE_NUMBER", text[whole[0] : whole[1]]):
        found.append(("PHONE_NUMBER", whole))
    elif (parts := cover(components[5:8])) and value_ok("PHONE_NUMBER", text[parts[0] : parts[1]]):
        found.append(("PHONE_NUMBER", parts))
    if len(components) > 3 and value_ok("EMAIL_ADDRESS", text[slice(*components[3])]):
        found.append(("EMAIL_ADDRESS", components[3]))
    return found
