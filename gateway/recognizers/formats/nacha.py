"""NACHA (ACH) files: 94-character fixed-width records, read by their layout.

Entry detail records (type ``6``) hold the receiving bank's routing number (positions 4-12,
checked by its 3-7-1 checksum), the receiver's account number (13-29), an individual id
(40-54, reported when it is an SSN) and the individual's name (55-76). The name is a person's
in consumer batches (the batch header's standard entry class, positions 51-53: PPD, WEB,
TEL...); in corporate batches (CCD, CTX) only when it is shaped like a person's name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.recognizers.formats.fields import Field, looks_like_name, value_ok

RECORD_LENGTH = 94
_ENTRY = re.compile(r"(?m)^6\d{11}[ \w-]{17}\d{10}")
_RECORD = re.compile(rf"(?m)^[15678][^\r\n]{{{RECORD_LENGTH - 1}}}\r?$")
_CORPORATE = frozenset({"CCD", "CTX"})
# (first, last) positions of an entry detail record's fields, 1-based as the NACHA rules number them.
_LAYOUT = (("ABA_ROUTING", 4, 12), ("US_BANK_ACCOUNT", 13, 29), ("US_SSN", 40, 54), ("PERSON", 55, 76))


def fields(text: str) -> Iterator[Field]:
    if not _ENTRY.search(text):
        return
    entry_class = ""
    for record in _RECORD.finditer(text):
        line = record.group(0)
        if line[0] == "5":
            entry_class = line[50:53]
        elif line[0] == "6":
            yield from _entry(text, record.start(), entry_class)


def _entry(text: str, offset: int, entry_class: str) -> Iterator[Field]:
    for entity, first, last in _LAYOUT:
        start, end = offset + first - 1, offset + last
        while start < end and text[start] == " ":
            start += 1
        while end > start and text[end - 1] == " ":
            end -= 1
        value = text[start:end]
        if end == start or not value_ok(entity, value):
            continue
        if entity == "PERSON" and entry_class in _CORPORATE and not looks_like_name(value):
            continue
        yield Field(entity, start, end, f"NACHA entry detail {first}-{last}")
