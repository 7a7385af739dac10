"""NACHA (ACH) files: 94-character fixed-width records, read by their layout.

Entry detail records (type ``6``) hold the receiving bank's routing number (positions 4-12,
checked by its 3-7-1 checksum), the receiver's account number (13-29), an individual id
(40-54, reported when it is an SSN) and the individual's name (55-76; 59-74 in a CTX entry,
whose 55-58 count its addenda). The name is a person's in consumer batches (the batch header's
standard entry class, positions 51-53: PPD, WEB, TEL...); in corporate batches (CCD, CTX) only
when it is shaped like a person's name.

Addenda records (type ``7``) carry free text, the payment related information (positions 4-83),
continued over the addenda of one entry (a CTX entry may have thousands). :func:`layout` gives
the fields of every entry apart and the addenda text joined, so the other recognisers read a
value that touches its neighbour field or runs over two addenda records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gateway.recognizers.formats.fields import Field, Layout, Piece, looks_like_name, read_once, value_ok

RECORD_LENGTH = 94
_ENTRY = re.compile(r"(?m)^6\d{11}[ \w-]{17}\d{10}")
_RECORD = re.compile(rf"(?m)^[15678][^\r\n]{{{RECORD_LENGTH - 1}}}\r?$")
_CORPORATE = frozenset({"CCD", "CTX"})
# (first, last) positions of an entry detail record's fields, 1-based as the NACHA rules number them.
_LAYOUT = (("ABA_ROUTING", 4, 12), ("US_BANK_ACCOUNT", 13, 29), ("US_SSN", 40, 54), ("PERSON", 55, 76))
_CTX_LAYOUT = (*_LAYOUT[:3], ("PERSON", 59, 74))
# Every field of an entry detail record, and the payment related information of an addenda record.
_ENTRY_FIELDS = ((2, 3), (4, 12), (13, 29), (30, 39), (40, 54), (55, 58), (59, 76), (77, 78), (79, 79), (80, 94))
_CTX_ENTRY_FIELDS = (*_ENTRY_FIELDS[:5], (55, 58), (59, 74), (75, 76), (77, 78), (79, 79), (80, 94))
_PPD_ENTRY_FIELDS = (*_ENTRY_FIELDS[:5], (55, 76), (77, 78), (79, 79), (80, 94))
_ADDENDA_TEXT = (4, 83)


def fields(text: str) -> Iterator[Field]:
    if not _ENTRY.search(text):
        return
    for line, offset, entry_class in _records(text):
        if line[0] == "6":
            yield from _entry(text, offset, entry_class)


def layout(text: str) -> list[Layout]:
    """The view of each NACHA file in ``text``: every entry's fields apart, each on a line, its addenda
    text on the next, joined where a full addenda runs on into the following one."""
    if not _ENTRY.search(text):
        return []
    pieces: Layout = []
    records = _records(text)
    for (line, offset, entry_class), following in zip(records, [*records[1:], None], strict=True):
        if line[0] == "6":
            positions = _CTX_ENTRY_FIELDS if entry_class == "CTX" else _PPD_ENTRY_FIELDS
            entry = [_piece(text, offset, first, last, " ") for first, last in positions]
            pieces.extend([*entry[:-1], Piece(entry[-1].start, entry[-1].end, "\n")])
        elif line[0] == "7":
            # the text goes on in the next addenda record: straight on from a full one, as a new word
            # after a padded one; the entry's last addenda ends a line
            goes_on = following is not None and following[0][0] == "7"
            full = line[_ADDENDA_TEXT[1] - 1] != " "
            start, end = _trimmed(text, offset + _ADDENDA_TEXT[0] - 1, offset + _ADDENDA_TEXT[1])
            start = offset + _ADDENDA_TEXT[0] - 1 if start < end else start  # a leading blank parts two words
            pieces.append(Piece(start, end, ("" if full else " ") if goes_on else "\n"))
    return [[piece for piece in pieces if piece.end > piece.start or piece.after == "\n"]] if pieces else []


@read_once
def _records(text: str) -> Iterator[tuple[str, int, str]]:
    """(record, its offset, the standard entry class of its batch) for each 94-character record."""
    entry_class = ""
    for record in _RECORD.finditer(text):
        line = record.group(0)
        if line[0] == "5":
            entry_class = line[50:53]
        yield line, record.start(), entry_class


def _piece(text: str, offset: int, first: int, last: int, after: str) -> Piece:
    start, end = _trimmed(text, offset + first - 1, offset + last)
    return Piece(start, end, after)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return start, end


def _entry(text: str, offset: int, entry_class: str) -> Iterator[Field]:
    for entity, first, last in _CTX_LAYOUT if entry_class == "CTX" else _LAYOUT:
        start, end = _trimmed(text, offset + first - 1, offset + last)
        value = text[start:end]
        if end == start or not value_ok(entity, value):
            continue
        if entity == "PERSON" and entry_class in _CORPORATE and not looks_like_name(value):
            continue
        yield Field(entity, start, end, f"NACHA entry detail {first}-{last}")
